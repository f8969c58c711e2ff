import type { ConsumerConfig, Kafka, ProducerConfig } from 'kafkajs';
import { wholeNumber } from './flagValues.ts';
import type { SettingSpec, Settings } from './settings.ts';
import { UsageError } from './UsageError.ts';

/**
 * Kafka Streams' names for settings `run` has under its own name (docs/configuration.md: "Kafka Streams' names"),
 * usable in a --config file as they are in a Java application's properties. Ours wins when both are given.
 */
export const KAFKA_STREAMS_NAMES: Readonly<Record<string, string>> = {
  'application.id': 'app-id',
  'bootstrap.servers': 'brokers',
  'processing.guarantee': 'guarantee',
  'commit.interval.ms': 'commit-interval-ms',
  'state.dir': 'state-dir',
  'consumer.session.timeout.ms': 'session-timeout-ms',
  'schema.registry.url': 'registry',
  'schema.registry.basic.auth.user.info': 'registry-user-info',
};

/**
 * Client properties passed through to kafkajs, by their Java client names: the kafkajs option each
 * sets. `consumer.*` apply to every consumer (main, restore, global), `producer.*` to every producer,
 * as Kafka Streams' prefixes do. kafkajs has no equivalent for the others (linger.ms, batch.size,
 * compression.type, …), and some are ours to set (group.id, isolation.level, transactional.id):
 * those are refused as unknown settings, by name.
 */
export const CLIENT_PROPERTIES = {
  consumer: {
    'consumer.heartbeat.interval.ms': 'heartbeatInterval',
    'consumer.max.poll.interval.ms': 'rebalanceTimeout',
    'consumer.fetch.min.bytes': 'minBytes',
    'consumer.fetch.max.bytes': 'maxBytes',
    'consumer.max.partition.fetch.bytes': 'maxBytesPerPartition',
    'consumer.fetch.max.wait.ms': 'maxWaitTimeInMs',
    'consumer.metadata.max.age.ms': 'metadataMaxAge',
    'consumer.client.rack': 'rackId',
  },
  producer: {
    'producer.transaction.timeout.ms': 'transactionTimeout',
    'producer.metadata.max.age.ms': 'metadataMaxAge',
  },
} as const;

/**
 * `specs` with Kafka Streams' names and the client properties added. The settings those names stand
 * for lose their defaults here, so that fromKafkaStreamsNames can tell a value given from a default.
 */
export function withKafkaStreamsNames(specs: Record<string, SettingSpec>): Record<string, SettingSpec> {
  const out = { ...specs };
  for (const [alias, name] of Object.entries(KAFKA_STREAMS_NAMES)) {
    out[alias] = { type: 'string', secret: specs[name].secret };
    out[name] = { ...specs[name], default: undefined };
  }
  for (const property of [...Object.keys(CLIENT_PROPERTIES.consumer), ...Object.keys(CLIENT_PROPERTIES.producer)])
    out[property] = { type: 'string' };
  return out;
}

/** The settings under our names: ours, else Kafka Streams' (its values mapped to ours), else the default in `specs`. */
export function fromKafkaStreamsNames(specs: Record<string, SettingSpec>, s: Settings): Settings {
  const out: Settings = { ...s };
  for (const [alias, name] of Object.entries(KAFKA_STREAMS_NAMES)) {
    out[name] = s[name] ?? s[alias] ?? specs[name].default;
    delete out[alias];
  }
  return out;
}

/** `exactly_once_v2` is Kafka Streams' name for what we call exactly_once (a producer per task, fencing by transactional.id epoch). */
export function guaranteeName(value: string): string {
  return value === 'exactly_once_v2' ? 'exactly_once' : value;
}

/** The `consumer.*` and `producer.*` properties given, as kafkajs options; numbers checked, naming the property. */
export function clientProperties(s: Settings): { consumer: Partial<ConsumerConfig>; producer: Partial<ProducerConfig> } {
  const pick = (table: Record<string, string>) => {
    const options: Record<string, string | number> = {};
    for (const [property, option] of Object.entries(table)) {
      const raw = s[property];
      if (raw === undefined) continue;
      options[option] = property.endsWith('.rack') ? String(raw) : wholeNumber(raw, `"${property}"`, 0);
    }
    return options;
  };
  return { consumer: pick(CLIENT_PROPERTIES.consumer), producer: pick(CLIENT_PROPERTIES.producer) };
}

/** `kafka`, its consumers and producers made with `properties` over what the caller asks (the caller's keys are never among them). */
export function withClientProperties(kafka: Kafka, properties: ReturnType<typeof clientProperties>): Kafka {
  if (!Object.keys(properties.consumer).length && !Object.keys(properties.producer).length) return kafka;
  const configured = Object.create(kafka) as Kafka;
  configured.consumer = (config) => kafka.consumer({ ...config, ...properties.consumer } as ConsumerConfig);
  configured.producer = (config) => kafka.producer({ ...config, ...properties.producer });
  return configured;
}

/** Confluent's `basic.auth.user.info` (`USER:PASSWORD`), split; undefined when not given. */
export function registryUserInfo(raw: unknown): { username: string; password: string } | undefined {
  if (raw === undefined || raw === '') return undefined;
  const text = String(raw);
  const colon = text.indexOf(':');
  if (colon <= 0) throw new UsageError("--registry-user-info must be USER:PASSWORD (Confluent's basic.auth.user.info)");
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}
