import type { BinaryWriter } from '../../state/binaryValue.ts';
import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, distinctWholeNumbers, type IndicatorSlots } from './IndicatorDefinition.ts';
import { grown } from './grown.ts';

export interface EmaState {
  seen: number;
  seedTotal: number;
  value: number | null;
}

/**
 * Exponential moving averages of one period, one per slot, as TA-Lib's TA_EMA: k = 2 / (period + 1),
 * the first value is the simple mean of the first `period` inputs, then prev + (x − prev)·k.
 */
export class EmaSlots {
  readonly period: number;
  readonly #k: number;
  seen: Float64Array;
  seedTotal: Float64Array;
  value: Float64Array;
  /** 1: `value` is null (still seeding). */
  valueNull: Uint8Array;

  constructor(period: number, capacity: number) {
    this.period = requirePeriod('EMA period', period);
    this.#k = 2 / (period + 1);
    this.seen = new Float64Array(capacity);
    this.seedTotal = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
    this.valueNull = new Uint8Array(capacity);
  }

  grow(capacity: number): void {
    this.seen = grown(this.seen, capacity);
    this.seedTotal = grown(this.seedTotal, capacity);
    this.value = grown(this.value, capacity);
    this.valueNull = grown(this.valueNull, capacity);
  }

  load(slot: number, saved: EmaState | undefined): void {
    this.seen[slot] = saved?.seen ?? 0;
    this.seedTotal[slot] = saved?.seedTotal ?? 0;
    this.value[slot] = saved?.value ?? 0;
    this.valueNull[slot] = saved?.value == null ? 1 : 0;
  }

  step(slot: number, value: number): number | null {
    if (this.valueNull[slot] === 0) return (this.value[slot] = (value - this.value[slot]) * this.#k + this.value[slot]);
    this.seedTotal[slot] += value;
    if (++this.seen[slot] < this.period) return null;
    this.valueNull[slot] = 0;
    return (this.value[slot] = this.seedTotal[slot] / this.period);
  }

  snapshot(slot: number): EmaState {
    return { seen: this.seen[slot], seedTotal: this.seedTotal[slot], value: this.valueNull[slot] ? null : this.value[slot] };
  }

  /** encodeValue(snapshot(slot)), without building it. */
  write(slot: number, w: BinaryWriter): void {
    w.object(3);
    w.key('seen');
    w.number(this.seen[slot]);
    w.key('seedTotal');
    w.number(this.seedTotal[slot]);
    w.key('value');
    w.numberOrNull(this.value[slot], this.valueNull[slot] === 1);
  }
}

/** One exponential moving average: a slot of EmaSlots. */
export class Ema implements Indicator<[number], number> {
  readonly period: number;
  readonly #slots: EmaSlots;

  constructor(period: number, saved?: EmaState) {
    this.#slots = new EmaSlots(period, 1);
    this.period = period;
    this.#slots.load(0, saved);
  }

  update(value: number): number | null {
    return this.#slots.step(0, value);
  }

  snapshot(): EmaState {
    return this.#slots.snapshot(0);
  }
}

/** `ema=12,26`: a column per period, ema_12 and ema_26, of the close. */
export const EMA = defineIndicator({
  name: 'ema',
  defaults: [12, 26] as readonly number[],
  byDefault: true,
  parse: distinctWholeNumbers,
  columns: emaColumns,
  slots(periods, capacity): IndicatorSlots {
    const columns = emaColumns(periods);
    const emas = periods.map((n) => new EmaSlots(n, capacity));
    return {
      grow: (c) => emas.forEach((ema) => ema.grow(c)),
      load: (slot, saved) => emas.forEach((ema, i) => ema.load(slot, (saved as EmaState[] | undefined)?.[i])),
      update(slot, c, out) {
        for (let i = 0; i < emas.length; i++) out[columns[i]] = emas[i].step(slot, c.close);
      },
      snapshot: (slot) => emas.map((ema) => ema.snapshot(slot)),
      write(slot, w) {
        w.array(emas.length);
        for (const ema of emas) ema.write(slot, w);
      },
    };
  },
});

function emaColumns(periods: readonly number[]): string[] {
  return periods.map((n) => `ema_${n}`);
}
