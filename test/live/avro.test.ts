import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { difference, syntheticRows, worldsFor, withoutLastWindows, writeSyntheticCandles, type Row } from './liveData.ts';
import { readTopic } from './readTopic.ts';
import { intervalMs } from '../../market/interval.ts';

const brokers = inject('brokers');
const registryUrl = inject('registryUrl');
const newWorld = worldsFor(brokers);

const PRICE_SCHEMA = {
  type: 'record',
  name: 'Candle',
  namespace: 'test.exchange',
  fields: [
    { name: 'symbol', type: 'string' },
    { name: 'open_time', type: 'long' },
    { name: 'open', type: 'double' },
    { name: 'high', type: 'double' },
    { name: 'low', type: 'double' },
    { name: 'close', type: 'double' },
    { name: 'volume', type: 'double' },
  ],
};

describe('Avro through the schema registry', () => {
  it('reads Avro prices and writes Avro signals (schema registered) that decode to what backfill computes', async () => {
    const w = await newWorld();
    const dir = await writeSyntheticCandles(join(w.work, 'candles'), 2, 400);
    const expected = withoutLastWindows((await w.backfill(['--source', dir])).signals);
    await w.createInputTopics(2);

    // An upstream producer that writes its candles in Avro, Confluent wire format.
    const registry = new SchemaRegistry({ host: registryUrl });
    const { id } = await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(PRICE_SCHEMA) },
      { subject: `${w.topics.prices}-value` },
    );
    const messages = await Promise.all(
      (await syntheticRows(dir)).map(async (row) => ({ key: row.symbol.replace('USDT', '-USDT'), value: await registry.encode(id, row) })),
    );
    const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({ topic: w.topics.prices, messages: messages.map(({ key, value }) => ({ key, value })) });
    await producer.disconnect();

    // The subject already holds the schema as first released (no close_ts): the service registers its
    // version beside it, which the registry's default BACKWARD rule must accept.
    const firstSignalSchema = await readFile(new URL('../fixtures/avro/signal-v1.avsc', import.meta.url), 'utf8');
    await registry.register({ type: SchemaType.AVRO, schema: firstSignalSchema }, { subject: `${w.topics.signals}-value` });

    const service = new Service(w.serviceArgs(['--format', 'avro', '--registry', registryUrl], { features: false }));
    await service.started();
    const raw = await eventually(
      () => readTopic([brokers], w.topics.signals),
      (m) => m.length >= expected.length,
      60_000,
      'Avro signals',
    );
    expect(raw.every((m) => m.value![0] === 0)).toBe(true); // Confluent wire format: magic byte, schema id, body
    const decoded = (await Promise.all(raw.map((m) => registry.decode(m.value!)))) as Row[];
    expect(difference(decoded, expected)).toEqual({ extra: [], missing: [] });

    const schemaId = await registry.getLatestSchemaId(`${w.topics.signals}-value`);
    const registered = JSON.parse(JSON.stringify(await registry.getSchema(schemaId)));
    expect(registered).toMatchObject({ name: 'io.candlestream.Signal' });
    expect(registered.fields.map((f: { name: string }) => f.name)).toContain('close_ts');
    expect(decoded.every((s) => s.close_ts === s.ts + intervalMs(s.interval))).toBe(true);
    // The subject evolves under the registry's BACKWARD rule: a field with a default may be added, a type may not change.
    const evolved = { ...registered, fields: [...registered.fields, { name: 'horizon', type: ['null', 'int'], default: null }] };
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(evolved) }, { subject: `${w.topics.signals}-value` }),
    ).resolves.toMatchObject({ id: expect.any(Number) });
    const broken = {
      ...registered,
      fields: registered.fields.map((f: { name: string }) => (f.name === 'close' ? { name: 'close', type: 'string' } : f)),
    };
    await expect(
      registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(broken) }, { subject: `${w.topics.signals}-value` }),
    ).rejects.toThrow();
    expect(await w.read(w.topics.deadLetter).catch(() => [])).toEqual([]);
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
