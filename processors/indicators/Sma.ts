import type { BinaryWriter } from '../../state/binaryValue.ts';
import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, distinctWholeNumbers, type IndicatorSlots } from './IndicatorDefinition.ts';
import { RingSlots } from './RingSlots.ts';
import { grown } from './grown.ts';

export interface SmaState {
  window: number[];
  total: number;
}

/**
 * Simple moving averages of one period, one per slot, as TA-Lib's TA_SMA computes them: a running
 * total to which the new value is added before dividing and from which the oldest is subtracted
 * after, so the floats agree.
 */
export class SmaSlots {
  readonly period: number;
  readonly window: RingSlots;
  /** Sum of the last period − 1 values. */
  total: Float64Array;

  constructor(period: number, capacity: number) {
    this.period = requirePeriod('SMA period', period);
    this.window = new RingSlots(period, capacity);
    this.total = new Float64Array(capacity);
  }

  grow(capacity: number): void {
    this.window.grow(capacity);
    this.total = grown(this.total, capacity);
  }

  load(slot: number, saved: SmaState | undefined): void {
    this.window.load(slot, saved?.window);
    this.total[slot] = saved?.total ?? 0;
  }

  step(slot: number, value: number): number | null {
    this.total[slot] += value;
    this.window.push(slot, value);
    if (!this.window.full(slot)) return null;
    const mean = this.total[slot] / this.period;
    this.total[slot] -= this.window.oldest(slot);
    return mean;
  }

  snapshot(slot: number): SmaState {
    return { window: this.window.toArray(slot), total: this.total[slot] };
  }

  /** encodeValue(snapshot(slot)), without building it. */
  write(slot: number, w: BinaryWriter): void {
    w.object(2);
    w.key('window');
    this.window.write(slot, w);
    w.key('total');
    w.number(this.total[slot]);
  }
}

/** One simple moving average: a slot of SmaSlots. */
export class Sma implements Indicator<[number], number> {
  readonly period: number;
  readonly #slots: SmaSlots;

  constructor(period: number, saved?: SmaState) {
    this.#slots = new SmaSlots(period, 1);
    this.period = period;
    this.#slots.load(0, saved);
  }

  update(value: number): number | null {
    return this.#slots.step(0, value);
  }

  snapshot(): SmaState {
    return this.#slots.snapshot(0);
  }
}

/** `sma=14,50`: a column per period, sma_14 and sma_50, of the close. */
export const SMA = defineIndicator({
  name: 'sma',
  defaults: [14, 50] as readonly number[],
  byDefault: true,
  parse: distinctWholeNumbers,
  columns: smaColumns,
  slots(periods, capacity): IndicatorSlots {
    const columns = smaColumns(periods);
    const smas = periods.map((n) => new SmaSlots(n, capacity));
    return {
      grow: (c) => smas.forEach((sma) => sma.grow(c)),
      load: (slot, saved) => smas.forEach((sma, i) => sma.load(slot, (saved as SmaState[] | undefined)?.[i])),
      update(slot, c, out) {
        for (let i = 0; i < smas.length; i++) out[columns[i]] = smas[i].step(slot, c.close);
      },
      snapshot: (slot) => smas.map((sma) => sma.snapshot(slot)),
      write(slot, w) {
        w.array(smas.length);
        for (const sma of smas) sma.write(slot, w);
      },
    };
  },
});

function smaColumns(periods: readonly number[]): string[] {
  return periods.map((n) => `sma_${n}`);
}
