import type { BinaryWriter } from '../../state/binaryValue.ts';
import { requirePeriod, TA_EPSILON, type Indicator } from './Indicator.ts';
import { BadPeriods, defineIndicator, type IndicatorSlots } from './IndicatorDefinition.ts';
import { RingSlots } from './RingSlots.ts';
import { SmaSlots, type SmaState } from './Sma.ts';
import { grown } from './grown.ts';

export interface BollingerState {
  sma: SmaState;
  squares: number[];
  totalSquares: number;
}

export interface BollingerValue {
  upper: number;
  middle: number;
  lower: number;
}

/**
 * Bollinger Bands, one per slot, as TA-Lib's TA_BBANDS with a simple moving average: middle = SMA,
 * σ = population standard deviation computed as √(mean(x²) − SMA²) with a running total of squares
 * (TA-Lib's stddev-using-precalculated-MA), 0 when that variance is below TA-Lib's tolerance; bands =
 * middle ± k·σ.
 */
export class BollingerSlots {
  readonly period: number;
  readonly deviations: number;
  readonly sma: SmaSlots;
  readonly squares: RingSlots;
  /** Sum of the last period − 1 squares. */
  totalSquares: Float64Array;
  /** The last step's bands, when it returned true. */
  upper = 0;
  middle = 0;
  lower = 0;

  constructor(period: number, deviations: number, capacity: number) {
    this.period = requirePeriod('Bollinger period', period);
    if (!(deviations > 0) || !Number.isFinite(deviations))
      throw new Error(`Bollinger deviations must be a positive number, not ${deviations}`);
    this.deviations = deviations;
    this.sma = new SmaSlots(period, capacity);
    this.squares = new RingSlots(period, capacity);
    this.totalSquares = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    this.sma.grow(capacity);
    this.squares.grow(capacity);
    this.totalSquares = grown(this.totalSquares, capacity);
  }

  load(slot: number, saved: BollingerState | undefined): void {
    this.sma.load(slot, saved?.sma);
    this.squares.load(slot, saved?.squares);
    this.totalSquares[slot] = saved?.totalSquares ?? 0;
  }

  /** False during the lookback; else true, the bands in `upper`, `middle`, `lower`. */
  step(slot: number, value: number): boolean {
    const middle = this.sma.step(slot, value);
    const square = value * value;
    this.totalSquares[slot] += square;
    this.squares.push(slot, square);
    if (middle === null) return false;
    let variance = this.totalSquares[slot] / this.period;
    this.totalSquares[slot] -= this.squares.oldest(slot);
    variance -= middle * middle;
    const sigma = variance < TA_EPSILON ? 0 : Math.sqrt(variance);
    const width = sigma * this.deviations;
    this.upper = middle + width;
    this.middle = middle;
    this.lower = middle - width;
    return true;
  }

  snapshot(slot: number): BollingerState {
    return { sma: this.sma.snapshot(slot), squares: this.squares.toArray(slot), totalSquares: this.totalSquares[slot] };
  }

  /** encodeValue(snapshot(slot)), without building it. */
  write(slot: number, w: BinaryWriter): void {
    w.object(3);
    w.key('sma');
    this.sma.write(slot, w);
    w.key('squares');
    this.squares.write(slot, w);
    w.key('totalSquares');
    w.number(this.totalSquares[slot]);
  }
}

/** One set of Bollinger Bands: a slot of BollingerSlots. */
export class BollingerBands implements Indicator<[number], BollingerValue> {
  readonly period: number;
  readonly deviations: number;
  readonly #slots: BollingerSlots;

  constructor(period = 20, deviations = 2, saved?: BollingerState) {
    this.#slots = new BollingerSlots(period, deviations, 1);
    this.period = period;
    this.deviations = deviations;
    this.#slots.load(0, saved);
  }

  update(value: number): BollingerValue | null {
    const b = this.#slots;
    return b.step(0, value) ? { upper: b.upper, middle: b.middle, lower: b.lower } : null;
  }

  snapshot(): BollingerState {
    return this.#slots.snapshot(0);
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
  slots({ period, deviations }, capacity): IndicatorSlots {
    const bb = new BollingerSlots(period, deviations, capacity);
    return {
      grow: (c) => bb.grow(c),
      load: (slot, saved) => bb.load(slot, saved as BollingerState | undefined),
      update(slot, c, out) {
        const ready = bb.step(slot, c.close);
        out.bb_upper = ready ? bb.upper : null;
        out.bb_middle = ready ? bb.middle : null;
        out.bb_lower = ready ? bb.lower : null;
      },
      snapshot: (slot) => bb.snapshot(slot),
      write: (slot, w) => bb.write(slot, w),
    };
  },
});
