import type { Candle } from '../../market/Candle.ts';
import type { BinaryWriter } from '../../state/binaryValue.ts';

/**
 * One indicator running for many symbols and intervals, one per slot, its state in arrays (a slot
 * is one symbol and interval). Slots start empty: `load` each before use.
 */
export interface IndicatorSlots {
  /** Room for slots [0, capacity). */
  grow(capacity: number): void;
  /** Start the slot from a snapshot (undefined: afresh). */
  load(slot: number, saved: unknown): void;
  /** Feed the slot one closed candle; writes the indicator's columns (null during its lookback) into `out`. */
  update(slot: number, candle: Candle, out: Record<string, unknown>): void;
  /** The slot's state, ready for JSON: `load` resumes from it. */
  snapshot(slot: number): unknown;
  /** Writes encodeValue(snapshot(slot)) without building the snapshot (the store's flush). */
  write(slot: number, writer: BinaryWriter): void;
}

/**
 * Everything the rest of candlestream knows about one indicator: its name (its `--periods` key, and its key
 * in the periods and in the saved state), its parameters, its columns and how to build it. The registry
 * lists these; adding an indicator is one file with one of these and one line there.
 */
export interface IndicatorDefinition<Name extends string = string, Params = unknown, ByDefault extends boolean = boolean> {
  readonly name: Name;
  /** Its parameters when `--periods` does not give them (or names it alone, `stoch`). */
  readonly defaults: Params;
  /** false: its columns appear only when `--periods` names it (the default columns are the shared convention's). */
  readonly byDefault: ByDefault;
  /** The numbers after `name=` → its parameters; throws BadPeriods saying what it needs. Absent: it takes none. */
  parse?(numbers: number[]): Params;
  /** Its output columns, in order, for these parameters. */
  columns(params: Params): string[];
  /** Running instances, `capacity` slots to begin with; a slot's snapshot resumes only with the same parameters. */
  slots(params: Params, capacity: number): IndicatorSlots;
}

/** Only infers the literal types (the name, whether it is on by default) that IndicatorPeriods is built from. */
export function defineIndicator<Name extends string, Params, ByDefault extends boolean>(
  definition: IndicatorDefinition<Name, Params, ByDefault>,
): IndicatorDefinition<Name, Params, ByDefault> {
  return definition;
}

/** Numbers that do not fit an indicator; `--periods` reports it with the part that gave them. */
export class BadPeriods extends Error {}

/** Exactly `count` whole numbers. */
export function wholeNumbers(numbers: number[], count: number): number[] {
  const whole = numbers.length === count && numbers.every(Number.isInteger);
  if (!whole) throw new BadPeriods(`needs ${count} whole number${count > 1 ? 's' : ''}`);
  return numbers;
}

/** One or more whole numbers, each once: one column per period. */
export function distinctWholeNumbers(numbers: number[]): number[] {
  const distinct = numbers.every(Number.isInteger) && new Set(numbers).size === numbers.length;
  if (!distinct) throw new BadPeriods('needs distinct whole numbers');
  return numbers;
}
