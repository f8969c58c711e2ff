import { pino } from 'pino';
import type { Message, Producer } from 'kafkajs';
import { DEFAULT_TOPICS } from '../processors/marketTopology.ts';
import { NODES } from '../processors/nodeNames.ts';
import type { BoundedInput } from '../backfill/BoundedInput.ts';
import { createTopics } from '../live/createTopics.ts';
import { candleFileInputs } from '../backfill/candleFileInput.ts';
import { externalSignalInput } from '../backfill/externalSignalInput.ts';
import { mergeByEventTime } from '../backfill/mergeByEventTime.ts';
import { KAFKA_HELP, KAFKA_SETTINGS, kafkaClient } from './kafkaClient.ts';
import { externalSpec } from './externalSpec.ts';
import { resolveSettings, SETTINGS_HELP, type SettingsOf } from './settings.ts';
import { progressReporter } from './progress.ts';
import { UsageError } from './UsageError.ts';
import { timeFlag, wholeNumber } from './flagValues.ts';

export const PUBLISH_HELP = `Usage: candlestream publish --source <file|dir>... [options]

Publishes candle history (CSV, Parquet) to the prices topic as JSON keyed by symbol, and external
signals to the external topic, in event-time order: a feed for the live service, its demo and tests.
${SETTINGS_HELP}

  --source PATH            a CSV or Parquet file, or a directory of them (repeatable)
  --symbol S, --exchange NAME, --from T, --to T   as for backfill
  --external [NAME=]FILE   external signals CSV (repeatable), published first, whole
  --topic TOPIC            prices topic (default crypto-prices)
  --external-topic TOPIC   external signals topic (default crypto-external)
  --partitions N           partitions for topics that do not exist yet (default 4)
  --rate N                 records per second, 0 for as fast as possible (default 0)
  --limit N                stop after N candles (0: only create the topics and publish the signals)
  --quiet                  no progress on stderr
${KAFKA_HELP}`;

export const PUBLISH_SETTINGS = {
  ...KAFKA_SETTINGS,
  source: { type: 'string', multiple: true, default: [] as string[] },
  symbol: { type: 'string' },
  exchange: { type: 'string' },
  from: { type: 'string' },
  to: { type: 'string' },
  external: { type: 'string', multiple: true, default: [] as string[] },
  topic: { type: 'string', default: DEFAULT_TOPICS.prices },
  'external-topic': { type: 'string', default: DEFAULT_TOPICS.external },
  partitions: { type: 'string', default: '4' },
  rate: { type: 'string', default: '0' },
  limit: { type: 'string' },
  quiet: { type: 'boolean', default: false },
} as const;

type PublishSettings = SettingsOf<typeof PUBLISH_SETTINGS>;

export async function publishCommand(args: string[]): Promise<void> {
  const job = publishJob(resolveSettings(PUBLISH_SETTINGS, args, process.env));
  const { s } = job;
  const kafka = kafkaClient(s, 'candlestream-publish', pino({ level: 'error' }, pino.destination(2)));
  const externals = s.external.map((spec) => externalSignalInput(externalSpec(spec), NODES.external));
  const { from, to } = job;
  const candles = await candleFileInputs(s.source, { symbol: s.symbol, exchange: s.exchange, from, to, source: NODES.prices });
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await admin.connect();
  await producer.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = [s.topic, ...(externals.length ? [s['external-topic']] : [])].filter((t) => !existing.has(t));
    if (topics.length)
      await createTopics(
        admin,
        topics.map((topic) => ({ topic, numPartitions: job.partitions })),
      );
    // Reference data first, whole: the live service joins it in event time, whatever the order.
    const signals = await publishSignals(producer, externals, s['external-topic']);
    const { sent, elapsedMs } = await publishCandles(producer, candles, job);
    const seconds = (elapsedMs / 1000).toFixed(1);
    const signalsSent = signals ? `, ${signals.toLocaleString('en-US')} signal values to ${s['external-topic']}` : '';
    if (!s.quiet) process.stderr.write(`publish: ${sent.toLocaleString('en-US')} candles to ${s.topic}${signalsSent} in ${seconds} s\n`);
  } finally {
    await producer.disconnect();
    await admin.disconnect();
  }
}

/** The flags, checked: a bad one stops start-up, naming it, before the brokers are reached. */
interface PublishJob {
  readonly s: PublishSettings;
  readonly partitions: number;
  /** Records per second; 0: as fast as possible. */
  readonly rate: number;
  readonly limit: number;
  readonly from: number;
  readonly to: number;
}

function publishJob(s: PublishSettings): PublishJob {
  if (!s.source.length) throw new UsageError('--source is required: a CSV or Parquet file, or a directory');
  const partitions = wholeNumber(s.partitions, '--partitions');
  const rate = Number(s.rate);
  if (!(rate >= 0)) throw new UsageError(`--rate must be a number ≥ 0, not "${s.rate}"`);
  const limit = s.limit === undefined ? Infinity : wholeNumber(s.limit, '--limit', 0);
  const from = s.from === undefined ? -Infinity : timeFlag(s.from, '--from');
  const to = s.to === undefined ? Infinity : timeFlag(s.to, '--to');
  return { s, partitions, rate, limit, from, to };
}

/** Every external signal value, in its file's order; how many. */
async function publishSignals(producer: Producer, externals: BoundedInput[], topic: string): Promise<number> {
  let signals = 0;
  for (const input of externals) {
    for await (const batch of input.batches()) {
      await producer.send({ topic, messages: batch.map((r) => ({ key: r.key, value: JSON.stringify(r.value) })) });
      signals += batch.length;
    }
  }
  return signals;
}

/** The candles in event-time order, at most --limit, paced to --rate; how many, in how long. */
async function publishCandles(
  producer: Producer,
  candles: BoundedInput[],
  { s, rate, limit }: PublishJob,
): Promise<{ sent: number; elapsedMs: number }> {
  const progress = progressReporter('publish', s.quiet);
  let total = 0;
  for (const input of candles) total += (await input.estimatedRecords()) ?? 0;
  const started = performance.now();
  let sent = 0;
  let reported = 0;
  let pending: Message[] = [];
  const flush = async () => {
    if (!pending.length) return;
    await producer.send({ topic: s.topic, messages: pending, acks: -1 });
    pending = [];
  };
  // Each value carries what the file name told (symbol, exchange, interval), as backfill's headers do.
  outer: for await (const batch of mergeByEventTime(candles.map((c) => c.batches()))) {
    for (const record of batch.records) {
      if (sent >= limit) break outer;
      pending.push({ key: record.key, value: JSON.stringify({ ...record.headers, ...(record.value as object) }) });
      sent++;
      if (pending.length >= (rate ? Math.max(1, Math.ceil(rate / 100)) : 1000)) {
        await flush();
        if (rate) {
          const ahead = (sent / rate) * 1000 - (performance.now() - started);
          if (ahead > 0) await new Promise((r) => setTimeout(r, ahead));
        }
        if (sent - reported >= 10_000) progress((reported = sent), total);
      }
    }
  }
  await flush();
  progress(sent, sent);
  return { sent, elapsedMs: performance.now() - started };
}
