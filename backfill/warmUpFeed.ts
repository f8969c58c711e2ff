import type { StreamRecord } from '../topology/StreamRecord.ts';
import { partitionFor } from '../topology/partitioner.ts';
import { candleFileInputs } from './candleFileInput.ts';
import { mergeByEventTime } from './mergeByEventTime.ts';
import type { HdfsSettings } from '../io/storage/storageFor.ts';
import { NODES } from '../processors/nodeNames.ts';

/**
 * `run --warm-from`: a live task's history, read from candle files (local or HDFS) as backfill reads
 * them, merged into event-time order, cut at `until`, and kept to the records whose symbol
 * Kafka's partitioner places on the task's partition.
 */
export function warmUpFeed(locations: readonly string[], hdfs: HdfsSettings = {}) {
  return async function* (
    partition: number,
    partitions: number,
    until: number,
  ): AsyncGenerator<{ source: string; records: StreamRecord[] }> {
    const inputs = await candleFileInputs(locations, { from: -Infinity, to: until, source: NODES.prices, hdfs });
    for await (const batch of mergeByEventTime(inputs.map((input) => input.batches()))) {
      const records = batch.records.filter((r) => r.key !== null && partitionFor(r.key, partitions) === partition);
      if (records.length) yield { source: NODES.prices, records };
    }
  };
}
