import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { difference, root, syntheticRows, worldsFor, withoutLastWindows, writeSyntheticCandles } from './liveData.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);

const stack = (command: 'up' | 'down') => execFileSync('stack/stack.sh', [command], { cwd: root, stdio: 'ignore', timeout: 120_000 });

describe('a broker that goes away and comes back', () => {
  it('is reconnected to: the service carries on, and the committed signals have no gap and no duplicate', async () => {
    if (!inject('stackScript'))
      throw new Error('this test stops and restarts the broker: run it against stack/stack.sh, not KAFKA_BROKERS');
    const w = await newWorld();
    const dir = await writeSyntheticCandles(join(w.work, 'candles'), 4, 1500);
    const signals = withoutLastWindows((await w.backfill(['--source', dir])).signals);
    await w.createInputTopics(4);
    const service = new Service(w.serviceArgs([], { features: false }));
    await service.started();

    // A feed at about 600 candles/s that waits the outage out, as a producer with retries does.
    const rows = await syntheticRows(dir);
    const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING, retry: { retries: 60, maxRetryTime: 2000 } }).producer({
      idempotent: true,
    });
    await producer.connect();
    const feeding = (async () => {
      for (let i = 0; i < rows.length; i += 30) {
        await producer.send({
          topic: w.topics.prices,
          messages: rows.slice(i, i + 30).map((row) => ({ key: row.symbol.replace('USDT', '-USDT'), value: JSON.stringify(row) })),
        });
        await new Promise((r) => setTimeout(r, 50));
      }
    })();

    await new Promise((r) => setTimeout(r, 3000));
    const before = (await w.read(w.topics.signals)).length;
    try {
      stack('down');
      await new Promise((r) => setTimeout(r, 5000));
    } finally {
      stack('up');
    }
    await feeding;
    await producer.disconnect();

    const live = await eventually(
      () => w.read(w.topics.signals),
      (r) => r.length >= signals.length,
      120_000,
      'all signals after the broker came back',
    );
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(signals.length);
    expect(service.child.exitCode).toBeNull(); // it carried on; nobody restarted it
    expect(difference(live, signals)).toEqual({ extra: [], missing: [] });
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
