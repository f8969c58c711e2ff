import { pino, type Logger } from 'pino';
import type { Consumer, Producer } from 'kafkajs';
import { DEFAULT_TOPICS } from '../processors/marketTopology.ts';
import { TopicArchive } from '../landing/archive/TopicArchive.ts';
import { ARCHIVE_COLUMNS } from '../landing/archive/PartitionArchive.ts';
import { refuseOlderTimeColumns } from '../io/parquet/refuseOlderTimeColumns.ts';
import { storageFor } from '../io/storage/storageFor.ts';
import { ConsumerService } from '../live/ConsumerService.ts';
import { jsonOrAvroSerde } from '../live/registrySerdes.ts';
import { KAFKA_HELP, KAFKA_SETTINGS, kafkaClient } from './kafkaClient.ts';
import { REGISTRY_SETTINGS, REGISTRY_USER_INFO_HELP, registryFrom } from './registryFlags.ts';
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
${REGISTRY_USER_INFO_HELP}
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
  ...REGISTRY_SETTINGS,
  webhdfs: { type: 'string' },
  'hdfs-user': { type: 'string' },
  'hdfs-token': { type: 'string', secret: true },
  'log-level': { type: 'string', default: 'info' },
};

export async function archiveCommand(args: string[]): Promise<void> {
  const s = resolveSettings(ARCHIVE_SETTINGS, args, process.env);
  if (!s.out) throw new UsageError('--out is required: the dataset directory, local or hdfs://…');
  const level = String(s['log-level']);
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(level))
    throw new UsageError(`--log-level must be trace, debug, info, warn or error, not "${level}"`);
  const log = pino({ level, base: { service: 'candlestream-archive' } });
  const rollBytes = wholeNumber(s['roll-bytes'], '--roll-bytes');
  const rollMs = wholeNumber(s['roll-ms'], '--roll-ms');
  const topic = String(s.input);
  const serde = jsonOrAvroSerde(registryFrom(s));
  const { storage, path } = storageFor(String(s.out), hdfsSettings(s));
  // Before joining the group: rolls that say TIMESTAMP beside older INT64 files would be a dataset no reader takes.
  await refuseOlderTimeColumns(storage, path, ARCHIVE_COLUMNS, 'archive to another --out (backfill --source reads both)');
  const kafka = kafkaClient(s, 'candlestream-archive', log);
  const sessionTimeout = wholeNumber(s['session-timeout-ms'], '--session-timeout-ms', 1000);
  const consumer = kafka.consumer({
    groupId: String(s['group-id']),
    readUncommitted: false,
    sessionTimeout,
    heartbeatInterval: Math.min(3000, Math.floor(sessionTimeout / 3)),
  });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const archive = new TopicArchive({
    storage,
    path,
    topic,
    rollBytes,
    rollMs,
    deserialize: (value) => serde.deserialize(value),
    commit: (partition, next) => consumer.commitOffsets([{ topic, partition, offset: String(next) }]),
    sendDeadLetters: (messages) => producer.send({ topic: String(s['dead-letter-topic']), messages, acks: -1 }),
    log,
  });
  log.info({ settings: printable(ARCHIVE_SETTINGS, s), out: storage.uri(path) }, 'archive starting');
  await archiveService({ consumer, producer, archive, topic, rollMs, log }).run();
}

/**
 * The archive as a consumer service: batches landed, aged rolls on a timer, the assignment recovered
 * at each join; a stop rolls what is held. Each roll commits its offset: nothing is committed otherwise.
 */
function archiveService(a: { consumer: Consumer; producer: Producer; archive: TopicArchive; topic: string; rollMs: number; log: Logger }) {
  const { consumer, producer, archive, topic } = a;
  let timer: NodeJS.Timeout | undefined;
  const service: ConsumerService = new ConsumerService({
    log: a.log,
    start: async () => {
      await producer.connect();
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        void service.locked(() => archive.assign(payload.memberAssignment[topic] ?? [])).catch((e) => service.fail('recovery failed', e));
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) service.fail('consumer stopped', payload.error);
      });
      if (service.stopping) return;
      timer = setInterval(
        () => void service.locked(() => archive.rollAged()).catch((e) => service.fail('roll failed', e)),
        Math.min(1000, a.rollMs),
      );
      await consumer.run({
        eachBatchAutoResolve: false,
        autoCommit: false,
        // A batch that fails (a roll on a full disk) stops the archive rather than being retried by the
        // consumer forever; batches already fetched are not landed once stopping.
        eachBatch: ({ batch, resolveOffset, heartbeat }) =>
          service
            .locked(async () => {
              if (service.stopping) return;
              await archive.land(batch.partition, batch.messages, resolveOffset);
              await heartbeat();
            })
            .catch((e) => service.fail('archiving failed', e)),
      });
      a.log.info('started');
    },
    drain: async (failed) => {
      clearInterval(timer);
      try {
        consumer.pause([{ topic }]);
      } catch {
        // stopped before it consumed: nothing is fetched, nothing held
      }
      try {
        if (!failed) await service.locked(() => archive.rollAll());
      } finally {
        await consumer.disconnect().catch(() => undefined);
        await producer.disconnect().catch(() => undefined);
      }
    },
  });
  return service;
}
