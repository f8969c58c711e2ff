import { parseTimestamp } from '../market/parseTimestamp.ts';
import { UsageError } from './UsageError.ts';

/** The most a count may be when each unit of it costs memory or open files, and why (said in the error). */
export interface CountLimit {
  max: number;
  why: string;
}

/** A whole-number setting, at least `min` (and at most `limit.max`); the error names the flag. */
export function wholeNumber(raw: unknown, flag: string, min = 1, limit?: CountLimit): number {
  const n = Number(raw);
  const valid = raw !== undefined && raw !== '' && Number.isInteger(n) && n >= min;
  if (limit && !(valid && n <= limit.max))
    throw new UsageError(`${flag} must be a whole number from ${min} to ${limit.max} (${limit.why}), not "${raw}"`);
  if (!valid) throw new UsageError(`${flag} must be a whole number ≥ ${min}, not "${raw}"`);
  return n;
}

/** Tasks of one process: each opens its own state stores (LevelDB: open files, memory); ~700 failed to open here. */
export const PARTITIONS_LIMIT: CountLimit = { max: 256, why: 'each partition is a task with its own state stores and open files' };

/** Records between commits: their output rows are held in memory until the commit writes them. */
export const COMMIT_EVERY_LIMIT: CountLimit = { max: 10_000_000, why: 'rows are held in memory until each commit' };

/** A time setting: ISO-8601 or epoch seconds/ms/µs/ns. */
export function timeFlag(raw: unknown, flag: string): number {
  const t = parseTimestamp(raw);
  if (t === null) throw new UsageError(`${flag}: cannot read "${raw}" as a time (ISO-8601, or epoch seconds/ms/µs/ns)`);
  return t;
}
