import { pino } from 'pino';
import type { EachBatchPayload, Message } from 'kafkajs';
import { DEFAULT_TOPICS } from '../processors/marketTopology.ts';
import { priceEventTime } from '../market/exchanges/eventTime.ts';
import { priceKey, priceKeyRejection } from '../market/exchanges/priceKey.ts';
import { PartitionArchive } from '../landing/archive/PartitionArchive.ts';
import { partitionValueProblem } from '../io/partitionValue.ts';
import { storageFor } from '../io/storage/storageFor.ts';
import { jsonOrAvroSerde, schemaRegistry } from '../live/registrySerdes.ts';
import { KAFKA_HELP, KAFKA_SETTINGS, kafkaClient } from './kafkaClient.ts';
import { hdfsSettings } from './hdfsFlags.ts';
import { printable, resolveSettings, type SettingSpec } from './settings.ts';
import { UsageError } from './UsageError.ts';
import { wholeNumber } from './flagValues.ts';

export const ARCHIVE_HELP = `Usage: candlestream archive --out <DIR|hdfs://…> [options]

Lands the raw prices topic as Parquet (stage 1: the history backfill replays), partitioned
symbol=…/date=… by each message's own symbol and time, each message's value kept unchanged in a
\`raw\` column beside \`ts\` and its Kafka partition, offset and timestamp. Files roll by size and by
age; each roll is exactly once (written aside, marked ready, renamed into place, then the offset
committed), so a crash never leaves a duplicate or a partial file visible. Its output is backfill
--source input. A message without a readable symbol or time goes to the dead-letter topic.
Settings as for run: flags, CANDLESTREAM_<FLAG> variables, --config FILE, defaults.

  --out LOCATION           the dataset's directory, local or hdfs://… (required)
  --input TOPIC            prices topic (default crypto-prices)
  --group-id ID            consumer group (default candlestream-archive)
  --roll-bytes N           roll a partition's files when they hold about this much (default 67108864)
  --roll-ms N              … or when their first message is this old (default 600000: 10 minutes)
  --dead-letter-topic T    unreadable messages, with reason headers (default crypto-dead-letter)
  --session-timeout-ms N   consumer group session timeout (default 30000)
  --registry URL           schema registry, for Avro input
  --webhdfs URL, --hdfs-user NAME, --hdfs-token T: how to reach HDFS, as for backfill
  --log-level LEVEL        trace, debug, info (default), warn, error
  --config FILE            settings as JSON
${KAFKA_HELP}
SIGTERM or SIGINT: stop consuming, roll what is held, exit 0.`;

export const ARCHIVE_SETTINGS: Record<string, SettingSpec> = {
  ...KAFKA_SETTINGS,
  out: { type: 'string' },
  input: { type: 'string', default: DEFAULT_TOPICS.prices },
  'group-id': { type: 'string', default: 'candlestream-archive' },
  'roll-bytes': { type: 'string', default: String(64 * 1024 * 1024) },
  'roll-ms': { type: 'string', default: '600000' },
  'dead-letter-topic': { type: 'string', default: DEFAULT_TOPICS.deadLetter },
  'session-timeout-ms': { type: 'string', default: '30000' },
  registry: { type: 'string' },
  webhdfs: { type: 'string' },
  'hdfs-user': { type: 'string' },
  'hdfs-token': { type: 'string', secret: true },
  'log-level': { type: 'string', default: 'info' },
};

