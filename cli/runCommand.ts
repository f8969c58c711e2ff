import { pino, type Logger } from 'pino';
import {
  buildMarketTopology,
  defaultMarketOptions,
  DEFAULT_TOPICS,
  featureColumns,
  type MarketTopologyOptions,
} from '../processors/marketTopology.ts';
import { NODES } from '../processors/nodeNames.ts';
import { featureSchema, signalSchema } from '../market/avroSchemas.ts';
import { defaultCommitIntervalMs, KafkaStreams, type Guarantee } from '../live/KafkaStreams.ts';
import { ConsumerService } from '../live/ConsumerService.ts';
import { StreamsMetrics } from '../live/StreamsMetrics.ts';
import { avroSerde, jsonOrAvroSerde } from '../live/registrySerdes.ts';
import type { Serde } from '../live/Serde.ts';
import { ConfigurationError } from '../live/ensureTopics.ts';
import { KAFKA_HELP, KAFKA_SETTINGS, kafkaClient } from './kafkaClient.ts';
import { REGISTRY_SETTINGS, REGISTRY_USER_INFO_HELP, registryFrom } from './registryFlags.ts';
import {
  clientProperties,
  fromKafkaStreamsNames,
  guaranteeName,
  withClientProperties,
  withKafkaStreamsNames,
} from './kafkaStreamsConfig.ts';
import { printable, resolveSettings, type SettingSpec, type Settings } from './settings.ts';
import { signalIntervals, topologyFlagOptions, TOPOLOGY_FLAGS } from './topologyFlags.ts';
import { MODEL_HELP, useModel } from './modelFlag.ts';
import { ModelMetrics } from '../models/ModelMetrics.ts';
import { warmUpFeed } from '../backfill/warmUpFeed.ts';
import { hdfsSettings } from './hdfsFlags.ts';
import { UsageError } from './UsageError.ts';
import { wholeNumber } from './flagValues.ts';

export const RUN_HELP = `Usage: candlestream run [options]

Runs the topology as a long-running Kafka consumer service: one consumer group, one task per input
partition, state restored from changelog topics, signals (and optionally features) published to Kafka.
Settings come from flags, then CANDLESTREAM_<FLAG> environment variables (CANDLESTREAM_APP_ID,
CANDLESTREAM_BROKERS, …), then a JSON file (--config FILE, keys named as the flags), then defaults.

${KAFKA_HELP}
Topics:
  --app-id ID              consumer group, transactional.id prefix, changelog topic prefix
                           (default candlestream)
  --input TOPIC            prices in (default crypto-prices); keyed by symbol, must exist
  --external TOPIC         external signals in, a global table (default crypto-external); must exist
                           when --external-names names a signal, else read only if it exists
  --external-names LIST    signals expected on it, each an ext_NAME column (e.g. fear_greed)
  --output TOPIC           signals out (default crypto-signals)
  --signal-intervals LIST  intervals whose closed candles give a signal (default 1m; with --model,
                           the model's interval)
${MODEL_HELP}
  --model-poll-ms N        how often to look in --model DIR for a new version (default 5000; 0: never)
  --features-topic TOPIC   also publish every feature row there (default: not published)
  --warm-from LOCATION     candle history (a directory or file, local or hdfs://…, as backfill
                           --source reads it) to build state from on the first start: each new task
                           replays its symbols' history up to its first live record, then goes on
                           live. Not published: the first live signals carry warm indicators
  --webhdfs URL, --hdfs-user NAME, --hdfs-token T: how to reach HDFS, as for backfill
  --dead-letter-topic T    rejected records, original bytes, reason in headers (default crypto-dead-letter)
  --format json|avro       output encoding (default json); avro needs --registry. Input is JSON or
                           registry Avro, told apart per message
  --registry URL           Confluent-API schema registry
${REGISTRY_USER_INFO_HELP}
  Topics that must exist: --input, and --external when --external-names names a signal. The others
  (outputs, dead letters, changelogs, repartition) are created when missing.
Topology options:
  --intervals, --grace, --no-gap-fill, --rsi-smoothing, --periods, --cache-max-entries,
  --max-price-move: as for backfill
Running:
  --guarantee G            exactly_once (default; exactly_once_v2, Kafka Streams' name, too) or
                           at_least_once
  --commit-interval-ms N   default 100 with exactly_once, 30000 with at_least_once (Kafka Streams')
  --state-dir DIR          local stores (default .candlestream/run)
  --session-timeout-ms N   consumer group session timeout (default 30000)
  --metrics-port N         Prometheus /metrics, /healthz, /readyz (default 9464; 0: off)
  --metrics-host HOST      address to bind them to (default 127.0.0.1)
  --log-level LEVEL        trace, debug, info (default), warn, error
  --config FILE            settings as JSON; it may also use Kafka Streams' names (application.id,
                           bootstrap.servers, processing.guarantee, commit.interval.ms, state.dir, …)
                           and consumer.* / producer.* client properties (docs/configuration.md)

SIGTERM or SIGINT: stop consuming, commit, close (at most 30 s), exit 0.`;

