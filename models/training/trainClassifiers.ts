import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeClassifier } from '../onnx/encodeClassifier.ts';
import { LABEL_OUTPUT, PROBABILITIES_OUTPUT } from '../onnx/encodeClassifier.ts';
import { MANIFEST_FILE, MODEL_FILE } from '../OnnxSignalModel.ts';
import type { ModelManifest } from '../ModelManifest.ts';
import { sliceRows, type Dataset } from './Dataset.ts';
import { evaluate, majorityBaseline, type Evaluation } from './evaluate.ts';
import { trainGradientBoostedTrees } from './GradientBoostedTrees.ts';
import { fitLogisticRegression } from './LogisticRegression.ts';
import { labelledRows, splitInTime } from './labelledDataset.ts';
import { predictProbabilities } from './predict.ts';
import { readFeatureRows } from './readFeatureRows.ts';
import type { TrainedModel } from './TrainedModel.ts';
import type { HdfsSettings } from '../../io/storage/storageFor.ts';
import { linearImportance, renderReport, type EvaluationReport } from './evaluationReport.ts';
import { evaluateTradingRule, type TradingRuleEvaluation } from './tradingRule.ts';

export interface TrainOptions {
  /** The features dataset: a local directory or hdfs://… */
  featuresDir: string;
  hdfs?: HdfsSettings;
  interval: string;
  intervalMs: number;
  horizon: number;
  band: number;
  /** Model inputs; undefined: DEFAULT_FEATURES plus every ext_ column in the data. */
  features: string[] | undefined;
  /** The model directory: the new version goes into a subdirectory of it. */
  out: string;
  name: string;
  algorithm: 'best' | 'logistic' | 'trees';
  thresholds: { buy: number; sell: number };
  /** Round-trip cost of one position in basis points, for the trading rule's evaluation. */
  costBps: number;
  trees: { trees: number; maxDepth: number; learningRate: number; minLeaf: number };
  l2: number;
  log: (line: string) => void;
}

/** Scale-free inputs from the default indicator columns: comparable across price levels and symbols. */
export const DEFAULT_FEATURES = [
  'rsi_14',
  'macd_hist/close',
  'atr_14/close',
  'close/sma_50',
  'close/bb_upper',
  'close/bb_lower',
  'close/ema_26',
];

const ALGORITHMS = { logistic: 'logistic regression', trees: 'gradient-boosted trees' } as const;

/**
 * `candlestream train`: features → labelled rows → train / validation / test in time order →
 * logistic regression and gradient-boosted trees → the chosen one (lower validation log loss, or
 * the one asked for) as ONNX with its manifest, checked against onnxruntime, and the evaluation
 * report, written as a new version of the model directory.
 */
