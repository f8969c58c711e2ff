import type { Shard } from '../backfill/Shard.ts';
import { UsageError } from './UsageError.ts';

/** `--tasks I/N`: shard I of N, each owning at least one of the job's `partitions` tasks. */
export function tasksFlag(raw: string, partitions: number): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  if (!m) throw new UsageError(`--tasks must be I/N (shard I of N, counted from 0, e.g. 0/4), not "${raw}"`);
  const [index, count] = [Number(m[1]), Number(m[2])];
  if (count < 1) throw new UsageError(`--tasks ${raw}: N must be at least 1`);
  if (index >= count) throw new UsageError(`--tasks ${raw}: I counts from 0 and must be below N (${count})`);
  if (count > partitions)
    throw new UsageError(
      `--tasks ${raw}: ${count} shards of --partitions ${partitions} would leave some without a task; use N ≤ ${partitions}`,
    );
  return { index, count };
}
