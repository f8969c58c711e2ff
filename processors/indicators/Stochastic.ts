import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, wholeNumbers } from './IndicatorDefinition.ts';
import { RollingWindow } from './RollingWindow.ts';
import { Sma, type SmaState } from './Sma.ts';

export interface StochasticState {
  highs: number[];
  lows: number[];
  slowK: SmaState;
  slowD: SmaState;
}

export interface StochasticValue {
  k: number;
  d: number;
}

/**
 * The stochastic oscillator as TA-Lib's TA_STOCH with simple moving averages (MA type 0): fast %K =
 * (close − lowest low) / ((highest high − lowest low) / 100) over the last `fastK` candles, 0 when that
 * range is exactly 0; slow %K = SMA(fast %K, slowK); slow %D = SMA(slow %K, slowD). Like TA-Lib, both
 * lines start together, at index (fastK − 1) + (slowK − 1) + (slowD − 1).
 */
export class Stochastic implements Indicator<[number, number, number], StochasticValue> {
  readonly fastK: number;
  #highs: RollingWindow;
  #lows: RollingWindow;
  #slowK: Sma;
  #slowD: Sma;
  // The window's extremes, and how many candles ago each came in: rescanned only once it leaves the window.
  #highest = -Infinity;
  #highestAge = 0;
  #lowest = Infinity;
  #lowestAge = 0;

  constructor(fastK = 14, slowK = 3, slowD = 3, saved?: StochasticState) {
    this.fastK = requirePeriod('Stochastic fast %K period', fastK);
    requirePeriod('Stochastic slow %K period', slowK);
    requirePeriod('Stochastic slow %D period', slowD);
    this.#highs = new RollingWindow(fastK, saved?.highs);
    this.#lows = new RollingWindow(fastK, saved?.lows);
    this.#slowK = new Sma(slowK, saved?.slowK);
    this.#slowD = new Sma(slowD, saved?.slowD);
    this.#rescanHighest();
    this.#rescanLowest();
  }

  update(high: number, low: number, close: number): StochasticValue | null {
    this.#highs.push(high);
    this.#lows.push(low);
    // On a tie the newer candle wins: it stays in the window longer.
    if (high >= this.#highest) {
      this.#highest = high;
      this.#highestAge = 0;
    } else if (++this.#highestAge === this.fastK) this.#rescanHighest();
    if (low <= this.#lowest) {
      this.#lowest = low;
      this.#lowestAge = 0;
    } else if (++this.#lowestAge === this.fastK) this.#rescanLowest();
    if (!this.#highs.full) return null;
    // TA-Lib's order of operations: the range is divided by 100 first.
    const range = (this.#highest - this.#lowest) / 100;
    const fastK = range !== 0 ? (close - this.#lowest) / range : 0;
    const k = this.#slowK.update(fastK);
    if (k === null) return null;
    const d = this.#slowD.update(k);
    return d === null ? null : { k, d };
  }

  snapshot(): StochasticState {
    return { highs: this.#highs.toArray(), lows: this.#lows.toArray(), slowK: this.#slowK.snapshot(), slowD: this.#slowD.snapshot() };
  }

  #rescanHighest(): void {
    const highs = this.#highs.toArray();
    this.#highest = -Infinity;
    for (let i = 0; i < highs.length; i++) {
      if (highs[i] < this.#highest) continue;
      this.#highest = highs[i];
      this.#highestAge = highs.length - 1 - i;
    }
  }

  #rescanLowest(): void {
    const lows = this.#lows.toArray();
    this.#lowest = Infinity;
    for (let i = 0; i < lows.length; i++) {
      if (lows[i] > this.#lowest) continue;
      this.#lowest = lows[i];
      this.#lowestAge = lows.length - 1 - i;
    }
  }
}

/**
 * `stoch=14,3,3` (fast %K, slow %K, slow %D), or `stoch` alone for those: stoch_k and stoch_d. Off by
 * default. Named after the two lines, not the periods, as macd and bb are.
 */
export const STOCH = defineIndicator({
  name: 'stoch',
  defaults: { fastK: 14, slowK: 3, slowD: 3 } as { fastK: number; slowK: number; slowD: number },
  byDefault: false,
  parse: (numbers) => {
    const [fastK, slowK, slowD] = wholeNumbers(numbers, 3);
    return { fastK, slowK, slowD };
  },
  columns: () => ['stoch_k', 'stoch_d'],
  create({ fastK, slowK, slowD }, saved) {
    const stochastic = new Stochastic(fastK, slowK, slowD, saved as StochasticState | undefined);
    return {
      update(c, out) {
        const value = stochastic.update(c.high, c.low, c.close);
        out.stoch_k = value?.k ?? null;
        out.stoch_d = value?.d ?? null;
      },
      snapshot: () => stochastic.snapshot(),
    };
  },
});