export async function trainClassifiers(o: TrainOptions): Promise<{ dir: string; report: EvaluationReport; manifest: ModelManifest }> {
  const bySymbol = await readFeatureRows(o.featuresDir, o.interval, o.hdfs);
  const columns = new Set(Object.keys([...bySymbol.values()][0][0]));
  const features = o.features ?? [...DEFAULT_FEATURES, ...[...columns].filter((c) => c.startsWith('ext_')).sort()];
  for (const f of features) {
    for (const column of f.split('/')) {
      if (!columns.has(column))
        throw new Error(`--model-features: "${column}" is not a column of ${o.featuresDir} (it has ${[...columns].join(', ')})`);
    }
  }
  const rows = labelledRows(bySymbol, { features, intervalMs: o.intervalMs, horizon: o.horizon, band: o.band });
  o.log(
    `train: ${rows.rows.toLocaleString('en-US')} labelled ${o.interval} rows of ${[...bySymbol.keys()].join(', ')} (left out: ${rows.dropped.missingFeature} in a lookback, ${rows.dropped.noFuture} without a candle ${o.horizon} ahead)`,
  );
  const split = splitInTime(rows.ts, o.horizon * o.intervalMs);
  const all: Dataset = { features, x: rows.x, y: rows.y, rows: rows.rows, classes: rows.classes };
  const [train, validation, test] = [split.train, split.validation, split.test].map(([a, b]) => sliceRows(all, a, b));
  if (train.rows < 100 || validation.rows < 20 || test.rows < 20) {
    throw new Error(
      `too few rows to train and evaluate: ${train.rows} train, ${validation.rows} validation, ${test.rows} test (need 100, 20, 20); give more history or a shorter --horizon`,
    );
  }
  const upIndex = rows.classes.indexOf(rows.upClass);
  const downIndex = rows.classes.indexOf(rows.downClass);
  const forwardReturns = [split.validation, split.test].map(([a, b]) => rows.forwardReturn.subarray(a, b));

  const started = performance.now();
  const logistic = fitLogisticRegression(train, { l2: o.l2 });
  o.log(
    `train: logistic regression in ${Math.round(performance.now() - started)} ms (${logistic.iterations} iterations${logistic.converged ? '' : ', not converged'})`,
  );
  const treesStarted = performance.now();
  const boosted = trainGradientBoostedTrees(train, o.trees);
  o.log(`train: ${boosted.model.trees.length} trees in ${Math.round(performance.now() - treesStarted)} ms`);

  const evaluateOn = (model: TrainedModel, data: Dataset, forwardReturn: Float64Array) => {
    const p = predictProbabilities(model, data.x, data.rows, features.length);
    const rule = { classes: data.classes.length, upIndex, downIndex, thresholds: o.thresholds, costBps: o.costBps };
    return { metrics: evaluate(p, data.y, data.classes, upIndex), rule: evaluateTradingRule(p, forwardReturn, rule) };
  };
  const candidates = {
    logistic: { model: logistic.model as TrainedModel, importance: linearImportance(logistic.model, train) },
    trees: { model: boosted.model as TrainedModel, importance: boosted.importance },
  };
  type Evaluated = ReturnType<typeof evaluateOn>;
  const evaluations = Object.fromEntries(
    Object.entries(candidates).map(([key, c]) => [
      key,
      { validation: evaluateOn(c.model, validation, forwardReturns[0]), test: evaluateOn(c.model, test, forwardReturns[1]) },
    ]),
  ) as Record<keyof typeof candidates, { validation: Evaluated; test: Evaluated }>;
  const chosen: keyof typeof candidates =
    o.algorithm !== 'best'
      ? o.algorithm
      : evaluations.trees.validation.metrics.logLoss < evaluations.logistic.validation.metrics.logLoss
        ? 'trees'
        : 'logistic';

  const onnx = encodeClassifier(candidates[chosen].model, {
    inputName: 'features',
    featureCount: features.length,
    producer: 'candlestream train',
  });
  const maxDifference = await exportedDifference(onnx, candidates[chosen].model, test);
  // The exported model must be the trained one: a difference here is a bug in the export.
  if (!(maxDifference <= 1e-6))
    throw new Error(
      `the exported ONNX model's probabilities differ from the trained model's by ${maxDifference} (more than 1e-6): not written`,
    );

  const time = (i: number) => new Date(rows.ts[i]).toISOString();
  const report: EvaluationReport = {
    name: o.name,
    interval: o.interval,
    horizon: o.horizon,
    band: o.band,
    features,
    classes: rows.classes,
    split: {
      train: { rows: train.rows, from: time(split.train[0]), to: time(split.train[1] - 1) },
      validation: { rows: validation.rows, from: time(split.validation[0]), to: time(split.validation[1] - 1) },
      test: { rows: test.rows, from: time(split.test[0]), to: time(split.test[1] - 1) },
    },
    models: (Object.keys(candidates) as (keyof typeof candidates)[]).map((key) => ({
      name: ALGORITHMS[key],
      chosen: key === chosen,
      validation: evaluations[key].validation.metrics,
      test: evaluations[key].test.metrics,
      rule: { validation: evaluations[key].validation.rule, test: evaluations[key].test.rule },
      importance: features.map((feature, i) => ({ feature, value: candidates[key].importance[i] })),
    })),
    baseline: {
      validation: majorityBaseline(train.y, validation.y, rows.classes, upIndex),
      test: majorityBaseline(train.y, test.y, rows.classes, upIndex),
    },
    onnxMaxDifference: maxDifference,
  };

  const version = await nextVersion(o.out);
  const manifest: ModelManifest = {
    name: o.name,
    version,
    interval: o.interval,
    horizon: o.horizon,
    features,
    input: { name: 'features', type: 'float32' },
    outputs: { label: LABEL_OUTPUT, probabilities: PROBABILITIES_OUTPUT },
    classes: rows.classes,
    up_class: rows.upClass,
    down_class: rows.downClass,
    thresholds: o.thresholds,
    training: { algorithm: ALGORITHMS[chosen], band: o.band, ...report.split, features_from: o.featuresDir },
    metrics: {
      test: pick(evaluations[chosen].test.metrics),
      validation: pick(evaluations[chosen].validation.metrics),
      baseline_test: pick(report.baseline.test),
      rule_test: pickRule(evaluations[chosen].test.rule),
    },
  };
  // Written beside, then renamed into place: a running service never sees half a version.
  const temporary = join(o.out, `.tmp-${version}-${process.pid}`);
  await rm(temporary, { recursive: true, force: true });
  await mkdir(temporary, { recursive: true });
  await writeFile(join(temporary, MODEL_FILE), onnx);
  await writeFile(join(temporary, 'report.json'), JSON.stringify(report, null, 2));
  await writeFile(join(temporary, 'report.html'), renderReport(report));
  await writeFile(join(temporary, MANIFEST_FILE), JSON.stringify(manifest, null, 2));
  const dir = join(o.out, version);
  await rename(temporary, dir);
  return { dir, report, manifest };
}

