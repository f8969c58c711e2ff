import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Consumer } from 'kafkajs';
import { DEFAULT_TOPICS } from '../processors/marketTopology.ts';
import { jsonOrAvroSerde } from '../live/registrySerdes.ts';
import type { Serde } from '../live/Serde.ts';
import { KAFKA_HELP, KAFKA_SETTINGS, kafkaClient } from './kafkaClient.ts';
import { REGISTRY_SETTINGS, REGISTRY_USER_INFO_HELP, registryFrom } from './registryFlags.ts';
import { resolveSettings, SETTINGS_HELP } from './settings.ts';
import { wholeNumber } from './flagValues.ts';

export const TAIL_HELP = `Usage: candlestream tail [options]

Prints the records of a topic as they arrive (committed records only): signals as one line each,
anything else as JSON.
${SETTINGS_HELP}

  --topic TOPIC            (default crypto-signals)
  --from-beginning         from the start of the topic, not only what arrives from now on
  --idle-exit SECONDS      exit after this long without a new record (default: never)
  --registry URL           decode registry Avro as well as JSON
${REGISTRY_USER_INFO_HELP}
${KAFKA_HELP}`;

export const TAIL_SETTINGS = {
  ...KAFKA_SETTINGS,
  topic: { type: 'string', default: DEFAULT_TOPICS.signals },
  'from-beginning': { type: 'boolean', default: false },
  'idle-exit': { type: 'string' },
  ...REGISTRY_SETTINGS,
} as const;

export async function tailCommand(args: string[]): Promise<void> {
  const s = resolveSettings(TAIL_SETTINGS, args, process.env);
  const idleMs = s['idle-exit'] === undefined ? undefined : wholeNumber(s['idle-exit'], '--idle-exit') * 1000;
  const serde = jsonOrAvroSerde(registryFrom(s));
  const kafka = kafkaClient(s, 'candlestream-tail', pino({ level: 'error' }, pino.destination(2)));
  const groupId = `candlestream-tail-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const admin = kafka.admin();
  await admin.connect();
  if (!(await admin.listTopics()).includes(s.topic)) {
    await admin.disconnect();
    throw new Error(`topic "${s.topic}" does not exist on the brokers`);
  }
  await consumer.connect();
  await consumer.subscribe({ topics: [s.topic], fromBeginning: s['from-beginning'] });
  const printed = await printUntilStopped(consumer, serde, idleMs);
  await consumer.disconnect();
  await admin.deleteGroups([groupId]).catch(() => undefined);
  await admin.disconnect();
  process.stderr.write(`tail: ${printed.toLocaleString('en-US')} records from ${s.topic}\n`);
}

/** Each record on stdout as it arrives, until SIGINT, SIGTERM or `idleMs` without one; how many. */
async function printUntilStopped(consumer: Consumer, serde: Serde, idleMs: number | undefined): Promise<number> {
  let last = Date.now();
  let count = 0;
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      last = Date.now();
      count++;
      let value: unknown;
      try {
        value = await serde.deserialize(message.value);
      } catch {
        value = message.value?.toString();
      }
      process.stdout.write(`${format(value)}\n`);
    },
  });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
    if (idleMs !== undefined) {
      const timer = setInterval(() => Date.now() - last >= idleMs && (clearInterval(timer), resolve()), 250);
    }
  });
  return count;
}

/** A signal as one readable line; other records as JSON. */
function format(value: unknown): string {
  const v = value as Record<string, unknown>;
  if (v && typeof v === 'object' && typeof v.signal === 'string' && typeof v.ts === 'number') {
    const time = new Date(v.ts).toISOString().slice(0, 16).replace('T', ' ');
    const p = typeof v.p_up === 'number' ? ` p_up ${v.p_up.toFixed(3)}` : '';
    return `${time}  ${String(v.symbol).padEnd(10)} ${String(v.interval).padEnd(3)} close ${String(v.close).padStart(10)}  ${v.signal.padEnd(4)}${p}  (${v.model} v${v.model_version})`;
  }
  return JSON.stringify(value);
}
