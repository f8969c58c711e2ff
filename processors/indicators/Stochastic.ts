import type { BinaryWriter } from '../../state/binaryValue.ts';
import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, wholeNumbers, type IndicatorSlots } from './IndicatorDefinition.ts';
import { RingSlots } from './RingSlots.ts';
import { SmaSlots, type SmaState } from './Sma.ts';
import { grown } from './grown.ts';

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
 * Stochastic oscillators, one per slot, as TA-Lib's TA_STOCH with simple moving averages (MA type 0):
 * fast %K = (close − lowest low) / ((highest high − lowest low) / 100) over the last `fastK` candles,
 * 0 when that range is exactly 0; slow %K = SMA(fast %K, slowK); slow %D = SMA(slow %K, slowD). Like
 * TA-Lib, both lines start together, at index (fastK − 1) + (slowK − 1) + (slowD − 1).
 */
export class StochasticSlots {
  readonly fastK: number;
  readonly highs: RingSlots;
  readonly lows: RingSlots;
  readonly slowK: SmaSlots;
  readonly slowD: SmaSlots;
  // The window's extremes, and how many candles ago each came in: rescanned only once it leaves the window.
  highest: Float64Array;
  highestAge: Int32Array;
  lowest: Float64Array;
  lowestAge: Int32Array;
  /** The last step's lines, when it returned true. */
  k = 0;
  d = 0;

  constructor(fastK: number, slowK: number, slowD: number, capacity: number) {
    this.fastK = requirePeriod('Stochastic fast %K period', fastK);
    requirePeriod('Stochastic slow %K period', slowK);
    requirePeriod('Stochastic slow %D period', slowD);
    this.highs = new RingSlots(fastK, capacity);
    this.lows = new RingSlots(fastK, capacity);
    this.slowK = new SmaSlots(slowK, capacity);
    this.slowD = new SmaSlots(slowD, capacity);
    this.highest = new Float64Array(capacity);
    this.highestAge = new Int32Array(capacity);
    this.lowest = new Float64Array(capacity);
    this.lowestAge = new Int32Array(capacity);
  }

  grow(capacity: number): void {
    this.highs.grow(capacity);
    this.lows.grow(capacity);
    this.slowK.grow(capacity);
    this.slowD.grow(capacity);
    this.highest = grown(this.highest, capacity);
    this.highestAge = grown(this.highestAge, capacity);
    this.lowest = grown(this.lowest, capacity);
    this.lowestAge = grown(this.lowestAge, capacity);
  }

  load(slot: number, saved: StochasticState | undefined): void {
    this.highs.load(slot, saved?.highs);
    this.lows.load(slot, saved?.lows);
    this.slowK.load(slot, saved?.slowK);
    this.slowD.load(slot, saved?.slowD);
    this.highestAge[slot] = 0;
    this.lowestAge[slot] = 0;
    this.#rescanHighest(slot);
    this.#rescanLowest(slot);
  }

  /** False during the lookback; else true, the lines in `k` and `d`. */
  step(slot: number, high: number, low: number, close: number): boolean {
    this.highs.push(slot, high);
    this.lows.push(slot, low);
    // On a tie the newer candle wins: it stays in the window longer.
    if (high >= this.highest[slot]) {
      this.highest[slot] = high;
      this.highestAge[slot] = 0;
    } else if (++this.highestAge[slot] === this.fastK) this.#rescanHighest(slot);
    if (low <= this.lowest[slot]) {
      this.lowest[slot] = low;
      this.lowestAge[slot] = 0;
    } else if (++this.lowestAge[slot] === this.fastK) this.#rescanLowest(slot);
    if (!this.highs.full(slot)) return false;
    // TA-Lib's order of operations: the range is divided by 100 first.
    const range = (this.highest[slot] - this.lowest[slot]) / 100;
    const fastK = range !== 0 ? (close - this.lowest[slot]) / range : 0;
    const k = this.slowK.step(slot, fastK);
    if (k === null) return false;
    const d = this.slowD.step(slot, k);
    if (d === null) return false;
    this.k = k;
    this.d = d;
    return true;
  }

  snapshot(slot: number): StochasticState {
    return {
      highs: this.highs.toArray(slot),
      lows: this.lows.toArray(slot),
      slowK: this.slowK.snapshot(slot),
      slowD: this.slowD.snapshot(slot),
    };
  }

  /** encodeValue(snapshot(slot)), without building it. */
  write(slot: number, w: BinaryWriter): void {
    w.object(4);
    w.key('highs');
    this.highs.write(slot, w);
    w.key('lows');
    this.lows.write(slot, w);
    w.key('slowK');
    this.slowK.write(slot, w);
    w.key('slowD');
    this.slowD.write(slot, w);
  }

  #rescanHighest(slot: number): void {
    const n = this.highs.count[slot];
    let highest = -Infinity;
    for (let i = 0; i < n; i++) {
      const high = this.highs.at(slot, i);
      if (high < highest) continue;
      highest = high;
      this.highestAge[slot] = n - 1 - i;
    }
    this.highest[slot] = highest;
  }

  #rescanLowest(slot: number): void {
    const n = this.lows.count[slot];
    let lowest = Infinity;
    for (let i = 0; i < n; i++) {
      const low = this.lows.at(slot, i);
      if (low > lowest) continue;
      lowest = low;
      this.lowestAge[slot] = n - 1 - i;
    }
    this.lowest[slot] = lowest;
  }
}

/** One stochastic oscillator: a slot of StochasticSlots. */
export class Stochastic implements Indicator<[number, number, number], StochasticValue> {
  readonly fastK: number;
  readonly #slots: StochasticSlots;

  constructor(fastK = 14, slowK = 3, slowD = 3, saved?: StochasticState) {
    this.#slots = new StochasticSlots(fastK, slowK, slowD, 1);
    this.fastK = fastK;
    this.#slots.load(0, saved);
  }

  update(high: number, low: number, close: number): StochasticValue | null {
    const s = this.#slots;
    return s.step(0, high, low, close) ? { k: s.k, d: s.d } : null;
  }

  snapshot(): StochasticState {
    return this.#slots.snapshot(0);
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
  slots({ fastK, slowK, slowD }, capacity): IndicatorSlots {
    const stochastic = new StochasticSlots(fastK, slowK, slowD, capacity);
    return {
      grow: (c) => stochastic.grow(c),
      load: (slot, saved) => stochastic.load(slot, saved as StochasticState | undefined),
      update(slot, c, out) {
        const ready = stochastic.step(slot, c.high, c.low, c.close);
        out.stoch_k = ready ? stochastic.k : null;
        out.stoch_d = ready ? stochastic.d : null;
      },
      snapshot: (slot) => stochastic.snapshot(slot),
      write: (slot, w) => stochastic.write(slot, w),
    };
  },
});
