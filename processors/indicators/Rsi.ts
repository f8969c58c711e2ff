import type { BinaryWriter } from '../../state/binaryValue.ts';
import { requirePeriod, TA_EPSILON, type Indicator } from './Indicator.ts';
import { defineIndicator, wholeNumbers, type IndicatorSlots } from './IndicatorDefinition.ts';
import { RingSlots } from './RingSlots.ts';
import { grown } from './grown.ts';

export interface RsiOptions {
  /** wilder: TA-Lib's RSI. simple: plain means of the last `period` gains and losses (the seed pipeline's). */
  smoothing?: RsiSmoothing;
}

export type RsiSmoothing = 'wilder' | 'simple';

export interface RsiState {
  previous: number | null;
  deltas: number;
  gain: number;
  loss: number;
  window?: number[];
}

/**
 * Relative strength indexes of one period, one per slot. Wilder's is TA-Lib's TA_RSI (unstable
 * period 0): the first value, at index `period`, averages the first `period` gains and losses; then
 * each average is (avg·(period − 1) + new) / period. Both forms give 100·gain / (gain + loss), and 0
 * when that sum is within TA-Lib's zero tolerance.
 */
export class RsiSlots {
  readonly period: number;
  readonly #simple: boolean;
  previous: Float64Array;
  /** 1: no previous value yet. */
  previousNull: Uint8Array;
  deltas: Float64Array;
  gain: Float64Array;
  loss: Float64Array;
  /** Signed deltas of the last `period` steps, for the simple form. */
  readonly window: RingSlots | undefined;

  constructor(period: number, options: RsiOptions, capacity: number) {
    this.period = requirePeriod('RSI period', period);
    this.#simple = (options.smoothing ?? 'wilder') === 'simple';
    if (options.smoothing && options.smoothing !== 'wilder' && options.smoothing !== 'simple')
      throw new Error(`RSI smoothing must be wilder or simple, not ${options.smoothing}`);
    this.previous = new Float64Array(capacity);
    this.previousNull = new Uint8Array(capacity);
    this.deltas = new Float64Array(capacity);
    this.gain = new Float64Array(capacity);
    this.loss = new Float64Array(capacity);
    if (this.#simple) this.window = new RingSlots(period, capacity);
  }

  grow(capacity: number): void {
    this.previous = grown(this.previous, capacity);
    this.previousNull = grown(this.previousNull, capacity);
    this.deltas = grown(this.deltas, capacity);
    this.gain = grown(this.gain, capacity);
    this.loss = grown(this.loss, capacity);
    this.window?.grow(capacity);
  }

  load(slot: number, saved: RsiState | undefined): void {
    this.previous[slot] = saved?.previous ?? 0;
    this.previousNull[slot] = saved?.previous == null ? 1 : 0;
    this.deltas[slot] = saved?.deltas ?? 0;
    this.gain[slot] = saved?.gain ?? 0;
    this.loss[slot] = saved?.loss ?? 0;
    this.window?.load(slot, saved?.window);
  }

  step(slot: number, value: number): number | null {
    const wasNull = this.previousNull[slot];
    const previous = this.previous[slot];
    this.previous[slot] = value;
    this.previousNull[slot] = 0;
    if (wasNull) return null;
    const delta = value - previous;
    this.deltas[slot]++;
    return this.#simple ? this.#stepSimple(slot, delta) : this.#stepWilder(slot, delta);
  }

  #stepWilder(slot: number, delta: number): number | null {
    const n = this.period;
    if (this.deltas[slot] <= n) {
      if (delta < 0) this.loss[slot] -= delta;
      else this.gain[slot] += delta;
      if (this.deltas[slot] < n) return null;
      this.loss[slot] /= n;
      this.gain[slot] /= n;
    } else {
      this.loss[slot] *= n - 1;
      this.gain[slot] *= n - 1;
      if (delta < 0) this.loss[slot] -= delta;
      else this.gain[slot] += delta;
      this.loss[slot] /= n;
      this.gain[slot] /= n;
    }
    return ratio(this.gain[slot], this.loss[slot]);
  }

  #stepSimple(slot: number, delta: number): number | null {
    const window = this.window!;
    if (window.full(slot)) {
      const leaving = window.oldest(slot);
      if (leaving < 0) this.loss[slot] += leaving;
      else this.gain[slot] -= leaving;
    }
    window.push(slot, delta);
    if (delta < 0) this.loss[slot] -= delta;
    else this.gain[slot] += delta;
    if (!window.full(slot)) return null;
    return ratio(this.gain[slot] / this.period, this.loss[slot] / this.period);
  }

  snapshot(slot: number): RsiState {
    return {
      previous: this.previousNull[slot] ? null : this.previous[slot],
      deltas: this.deltas[slot],
      gain: this.gain[slot],
      loss: this.loss[slot],
      window: this.window?.toArray(slot),
    };
  }

  /** encodeValue(snapshot(slot)), without building it (Wilder's writes `window: undefined`, as the snapshot holds it). */
  write(slot: number, w: BinaryWriter): void {
    w.object(5);
    w.key('previous');
    w.numberOrNull(this.previous[slot], this.previousNull[slot] === 1);
    w.key('deltas');
    w.number(this.deltas[slot]);
    w.key('gain');
    w.number(this.gain[slot]);
    w.key('loss');
    w.number(this.loss[slot]);
    w.key('window');
    if (this.window) this.window.write(slot, w);
    else w.undefined();
  }
}

function ratio(gain: number, loss: number): number {
  const total = gain + loss;
  return total > -TA_EPSILON && total < TA_EPSILON ? 0 : 100 * (gain / total);
}

/** One relative strength index: a slot of RsiSlots. */
export class Rsi implements Indicator<[number], number> {
  readonly period: number;
  readonly #slots: RsiSlots;

  constructor(period: number, options: RsiOptions = {}, saved?: RsiState) {
    this.#slots = new RsiSlots(period, options, 1);
    this.period = period;
    this.#slots.load(0, saved);
  }

  update(value: number): number | null {
    return this.#slots.step(0, value);
  }

  snapshot(): RsiState {
    return this.#slots.snapshot(0);
  }
}

type RsiPeriods = { period: number; smoothing: RsiSmoothing };

/** `rsi=14`: rsi_14 of the close; its smoothing comes from `--rsi-smoothing`. */
export const RSI = defineIndicator({
  name: 'rsi',
  defaults: { period: 14, smoothing: 'wilder' } as RsiPeriods,
  byDefault: true,
  parse: (numbers): RsiPeriods => ({ period: wholeNumbers(numbers, 1)[0], smoothing: 'wilder' }),
  columns: ({ period }) => [`rsi_${period}`],
  slots({ period, smoothing }, capacity): IndicatorSlots {
    const column = `rsi_${period}`;
    const rsi = new RsiSlots(period, { smoothing }, capacity);
    return {
      grow: (c) => rsi.grow(c),
      load: (slot, saved) => rsi.load(slot, saved as RsiState | undefined),
      update(slot, c, out) {
        out[column] = rsi.step(slot, c.close);
      },
      snapshot: (slot) => rsi.snapshot(slot),
      write: (slot, w) => rsi.write(slot, w),
    };
  },
});
