import { parseTimestamp } from '../processors/clean/parseTimestamp.ts';
import { UsageError } from './UsageError.ts';

/** A whole-number setting, at least `min`; the error names the flag. */
export function wholeNumber(raw: unknown, flag: string, min = 1): number {
  const n = Number(raw);
  if (raw === undefined || raw === '' || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, not "${raw}"`);
  return n;
}

/** A time setting: ISO-8601 or epoch seconds/ms/µs/ns. */
export function timeFlag(raw: unknown, flag: string): number {
  const t = parseTimestamp(raw);
  if (t === null) throw new UsageError(`${flag}: cannot read "${raw}" as a time (ISO-8601, or epoch seconds/ms/µs/ns)`);
  return t;
}
