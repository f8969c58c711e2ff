import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-show-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

function show(...args: string[]) {
  const r = spawnSync(process.execPath, [`${root}cli/candlestream.ts`, 'show', ...args], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;
/** Rows of two symbols and four intervals, written in neither time nor interval order. */
const series = (symbol: string, interval: string, stepMs: number, n: number, extra: (i: number) => object) =>
  Array.from({ length: n }, (_, i) => ({ symbol, interval, ts: T0 + (n - 1 - i) * stepMs, close: 100 + i, ...extra(n - 1 - i) }));
const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
/** The heading lines of the last-rows tables, in the order printed. */
const headings = (out: string) => out.split('\n').filter((l) => /, last \d+:$/.test(l));

describe('candlestream show', () => {
  it('prints every symbol, intervals in time order (1m, 5m, 1h, 1d), each table ending at its last row', async () => {
    const rows = ['1d', '1h', '5m', '1m'].flatMap((interval) =>
      ['ETH-USDT', 'BTC-USDT'].flatMap((symbol) =>
        series(symbol, interval, { '1m': MINUTE, '5m': 5 * MINUTE, '1h': 60 * MINUTE, '1d': 1440 * MINUTE }[interval]!, 4, (i) => ({
          rsi_14: i,
        })),
      ),
    );
    await writeFile(join(dir, 'features.jsonl'), jsonl(rows));
    const out = show('features.jsonl', '--rows', '1', '--columns', 'rsi_14');
    expect(out.split('\n')[0]).toBe('32 feature rows in features.jsonl');
    const counts = out.split('\n').slice(1, 9);
    expect(counts.map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '))).toEqual([
      'BTC-USDT 1m 4',
      'BTC-USDT 5m 4',
      'BTC-USDT 1h 4',
      'BTC-USDT 1d 4',
      'ETH-USDT 1m 4',
      'ETH-USDT 5m 4',
      'ETH-USDT 1h 4',
      'ETH-USDT 1d 4',
    ]);
    expect(headings(out)).toEqual([
      'BTC-USDT 1m, last 1:',
      'BTC-USDT 5m, last 1:',
      'BTC-USDT 1h, last 1:',
      'BTC-USDT 1d, last 1:',
      'ETH-USDT 1m, last 1:',
      'ETH-USDT 5m, last 1:',
      'ETH-USDT 1h, last 1:',
      'ETH-USDT 1d, last 1:',
    ]);
    // Each table shows the group's latest row (rsi_14 3), the one written first.
    expect(out.match(/│ 3 +│/g)).toHaveLength(8);
    expect(out).not.toMatch(/│ close/);
  });

  it('reads a signals output: counts BUY, SELL and HOLD, and shows the signal columns', async () => {
    const said = ['BUY', 'SELL', 'HOLD', 'BUY', 'BUY'];
    const rows = ['BTC-USDT', 'ETH-USDT'].flatMap((symbol) =>
      series(symbol, '1h', 60 * MINUTE, 5, (i) => ({ p_up: null, signal: said[i], model: 'rule:macd-rsi', model_version: '1' })),
    );
    await writeFile(join(dir, 'signals.jsonl'), jsonl(rows));
    const out = show('signals.jsonl', '--rows', '2');
    expect(out.split('\n')[0]).toBe('10 signal rows in signals.jsonl');
    expect(out).toMatch(/BTC-USDT +1h +5 rows .* BUY 3, SELL 1, HOLD 1\n/);
    expect(out).toMatch(/ETH-USDT +1h +5 rows .* BUY 3, SELL 1, HOLD 1\n/);
    expect(headings(out)).toEqual(['BTC-USDT 1h, last 2:', 'ETH-USDT 1h, last 2:']);
    const header = out.split('\n').find((l) => l.includes('ts'))!;
    expect(header.split('│').map((c) => c.trim())).toEqual(['', '(index)', 'ts', 'close', 'p_up', 'signal', 'model', '']);
    expect(out).toMatch(/'2024-01-01T04:00:00Z' │ 100 +│ null │ 'BUY' +│ 'rule:macd-rsi'/);
  });
});
