import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// backfill → train → backfill with the model, on the real data in data/ (BTC-USDT and BTC-USDC,
// 1–21 March 2023, with the Fear & Greed index), through the CLI as a user runs it.
const root = new URL('../..', import.meta.url).pathname;
const cli = join(root, 'cli/candlestream.ts');
const work = mkdtempSync(join(tmpdir(), 'train-e2e-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function candlestream(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: work, encoding: 'utf8' });
  return { code: r.status, stderr: r.stderr };
}
const history = [
  '--source',
  join(root, 'data/candles'),
  '--external',
  join(root, 'data/external/fear_and_greed_index_daily.csv'),
  '--dead-letter',
  'jsonl:dead.jsonl',
];
const readJsonl = (file: string) =>
  readFileSync(join(work, file), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

let trained: ReturnType<typeof candlestream>;
beforeAll(() => {
  const features = candlestream('backfill', ...history, '--sink', 'parquet:features', '--state-dir', 'state-1', '--quiet');
  expect(features.code, features.stderr).toBe(0);
  trained = candlestream('train', '--features', 'features', '--out', 'models/btc-1m', '--horizon', '15');
}, 120_000);

describe('backfill → train → backfill with the model', () => {
  it('trains both learners, reports them beside the baseline, and writes version 1', () => {
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/logistic regression .*accuracy 0\.\d+ +ROC AUC 0\.\d+ +log loss 0\.\d+/);
    expect(trained.stderr).toMatch(/gradient-boosted trees/);
    expect(trained.stderr).toMatch(/majority baseline/);
    const dir = join(work, 'models/btc-1m/1');
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({
      name: 'btc-1m',
      version: '1',
      interval: '1m',
      horizon: 15,
      classes: [0, 1],
      up_class: 1,
      down_class: 0,
    });
    expect(manifest.features).toContain('ext_fear_greed'); // the external signal joins the inputs
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    expect(report.models.map((m: { name: string }) => m.name)).toEqual(['logistic regression', 'gradient-boosted trees']);
    expect(report.models.filter((m: { chosen: boolean }) => m.chosen)).toHaveLength(1);
    for (const m of report.models)
      for (const e of [m.validation, m.test])
        expect(Object.keys(e)).toEqual(expect.arrayContaining(['accuracy', 'rocAuc', 'logLoss', 'confusion', 'calibration']));
    expect(report.onnxMaxDifference).toBeLessThanOrEqual(1e-6);
    // Time order with a gap of more than one horizon (15 minutes) between the parts.
    const { train, validation, test } = report.split;
    expect(Date.parse(validation.from) - Date.parse(train.to)).toBeGreaterThan(15 * 60_000);
    expect(Date.parse(test.from) - Date.parse(validation.to)).toBeGreaterThan(15 * 60_000);
    expect(train.rows + validation.rows + test.rows).toBeGreaterThan(55_000);
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(6);
  });

  it('scores every 1m candle with it: p_up is what onnxruntime gives for the row, HOLD with null during lookback', async () => {
    const r = candlestream(
      'backfill',
      ...history,
      '--sink',
      'jsonl:features.jsonl',
      '--state-dir',
      'state-2',
      '--model',
      'models/btc-1m',
      '--signals',
      'jsonl:signals.jsonl',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/scored with btc-1m v1, not scored: missing:/);
    const features = readJsonl('features.jsonl').filter((f) => f.interval === '1m');
    const signals = readJsonl('signals.jsonl');
    expect(signals).toHaveLength(features.length);
    expect(signals.length).toBe(60_480);

    // Inputs computed here from the feature rows, scored by a plain onnxruntime session.
    const manifest = JSON.parse(readFileSync(join(work, 'models/btc-1m/1/manifest.json'), 'utf8'));
    const value = (f: Record<string, number | null>, name: string) => {
      const [a, b] = name.split('/');
      return b === undefined ? f[a] : f[a] === null || f[b] === null ? null : f[a]! / f[b]!;
    };
    const key = (s: { symbol: string; ts: number }) => `${s.symbol}@${s.ts}`;
    const bySignal = new Map(signals.map((s) => [key(s), s]));
    const complete = features.filter((f) => manifest.features.every((n: string) => value(f, n) !== null));
    const incomplete = features.filter((f) => !complete.includes(f));
    expect(incomplete.length).toBeGreaterThan(0);
    for (const f of incomplete) expect(bySignal.get(key(f))).toMatchObject({ p_up: null, signal: 'HOLD' });

    const session = await ort.InferenceSession.create(join(work, 'models/btc-1m/1/model.onnx'));
    const input = Float32Array.from(complete.flatMap((f) => manifest.features.map((n: string) => value(f, n)!)));
    const out = await session.run({ features: new ort.Tensor('float32', input, [complete.length, manifest.features.length]) });
    const p = out.probabilities.data as Float32Array;
    await session.release();
    let worst = 0;
    const counts = { BUY: 0, SELL: 0, HOLD: 0 };
    complete.forEach((f, i) => {
      const s = bySignal.get(key(f))!;
      worst = Math.max(worst, Math.abs(s.p_up - p[i * 2 + 1]));
      const expected = p[i * 2 + 1] >= manifest.thresholds.buy ? 'BUY' : p[i * 2] >= manifest.thresholds.sell ? 'SELL' : 'HOLD';
      expect(s.signal).toBe(expected);
      counts[s.signal as keyof typeof counts]++;
      expect(s).toMatchObject({ model: 'btc-1m', model_version: '1', close: f.close });
    });
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(counts.BUY + counts.SELL).toBeGreaterThan(0);
  });

  it("the report's trading rule is what the model's signals earn on the test rows (DuckDB over backfill's output)", async () => {
    const dir = join(work, 'models/btc-1m/1');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    const rule = report.models.find((m: { chosen: boolean }) => m.chosen).rule.test;
    expect([rule.costBps, rule.thresholds]).toEqual([20, manifest.thresholds]); // the default cost, the manifest's thresholds
    // The signals the scored backfill wrote (p_up null: not scored, so not a labelled row either), each
    // joined to the close 15 candles after it; the test split is every such row from its first time on.
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    const sql = `
      WITH s AS (SELECT * FROM read_json_auto('${join(work, 'signals.jsonl')}') WHERE p_up IS NOT NULL),
      f AS (SELECT symbol, ts, close FROM read_json_auto('${join(work, 'features.jsonl')}') WHERE interval = '1m'),
      rows AS (
        SELECT s.signal, f.close / s.close - 1 AS r FROM s JOIN f ON f.symbol = s.symbol AND f.ts = s.ts + 15 * 60000
        WHERE s.ts >= epoch_ms('${report.split.test.from}'::TIMESTAMP)),
      positions AS (SELECT *, CASE signal WHEN 'BUY' THEN r WHEN 'SELL' THEN -r END - 20 / 10000 AS net FROM rows)
      SELECT signal, count(*)::INTEGER AS count, avg(r) AS forward, avg(net) AS net, avg((net > 0)::INTEGER) AS hit FROM positions GROUP BY ALL
      UNION ALL SELECT 'ALL', count(*)::INTEGER, avg(r), NULL, avg((r > 0)::INTEGER) FROM rows`;
    const ref = Object.fromEntries(((await con.runAndReadAll(sql)).getRowObjectsJson() as any[]).map((r) => [r.signal, r]));
    con.closeSync();
    expect(ref.ALL.count).toBe(report.split.test.rows);
    expect(rule.rows).toBe(report.split.test.rows);
    for (const [name, got] of [
      ['BUY', rule.buy],
      ['SELL', rule.sell],
    ]) {
      expect([name, got.count]).toEqual([name, ref[name]?.count ?? 0]);
      if (!got.count) continue;
      expect(got.hitRate).toBeCloseTo(ref[name].hit, 12);
      expect(got.meanForwardReturn).toBeCloseTo(ref[name].forward, 12);
      expect(got.meanNetReturn).toBeCloseTo(ref[name].net, 12);
    }
    expect(rule.buy.count + rule.sell.count).toBeGreaterThan(0);
    expect(rule.hold.count).toBe(ref.HOLD?.count ?? 0);
    expect(rule.buyAndHold.meanForwardReturn).toBeCloseTo(ref.ALL.forward, 12);
    expect(rule.buyAndHold.hitRate).toBeCloseTo(ref.ALL.hit, 12);
    expect(manifest.metrics.rule_test).toMatchObject({ rows: rule.rows, cost_bps: 20, buy: { count: rule.buy.count } });
    expect(trained.stderr).toMatch(
      /trading rule \(test, 20 bp a position\): BUY [\d,]+× hit .*, SELL [\d,]+× hit .*; buy and hold -?\d+\.\d bp a horizon/,
    );
    expect(readFileSync(join(dir, 'report.html'), 'utf8')).toMatch(/Trading rule/);
  });

  it('--cost-bps must be a number of basis points: anything else stops start-up, naming the flag', () => {
    const r = candlestream('train', '--features', 'features', '--out', 'models/never', '--cost-bps', 'ten');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--cost-bps must be a number from 0 to 10000, not "ten"/);
    expect(existsSync(join(work, 'models/never'))).toBe(false);
  });

  it('a second training run adds version 2 beside version 1', () => {
    const again = candlestream('train', '--features', 'features', '--out', 'models/btc-1m', '--algorithm', 'logistic', '--band', '0.0005');
    expect(again.code, again.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(work, 'models/btc-1m/2/manifest.json'), 'utf8'));
    expect(manifest).toMatchObject({ version: '2', classes: [-1, 0, 1], up_class: 1, down_class: -1 });
    expect(existsSync(join(work, 'models/btc-1m/1/model.onnx'))).toBe(true);
  });
});

