import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { byKey, difference, worldsFor, withoutLastWindows, writeSyntheticCandles, type Row } from './liveData.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);
const slowChangelogWrites = new URL('./slowChangelogWrites.ts', import.meta.url).pathname;

/** Each symbol's first `head` candles in one directory, the rest in another: a feed in two parts. */
async function splitCandles(dir: string, head: number): Promise<[string, string]> {
  const parts: [string, string] = [`${dir}-head`, `${dir}-tail`];
  for (const part of parts) await mkdir(part, { recursive: true });
  for (const file of await readdir(dir)) {
    const [header, ...rows] = (await readFile(join(dir, file), 'utf8')).trim().split('\n');
    await writeFile(join(parts[0], file), [header, ...rows.slice(0, head)].join('\n') + '\n');
    await writeFile(join(parts[1], file), [header, ...rows.slice(head)].join('\n') + '\n');
  }
  return parts;
}

/** at_least_once may repeat an output, never change one: the distinct rows, in key order. */
const distinct = (rows: Row[]) => [...new Map(rows.map((r) => [JSON.stringify(r), r])).values()].sort(byKey);

describe('at_least_once across rebalances', () => {
  it('members join and leave while records flow (changelog writes slowed): no state lost or corrupted, the outputs and the state left in the changelogs equal a one-instance run', async () => {
    const w = await newWorld();
    const candles = await writeSyntheticCandles(join(w.work, 'candles'), 8, 3000);
    const [head, tail] = await splitCandles(candles, 2500);
    const features = withoutLastWindows((await w.backfill(['--source', candles])).features);
    await w.createInputTopics(8);

    // Every instance's changelog writes take 400 ms: longer than a new owner needs to start restoring.
    const env = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import=${slowChangelogWrites}`, CS_CHANGELOG_DELAY_MS: '400' };
    const instance = (state: string) =>
      new Service(w.serviceArgs(['--guarantee', 'at_least_once', '--commit-interval-ms', '1000'], { state }), env);
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

    // A third member joins and leaves again and again while the head of the feed flows: each time
    // partitions move between members that hold uncommitted state.
    let publishing = true;
    const published = w.publish(['--source', head, '--rate', '700']).finally(() => (publishing = false));
    let cycles = 0;
    while (publishing) {
      const c = instance(`c${cycles}`);
      await c.waitFor((l) => l.msg === 'partitions assigned');
      await new Promise((r) => setTimeout(r, 2000)); // processing the partitions it took
      expect(await c.stop('SIGTERM')).toBe(0);
      cycles++;
    }
    await published;
    const rebalances = [a, b].map((s) => s.lines.filter((l) => l.msg === 'partitions assigned').length);
    const moved = [a, b].map((s) => s.lines.filter((l) => l.msg === 'task restored').length);
    expect(cycles).toBeGreaterThanOrEqual(3);
    expect(await a.stop('SIGTERM')).toBe(0);
    expect(await b.stop('SIGTERM')).toBe(0);

    // One instance with no local state: it rebuilds every task from the changelogs alone, and the
    // tail of the feed continues from that state.
    const d = new Service(w.serviceArgs(['--guarantee', 'at_least_once', '--commit-interval-ms', '1000'], { state: 'd' }));
    await d.started();
    await w.publish(['--source', tail]);
    const live = await eventually(
      async () => distinct(await w.read(w.topics.features)),
      (rows) => rows.length >= features.length,
      120_000,
      'every feature row',
    );
    await new Promise((r) => setTimeout(r, 1000)); // a wrong row after the last expected one would show now
    const all = await w.read(w.topics.features);
    console.log(
      `at_least_once rebalances: ${cycles} join/leave cycles, ${rebalances.join(' + ')} assignments seen by the two members, ` +
        `${moved.join(' + ')} tasks (re)started by them; ${live.length} distinct feature rows checked (${all.length} with duplicates)`,
    );
    expect(difference(distinct(all), features)).toEqual({ extra: [], missing: [] });
    expect(await d.stop('SIGTERM')).toBe(0);
  });
});
