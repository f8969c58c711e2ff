import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { createTopics } from './createTopics.ts';

export interface TopicPlan {
  /** Co-partitioned inputs: they must exist and have one partition count, which is the number of tasks. */
  inputs: string[];
  /** Global tables: must exist, any partition count. */
  globals: string[];
  /** Global tables the application can do without (nothing configured comes from them): read as empty when missing. */
  optionalGlobals?: string[];
  /** Created with the inputs' partition count when missing. */
  outputs: string[];
  /** Compacted, one partition per task; created when missing. */
  changelogs: string[];
  /** Internal, one partition per task; created when missing. */
  repartitions: string[];
  log: Logger;
}

/**
 * Checks the topics a topology needs and creates the missing outputs and changelogs; returns the task
 * count, and the optional global topics that do not exist.
 */
export async function ensureTopics(admin: Admin, plan: TopicPlan): Promise<{ partitions: number; absentGlobals: string[] }> {
  const existing = new Set(await admin.listTopics());
  const optional = new Set(plan.optionalGlobals);
  const absentGlobals = plan.globals.filter((t) => optional.has(t) && !existing.has(t));
  const missing = [...plan.inputs, ...plan.globals].filter((t) => !existing.has(t) && !absentGlobals.includes(t));
  if (missing.length) {
    const names = missing.map((t) => `"${t}"`).join(', ');
    throw new ConfigurationError(
      `input topic${missing.length > 1 ? `s ${names} do` : ` ${names} does`} not exist on the brokers (create it, or name another with --input / --external)`,
    );
  }
  const counts = new Map<string, number>();
  const { topics } = await admin.fetchTopicMetadata({ topics: plan.inputs });
  for (const t of topics) counts.set(t.name, t.partitions.length);
  const distinct = new Set(counts.values());
  if (distinct.size > 1) {
    throw new ConfigurationError(
      `input topics must be co-partitioned (the same partition count, keyed by symbol): ${[...counts].map(([t, n]) => `${t} has ${n}`).join(', ')}`,
    );
  }
  const partitions = [...distinct][0];
  const create = [
    ...plan.outputs.filter((t) => !existing.has(t)).map((topic) => ({ topic, numPartitions: partitions })),
    ...plan.changelogs
      .filter((t) => !existing.has(t))
      .map((topic) => ({ topic, numPartitions: partitions, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] })),
    ...plan.repartitions.filter((t) => !existing.has(t)).map((topic) => ({ topic, numPartitions: partitions })),
  ];
  const unique = [...new Map(create.map((c) => [c.topic, c])).values()];
  if (unique.length) {
    await createTopics(admin, unique);
    plan.log.info({ topics: unique.map((c) => c.topic) }, 'created topics');
  }
  for (const internal of [...plan.changelogs, ...plan.repartitions].filter((t) => existing.has(t))) {
    const [meta] = (await admin.fetchTopicMetadata({ topics: [internal] })).topics;
    if (meta.partitions.length !== partitions) {
      throw new ConfigurationError(
        `internal topic "${internal}" has ${meta.partitions.length} partitions but the inputs have ${partitions}; the inputs were re-partitioned: reset the application (delete its internal topics and consumer group) or use a new --app-id`,
      );
    }
  }
  if (absentGlobals.length) plan.log.info({ topics: absentGlobals }, 'optional global topics do not exist: read as empty');
  return { partitions, absentGlobals };
}

/** Bad configuration found at start-up: the message names the setting or the topic. */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}
