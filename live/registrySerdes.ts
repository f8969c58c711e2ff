import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { jsonSerde, type Serde } from './Serde.ts';

const MAGIC_BYTE = 0;

/**
 * Values in Avro through a Confluent-API schema registry, in Confluent's wire format (magic byte,
 * schema id, Avro body). The schema is registered under `<topic>-value` on first use; the registry
 * refuses an incompatible change, which stops the service before it writes anything.
 */
export function avroSerde(registry: SchemaRegistry, subject: string, schema: object): Serde {
  let id: Promise<number> | undefined;
  return {
    async serialize(value) {
      id ??= registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject }).then((r) => r.id);
      return registry.encode(await id, value);
    },
    deserialize: (data) => decode(registry, data),
  };
}

/**
 * Input that may be JSON or registry-encoded Avro, told apart per message: JSON text never starts with
 * a zero byte, and Confluent's wire format always does.
 */
export function jsonOrAvroSerde(registry: SchemaRegistry | undefined): Serde {
  if (!registry) return jsonSerde;
  return {
    deserialize: (data) => (data !== null && data[0] === MAGIC_BYTE ? decode(registry, data) : jsonSerde.deserialize(data)),
    serialize: jsonSerde.serialize,
  };
}

async function decode(registry: SchemaRegistry, data: Buffer | null): Promise<unknown> {
  if (data === null) throw new Error('empty message (no value)');
  const value = await registry.decode(data);
  // Avro longs and timestamps come back as numbers or Dates; the topology reads plain values.
  return JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

/**
 * A registry client. Credentials in the URL (https://user:pass@host), or `auth` (which wins), are sent as
 * Basic authentication and kept out of the URL the client holds: it names that URL in every error it
 * raises, and errors are logged.
 */
export function schemaRegistry(url: string, auth?: { username: string; password: string }): SchemaRegistry {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (!parsed?.username && !parsed?.password) return new SchemaRegistry({ host: url, auth });
  const fromUrl = { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
  parsed.username = '';
  parsed.password = '';
  return new SchemaRegistry({ host: parsed.href.replace(/\/$/, ''), auth: auth ?? fromUrl });
}
