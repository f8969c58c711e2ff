import type { Candle } from '../../market/Candle.ts';
import { IndicatorSetSlots } from './IndicatorSetSlots.ts';
import { indicatorsInUse, type IndicatorPeriods } from './registry.ts';

/** Output columns, in order, for the given periods (the defaults give the shared convention's names). */
export function indicatorColumns(p: IndicatorPeriods): string[] {
  return indicatorsInUse(p).flatMap(({ definition, params }) => definition.columns(params));
}

/** Every indicator of one symbol and interval, fed one closed candle at a time: one slot of IndicatorSetSlots. */
export class IndicatorSet {
  readonly #slots: IndicatorSetSlots;

  constructor(p: IndicatorPeriods, saved?: unknown) {
    this.#slots = new IndicatorSetSlots(p, 1);
    this.#slots.load(0, saved);
  }

  /** Feed one closed candle; writes each indicator column (null during its lookback) into `out`. */
  update(c: Candle, out: Record<string, unknown>): void {
    this.#slots.update(0, c, out);
  }

  /** Called by JSON.stringify and encodeValue. */
  toJSON(): Record<string, unknown> {
    return this.#slots.snapshot(0);
  }
}
