import { statSync } from 'node:fs';
import { UsageError } from './UsageError.ts';

/**
 * Refuses a JSONL sink at a place that is not a regular file (a directory, /dev/null, a pipe): the
 * writer truncates a file back to its last commit, which only a regular file allows; said at start-up,
 * naming the flag, instead of EISDIR or EINVAL once the run has begun.
 */
export function refuseSpecialJsonlFile(flag: string, path: string): void {
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats || stats.isFile()) return;
  const what = stats.isDirectory() ? 'a directory' : 'not a regular file';
  throw new UsageError(
    `${flag} jsonl:${path}: ${path} is ${what}; a JSONL sink is a file candlestream can roll back to its last commit` +
      (stats.isDirectory() ? '' : ' (to discard the lines: - and a shell redirect, `- >/dev/null`)'),
  );
}
