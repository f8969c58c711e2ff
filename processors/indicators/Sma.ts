import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, distinctWholeNumbers } from './IndicatorDefinition.ts';
import { RollingWindow } from './RollingWindow.ts';

export interface SmaState {
  window: number[];
  total: number;
}

/**
 * Simple moving average, as TA-Lib's TA_SMA computes it: a running total to which the new value is
 * added before dividing and from which the oldest is subtracted after, so the floats agree.
 */
export class Sma implements Indicator<[number], number> {
  readonly period: number;
  #window: RollingWindow;
  /** Sum of the last period − 1 values. */
  #total: number;

  constructor(period: number, saved?: SmaState) {
    this.period = requirePeriod('SMA period', period);
    this.#window = new RollingWindow(period, saved?.window);
    this.#total = saved?.total ?? 0;
  }

  update(value: number): number | null {
    this.#total += value;
    this.#window.push(value);
    if (!this.#window.full) return null;
    const mean = this.#total / this.period;
    this.#total -= this.#window.oldest;
    return mean;
  }

  snapshot(): SmaState {
    return { window: this.#window.toArray(), total: this.#total };
  }
}

/** `sma=14,50`: a column per period, sma_14 and sma_50, of the close. */
export const SMA = defineIndicator({
  name: 'sma',
  defaults: [14, 50] as readonly number[],
  byDefault: true,
  parse: distinctWholeNumbers,
  columns: smaColumns,
  create(periods, saved) {
    const columns = smaColumns(periods);
    const smas = periods.map((n, i) => new Sma(n, (saved as SmaState[] | undefined)?.[i]));
    return {
      update(c, out) {
        for (let i = 0; i < smas.length; i++) out[columns[i]] = smas[i].update(c.close);
      },
      snapshot: () => smas.map((sma) => sma.snapshot()),
    };
  },
});

function smaColumns(periods: readonly number[]): string[] {
  return periods.map((n) => `sma_${n}`);
}
