import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, distinctWholeNumbers } from './IndicatorDefinition.ts';

export interface EmaState {
  seen: number;
  seedTotal: number;
  value: number | null;
}

/**
 * Exponential moving average as TA-Lib's TA_EMA: k = 2 / (period + 1), the first value is the
 * simple mean of the first `period` inputs, then prev + (x − prev)·k.
 */
export class Ema implements Indicator<[number], number> {
  readonly period: number;
  readonly #k: number;
  #seen: number;
  #seedTotal: number;
  #value: number | null;

  constructor(period: number, saved?: EmaState) {
    this.period = requirePeriod('EMA period', period);
    this.#k = 2 / (period + 1);
    this.#seen = saved?.seen ?? 0;
    this.#seedTotal = saved?.seedTotal ?? 0;
    this.#value = saved?.value ?? null;
  }

  update(value: number): number | null {
    if (this.#value !== null) return (this.#value = (value - this.#value) * this.#k + this.#value);
    this.#seedTotal += value;
    if (++this.#seen < this.period) return null;
    return (this.#value = this.#seedTotal / this.period);
  }

  snapshot(): EmaState {
    return { seen: this.#seen, seedTotal: this.#seedTotal, value: this.#value };
  }
}

/** `ema=12,26`: a column per period, ema_12 and ema_26, of the close. */
export const EMA = defineIndicator({
  name: 'ema',
  defaults: [12, 26] as readonly number[],
  byDefault: true,
  parse: distinctWholeNumbers,
  columns: emaColumns,
  create(periods, saved) {
    const columns = emaColumns(periods);
    const emas = periods.map((n, i) => new Ema(n, (saved as EmaState[] | undefined)?.[i]));
    return {
      update(c, out) {
        for (let i = 0; i < emas.length; i++) out[columns[i]] = emas[i].update(c.close);
      },
      snapshot: () => emas.map((ema) => ema.snapshot()),
    };
  },
});

function emaColumns(periods: readonly number[]): string[] {
  return periods.map((n) => `ema_${n}`);
}
