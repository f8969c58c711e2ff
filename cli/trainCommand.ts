import { basename, resolve } from 'node:path';
import { intervalMs } from '../market/interval.ts';
import { DEFAULT_FEATURES, trainClassifiers, type TrainOptions } from '../models/training/trainClassifiers.ts';
import type { TradingRuleEvaluation } from '../models/training/tradingRule.ts';
import { resolveSettings, SETTINGS_HELP, type SettingsOf } from './settings.ts';
import { UsageError } from './UsageError.ts';
import { wholeNumber } from './flagValues.ts';
import { HDFS_FLAGS, HDFS_HELP, hdfsSettings } from './hdfsFlags.ts';

export const TRAIN_HELP = `Usage: candlestream train --features DIR --out DIR [options]

Trains price-movement classifiers on backfilled features and exports the chosen one as ONNX, a new
version of the model directory that run and backfill --model use (a running service picks it up).
${SETTINGS_HELP}

  --features DIR           features written by backfill --sink parquet:DIR (local or hdfs://…)
  --interval I             the candle interval to learn and later score (default 1m)
  --horizon N              label = direction of the close N candles ahead (default 15)
  --band R                 |forward return| ≤ R is a third, neutral class (e.g. 0.0005); default 0:
                           two classes, up and not up
  --model-features LIST    model inputs, comma-separated: columns, or ratios a/b of two (default
                           ${DEFAULT_FEATURES.join(',')} and every ext_ column)
  --algorithm A            best (lower validation log loss, default), logistic or trees
  --trees N, --depth N     boosting rounds (default 100) and tree depth (default 3)
  --learning-rate R        boosting shrinkage (default 0.1)
  --min-leaf N             fewest training rows in a leaf (default 20)
  --l2 R                   logistic regression's L2 penalty (default 0.0001)
  --buy P, --sell P        signal thresholds written to the manifest: BUY when p_up ≥ P, SELL when
                           p_down ≥ P (default 0.55 each)
  --cost-bps N             cost of one position, round trip, in basis points, deducted when the
                           report evaluates those thresholds as a trading rule (default 20: 0.1 %
                           a side)
  --out DIR                the model directory (e.g. out/models/btc-1m); the model goes to
                           DIR/<next version>/ with model.onnx, manifest.json, report.json and
                           report.html
  --name NAME              model name (default: the --out directory's name)
${HDFS_HELP}

Split: train, validation and test in time order (70/15/15 %), each starting more than one horizon
after the previous one's last row, so no label looks into the next part.`;

export const TRAIN_SETTINGS = {
  features: { type: 'string' },
  interval: { type: 'string', default: '1m' },
  horizon: { type: 'string', default: '15' },
  band: { type: 'string', default: '0' },
  'model-features': { type: 'string' },
  algorithm: { type: 'string', default: 'best' },
  trees: { type: 'string', default: '100' },
  depth: { type: 'string', default: '3' },
  'learning-rate': { type: 'string', default: '0.1' },
  'min-leaf': { type: 'string', default: '20' },
  l2: { type: 'string', default: '0.0001' },
  buy: { type: 'string', default: '0.55' },
  sell: { type: 'string', default: '0.55' },
  'cost-bps': { type: 'string', default: '20' },
  out: { type: 'string' },
  name: { type: 'string' },
  ...HDFS_FLAGS,
} as const;

type TrainSettings = SettingsOf<typeof TRAIN_SETTINGS>;

export async function trainCommand(args: string[]): Promise<void> {
  const options = trainOptions(resolveSettings(TRAIN_SETTINGS, args, process.env));
  report(await trainClassifiers(options));
}

/** The flags, checked (a bad one stops start-up, naming it), as trainClassifiers' options. */
function trainOptions(s: TrainSettings): TrainOptions {
  if (!s.features) throw new UsageError('--features is required: a features dataset written by backfill --sink parquet:DIR');
  if (!s.out) throw new UsageError('--out is required: the model directory (e.g. out/models/btc-1m)');
  let ms: number;
  try {
    ms = intervalMs(s.interval);
  } catch (e) {
    throw new UsageError(`--interval: ${(e as Error).message}`);
  }
  const algorithm = s.algorithm;
  if (algorithm !== 'best' && algorithm !== 'logistic' && algorithm !== 'trees')
    throw new UsageError(`--algorithm must be best, logistic or trees, not "${algorithm}"`);
  const fraction = (flag: 'band' | 'buy' | 'sell' | 'learning-rate' | 'l2' | 'cost-bps', low: number, high: number) => {
    const v = Number(s[flag]);
    if (!(v >= low && v <= high)) throw new UsageError(`--${flag} must be a number from ${low} to ${high}, not "${s[flag]}"`);
    return v;
  };
  const features = s['model-features']
    ?.split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (features && !features.length) throw new UsageError('--model-features needs at least one feature');
  return {
    featuresDir: s.features,
    hdfs: hdfsSettings(s),
    interval: s.interval,
    intervalMs: ms,
    horizon: wholeNumber(s.horizon, '--horizon'),
    band: fraction('band', 0, 1),
    features,
    out: s.out,
    name: s.name ?? basename(resolve(s.out)),
    algorithm,
    thresholds: { buy: fraction('buy', 0.01, 1), sell: fraction('sell', 0.01, 1) },
    costBps: fraction('cost-bps', 0, 10_000),
    trees: {
      trees: wholeNumber(s.trees, '--trees'),
      maxDepth: wholeNumber(s.depth, '--depth'),
      learningRate: fraction('learning-rate', 1e-6, 1),
      minLeaf: wholeNumber(s['min-leaf'], '--min-leaf'),
    },
    l2: fraction('l2', 0, 100),
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

/** The chosen model's trading rule on the test split, in one line: fires, hit rate, mean net return in bp. */
function ruleLine(r: TradingRuleEvaluation): string {
  const bp = (v: number | null) => (v === null ? 'n/a' : `${(v * 10_000).toFixed(1)} bp`);
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)} %`);
  const signal = (name: string, s: TradingRuleEvaluation['buy']) =>
    `${name} ${s.count.toLocaleString('en-US')}× hit ${pct(s.hitRate)} net ${bp(s.meanNetReturn)}`;
  return `  trading rule (test, ${r.costBps} bp a position): ${signal('BUY', r.buy)}, ${signal('SELL', r.sell)}; buy and hold ${bp(r.buyAndHold.meanForwardReturn)} a horizon`;
}

function report({ dir, report, manifest }: Awaited<ReturnType<typeof trainClassifiers>>): void {
  const row = (name: string, e: { accuracy: number; rocAuc: number | null; logLoss: number }) =>
    `  ${name.padEnd(26)} accuracy ${e.accuracy.toFixed(4)}  ROC AUC ${e.rocAuc === null ? '  n/a ' : e.rocAuc.toFixed(4)}  log loss ${e.logLoss.toFixed(4)}`;
  const lines = [
    `train: ${manifest.name} v${manifest.version} → ${dir} (test set, ${report.split.test.rows} rows from ${report.split.test.from})`,
  ];
  for (const m of report.models) lines.push(row(m.name + (m.chosen ? ' (chosen)' : ''), m.test));
  lines.push(row('majority baseline', report.baseline.test));
  const rule = report.models.find((m) => m.chosen)?.rule?.test;
  if (rule) lines.push(ruleLine(rule));
  lines.push(`  exported ONNX vs trained model: max difference ${report.onnxMaxDifference.toExponential(1)}; report: ${dir}/report.html`);
  process.stderr.write(lines.join('\n') + '\n');
}