const pick = (e: Evaluation) => ({ rows: e.rows, accuracy: e.accuracy, roc_auc: e.rocAuc, log_loss: e.logLoss });

const pickOutcome = (s: TradingRuleEvaluation['buy']) => ({
  count: s.count,
  hit_rate: s.hitRate,
  mean_forward_return: s.meanForwardReturn,
  mean_net_return: s.meanNetReturn,
});
const pickRule = (r: TradingRuleEvaluation) => ({
  rows: r.rows,
  cost_bps: r.costBps,
  buy: pickOutcome(r.buy),
  sell: pickOutcome(r.sell),
  buy_and_hold: { mean_forward_return: r.buyAndHold.meanForwardReturn, hit_rate: r.buyAndHold.hitRate },
});

/** Largest difference between onnxruntime's probabilities for the exported model and the trained model's. */
async function exportedDifference(onnx: Uint8Array, model: TrainedModel, data: Dataset): Promise<number> {
  const session = await ort.InferenceSession.create(onnx);
  try {
    const width = data.features.length;
    const input = new ort.Tensor('float32', Float32Array.from(data.x), [data.rows, width]);
    const out = await session.run({ features: input }, [PROBABILITIES_OUTPUT]);
    const fromOnnx = out[PROBABILITIES_OUTPUT].data as Float32Array;
    const trained = predictProbabilities(model, data.x, data.rows, width);
    let max = 0;
    for (let i = 0; i < trained.length; i++) max = Math.max(max, Math.abs(trained[i] - fromOnnx[i]));
    return max;
  } finally {
    await session.release();
  }
}

/** One more than the highest numbered version in `dir` (1 for a new directory). */
async function nextVersion(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const numbers = (await readdir(dir)).filter((n) => /^\d+$/.test(n)).map(Number);
  return String(Math.max(0, ...numbers) + 1);
}
