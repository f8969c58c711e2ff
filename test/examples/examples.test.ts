import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);

let dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

/** Runs examples/<name> as a user would (importing 'candlestream'), from a directory of its own; its stdout. */
async function example(name: string, ...args: string[]): Promise<{ stdout: string; cwd: string }> {
  const cwd = await mkdtemp(join(tmpdir(), 'candlestream-examples-'));
  dirs.push(cwd);
  const { stdout } = await run(process.execPath, ['--conditions=candlestream-source', join(root, 'examples', name), ...args], { cwd });
  return { stdout, cwd };
}

type Bar = { ts: number; high: number; low: number };

/** One sample CSV's candles with from ≤ ts < to, read here apart from the library. */
async function sampleBars(file: string, from: number, to: number): Promise<Bar[]> {
  const [header, ...lines] = (await readFile(join(root, 'data/candles', file), 'utf8')).trim().split('\n');
  expect(header).toBe('open_time,open,high,low,close,volume');
  return lines
    .map((line) => line.split(','))
    .map(([time, , high, low]) => ({ ts: Date.parse(time.replace(' ', 'T')), high: Number(high), low: Number(low) }))
    .filter((bar) => bar.ts >= from && bar.ts < to);
}

/** Bars of one interval from 1m bars (highest high, lowest low). */
function resample(bars: Bar[], ms: number): Bar[] {
  const byStart = new Map<number, Bar>();
  for (const b of bars) {
    const start = b.ts - (b.ts % ms);
    const bar = byStart.get(start);
    byStart.set(start, bar ? { ts: start, high: Math.max(bar.high, b.high), low: Math.min(bar.low, b.low) } : { ...b, ts: start });
  }
  return [...byStart.values()];
}

/** The spread of the last five bars' highs and lows; null for the first four. */
const range5 = (bars: Bar[]) =>
  bars.map((_, i) =>
    i < 4 ? null : Math.max(...bars.slice(i - 4, i + 1).map((b) => b.high)) - Math.min(...bars.slice(i - 4, i + 1).map((b) => b.low)),
  );

describe('examples/', () => {
  it('customIndicator.ts: range_5 on every feature row, as recomputed from the sample CSV', async () => {
    const out = await mkdtemp(join(tmpdir(), 'candlestream-custom-indicator-'));
    dirs.push(out);
    const { stdout } = await example('customIndicator.ts', out);
    const rows = (await readFile(join(out, 'features.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, number | string | null>);
    const [from, to] = [Date.parse('2023-03-01T00:00:00Z'), Date.parse('2023-03-02T00:00:00Z')];
    const files = (await readdir(join(root, 'data/candles'))).filter((f) => f.endsWith('.csv'));
    expect(files.length).toBe(2);
    let printed = 0;
    for (const file of files) {
      const minutes = await sampleBars(file, from, to);
      // No gap that day: the topology's 1m candles are the file's rows (gap filling would add some).
      expect(minutes.length).toBe(1440);
      const symbol = rows.map((r) => String(r.symbol)).find((s) => file.includes(`_${s.replace('-', '')}_`))!;
      for (const [interval, bars] of [
        ['1m', minutes],
        ['1h', resample(minutes, 3600_000)],
      ] as const) {
        const got = rows.filter((r) => r.symbol === symbol && r.interval === interval);
        expect(got.map((r) => r.ts)).toEqual(bars.map((b) => b.ts));
        const expected = range5(bars);
        got.forEach((r, i) => (expected[i] === null ? expect(r.range_5).toBeNull() : expect(r.range_5).toBeCloseTo(expected[i]!, 6)));
      }
      // The printed rows: symbol, interval, open time, range to two decimals.
      const expected = new Map(minutes.map((b, i) => [new Date(b.ts).toISOString(), range5(minutes)[i]]));
      for (const [, time, range] of stdout.matchAll(new RegExp(`^${symbol} 1m (\\S+) high=\\S+ low=\\S+ range_5=(\\S+)$`, 'gm'))) {
        expect(Number(range)).toBeCloseTo(expected.get(time)!, 2);
        printed++;
      }
    }
    expect(printed).toBe(6);
    // The new column follows the built-in ones.
    expect(Object.keys(rows[0]).at(-1)).toBe('range_5');
    expect(Object.keys(rows[0]).slice(0, 3)).toEqual(['symbol', 'interval', 'ts']);
  });

  it('userTopology.ts: running totals per symbol and dead letters, as recomputed from the trades it prints', async () => {
    const { stdout } = await example('userTopology.ts');
    const lines = (kind: string) =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith(`${kind} `))
        .map((l) => JSON.parse(l.slice(kind.length + 1)));
    const trades = lines('in') as { symbol: string; price: number; qty: number }[];
    expect(trades.length).toBeGreaterThan(2);
    const totals = new Map<string, { symbol: string; trades: number; notional: number }>();
    const expectedOut = [];
    const expectedDead = [];
    for (const t of trades) {
      if (!(t.price > 0 && t.qty > 0)) {
        expectedDead.push({ reason: 'price and qty must be positive', original: t });
        continue;
      }
      const before = totals.get(t.symbol) ?? { symbol: t.symbol, trades: 0, notional: 0 };
      const after = { symbol: t.symbol, trades: before.trades + 1, notional: before.notional + t.price * t.qty };
      totals.set(t.symbol, after);
      expectedOut.push(after);
    }
    expect(expectedDead.length).toBeGreaterThan(0);
    expect(lines('out')).toEqual(expectedOut);
    expect(lines('dead')).toEqual(expectedDead);
  });
});
