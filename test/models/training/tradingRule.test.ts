import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateTradingRule, type TradingRuleEvaluation } from '../../../models/training/tradingRule.ts';
import { seededRandom } from '../../seededRandom.ts';

const work = mkdtempSync(join(tmpdir(), 'trading-rule-'));
let con: DuckDBConnection;
beforeAll(async () => {
  con = await (await DuckDBInstance.create(':memory:')).connect();
});
afterAll(() => {
  con?.closeSync();
  rmSync(work, { recursive: true, force: true });
});

/**
 * The same evaluation in DuckDB SQL over the rows written as JSON lines {p_up, p_down, r}: the rule,
 * the positions' net returns, and the per-signal aggregates.
 */
async function inDuckDb(rows: { p_up: number; p_down: number; r: number }[], buy: number, sell: number, costBps: number) {
  const file = join(work, `rows-${Math.random()}.jsonl`);
  writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const sql = `
    WITH rows AS (SELECT * FROM read_json('${file}', columns = {p_up: 'DOUBLE', p_down: 'DOUBLE', r: 'DOUBLE'})),
    signals AS (
      SELECT r, CASE WHEN p_up >= ${buy} THEN 'BUY' WHEN p_down >= ${sell} THEN 'SELL' ELSE 'HOLD' END AS signal FROM rows),
    positions AS (
      SELECT signal, r, CASE signal WHEN 'BUY' THEN r WHEN 'SELL' THEN -r END - ${costBps} / 10000 AS net FROM signals)
    SELECT signal, count(*)::INTEGER AS count, avg(r) AS forward, avg(net) AS net, avg((net > 0)::INTEGER) AS hit
    FROM positions GROUP BY ALL
    UNION ALL
    SELECT 'ALL', count(*)::INTEGER, avg(r), NULL, avg((r > 0)::INTEGER) FROM rows`;
  const result = (await con.runAndReadAll(sql)).getRowObjectsJson() as {
    signal: string;
    count: number;
    forward: number;
    net: number | null;
    hit: number;
  }[];
  return Object.fromEntries(result.map((r) => [r.signal, r]));
}

function expectSame(actual: TradingRuleEvaluation, reference: Awaited<ReturnType<typeof inDuckDb>>) {
  const n = reference.ALL.count;
  expect(actual.rows).toBe(n);
  for (const [name, key] of [
    ['BUY', 'buy'],
    ['SELL', 'sell'],
  ] as const) {
    const ref = reference[name];
    const got = actual[key];
    expect([name, got.count, got.share]).toEqual([name, ref?.count ?? 0, (ref?.count ?? 0) / n]);
    if (!ref) {
      expect(got).toMatchObject({ meanForwardReturn: null, meanNetReturn: null, hitRate: null });
      continue;
    }
    expect(got.meanForwardReturn).toBeCloseTo(ref.forward, 12);
    expect(got.meanNetReturn).toBeCloseTo(ref.net!, 12);
    expect(got.hitRate).toBeCloseTo(ref.hit, 12);
  }
  expect(actual.hold.count).toBe(reference.HOLD?.count ?? 0);
  if (reference.HOLD) expect(actual.hold.meanForwardReturn).toBeCloseTo(reference.HOLD.forward, 12);
  expect(actual.buyAndHold.meanForwardReturn).toBeCloseTo(reference.ALL.forward, 12);
  expect(actual.buyAndHold.hitRate).toBeCloseTo(reference.ALL.hit, 12);
}

describe('the trading rule on held-out rows, against DuckDB over the same rows', () => {
  it('two classes: p_down = 1 − p_up; thresholds hit exactly count (≥), with a cost', async () => {
    const random = seededRandom(13);
    const rows = Array.from({ length: 2000 }, (_, i) => {
      const p_up = i % 50 === 0 ? 0.55 : i % 50 === 1 ? 0.45 : random(); // some exactly on a threshold
      return { p_up, p_down: 1 - p_up, r: (random() - 0.49) * 0.01 };
    });
    const probabilities = Float64Array.from(rows.flatMap((r) => [r.p_down, r.p_up]));
    const forward = Float64Array.from(rows, (r) => r.r);
    const thresholds = { buy: 0.55, sell: 0.55 };
    const got = evaluateTradingRule(probabilities, forward, { classes: 2, upIndex: 1, downIndex: 0, thresholds, costBps: 7.5 });
    expect(got.buy.count).toBeGreaterThan(0);
    expect(got.sell.count).toBeGreaterThan(0);
    expectSame(got, await inDuckDb(rows, 0.55, 0.55, 7.5));
  });

  it('three classes (down, flat, up), BUY taking precedence over SELL, and a signal that never fires', async () => {
    const random = seededRandom(7);
    const rows = Array.from({ length: 1500 }, () => {
      const [a, b, c] = [random(), random(), random()];
      const sum = a + b + c;
      return { p_down: a / sum, flat: b / sum, p_up: c / sum, r: (random() - 0.5) * 0.02 };
    });
    const probabilities = Float64Array.from(rows.flatMap((r) => [r.p_down, r.flat, r.p_up]));
    const forward = Float64Array.from(rows, (r) => r.r);
    const run = (buy: number, sell: number, costBps: number) =>
      evaluateTradingRule(probabilities, forward, { classes: 3, upIndex: 2, downIndex: 0, thresholds: { buy, sell }, costBps });
    expectSame(run(0.4, 0.3, 20), await inDuckDb(rows, 0.4, 0.3, 20));
    const never = run(1, 0.5, 0);
    expect(never.buy.count).toBe(0);
    expectSame(never, await inDuckDb(rows, 1, 0.5, 0));
  });

  it('refuses probabilities that do not match the rows', () => {
    expect(() =>
      evaluateTradingRule(new Float64Array(5), new Float64Array(2), {
        classes: 2,
        upIndex: 1,
        downIndex: 0,
        thresholds: { buy: 0.5, sell: 0.5 },
        costBps: 0,
      }),
    ).toThrow(/5 probabilities for 2 rows × 2 classes/);
  });
});
