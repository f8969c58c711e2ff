import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { readTopic } from './readTopic.ts';
import { partitionFor } from '../../topology/partitioner.ts';
import { normalizeSymbol } from '../../market/normalizeSymbol.ts';
import { eventually, Service } from './processes.ts';
import { difference, fearGreed, sampleCandles, syntheticRows, worldsFor, withoutLastWindows, writeSyntheticCandles } from './liveData.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);

const FIRST = ['--to', '2023-03-02T12:00:00Z'];
const SECOND = ['--from', '2023-03-02T12:00:00Z', '--to', '2023-03-04T00:00:00Z'];
const WHOLE = ['--to', '2023-03-04T00:00:00Z'];

describe('candlestream run on a real broker', () => {
  it.each(['exactly_once', 'at_least_once'])(
    '%s: turns prices into the same features and signals as backfill, and a restart resumes where it stopped',
    async (guarantee) => {
      const w = await newWorld();
      const input = ['--source', sampleCandles, '--external', fearGreed];
      const expected = await w.backfill([...input, ...WHOLE]);
      const features = withoutLastWindows(expected.features);
      const signals = withoutLastWindows(expected.signals);
      expect(signals.length).toBeGreaterThan(8000);

      // The first day and a half, then a clean stop (SIGTERM).
      await w.publish([...input, ...FIRST]);
      const first = new Service(w.serviceArgs(['--external-names', 'fear_greed', '--guarantee', guarantee]));
      await first.started();
      const firstHalf = withoutLastWindows((await w.backfill([...input, ...FIRST])).features);
      await eventually(
        () => w.read(w.topics.features),
        (rows) => rows.length >= firstHalf.length,
        120_000,
        'features of the first half',
      );
      expect(await first.stop('SIGTERM')).toBe(0);
      expect(first.lines.some((l) => l.msg === 'task closed')).toBe(true);

      // The rest arrives while it is down; a new process takes up from the checkpoint.
      await w.publish(['--source', sampleCandles, ...SECOND]);
      const second = new Service(w.serviceArgs(['--external-names', 'fear_greed', '--guarantee', guarantee]));
      await second.started();
      const liveFeatures = await eventually(
        () => w.read(w.topics.features),
        (rows) => rows.length >= features.length,
        120_000,
        'all features',
      );
      const liveSignals = await eventually(
        () => w.read(w.topics.signals),
        (rows) => rows.length >= signals.length,
        60_000,
        'all signals',
      );
      expect(second.lines.find((l) => l.msg === 'task restored')).toMatchObject({ fromCheckpoint: true });
      expect(await second.stop('SIGTERM')).toBe(0);

      expect(difference(liveFeatures, features)).toEqual({ extra: [], missing: [] });
      expect(difference(liveSignals, signals)).toEqual({ extra: [], missing: [] });
      expect(liveFeatures.length).toBe(features.length);
      expect(liveSignals.map((s) => s.signal)).toContain('BUY');
      expect(liveSignals.map((s) => s.signal)).toContain('SELL');
      expect(await w.read(w.topics.deadLetter)).toEqual([]);
    },
  );

  it('repartitions records not keyed by their symbol (no key, another key, another partitioner) before processing them', async () => {
    const w = await newWorld();
    const dir = await writeSyntheticCandles(join(w.work, 'candles'), 4, 600);
    // A little grace: symbols that reach a task through the repartition topic from different
    // partitions arrive a few event-minutes apart.
    const grace = ['--grace', '300'];
    const expected = (await w.backfill(['--source', dir, ...grace])).signals;
    const cut = Math.max(...expected.map((r) => r.ts)) - 15 * 60_000; // windows a live run has surely closed
    const signals = expected.filter((r) => r.ts < cut);
    await w.createInputTopics(4);
    const service = new Service(w.serviceArgs(grace, { features: false }));
    await service.started();

    // An upstream that keys by something else (or nothing) and places by its own rule: never on the
    // partition our partitioner gives a symbol, and each symbol moves to another partition halfway,
    // which without repartitioning would split its state over two tasks.
    const rows = await syntheticRows(dir);
    const symbols = [...new Set(rows.map((r) => r.symbol))].sort();
    const halfway = rows[rows.length / 2].open_time;
    const placement = (row: { symbol: string; open_time: number }) =>
      (partitionFor(normalizeSymbol(row.symbol)!, 4) + (row.open_time < halfway ? 1 : 2)) % 4;
    const keys = [null, 'binance', null, 'kraken'];
    const producer = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    for (let i = 0; i < rows.length; i += 40) {
      const messages = rows
        .slice(i, i + 40)
        .map((row) => ({ partition: placement(row), key: keys[symbols.indexOf(row.symbol)], value: JSON.stringify(row) }));
      await producer.send({ topic: w.topics.prices, messages });
      await new Promise((r) => setTimeout(r, 50));
    }
    await producer.disconnect();

    const live = await eventually(
      async () => (await w.read(w.topics.signals)).filter((r) => r.ts < cut),
      (r) => r.length >= signals.length,
      60_000,
      'signals',
    );
    expect(difference(live, signals)).toEqual({ extra: [], missing: [] });
    const rekeyed = await readTopic([brokers], `app-${w.id}-prices-repartition`);
    expect(rekeyed.length).toBe(rows.length);
    expect(new Set(rekeyed.map((m) => m.key))).toEqual(new Set(symbols.map((x) => normalizeSymbol(x))));
    expect(await w.read(w.topics.deadLetter)).toEqual([]);
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});
