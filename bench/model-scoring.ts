import { cpus, tmpdir } from 'node:os';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Topology } from '../topology/Topology.ts';
import { TopologyTestDriver } from '../topology/TopologyTestDriver.ts';
import { ScoreProcessor } from '../processors/ScoreProcessor.ts';
import { OnnxSignalModel } from '../models/OnnxSignalModel.ts';
import { encodeClassifier } from '../models/onnx/encodeClassifier.ts';
import { trainGradientBoostedTrees } from '../models/training/GradientBoostedTrees.ts';

/**
 * The Score stage alone: feature records through ScoreProcessor with a 100-tree model, flushed every
 * `batch` records (one onnxruntime call per flush) beside a flush after every record (one call per
 * record), in the same run. Models: 100 trees of depth 3 from `candlestream train`'s learner, and
 * the LightGBM fixture (100 trees, up to 15 leaves, a ZipMap graph).
 * Usage: node bench/model-scoring.ts [records=50000]
 */
const records = Number(process.argv[2] ?? 50_000);
const FEATURES = ['rsi_14', 'macd_hist/close', 'atr_14/close', 'close/sma_50', 'close/bb_upper', 'close/bb_lower', 'ext_fear_greed'];
const work = mkdtempSync(join(tmpdir(), 'bench-models-'));

let seed = 7;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
const rows = Array.from({ length: 4096 }, (_, i) => {
  const close = 20_000 + 3_000 * random();
  return {
    symbol: 'BTC-USDT',
    interval: '1m',
    ts: i * 60_000,
    close,
    rsi_14: 100 * random(),
    macd_hist: 40 * (random() - 0.5),
    atr_14: 80 * random(),
    sma_50: close * (1 + 0.01 * (random() - 0.5)),
    bb_upper: close * (1 + 0.01 * random()),
    bb_lower: close * (1 - 0.01 * random()),
    ext_fear_greed: Math.round(100 * random()),
  };
});

function ourTrees(): string {
  const n = 20_000;
  const x = new Float64Array(n * FEATURES.length);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < FEATURES.length; j++) x[i * FEATURES.length + j] = random();
    y[i] = x[i * FEATURES.length] + 0.3 * x[i * FEATURES.length + 3] + 0.2 * random() > 0.75 ? 1 : 0;
  }
  const { model } = trainGradientBoostedTrees({ features: FEATURES, x, y, rows: n, classes: [0, 1] }, { trees: 100, maxDepth: 3 });
  const dir = join(work, 'ours');
  mkdirSync(dir);
  writeFileSync(join(dir, 'model.onnx'), encodeClassifier(model, { inputName: 'features', featureCount: FEATURES.length }));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      name: 'bench',
      version: '1',
      interval: '1m',
      horizon: 15,
      features: FEATURES,
      input: { name: 'features', type: 'float32' },
      outputs: { label: 'label', probabilities: 'probabilities' },
      classes: [0, 1],
      up_class: 1,
      down_class: 0,
      thresholds: { buy: 0.55, sell: 0.55 },
    }),
  );
  return dir;
}

function lightgbm(): string {
  const dir = join(work, 'lightgbm');
  cpSync(new URL('../test/fixtures/models/lightgbm-zipmap/1', import.meta.url).pathname, dir, { recursive: true });
  return dir;
}

/** µs per record through ScoreProcessor, flushing every `batch` records. */
async function scoring(model: OnnxSignalModel, batch: number, n: number): Promise<number> {
  const topology = new Topology()
    .addSource('features', ['features'])
    .addProcessor('score', () => new ScoreProcessor({ interval: '1m', current: () => model }), ['features'])
    .addSink('signals', 'signals', ['score'])
    .build();
  const driver = await TopologyTestDriver.create(topology);
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const row = rows[i % rows.length];
    driver.pipeInput('features', row.symbol, row, row.ts);
    if ((i + 1) % batch === 0 || i === n - 1) {
      await driver.flush();
      driver.readOutput('signals');
    }
  }
  const us = ((performance.now() - started) * 1000) / n;
  await driver.close();
  return us;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(
  `model scoring, ${records.toLocaleString('en-US')} records per run, median of 3 runs; ${cpus().length} × ${cpus()[0].model}, Node ${process.version}`,
);
console.log('| model | one call per record µs | batch 100 µs | batch 500 µs | batch 1000 µs | batch 1000 vs per record |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, dir] of [
  ['100 trees, depth 3 (candlestream train)', ourTrees()],
  ['LightGBM 100 trees, 15 leaves (onnxmltools, ZipMap)', lightgbm()],
] as const) {
  const model = await OnnxSignalModel.load(dir);
  await scoring(model, 1000, 5000); // warm-up
  const perRecord = median([
    await scoring(model, 1, records / 5),
    await scoring(model, 1, records / 5),
    await scoring(model, 1, records / 5),
  ]);
  const batched: number[] = [];
  for (const b of [100, 500, 1000])
    batched.push(median([await scoring(model, b, records), await scoring(model, b, records), await scoring(model, b, records)]));
  console.log(
    `| ${name} | ${perRecord.toFixed(2)} | ${batched.map((v) => v.toFixed(2)).join(' | ')} | ${(perRecord / batched[2]).toFixed(1)}× faster |`,
  );
  await model.close();
}
rmSync(work, { recursive: true, force: true });
