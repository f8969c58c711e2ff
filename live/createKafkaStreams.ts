import { Kafka, logLevel } from 'kafkajs';
import { pino } from 'pino';
import type { BuiltTopology } from '../topology/Topology.ts';
import { defaultCommitIntervalMs, KafkaStreams, type Guarantee, type KafkaStreamsOptions } from './KafkaStreams.ts';
import type { Serde } from './Serde.ts';
import { StreamsMetrics } from './StreamsMetrics.ts';

/** What running a topology on Kafka needs; everything but the topology, brokers and application id has a default. */
export interface KafkaRunOptions {
  topology: BuiltTopology;
  /** Bootstrap servers, e.g. ['127.0.0.1:9092'] (or pass a configured kafkajs client as `kafka`). */
  brokers?: string[];
  /** A kafkajs client of your own (TLS, SASL, retries): used instead of `brokers`. */
  kafka?: Kafka;
  /** Kafka Streams' application.id: the consumer group, transactional.id prefix and changelog topic prefix. */
  applicationId: string;
  /** processing.guarantee (default exactly_once). */
  guarantee?: Guarantee;
  /** commit.interval.ms (default 100 with exactly_once, 30000 with at_least_once, as Kafka Streams). */
  commitIntervalMs?: number;
  /** state.dir: the local stores (default .candlestream/<applicationId>). */
  stateDir?: string;
  /** Where rejected records go, their reason in the headers (default <applicationId>-dead-letter). */
  deadLetterTopic?: string;
  /** Serde per source or sink name; JSON when absent. */
  serdes?: ReadonlyMap<string, Serde>;
  /** A pino logger (default: pino at info, on stdout). */
  log?: KafkaStreamsOptions['log'];
  /** Prometheus metrics (default: a fresh registry; serve it with `metrics.serve`). */
  metrics?: StreamsMetrics;
  /** The consumer stopped for good: close, and restart the process. */
  onFatalError?: (error: Error) => void;
  /** Consumer group session timeout (default 30000). */
  sessionTimeoutMs?: number;
  /** Global topics read as empty when they do not exist (the market topology's external topic, when no signal is named). */
  optionalGlobals?: string[];
}

/** The runtime's full options: the given ones, with the defaults for the rest. */
export function kafkaStreamsOptions(options: KafkaRunOptions): KafkaStreamsOptions {
  const { applicationId, brokers, guarantee = 'exactly_once' } = options;
  if (!options.kafka && !brokers?.length) throw new Error('running on Kafka needs `brokers` (or a kafkajs client as `kafka`)');
  const kafka = options.kafka ?? new Kafka({ clientId: `candlestream-${applicationId}`, brokers: brokers!, logLevel: logLevel.WARN });
  return {
    topology: options.topology,
    kafka,
    applicationId,
    guarantee,
    commitIntervalMs: options.commitIntervalMs ?? defaultCommitIntervalMs(guarantee),
    stateDir: options.stateDir ?? `.candlestream/${applicationId}`,
    deadLetterTopic: options.deadLetterTopic ?? `${applicationId}-dead-letter`,
    serdes: options.serdes,
    log: options.log ?? pino({ base: { service: applicationId } }),
    metrics: options.metrics ?? new StreamsMetrics(),
    onFatalError: options.onFatalError,
    sessionTimeoutMs: options.sessionTimeoutMs,
    optionalGlobals: options.optionalGlobals,
  };
}

/** A topology on Kafka, as Kafka Streams' `new KafkaStreams(topology, props)`: call `start()`, and `close()` to stop. */
export function createKafkaStreams(options: KafkaRunOptions): KafkaStreams {
  return new KafkaStreams(kafkaStreamsOptions(options));
}
