import { cpSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelDirectory } from '../../models/ModelDirectory.ts';
import { OnnxSignalModel } from '../../models/OnnxSignalModel.ts';
import { Topology } from '../../topology/Topology.ts';
import { TopologyTestDriver } from '../../topology/TopologyTestDriver.ts';
import { ScoreProcessor } from '../../processors/ScoreProcessor.ts';
import type { Signal } from '../../market/Signal.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/models');
const work = mkdtempSync(join(tmpdir(), 'hot-reload-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const expected = JSON.parse(readFileSync(join(FIXTURES, 'lightgbm-tensor/expected.json'), 'utf8')) as { rows: Record<string, unknown>[] };
const COLUMNS = ['rsi_14', 'macd_hist', 'close', 'atr_14', 'sma_50', 'bb_upper', 'bb_lower', 'ext_fear_greed'];

/** Write fixture `fixture` as version `version` of model directory `dir`, the way train does: beside, then renamed. */
function publishVersion(dir: string, fixture: string, version: string, edit: (m: Record<string, any>) => void = () => undefined): void {
  const temporary = join(dir, `.tmp-${version}`);
  cpSync(join(FIXTURES, fixture, '1'), temporary, { recursive: true });
  const m = JSON.parse(readFileSync(join(temporary, 'manifest.json'), 'utf8'));
  Object.assign(m, { name: 'm', version });
  edit(m);
  writeFileSync(join(temporary, 'manifest.json'), JSON.stringify(m));
  renameSync(temporary, join(dir, version));
}

async function openDirectory(dir: string, pollMs = 0) {
  const log: string[] = [];
  let failures = 0;
  const models = await ModelDirectory.open(dir, {
    pollMs,
    columns: COLUMNS,
    log: (_level, message) => log.push(message),
    onReloadFailure: () => failures++,
  });
  return { models, log, failures: () => failures };
}

async function scoreRows(source: ModelDirectory, rows: Record<string, unknown>[]): Promise<Signal[]> {
  const topology = new Topology()
    .addSource('features', ['features'])
    .addProcessor('score', () => new ScoreProcessor(source), ['features'])
    .addSink('signals', 'signals', ['score'])
    .build();
  const driver = await TopologyTestDriver.create(topology);
  rows.forEach((row) => driver.pipeInput('features', 'BTC-USDT', { ...row, interval: '1m' }, row.ts as number));
  await driver.flush();
  const signals = driver.readValues<Signal>('signals');
  await driver.close();
  return signals;
}

async function ownScores(fixture: string): Promise<number[]> {
  const model = await OnnxSignalModel.load(join(FIXTURES, fixture, '1'));
  const input = new Float32Array(expected.rows.length * model.featureCount);
  expected.rows.forEach((row, i) => model.vectorize(row as never, input, i * model.featureCount));
  const { up } = await model.predict(input, expected.rows.length);
  await model.close();
  return Array.from(up);
}

describe('hot reload of a model directory', () => {
  it('switches to a new version between batches; each signal carries the version that scored it', async () => {
    const dir = join(work, 'switch');
    mkdirSync(dir);
    publishVersion(dir, 'sklearn-logreg-tensor', '1');
    const { models } = await openDirectory(dir);
    const before = await scoreRows(models, expected.rows);
    publishVersion(dir, 'lightgbm-tensor', '2');
    expect(models.current().version).toBe('1'); // nothing changes until the directory is looked at
    await models.poll();
    expect(models.current().version).toBe('2');
    const after = await scoreRows(models, expected.rows);
    expect(before.map((s) => s.model_version)).toEqual(expected.rows.map(() => '1'));
    expect(after.map((s) => s.model_version)).toEqual(expected.rows.map(() => '2'));
    // Each version's scores are its own model's.
    expect(before.map((s) => s.p_up)).toEqual(await ownScores('sklearn-logreg-tensor'));
    expect(after.map((s) => s.p_up)).toEqual(await ownScores('lightgbm-tensor'));
    await models.close();
  });

  it('keeps the current version when a new one is half written, and takes it once it is whole', async () => {
    const dir = join(work, 'partial');
    mkdirSync(dir);
    publishVersion(dir, 'sklearn-logreg-tensor', '1');
    const { models, log, failures } = await openDirectory(dir);
    // Copied in place, not renamed: the manifest is there, the model only partly.
    mkdirSync(join(dir, '2'));
    const whole = readFileSync(join(FIXTURES, 'lightgbm-tensor/1/model.onnx'));
    writeFileSync(join(dir, '2/model.onnx'), whole.subarray(0, whole.length >> 1));
    const manifest = { ...JSON.parse(readFileSync(join(FIXTURES, 'lightgbm-tensor/1/manifest.json'), 'utf8')), name: 'm', version: '2' };
    writeFileSync(join(dir, '2/manifest.json'), JSON.stringify(manifest));
    await models.poll();
    expect(models.current().version).toBe('1');
    expect(failures()).toBe(1);
    expect(log.at(-1)).toMatch(/model version 2 in .* not loaded, still scoring with 1: .*model\.onnx/);
    await models.poll(); // unchanged files: not tried again
    expect(failures()).toBe(1);
    writeFileSync(join(dir, '2/model.onnx'), whole);
    await models.poll();
    expect(models.current().version).toBe('2');
    await models.close();
  });

  it.each([
    ['another interval', (m: Record<string, any>) => (m.interval = '5m'), /scores 5m candles, the running topology signals 1m/],
    [
      'a manifest version unlike its directory',
      (m: Record<string, any>) => (m.version = '7'),
      /"version" is "7" but the directory is named "2"/,
    ],
    [
      'a feature column the topology does not produce',
      (m: Record<string, any>) => (m.features[6] = 'ext_funding'),
      /feature column "ext_funding" is not produced by this topology/,
    ],
  ])('refuses a version with %s, and goes on with the current one', async (_what, edit, message) => {
    const dir = mkdtempSync(join(work, 'refuse-'));
    publishVersion(dir, 'sklearn-logreg-tensor', '1');
    const { models, log } = await openDirectory(dir);
    const temporary = join(dir, '.tmp-2');
    cpSync(join(FIXTURES, 'lightgbm-tensor/1'), temporary, { recursive: true });
    const m = { ...JSON.parse(readFileSync(join(temporary, 'manifest.json'), 'utf8')), name: 'm', version: '2' };
    edit(m);
    writeFileSync(join(temporary, 'manifest.json'), JSON.stringify(m));
    renameSync(temporary, join(dir, '2'));
    await models.poll();
    expect(models.current().version).toBe('1');
    expect(log.at(-1)).toMatch(message);
    await models.close();
  });

  it('looks by itself every pollMs', async () => {
    const dir = join(work, 'timer');
    mkdirSync(dir);
    publishVersion(dir, 'sklearn-logreg-tensor', '1');
    const { models } = await openDirectory(dir, 50);
    publishVersion(dir, 'sklearn-forest-tensor', '2');
    const deadline = Date.now() + 5000;
    while (models.current().version !== '2' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(models.current().version).toBe('2');
    await models.close();
  });

  it('fails to open a directory with no model, saying what it expected', async () => {
    const dir = mkdtempSync(join(work, 'empty-'));
    await expect(openDirectory(dir)).rejects.toThrow(/no model there \(expected manifest\.json and model\.onnx, or version subdirectories/);
  });
});
