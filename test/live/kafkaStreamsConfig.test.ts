import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { worldsFor } from './liveData.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);

const T0 = Date.UTC(2023, 2, 1);
const candle = (minute: number) => ({ symbol: 'ETHUSDT', ts: T0 + minute * 60_000, open: 10, high: 11, low: 9, close: 10.5, volume: 1 });

describe("run configured with Kafka Streams' names", () => {
  it('takes application.id, bootstrap.servers, processing.guarantee exactly_once_v2 and client properties, and processes', async () => {
    const w = await newWorld();
    await w.createInputTopics(2);
    const config = join(w.work, 'streams.json');
    await writeFile(
      config,
      JSON.stringify({
        'application.id': `ks-${w.id}`,
        'bootstrap.servers': brokers,
        'processing.guarantee': 'exactly_once_v2',
        'commit.interval.ms': 200,
        'state.dir': join(w.work, 'ks-state'),
        'consumer.max.poll.interval.ms': 60_000,
        'consumer.fetch.max.wait.ms': 50,
        'producer.transaction.timeout.ms': 30_000,
      }),
    );
    // The test world's arguments but --app-id, --brokers and --state-dir: those come from the file.
    const args = withoutFlags(w.serviceArgs(), ['--app-id', '--brokers', '--state-dir']);
    const service = new Service([...args, '--config', config]);
    await service.started();
    expect(service.lines.find((l) => l.msg === 'started')).toMatchObject({ applicationId: `ks-${w.id}`, guarantee: 'exactly_once' });

    const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    await producer.send({
      topic: w.topics.prices,
      messages: [0, 1, 2].map((m) => ({ key: 'ETH-USDT', value: JSON.stringify(candle(m)) })),
    });
    await producer.disconnect();
    const signals = await eventually(
      () => w.read(w.topics.signals),
      (rows) => rows.length >= 2,
      60_000,
      'signals',
    );
    expect(signals.map((s) => s.symbol)).toEqual(['ETH-USDT', 'ETH-USDT']);
    expect(await service.stop('SIGTERM')).toBe(0);
    expect(existsSync(join(w.work, 'ks-state'))).toBe(true);
  });
});

function withoutFlags(args: string[], flags: string[]): string[] {
  return args.filter((_, i) => !flags.includes(args[i]) && !flags.includes(args[i - 1]));
}
