import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';

/** TA-Lib itself (the C library, through the npm binding), the reference for every indicator. */
const talib = createRequire(import.meta.url)('talib') as {
  version: string;
  execute(args: Record<string, unknown>): { begIndex: number; nbElement: number; result: Record<string, number[]> };
};

export interface Series {
  ts: number[];
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

/** The real Binance.US 1m candles in data/ (open_time,open,high,low,close,volume). */
export function loadCandles(file: 'BTCUSDT' | 'BTCUSDC'): Series {
  const path = new URL(`../../../data/candles/binance_${file}_1m_2023-03-01_2023-03-21.csv`, import.meta.url);
  const s: Series = { ts: [], open: [], high: [], low: [], close: [], volume: [] };
  for (const line of readFileSync(path, 'utf8').trim().split('\n').slice(1)) {
    const [t, o, h, l, c, v] = line.split(',');
    s.ts.push(Date.parse(t.replace(' ', 'T')));
    s.open.push(Number(o));
    s.high.push(Number(h));
    s.low.push(Number(l));
    s.close.push(Number(c));
    s.volume.push(Number(v));
  }
  return s;
}

/** Run a TA-Lib function over the whole series; outputs aligned to input indices, null in lookback. */
export function ta(
  name: string,
  inputs: Record<string, number[]>,
  options: Record<string, number> = {},
): Record<string, (number | null)[]> {
  const n = Object.values(inputs)[0].length;
  const r = talib.execute({ name, startIdx: 0, endIdx: n - 1, ...inputs, ...options });
  if ((r as unknown as { error?: string }).error) throw new Error(`TA-Lib ${name}: ${(r as unknown as { error: string }).error}`);
  const out: Record<string, (number | null)[]> = {};
  for (const [key, values] of Object.entries(r.result)) {
    out[key] = Array.from({ length: n }, (_, i) => (i < r.begIndex || i - r.begIndex >= r.nbElement ? null : values[i - r.begIndex]));
  }
  return out;
}

export const talibVersion = () => talib.version;

/** Null exactly where TA-Lib has none; elsewhere within 1e-9 relative (1e-9 absolute where |ref| < 1). */
export function expectMatches(actual: (number | null)[], reference: (number | null)[], label: string): number {
  expect(actual.length, label).toBe(reference.length);
  let worst = 0;
  for (let i = 0; i < reference.length; i++) {
    const ref = reference[i];
    const got = actual[i];
    if (ref === null || got === null) {
      if (ref !== got) expect.fail(`${label}[${i}]: got ${got}, TA-Lib ${ref}`);
      continue;
    }
    const err = Math.abs(ref) < 1 ? Math.abs(got - ref) : Math.abs(got - ref) / Math.abs(ref);
    if (!(err <= 1e-9)) expect.fail(`${label}[${i}]: got ${got}, TA-Lib ${ref} (error ${err})`);
    worst = Math.max(worst, err);
  }
  return worst;
}

/** Feed `values` to a fresh indicator, snapshot at `split`, continue in a restored one. */
export function splitRun<T>(n: number, split: number, make: (saved?: unknown) => { update(i: number): T; snapshot(): unknown }): T[] {
  const out: T[] = [];
  const first = make();
  for (let i = 0; i < split; i++) out.push(first.update(i));
  const second = make(JSON.parse(JSON.stringify(first.snapshot())));
  for (let i = split; i < n; i++) out.push(second.update(i));
  return out;
}
