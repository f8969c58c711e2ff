import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFeatureRows } from '../../models/training/readFeatureRows.ts';

// test/fixtures/features-old-layout was written by the sink before the date layout (commit da84bad):
// `backfill --source in --intervals 1m,1h --commit-every 1000` of the first 720 minutes of both sample
// files, so interval=…/symbol=…/part-<commit>-<run>.parquet. The same job now writes interval=…/date=…/.
const root = new URL('../../', import.meta.url).pathname;
const cli = join(root, 'cli/candlestream.ts');
const oldLayout = join(root, 'test/fixtures/features-old-layout');
let dir: string;
let newLayout: string;

function candlestream(...args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-old-layout-'));
  await mkdir(join(dir, 'in'));
  for (const symbol of ['BTCUSDT', 'BTCUSDC']) {
    const lines = (await readFile(join(root, `data/candles/binance_${symbol}_1m_2023-03-01_2023-03-21.csv`), 'utf8')).split('\n');
    await writeFile(join(dir, 'in', `${symbol}_1m.csv`), lines.slice(0, 721).join('\n') + '\n');
  }
  const args = ['--source', 'in', '--intervals', '1m,1h', '--commit-every', '1000', '--dead-letter', 'jsonl:dl.jsonl', '--quiet'];
  const r = candlestream('backfill', ...args, '--sink', 'parquet:features', '--state-dir', 'state');
  expect(r.code, r.stderr).toBe(0);
  newLayout = join(dir, 'features');
}, 60_000);
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('train and show read features in the old layout (interval=…/symbol=…/) and the new (interval=…/date=…/)', () => {
  it('has the two layouts to compare', async () => {
    expect(await readdir(join(oldLayout, 'interval=1m'))).toEqual(['symbol=BTC-USDC', 'symbol=BTC-USDT']);
    expect(await readdir(join(newLayout, 'interval=1m'))).toEqual(['date=2023-03-01']);
  });

  it('reads the same feature rows, by symbol in time order, from either', async () => {
    for (const interval of ['1m', '1h']) {
      const before = await readFeatureRows(oldLayout, interval);
      const now = await readFeatureRows(newLayout, interval);
      expect([...before.keys()].sort()).toEqual(['BTC-USDC', 'BTC-USDT']);
      expect(before.get('BTC-USDT')!.length).toBe(interval === '1m' ? 720 : 12);
      for (const [symbol, rows] of before) expect(now.get(symbol), `${interval} ${symbol}`).toEqual(rows);
      expect(now.size).toBe(before.size);
    }
  });

  it('show prints the same counts and rows for either', () => {
    const before = candlestream('show', oldLayout, '--rows', '5', '--columns', 'all');
    const now = candlestream('show', newLayout, '--rows', '5', '--columns', 'all');
    expect([before.code, now.code], before.stderr + now.stderr).toEqual([0, 0]);
    expect(before.stdout).toMatch(/^1,464 feature rows in /);
    expect(before.stdout).toMatch(/BTC-USDT +1m +720 rows/);
    expect(now.stdout.replace(newLayout, 'DIR')).toBe(before.stdout.replace(oldLayout, 'DIR'));
  });

  it('train learns the same model from either', async () => {
    const model = (features: string, out: string) => {
      const r = candlestream('train', '--features', features, '--out', out, '--horizon', '5', '--trees', '10', '--name', 'm');
      expect(r.code, r.stderr).toBe(0);
      return readFile(join(dir, out, '1', 'model.onnx'));
    };
    const before = await model(oldLayout, 'models/old');
    expect(before.length).toBeGreaterThan(1000);
    expect(await model(newLayout, 'models/new')).toEqual(before);
    const report = async (out: string) => JSON.parse(await readFile(join(dir, out, '1', 'report.json'), 'utf8')).split;
    expect(await report('models/new')).toEqual(await report('models/old'));
  }, 60_000);
});