export async function archiveCommand(args: string[]): Promise<void> {
  const s = resolveSettings(ARCHIVE_SETTINGS, args, process.env);
  if (!s.out) throw new UsageError('--out is required: the dataset directory, local or hdfs://…');
  const level = String(s['log-level']);
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(level)) throw new UsageError(`--log-level must be trace, debug, info, warn or error, not "${level}"`);
  const log = pino({ level, base: { service: 'candlestream-archive' } });
  const rollBytes = wholeNumber(s['roll-bytes'], '--roll-bytes');
  const rollMs = wholeNumber(s['roll-ms'], '--roll-ms');
  const topic = String(s.input);
  const { storage, path } = storageFor(String(s.out), hdfsSettings(s));
  const serde = jsonOrAvroSerde(s.registry ? schemaRegistry(String(s.registry)) : undefined);
  const kafka = kafkaClient(s, 'candlestream-archive', log);
  const sessionTimeout = wholeNumber(s['session-timeout-ms'], '--session-timeout-ms', 1000);
  const consumer = kafka.consumer({ groupId: String(s['group-id']), readUncommitted: false, sessionTimeout, heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)) });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const archives = new Map<number, PartitionArchive>();
  /** Per partition: the offset a recovered roll committed; messages before it were landed by that roll. */
  const resumeAt = new Map<number, number>();
  let lock: Promise<unknown> = Promise.resolve();
  const locked = <T>(work: () => Promise<T>): Promise<T> => {
    const next = lock.then(work);
    lock = next.catch(() => undefined);
    return next;
  };
  const commit = (partition: number) => (next: number) => consumer.commitOffsets([{ topic, partition, offset: String(next) }]);
  const roll = async (partition: number, archive: PartitionArchive) => {
    const messages = archive.heldMessages;
    const started = performance.now();
    await archive.roll(commit(partition));
    log.info({ partition, messages, ms: Math.round(performance.now() - started) }, 'rolled');
  };

  /** The archive of a partition, its leftovers from a crash recovered first. */
  const archiveOf = async (partition: number): Promise<PartitionArchive> => {
    const existing = archives.get(partition);
    if (existing) return existing;
    const archive = new PartitionArchive(storage, path, topic, partition);
    await archive.recover(async (next) => {
      await commit(partition)(next);
      resumeAt.set(partition, Math.max(next, resumeAt.get(partition) ?? 0));
    });
    archives.set(partition, archive);
    return archive;
  };

  // Dead letters are durable before the offset that covers them is committed.
  const sendDeadLetters = async (deadLetters: Message[]) => {
    if (deadLetters.length) await producer.send({ topic: String(s['dead-letter-topic']), messages: deadLetters.splice(0), acks: -1 });
  };
  const rollWith = async (partition: number, archive: PartitionArchive, deadLetters: Message[]) => {
    await sendDeadLetters(deadLetters);
    await roll(partition, archive);
  };

  const processBatch = async ({ batch, resolveOffset, heartbeat }: EachBatchPayload) => {
    const archive = await archiveOf(batch.partition);
    const landed = resumeAt.get(batch.partition) ?? 0;
    const deadLetters: Message[] = [];
    for (const message of batch.messages) {
      const offset = Number(message.offset);
      if (offset < landed) {
        resolveOffset(message.offset); // landed by the roll that recovery completed
        continue;
      }
      let reason: string | undefined;
      try {
        const value = await serde.deserialize(message.value);
        const symbol = priceKey(value);
        const ts = priceEventTime(value);
        // A symbol that cannot be a partition directory would fail every roll, and every restart.
        if (symbol === null) reason = priceKeyRejection(value);
        else if (partitionValueProblem(symbol)) reason = 'bad_symbol:partition_value';
        else if (!Number.isFinite(ts)) reason = 'bad_timestamp';
        else {
          const raw = message.value![0] === 0 ? JSON.stringify(value) : message.value!.toString('utf8'); // Avro: kept as its JSON
          archive.add({ symbol, ts, raw, offset, timestamp: Number(message.timestamp) });
        }
      } catch (e) {
        reason = `unreadable:${(e as Error).message.slice(0, 120)}`;
      }
      if (reason !== undefined) {
        archive.skip(offset);
        deadLetters.push({ key: message.key, value: message.value, headers: { reason, stage: 'archive', topic, partition: String(batch.partition), offset: message.offset } });
      }
      resolveOffset(message.offset);
      if (archive.heldBytes >= rollBytes) await rollWith(batch.partition, archive, deadLetters);
    }
    if (archive.age() >= rollMs) await rollWith(batch.partition, archive, deadLetters);
    await sendDeadLetters(deadLetters);
    await heartbeat();
  };

  let failed = false;
  let timer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  async function stop(why: string): Promise<void> {
    if (stopping) return stopping;
    log.info({ why }, 'stopping');
    clearInterval(timer);
    stopping = (async () => {
      consumer.pause([{ topic }]);
      if (!failed) {
        await locked(async () => {
          for (const [partition, archive] of archives) await roll(partition, archive);
        }).catch((e) => {
          failed = true;
          log.error({ err: e }, 'roll at stop failed: consumed again at the next start');
        });
      }
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      if (failed) process.exitCode = 1;
      done();
    })();
    return stopping;
  }
  // Handlers first: a signal while joining the group (before run resolves) still stops it cleanly.
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
  await producer.connect();
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  // A partition that went to another member: what was held is dropped, never written (its offsets
  // were not committed, the new owner consumes it again). A partition assigned is recovered at once,
  // not at its first batch: a crash while cleaning up its last roll leaves staging that no new
  // message may ever come to clear.
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const mine = new Set(payload.memberAssignment[topic] ?? []);
    void locked(async () => {
      for (const partition of [...archives.keys()]) if (!mine.has(partition)) archives.delete(partition);
      for (const partition of mine) await archiveOf(partition);
    }).catch((e) => {
      log.error({ err: e }, 'recovery failed: exiting; what was not committed is consumed again at the next start');
      failed = true;
      void stop('recovery failed');
    });
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (payload.restart) return;
    log.error({ err: payload.error }, 'consumer stopped');
    failed = true;
    void stop('crash');
  });
  if (!stopping) timer = setInterval(() => {
    void locked(async () => {
      for (const [partition, archive] of archives) if (archive.age() >= rollMs) await roll(partition, archive);
    }).catch((e) => {
      log.error({ err: e }, 'roll failed: exiting; what was not committed is consumed again at the next start');
      failed = true;
      void stop('roll failed');
    });
  }, Math.min(1000, rollMs));
  log.info({ settings: printable(ARCHIVE_SETTINGS, s), out: storage.uri(path) }, 'archive starting');
  if (!stopping) {
    // A stop while joining disconnects the consumer under run: that rejection is the stop's, not a failure.
    await consumer.run({ eachBatchAutoResolve: false, autoCommit: false, eachBatch: (payload) => locked(() => processBatch(payload)) }).catch((e) => {
      if (!stopping) throw e;
    });
    log.info('started');
  }

  await finished;
  setTimeout(() => process.exit(), 1000).unref();
}
