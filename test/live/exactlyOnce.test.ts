import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { difference, worldsFor, withoutLastWindows, writeSyntheticCandles } from './liveData.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);

const KILLS = 10;

describe('guarantees under SIGKILL', () => {
  it(`killed with SIGKILL at ${KILLS} random points, commits exactly the signals and features of an uninterrupted run`, async () => {
    const w = await newWorld();
    const candles = await writeSyntheticCandles(join(w.work, 'candles'), 6, 4000);
    const expected = await w.backfill(['--source', candles]);
    const signals = withoutLastWindows(expected.signals);
    const features = withoutLastWindows(expected.features);
    await w.createInputTopics(4);
    // Fed while it is killed and restarted (each restart waits out the dead member's 6 s session).
    const publishing = w.publish(['--source', candles, '--rate', '300']);

    const progress: number[] = [];
    const delays: number[] = [];
    for (let kill = 0; kill < KILLS; kill++) {
      const service = new Service(w.serviceArgs(['--guarantee', 'exactly_once']));
      await service.waitFor((l) => l.msg === 'task restored');
      // Somewhere in restoring, processing or committing.
      const delay = Math.floor(Math.random() * 2000);
      delays.push(delay);
      await new Promise((r) => setTimeout(r, delay));
      await service.stop('SIGKILL');
      progress.push((await w.read(w.topics.signals)).length);
    }
    expect(progress.at(-1)!, `killed before the end (committed after each kill: ${progress}; delays ${delays})`).toBeLessThan(
      signals.length,
    );
    // Killed mid-stream, with signals committed by then (a kill can land before the first commit).
    expect(progress.some((p) => p > 0)).toBe(true);
    console.log(
      `exactly_once: ${KILLS} SIGKILLs after ${delays.join(', ')} ms of processing; committed signals after each: ${progress.join(', ')} of ${signals.length}`,
    );
    await publishing;

    const last = new Service(w.serviceArgs(['--guarantee', 'exactly_once']));
    await last.started();
    const live = await eventually(
      () => w.read(w.topics.features),
      (rows) => rows.length >= features.length,
      180_000,
      'all features',
    );
    await new Promise((r) => setTimeout(r, 1000)); // anything beyond the expected would show now
    expect(difference(await w.read(w.topics.features), features)).toEqual({ extra: [], missing: [] });
    expect(difference(await w.read(w.topics.signals), signals)).toEqual({ extra: [], missing: [] });
    expect(live.length).toBe(features.length);
    // Uncommitted transactions of the killed instances exist in the log, and a read_committed reader never sees them.
    expect((await w.read(w.topics.signals, { readUncommitted: true })).length).toBeGreaterThan(signals.length);
    expect(await last.stop('SIGTERM')).toBe(0);
  });

  it('at_least_once killed with SIGKILL at 3 random points: every signal of an uninterrupted run arrives (duplicates allowed)', async () => {
    const w = await newWorld();
    const candles = await writeSyntheticCandles(join(w.work, 'candles'), 6, 2000);
    const signals = withoutLastWindows((await w.backfill(['--source', candles])).signals);
    await w.createInputTopics(4);
    const publishing = w.publish(['--source', candles, '--rate', '300']);
    const args = w.serviceArgs(['--guarantee', 'at_least_once', '--commit-interval-ms', '500'], { features: false });
    for (let kill = 0; kill < 3; kill++) {
      const service = new Service(args);
      await service.waitFor((l) => l.msg === 'task restored');
      await new Promise((r) => setTimeout(r, 1000 + Math.floor(Math.random() * 2000)));
      await service.stop('SIGKILL');
    }
    await publishing;
    const last = new Service(args);
    await last.started();
    const missing = await eventually(
      async () => difference(await w.read(w.topics.signals), signals).missing,
      (m) => m.length === 0,
      120_000,
      'every signal at least once',
    );
    expect(missing).toEqual([]);
    expect(await last.stop('SIGTERM')).toBe(0);
  });
});
