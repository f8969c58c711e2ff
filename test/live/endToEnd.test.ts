import { afterAll, describe, expect, inject, it } from 'vitest';
import { eventually, Service, stopAllServices } from './processes.ts';
import { difference, fearGreed, sampleCandles, testWorld, withoutLastWindows } from './liveData.ts';

const brokers = inject('brokers');
const worlds: Awaited<ReturnType<typeof testWorld>>[] = [];
afterAll(async () => {
  await stopAllServices();
  for (const w of worlds) await w.cleanUp();
});

const FIRST = ['--to', '2023-03-02T12:00:00Z'];
const SECOND = ['--from', '2023-03-02T12:00:00Z', '--to', '2023-03-04T00:00:00Z'];
const WHOLE = ['--to', '2023-03-04T00:00:00Z'];

describe('candlestream run on a real broker', () => {
  it.each(['exactly_once', 'at_least_once'])('%s: turns prices into the same features and signals as backfill, and a restart resumes where it stopped', async (guarantee) => {
    const w = await testWorld(brokers);
    worlds.push(w);
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
    await eventually(() => w.read(w.topics.features), (rows) => rows.length >= firstHalf.length, 120_000, 'features of the first half');
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(first.lines.some((l) => l.msg === 'task closed')).toBe(true);

    // The rest arrives while it is down; a new process takes up from the checkpoint.
    await w.publish(['--source', sampleCandles, ...SECOND]);
    const second = new Service(w.serviceArgs(['--external-names', 'fear_greed', '--guarantee', guarantee]));
    await second.started();
    const liveFeatures = await eventually(() => w.read(w.topics.features), (rows) => rows.length >= features.length, 120_000, 'all features');
    const liveSignals = await eventually(() => w.read(w.topics.signals), (rows) => rows.length >= signals.length, 60_000, 'all signals');
    expect(second.lines.find((l) => l.msg === 'task restored')).toMatchObject({ fromCheckpoint: true });
    expect(await second.stop('SIGTERM')).toBe(0);

    expect(difference(liveFeatures, features)).toEqual({ extra: [], missing: [] });
    expect(difference(liveSignals, signals)).toEqual({ extra: [], missing: [] });
    expect(liveFeatures.length).toBe(features.length);
    expect(liveSignals.map((s) => s.signal)).toContain('BUY');
    expect(liveSignals.map((s) => s.signal)).toContain('SELL');
    expect(await w.read(w.topics.deadLetter)).toEqual([]);
  });
});
