import type { Admin, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { changelogTopic } from './internalTopics.ts';
import type { LiveTask } from './LiveTask.ts';
import { restoreFromChangelogs, type RestoreRange } from './restoreFromChangelogs.ts';
import type { StreamsMetrics } from './StreamsMetrics.ts';
import { deleteTaskCheckpoint, readTaskCheckpoint } from './taskCheckpoint.ts';

export interface RestoreContext {
  kafka: Kafka;
  admin: Admin;
  applicationId: string;
  /** Where the task's committed offsets are: its input and repartition topics. */
  inputTopics: string[];
  /** A warm-up feed is configured (`run --warm-from`): a task of a new application is marked for it. */
  warmUp: boolean;
  log: Logger;
  metrics: StreamsMetrics;
}

/**
 * Bring a new task's stores up to its last commit, as Kafka Streams' state manager and changelog reader
 * do: local state is trusted only with the checkpoint a clean close left; the rest comes from the
 * changelogs. Then the committed offsets say where processing resumes, with the stream time saved beside them.
 */
export async function restoreTask(task: LiveTask, c: RestoreContext): Promise<void> {
  const started = performance.now();
  const checkpoint = await readTaskCheckpoint(task.dir);
  const marker = await task.stream.openStores();
  const trusted = checkpoint !== undefined && checkpoint.marker === marker;
  if (!trusted) await task.stream.wipeStores();
  // From here on the local state is ahead of the checkpoint: a crash must not trust it.
  await deleteTaskCheckpoint(task.dir);

  const ranges: RestoreRange[] = [];
  for (const [name, store] of task.stream.stores) {
    const topic = changelogTopic(c.applicationId, name);
    const end = (await c.admin.fetchTopicOffsets(topic)).find((p) => p.partition === task.partition);
    const from = trusted ? (checkpoint.offsets[topic] ?? 0) : 0;
    ranges.push({ topic, partition: task.partition, from, to: Number(end?.high ?? 0), apply: (k, v) => store.restore(k, v) });
  }
  const total = ranges.reduce((n, r) => n + Math.max(0, r.to - r.from), 0);
  const left = new Map(ranges.map((r) => [r.topic, Math.max(0, r.to - r.from)]));
  let lastLog = performance.now();
  const restored = await restoreFromChangelogs(c.kafka, c.admin, ranges, c.log, (range, remaining) => {
    c.metrics.restoreRemaining.set({ topic: range.topic, partition: String(task.partition) }, remaining);
    left.set(range.topic, remaining);
    if (performance.now() - lastLog >= 5000) {
      lastLog = performance.now();
      const remainingAll = [...left.values()].reduce((a, b) => a + b, 0);
      c.log.info({ task: task.id, remaining: remainingAll, of: total }, 'restoring');
    }
  });
  task.commitSeq = Number(marker ?? 0) || 0;
  await task.stream.commit(String(++task.commitSeq)); // persist what was restored

  const anyCommitted = await resumeFromCommittedOffsets(task, c);
  task.warmUpPending = c.warmUp && !anyCommitted && restored === 0 && !trusted;
  task.stream.startProcessors();
  c.log.info(
    { task: task.id, restoredRecords: restored, fromCheckpoint: trusted, ms: Math.round(performance.now() - started) },
    'task restored',
  );
}

/** Set where the task's inputs resume, and its stream time, from the group's committed offsets; true if it has any. */
async function resumeFromCommittedOffsets(task: LiveTask, c: RestoreContext): Promise<boolean> {
  const committed = await c.admin.fetchOffsets({ groupId: c.applicationId, topics: c.inputTopics });
  let anyCommitted = false;
  for (const { topic, partitions } of committed) {
    const p = partitions.find((x) => x.partition === task.partition);
    const offset = Number(p?.offset ?? -1);
    if (offset >= 0) anyCommitted = true;
    task.nextOffsets.set(topic, offset >= 0 ? offset : 0);
    if (p?.metadata) {
      const meta = JSON.parse(p.metadata) as { streamTime: number | null; globalsThrough: number | null };
      if (meta.streamTime !== null) task.stream.restoreStreamTime(meta.streamTime);
      if (meta.globalsThrough !== null) task.globalsThrough = meta.globalsThrough;
    }
  }
  return anyCommitted;
}
