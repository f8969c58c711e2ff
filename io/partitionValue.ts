/** Longest partition value put in a path: far below a file system's 255-byte name limit (symbols are under 20). */
export const MAX_PARTITION_VALUE_BYTES = 100;

/** Letters, digits, `-`, `_` and `.`, not first: one path segment on every file system and in HDFS, with no escaping, never hidden. */
const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Why a value (a symbol, a date) cannot be a Hive partition directory (`symbol=<value>`), or
 * undefined when it can. Values come from input: they are checked before they are put in a path,
 * so a hostile or broken one is a dead letter, never a failed write or a path outside the dataset.
 */
export function partitionValueProblem(value: string): string | undefined {
  const bytes = Buffer.byteLength(value);
  if (bytes > MAX_PARTITION_VALUE_BYTES) return `${bytes} bytes long, at most ${MAX_PARTITION_VALUE_BYTES} make a partition directory`;
  if (!SAFE.test(value)) return `${JSON.stringify(value)} has characters a partition directory cannot have (letters, digits, - _ . only)`;
  return undefined;
}