describe('a model that does not fit is refused at start-up, with the reason', () => {
  const model = (name: string, edit: (m: Record<string, any>) => void) => {
    const dir = join(work, 'bad', name);
    const source = join(root, 'test/fixtures/models/sklearn-logreg-tensor/1');
    spawnSync('mkdir', ['-p', dir]);
    spawnSync('cp', [join(source, 'model.onnx'), dir]);
    const m = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8'));
    edit(m);
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
    return dir;
  };

  it('backfill: a manifest listing fewer features than the model takes', () => {
    const dir = model('short', (m) => m.features.pop());
    const r = candlestream(
      'backfill',
      ...history,
      '--sink',
      'jsonl:x.jsonl',
      '--state-dir',
      'state-bad',
      '--fresh',
      '--model',
      dir,
      '--signals',
      'jsonl:s.jsonl',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /--model .*short: .*model\.onnx does not match .*manifest\.json: input "features" has shape \[.*, 7\]; the manifest lists 6 features/,
    );
  });

  it('backfill: a feature the topology does not produce (no --external given)', () => {
    const r = candlestream(
      'backfill',
      '--source',
      join(root, 'data/candles'),
      '--sink',
      'jsonl:x.jsonl',
      '--state-dir',
      'state-bad2',
      '--fresh',
      '--model',
      model('ok', () => undefined),
      '--signals',
      'jsonl:s.jsonl',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/feature column "ext_fear_greed" is not produced by this topology/);
  });

  it('run: refused before it connects to Kafka', () => {
    const dir = model('classes', (m) => (m.classes = [0, 1, 2]));
    // (the classifier's own labels are [0, 1])
    const r = candlestream('run', '--brokers', '127.0.0.1:1', '--external-names', 'fear_greed', '--model', dir, '--metrics-port', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/the classifier's classes are \[0,1\], .*manifest\.json says "classes": \[0,1,2\]/);
  });

  it("run: --signal-intervals other than the model's interval", () => {
    const r = candlestream(
      'run',
      '--brokers',
      '127.0.0.1:1',
      '--external-names',
      'fear_greed',
      '--model',
      model('ok2', () => undefined),
      '--signal-intervals',
      '5m',
      '--metrics-port',
      '0',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--signal-intervals 5m: with --model, signals are of the model's interval, 1m/);
  });
});
