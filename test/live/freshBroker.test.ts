import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { createTopics } from '../../live/createTopics.ts';
import { cli, eventually, Service } from './processes.ts';
import { worldsFor } from './liveData.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);

const T0 = Date.UTC(2023, 2, 1);
const candle = (minute: number) => ({
  symbol: 'BTCUSDT',
  ts: T0 + minute * 60_000,
  open: 100,
  high: 101,
  low: 99,
  close: 100.5,
  volume: 2,
});

describe('run on a broker where only the prices topic exists', () => {
  it('starts without the external-signals topic when no external signal is named, and processes prices', async () => {
    const w = await newWorld();
    const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await createTopics(admin, [{ topic: w.topics.prices, numPartitions: 2 }]);

    const service = new Service(w.serviceArgs());
    await service.started();
    expect(service.lines.some((l) => l.msg === 'optional global topics do not exist: read as empty')).toBe(true);
    expect(await admin.listTopics()).not.toContain(w.topics.external); // read as empty, not created
    await admin.disconnect();

    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: w.topics.prices,
      messages: [0, 1, 2, 3].map((m) => ({ key: 'BTCUSDT', value: JSON.stringify(candle(m)) })),
    });
    await producer.disconnect();
    const signals = await eventually(
      () => w.read(w.topics.signals),
      (rows) => rows.length >= 3,
      60_000,
      'signals',
    );
    expect(signals.map((s) => (s.ts - T0) / 60_000)).toEqual([0, 1, 2]);
    expect(await service.stop('SIGTERM')).toBe(0);
  });

  it('stops with exit 2 naming the external topic when --external-names expects signals on it', async () => {
    const w = await newWorld();
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await createTopics(admin, [{ topic: w.topics.prices, numPartitions: 2 }]);
    await admin.disconnect();

    const r = await cli(['run', ...w.serviceArgs(['--external-names', 'fear_greed'])]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`"${w.topics.external}" does not exist`);
  });
});
