import { requirePeriod, type Indicator } from './Indicator.ts';
import { RollingWindow } from './RollingWindow.ts';

interface SmaState {
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
