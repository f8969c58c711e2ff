import { requirePeriod, TA_EPSILON, type Indicator } from './Indicator.ts';
import { BadPeriods, defineIndicator } from './IndicatorDefinition.ts';
import { RollingWindow } from './RollingWindow.ts';
import { Sma } from './Sma.ts';

export interface BollingerState {
  sma: ReturnType<Sma['snapshot']>;
  squares: number[];
  totalSquares: number;
}

export interface BollingerValue {
  upper: number;
  middle: number;
  lower: number;
}

/**
 * Bollinger Bands as TA-Lib's TA_BBANDS with a simple moving average: middle = SMA, σ = population
 * standard deviation computed as √(mean(x²) − SMA²) with a running total of squares (TA-Lib's
 * stddev-using-precalculated-MA), 0 when that variance is below TA-Lib's tolerance; bands = middle ± k·σ.
 */
export class BollingerBands implements Indicator<[number], BollingerValue> {
  readonly period: number;
  readonly deviations: number;
  #sma: Sma;
  #squares: RollingWindow;
  /** Sum of the last period − 1 squares. */
  #totalSquares: number;

  constructor(period = 20, deviations = 2, saved?: BollingerState) {
    this.period = requirePeriod('Bollinger period', period);
    if (!(deviations > 0) || !Number.isFinite(deviations))
      throw new Error(`Bollinger deviations must be a positive number, not ${deviations}`);
    this.deviations = deviations;
    this.#sma = new Sma(period, saved?.sma);
    this.#squares = new RollingWindow(period, saved?.squares);
    this.#totalSquares = saved?.totalSquares ?? 0;
  }

  update(value: number): BollingerValue | null {
    const middle = this.#sma.update(value);
    const square = value * value;
    this.#totalSquares += square;
    this.#squares.push(square);
    if (middle === null) return null;
    let variance = this.#totalSquares / this.period;
    this.#totalSquares -= this.#squares.oldest;
    variance -= middle * middle;
    const sigma = variance < TA_EPSILON ? 0 : Math.sqrt(variance);
    const width = sigma * this.deviations;
    return { upper: middle + width, middle, lower: middle - width };
  }

  snapshot(): BollingerState {
    return { sma: this.#sma.snapshot(), squares: this.#squares.toArray(), totalSquares: this.#totalSquares };
  }
}

/** `bb=20,2` (period, deviations): bb_upper, bb_middle, bb_lower of the close. */
export const BOLLINGER = defineIndicator({
  name: 'bb',
  defaults: { period: 20, deviations: 2 } as { period: number; deviations: number },
  byDefault: true,
  parse: (numbers) => {
    if (numbers.length !== 2 || !Number.isInteger(numbers[0])) throw new BadPeriods('needs a whole period and a number of deviations');
    return { period: numbers[0], deviations: numbers[1] };
  },
  columns: () => ['bb_upper', 'bb_middle', 'bb_lower'],
  create({ period, deviations }, saved) {
    const bb = new BollingerBands(period, deviations, saved as BollingerState | undefined);
    return {
      update(c, out) {
        const value = bb.update(c.close);
        out.bb_upper = value?.upper ?? null;
        out.bb_middle = value?.middle ?? null;
        out.bb_lower = value?.lower ?? null;
      },
      snapshot: () => bb.snapshot(),
    };
  },
});
