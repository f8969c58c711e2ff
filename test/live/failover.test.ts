import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { difference, worldsFor, withoutLastWindows, writeSyntheticCandles } from './liveData.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);

describe('two instances of one application', () => {
  it('share the partitions; when one is killed the other takes its tasks over, restores their state, and the output equals a one-instance run', async () => {
    const w = await newWorld();
    const candles = await writeSyntheticCandles(join(w.work, 'candles'), 8, 1500);
    const expected = await w.backfill(['--source', candles]);
    const signals = withoutLastWindows(expected.signals);

    const instance = (state: string) => new Service(w.serviceArgs([], { features: false, state }));
    await w.createInputTopics(4);
    const a = instance('a');
    await a.started();
    const b = instance('b');
    await b.started();
    await eventually(
      async () => a.lines.filter((l) => l.msg === 'partitions assigned').length,
      (n) => n >= 2,
      30_000,
      'a rebalance that gives b its share',
    );
    const publishing = w.publish(['--source', candles, '--rate', '2000']);
    await new Promise((r) => setTimeout(r, 3000));
    const before = await w.read(w.topics.signals);
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(signals.length); // a is killed mid-stream
    const aTasks = a.lines.filter((l) => l.msg === 'task restored').map((l) => l.task);
    const bTasks = b.lines.filter((l) => l.msg === 'task restored').map((l) => l.task);
    expect(aTasks.length).toBeGreaterThan(0);
    expect(bTasks.length).toBeGreaterThan(0);
    await a.stop('SIGKILL');
    await publishing;

    const live = await eventually(
      () => w.read(w.topics.signals),
      (rows) => rows.length >= signals.length,
      120_000,
      'all signals',
    );
    const takenOver = b.lines.filter((l) => l.msg === 'task restored' && aTasks.includes(l.task));
    expect(takenOver.length).toBe(new Set(aTasks).size);
    expect(takenOver.some((l) => (l.restoredRecords as number) > 0)).toBe(true);
    expect(difference(live, signals)).toEqual({ extra: [], missing: [] });
    expect(await b.stop('SIGTERM')).toBe(0);
  });
});
