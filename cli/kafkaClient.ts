import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { UsageError } from './UsageError.ts';
import type { SettingSpec, Settings } from './settings.ts';

/** How to reach the brokers: shared by every command that talks to Kafka. */
export const KAFKA_SETTINGS: Record<string, SettingSpec> = {
  brokers: { type: 'string', default: '127.0.0.1:9092' },
  'sasl-mechanism': { type: 'string' },
  'sasl-username': { type: 'string' },
  'sasl-password': { type: 'string', secret: true },
  tls: { type: 'boolean', default: false },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
};

export const KAFKA_HELP = `Brokers:
  --brokers LIST           host:port,… (default 127.0.0.1:9092)
  --sasl-mechanism M       plain, scram-sha-256 or scram-sha-512 (with --sasl-username, --sasl-password;
                           prefer CANDLESTREAM_SASL_PASSWORD for the password: it is never logged)
  --tls                    TLS to the brokers; --tls-ca FILE, --tls-cert FILE, --tls-key FILE for a
                           private CA and client certificates`;

const MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

let warningsFiltered = false;

export function kafkaClient(s: Settings, clientId: string, log: Logger): Kafka {
  if (!warningsFiltered) {
    // kafkajs 2.2.4's request queue arms a timer with a negative delay (it treats that as "now"); Node 24
    // warns about it on every connection. That one warning is noise; any other is printed as usual.
    warningsFiltered = true;
    // We use kafkajs' default partitioner on purpose: it is Java's murmur2, the one topology/ uses.
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    process.removeAllListeners('warning');
    process.on('warning', (w) => w.name !== 'TimeoutNegativeWarning' && console.error(`${w.name}: ${w.message}`));
  }
  const brokers = String(s.brokers)
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (!brokers.length || brokers.some((b) => !/^[^:\s]+:\d+$/.test(b)))
    throw new UsageError(`--brokers must be host:port[,host:port…], not "${s.brokers}"`);
  const config: KafkaConfig = {
    clientId,
    brokers,
    logCreator: kafkaLog(log),
    retry: { retries: 10, initialRetryTime: 200, maxRetryTime: 5000 },
  };
  if (s['sasl-mechanism'] !== undefined) {
    const mechanism = String(s['sasl-mechanism']).toLowerCase() as (typeof MECHANISMS)[number];
    if (!MECHANISMS.includes(mechanism))
      throw new UsageError(`--sasl-mechanism must be one of ${MECHANISMS.join(', ')}, not "${s['sasl-mechanism']}"`);
    if (!s['sasl-username'] || !s['sasl-password'])
      throw new UsageError(`--sasl-mechanism ${mechanism} needs --sasl-username and --sasl-password (or CANDLESTREAM_SASL_PASSWORD)`);
    config.sasl = { mechanism, username: String(s['sasl-username']), password: String(s['sasl-password']) } as SASLOptions;
  }
  if (s.tls || s['tls-ca'] || s['tls-cert']) {
    const read = (flag: string) => {
      const path = s[flag] as string | undefined;
      if (path === undefined) return undefined;
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        throw new UsageError(`--${flag} ${path}: ${(e as Error).message}`);
      }
    };
    const ca = read('tls-ca');
    config.ssl = { ca: ca ? [ca] : undefined, cert: read('tls-cert'), key: read('tls-key') };
  }
  return new Kafka(config);
}

/** kafkajs' own log lines, through our logger (kafkajs' INFO is chatty: it goes to debug). */
function kafkaLog(log: Logger) {
  return () =>
    ({ level, log: entry }: { level: number; log: { message: string } & Record<string, unknown> }) => {
      const { message, timestamp: _t, logger: _l, ...rest } = entry;
      const fields = { kafkajs: true, ...rest };
      if (level === logLevel.ERROR) log.error(fields, message);
      else if (level === logLevel.WARN) log.warn(fields, message);
      else log.debug(fields, message);
    };
}
