import type { KafkaMessage } from 'kafkajs';
import type { Logger } from 'pino';
import type { SourceNode } from '../topology/Topology.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import type { GlobalTable } from './GlobalTable.ts';
import type { LiveTask } from './LiveTask.ts';
import type { Serde } from './Serde.ts';

/**
 * History to build a new task's state from before its first input record (`run --warm-from`): the
 * records of `partition` (of `partitions`) with event time before `until`, in event-time order.
 */
export type WarmUpFeed = (
  partition: number,
  partitions: number,
  until: number,
) => AsyncIterable<{ source: string; records: StreamRecord[] }>;

/** Where the live input of a partition begins: the first readable record's event time. */
export async function firstEventTime(messages: KafkaMessage[], serde: Serde, source: SourceNode): Promise<number> {
  for (const message of messages) {
    try {
      const value = await serde.deserialize(message.value);
      const time = source.timestamp ? source.timestamp(value) : Number(message.timestamp);
      if (Number.isFinite(time)) return time;
    } catch {
      // unreadable: the next one says
    }
  }
  return Number(messages[0].timestamp);
}

/**
 * Replay the task's history up to `until` through it, the global tables applied in event time as live.
 * What the history produces is not published; its state is, through the changelogs at the next commit.
 */
export async function warmUp(
  task: LiveTask,
  history: AsyncIterable<{ source: string; records: StreamRecord[] }>,
  until: number,
  globals: GlobalTable,
  heartbeat: () => Promise<void>,
  log: Logger,
): Promise<void> {
  const started = performance.now();
  task.warmUpPending = false;
  let records = 0;
  for await (const batch of history) {
    for (const record of batch.records) {
      if (!(record.timestamp < until)) continue;
      task.catchUpGlobals(globals, record.timestamp);
      task.process(batch.source, record, undefined);
      records++;
    }
    await task.stream.flush();
    task.discardPending(); // history's outputs are history: only its state goes on
    await heartbeat(); // a long history must not cost the group membership
  }
  task.uncommitted++; // the next commit logs the state to the changelogs
  log.info(
    { task: task.id, records, until: new Date(until).toISOString(), ms: Math.round(performance.now() - started) },
    'task warmed up from history',
  );
}
