import type { Candle } from '../../market/Candle.ts';
import type { RunningIndicator } from './IndicatorDefinition.ts';
import { indicatorsInUse, type IndicatorPeriods } from './registry.ts';

/** Output columns, in order, for the given periods (the defaults give the shared convention's names). */
export function indicatorColumns(p: IndicatorPeriods): string[] {
  return indicatorsInUse(p).flatMap(({ definition, params }) => definition.columns(params));
}

/** A snapshot holds each indicator's under its name: { sma: [...], ema: [...], rsi: {...}, … }. */
type Snapshot = Record<string, unknown>;

/** Every indicator of one symbol and interval, fed one closed candle at a time. */
export class IndicatorSet {
  readonly #names: string[] = [];
  readonly #running: RunningIndicator[] = [];

  constructor(p: IndicatorPeriods, saved?: unknown) {
    const s = saved as Snapshot | undefined;
    for (const { definition, params } of indicatorsInUse(p)) {
      this.#names.push(definition.name);
      this.#running.push(definition.create(params, s?.[definition.name]));
    }
  }

  /** Feed one closed candle; writes each indicator column (null during its lookback) into `out`. */
  update(c: Candle, out: Record<string, unknown>): void {
    for (const indicator of this.#running) indicator.update(c, out);
  }

  /** Called by JSON.stringify when the store flushes. */
  toJSON(): Snapshot {
    const snapshot: Snapshot = {};
    for (let i = 0; i < this.#running.length; i++) snapshot[this.#names[i]] = this.#running[i].snapshot();
    return snapshot;
  }
}