const { external: _files, ...topologyFlags } = TOPOLOGY_FLAGS;

/** run's settings under our names; RUN_SETTINGS adds Kafka Streams' names for them (cli/kafkaStreamsConfig.ts). */
const OWN_SETTINGS: Record<string, SettingSpec> = {
  ...KAFKA_SETTINGS,
  ...(topologyFlags as Record<string, SettingSpec>),
  'app-id': { type: 'string', default: 'candlestream' },
  input: { type: 'string', default: DEFAULT_TOPICS.prices },
  external: { type: 'string', default: DEFAULT_TOPICS.external },
  'external-names': { type: 'string', default: '' },
  output: { type: 'string', default: DEFAULT_TOPICS.signals },
  'signal-intervals': { type: 'string' },
  model: { type: 'string' },
  'model-poll-ms': { type: 'string', default: '5000' },
  'features-topic': { type: 'string' },
  'warm-from': { type: 'string' },
  webhdfs: { type: 'string' },
  'hdfs-user': { type: 'string' },
  'hdfs-token': { type: 'string', secret: true },
  'dead-letter-topic': { type: 'string', default: DEFAULT_TOPICS.deadLetter },
  format: { type: 'string', default: 'json' },
  ...REGISTRY_SETTINGS,
  guarantee: { type: 'string', default: 'exactly_once' },
  'commit-interval-ms': { type: 'string' },
  'state-dir': { type: 'string', default: '.candlestream/run' },
  'session-timeout-ms': { type: 'string', default: '30000' },
  'metrics-port': { type: 'string', default: '9464' },
  'metrics-host': { type: 'string', default: '127.0.0.1' },
  'log-level': { type: 'string', default: 'info' },
};

export const RUN_SETTINGS = withKafkaStreamsNames(OWN_SETTINGS);

/** run's settings, under our names whichever names they were given by. */
export function resolveRunSettings(args: string[], env: NodeJS.ProcessEnv): Settings {
  return fromKafkaStreamsNames(OWN_SETTINGS, resolveSettings(RUN_SETTINGS, args, env));
}

export async function runCommand(args: string[]): Promise<void> {
  const s = resolveRunSettings(args, process.env);
  const level = String(s['log-level']);
  if (!['trace', 'debug', 'info', 'warn', 'error'].includes(level))
    throw new UsageError(`--log-level must be trace, debug, info, warn or error, not "${level}"`);
  const log = pino({ level, base: { service: 'candlestream' } });
  const running = runningSettings(s);
  const metricsPort = wholeNumber(s['metrics-port'], '--metrics-port', 0);
  const metrics = new StreamsMetrics();
  const { market, models } = await marketAndModel(s, log, metrics);
  const topology = buildMarketTopology(market);

  log.info(
    { settings: printable(OWN_SETTINGS, s), model: models && { name: models.current().name, version: models.current().version } },
    'starting',
  );
  const streams = new KafkaStreams({
    ...running,
    topology,
    kafka: withClientProperties(kafkaClient(s, `candlestream-${running.applicationId}`, log), clientProperties(s)),
    stateDir: String(s['state-dir']),
    deadLetterTopic: String(s['dead-letter-topic']),
    serdes: serdesFor(s, market),
    log,
    metrics,
    warmUp: s['warm-from'] ? warmUpFeed([String(s['warm-from'])], hdfsSettings(s)) : undefined,
    // No external signal named: the external topic may be missing (a fresh broker), nothing comes from it.
    optionalGlobals: market.externalSignals.length ? [] : [market.topics.external],
    onFatalError: (e) => service.fail('the consumer stopped for good', e),
  });
  const server = metricsPort ? await serveMetrics(metricsPort, String(s['metrics-host']), metrics, streams) : undefined;
  const service = new ConsumerService({
    log,
    start: () => streams.start(),
    drain: () =>
      streams.close().finally(() => {
        server?.close();
        void models?.close();
      }),
    stopTimeoutMs: 30_000,
  });
  try {
    await service.run(); // until a signal closes it: commits, checkpoints, exit 0
  } catch (e) {
    if (e instanceof ConfigurationError) throw new UsageError(e.message);
    if ((e as Error).name === 'KafkaJSSASLAuthenticationError')
      throw new UsageError(`--sasl-username/--sasl-password: ${(e as Error).message}`);
    throw e;
  }
}

