import { partitionFor } from '../topology/partitioner.ts';

/**
 * Shard `index` of `count` (`backfill --tasks I/N`): it owns the partitions p with p % count === index,
 * under the live service's partitioner, so N shards on N machines split one job's tasks between them.
 */
export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** `shard-I-of-N`: the shard's state directory, and what `{shard}` in a JSONL sink's URI becomes. */
export const shardName = (shard: Shard): string => `shard-${shard.index}-of-${shard.count}`;

export const ownsPartition = (shard: Shard, partition: number): boolean => partition % shard.count === shard.index;

/** Whether a record keyed by `symbol` is this shard's, with `partitions` tasks in the job. */
export const ownsSymbol = (shard: Shard, symbol: string, partitions: number): boolean =>
  ownsPartition(shard, partitionFor(symbol, partitions));