/** How the service runs: its application id, guarantee, commit interval and session timeout, checked. */
function runningSettings(s: Settings) {
  const guarantee = guaranteeName(String(s.guarantee)) as Guarantee;
  if (guarantee !== 'exactly_once' && guarantee !== 'at_least_once')
    throw new UsageError(`--guarantee must be exactly_once or at_least_once, not "${s.guarantee}"`);
  const format = String(s.format);
  if (format !== 'json' && format !== 'avro') throw new UsageError(`--format must be json or avro, not "${format}"`);
  if (format === 'avro' && !s.registry) throw new UsageError('--format avro needs --registry URL (a Confluent-API schema registry)');
  const applicationId = String(s['app-id']);
  if (!/^[A-Za-z0-9._-]+$/.test(applicationId))
    throw new UsageError(`--app-id may hold letters, digits, ".", "_" and "-" (it names topics), not "${applicationId}"`);
  const commitIntervalMs =
    s['commit-interval-ms'] === undefined
      ? defaultCommitIntervalMs(guarantee)
      : wholeNumber(s['commit-interval-ms'], '--commit-interval-ms');
  const sessionTimeoutMs = wholeNumber(s['session-timeout-ms'], '--session-timeout-ms', 1000);
  return { applicationId, guarantee, commitIntervalMs, sessionTimeoutMs };
}

/** The topology's options from the flags, with the model (--model) that scores its signals, if any. */
async function marketAndModel(s: Settings, log: Logger, metrics: StreamsMetrics) {
  const flags = topologyFlagOptions(s); // here --external names a topic, not files
  const externalSignals = list(s['external-names']);
  const modelMetrics = new ModelMetrics(metrics.registry);
  const scoring = s.model
    ? await useModel(String(s.model), { ...flags, externalSignals }, s['signal-intervals'] as string | undefined, {
        pollMs: wholeNumber(s['model-poll-ms'], '--model-poll-ms', 0),
        log: (level, message, fields) => log[level](fields ?? {}, message),
        onUnscored: (reason) => modelMetrics.unscored.inc({ reason }),
        onLoaded: (model) => modelMetrics.loaded(model.name, model.version),
        onReloadFailure: () => modelMetrics.reloadFailures.inc(),
      })
    : undefined;
  const market = defaultMarketOptions({
    ...flags,
    externalSignals,
    topics: {
      prices: String(s.input),
      external: String(s.external),
      features: s['features-topic'] as string | undefined,
      signals: String(s.output),
    },
    ...(scoring?.signals ?? { signalIntervals: signalIntervals(s['signal-intervals'] as string | undefined, flags.candles.intervals) }),
  });
  return { market, models: scoring?.models };
}

/** Input is JSON or registry Avro, told apart per message; outputs are JSON, or Avro with --format avro. */
function serdesFor(s: Settings, market: MarketTopologyOptions): Map<string, Serde> {
  const registry = registryFrom(s);
  const serdes = new Map<string, Serde>([
    [NODES.prices, jsonOrAvroSerde(registry)],
    [NODES.external, jsonOrAvroSerde(registry)],
  ]);
  if (String(s.format) === 'avro') {
    serdes.set(NODES.signals, avroSerde(registry!, `${market.topics.signals}-value`, signalSchema()));
    if (market.topics.features)
      serdes.set(NODES.features, avroSerde(registry!, `${market.topics.features}-value`, featureSchema(featureColumns(market))));
  }
  return serdes;
}

/** Prometheus /metrics, /healthz and /readyz. */
function serveMetrics(port: number, host: string, metrics: StreamsMetrics, streams: KafkaStreams) {
  return metrics
    .serve(port, host, {
      healthy: () => streams.state !== 'closed' && streams.state !== 'failed',
      ready: () => streams.ready,
      beforeScrape: () => {
        metrics.storeEntries.reset();
        for (const { store, partition, entries } of streams.storeSizes())
          metrics.storeEntries.set({ store, partition: String(partition) }, entries);
      },
    })
    .catch((e) => {
      throw new UsageError(`--metrics-port ${port}: ${(e as Error).message}`);
    });
}

function list(raw: unknown): string[] {
  return String(raw ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}
