import { featureMoments, type Dataset } from './Dataset.ts';
import type { CalibrationBin, Evaluation, RocPoint } from './evaluate.ts';
import type { LinearModel } from './TrainedModel.ts';
import type { TradingRuleEvaluation } from './tradingRule.ts';

/** Rows of one chronological split and the time range they cover (ISO 8601 strings). */
export interface SplitSummary {
  rows: number;
  from: string;
  to: string;
}

/** One trained model's evaluation. */
export interface ModelEvaluation {
  /** Display name, e.g. "logistic regression", "gradient-boosted trees". */
  name: string;
  /** The model that was exported. */
  chosen?: boolean;
  validation: Evaluation;
  test: Evaluation;
  /** The manifest's BUY/SELL thresholds applied to this model's probabilities, with forward returns. */
  rule?: { validation: TradingRuleEvaluation; test: TradingRuleEvaluation };
  /** Per feature, summing to 1 (or all zeros). */
  importance: { feature: string; value: number }[];
  /**
   * What importance measures; default from the name: "total split gain" for trees,
   * "|coefficient| × feature std" otherwise.
   */
  importanceMeasure?: string;
  /** Hyper-parameters and solver facts worth showing (rounds, depth, l2, iterations…). */
  parameters?: Record<string, string | number | boolean>;
}

/** Everything `candlestream train` reports; the JSON report is this object as is. */
export interface EvaluationReport {
  /** Name of the model, e.g. "btcusdt-1m". */
  name: string;
  /** Candle interval, e.g. "1m". */
  interval: string;
  /** Prediction horizon in candles. */
  horizon: number;
  /** Flat band of the label (fraction of the price), when the label has one. */
  band?: number;
  /** How the label is defined, in words. */
  target?: string;
  /** ISO 8601 time the report was made. */
  generatedAt?: string;
  features: string[];
  /** Class labels in probability-column order; the up class is each evaluation's upClassIndex. */
  classes: number[];
  split: { train: SplitSummary; validation: SplitSummary; test: SplitSummary };
  models: ModelEvaluation[];
  /** Training-set class frequencies predicted for every row. */
  baseline: { validation: Evaluation; test: Evaluation };
  /** Largest difference between onnxruntime's and the trained model's probabilities on the test split. */
  onnxMaxDifference: number;
}

/**
 * Importance of a linear model's features: Σ over classes of |coefficient| × the standard deviation
 * in `data` of the coefficient's input (the feature's population std, times |scale| when the model
 * has a scaler), normalised to sum 1 (all zeros if every term is 0). This is the size of the
 * coefficient on the standardized feature.
 */
export function linearImportance(model: LinearModel, data: Dataset): number[] {
  const { std } = featureMoments(data);
  const f = data.features.length;
  const raw = new Array<number>(f).fill(0);
  if (model.scaler && model.scaler.scale.length !== f)
    throw new RangeError(`linearImportance: ${model.scaler.scale.length} scales for ${f} features`);
  for (const row of model.coefficients) {
    if (row.length !== f) throw new RangeError(`linearImportance: ${row.length} coefficients for ${f} features`);
    for (let j = 0; j < f; j++) raw[j] += Math.abs(row[j]) * std[j] * (model.scaler ? Math.abs(model.scaler.scale[j]) : 1);
  }
  const total = raw.reduce((a, b) => a + b, 0);
  return raw.map((v) => (total > 0 ? v / total : 0));
}

/** Escapes text for HTML/SVG element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const colors = { validation: '#1f6fb4', test: '#d0431f', baseline: '#8a8a8a', grid: '#e3e3e3', axis: '#444' };

/** A self-contained HTML page: no external scripts, stylesheets or fonts; charts are inline SVG. */
export function renderReport(report: EvaluationReport): string {
  const e = escapeHtml;
  const title = `candlestream model report: ${report.name}`;
  const upIndex = report.baseline.test.upClassIndex;
  const parts: string[] = [];
  parts.push(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${e(title)}</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; margin: 24px auto; max-width: 1120px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 36px; border-bottom: 1px solid #ccc; padding-bottom: 4px; } h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 6px 0 12px; } th, td { border: 1px solid #d5d5d5; padding: 3px 9px; text-align: right; } th { background: #f4f4f4; } td.l, th.l { text-align: left; }
.muted { color: #666; } .better { font-weight: 600; color: #16692e; } .worse { color: #a02020; }
.charts { display: flex; flex-wrap: wrap; gap: 18px; align-items: flex-start; } figure { margin: 0; } figcaption { font-size: 13px; color: #444; margin-top: 2px; }
.tables { display: flex; flex-wrap: wrap; gap: 28px; } code { background: #f4f4f4; padding: 0 3px; }
</style>
</head>
<body>
<h1>${e(title)}</h1>
<p class="muted">Interval <b>${e(report.interval)}</b>, horizon <b>${e(String(report.horizon))}</b> candle(s)${report.band !== undefined ? `, flat band ±${e(String(report.band))}` : ''}${report.target ? `, target: ${e(report.target)}` : ''}. Classes ${report.classes.map((c, i) => `<code>${e(String(c))}</code>${i === upIndex ? ' (up)' : ''}`).join(', ')}.${report.generatedAt ? ` Generated ${e(report.generatedAt)}.` : ''}</p>
<p class="muted">Features (${report.features.length}): ${report.features.map((f) => `<code>${e(f)}</code>`).join(' ')}</p>`);

  parts.push(`<h2>Data splits</h2>
<table><tr><th class="l">split</th><th>rows</th><th class="l">from</th><th class="l">to</th></tr>
${(['train', 'validation', 'test'] as const).map((s) => `<tr><td class="l">${s}</td><td>${report.split[s].rows}</td><td class="l">${e(report.split[s].from)}</td><td class="l">${e(report.split[s].to)}</td></tr>`).join('\n')}
</table>`);

  parts.push(`<h2>Summary</h2>
<table><tr><th class="l">model</th><th>validation accuracy</th><th>validation ROC AUC</th><th>validation log loss</th><th>test accuracy</th><th>test ROC AUC</th><th>test log loss</th></tr>
${[
  ...report.models.map((m) => ({ name: m.chosen ? `${m.name} (chosen)` : m.name, validation: m.validation, test: m.test })),
  { name: 'Majority baseline', validation: report.baseline.validation, test: report.baseline.test },
]
  .map(
    (m) =>
      `<tr><td class="l">${e(m.name)}</td>${[m.validation, m.test].map((v) => `<td>${fmt(v.accuracy)}</td><td>${fmt(v.rocAuc)}</td><td>${fmt(v.logLoss)}</td>`).join('')}</tr>`,
  )
  .join('\n')}
</table>
<p class="muted">The majority baseline predicts the training set's class frequencies for every row. Up-class share: validation ${fmt(share(report.baseline.validation))}, test ${fmt(share(report.baseline.test))}. Exported ONNX model vs trained model on the test split: largest probability difference ${e(Number.isFinite(report.onnxMaxDifference) ? report.onnxMaxDifference.toExponential(2) : String(report.onnxMaxDifference))}.</p>`);

  for (const model of report.models) parts.push(renderModel(report, model));
  parts.push('</body>\n</html>\n');
  return parts.join('\n');
}

function share(ev: Evaluation): number {
  return ev.rows > 0 ? ev.classCounts[ev.upClassIndex] / ev.rows : Number.NaN;
}

function renderModel(report: EvaluationReport, model: ModelEvaluation): string {
  const e = escapeHtml;
  const base = report.baseline;
  const measure = model.importanceMeasure ?? (/tree/i.test(model.name) ? 'total split gain' : '|coefficient| × feature std');
  const metrics: { label: string; get: (v: Evaluation) => number | null; higherIsBetter: boolean }[] = [
    { label: 'accuracy', get: (v) => v.accuracy, higherIsBetter: true },
    { label: 'ROC AUC (up vs rest)', get: (v) => v.rocAuc, higherIsBetter: true },
    { label: 'log loss', get: (v) => v.logLoss, higherIsBetter: false },
  ];
  const cell = (m: (typeof metrics)[number], v: Evaluation, b: Evaluation): string => {
    const mv = m.get(v);
    const bv = m.get(b);
    const known = mv !== null && bv !== null && Number.isFinite(mv) && Number.isFinite(bv);
    const delta = known ? mv - bv : null;
    const cls = delta === null || delta === 0 ? '' : delta > 0 === m.higherIsBetter ? 'better' : 'worse';
    return `<td class="${cls}">${fmt(mv)}</td><td>${fmt(bv)}</td><td class="${cls}">${delta === null ? 'n/a' : (delta > 0 ? '+' : '') + fmt(delta)}</td>`;
  };
  const params =
    model.parameters && Object.keys(model.parameters).length > 0
      ? `<p class="muted">${Object.entries(model.parameters)
          .map(([k, v]) => `${e(k)} <code>${e(String(v))}</code>`)
          .join(', ')}</p>`
      : '';
  return `<h2>${e(model.name)}${model.chosen ? ' (chosen)' : ''}</h2>
${params}
<h3>Metrics</h3>
<table><tr><th class="l" rowspan="2">metric</th><th colspan="3">validation (${model.validation.rows} rows)</th><th colspan="3">test (${model.test.rows} rows)</th></tr>
<tr><th>model</th><th>baseline</th><th>Δ</th><th>model</th><th>baseline</th><th>Δ</th></tr>
${metrics.map((m) => `<tr><td class="l">${m.label}</td>${cell(m, model.validation, base.validation)}${cell(m, model.test, base.test)}</tr>`).join('\n')}
</table>
${model.rule ? ruleSection(report, model.rule) : ''}
<h3>Confusion matrices (rows: actual, columns: predicted by argmax)</h3>
<div class="tables">${confusionTable('validation', model.validation)}${confusionTable('test', model.test)}</div>
<div class="charts">
<figure>${calibrationChart(model, base.test)}<figcaption>Calibration of p(up): mean predicted vs observed frequency per 0.1-wide bin; point area ∝ rows.</figcaption></figure>
<figure>${rocChart(model)}<figcaption>ROC curve, up class vs rest; the diagonal is the baseline (AUC 0.5).</figcaption></figure>
<figure>${importanceChart(model.importance, measure)}<figcaption>Feature importance: ${e(measure)}, normalised to sum 1.</figcaption></figure>
</div>`;
}

function ruleSection(report: EvaluationReport, rule: NonNullable<ModelEvaluation['rule']>): string {
  const { thresholds, costBps } = rule.test;
  return `<h3>Trading rule (the manifest's thresholds)</h3>
<p class="muted">BUY when p(up) ≥ ${fmt(thresholds.buy, 2)}, else SELL when p(down) ≥ ${fmt(thresholds.sell, 2)}, else HOLD; each signal a position opened at the candle's close and closed ${escapeHtml(String(report.horizon))} candle(s) later, at a cost of ${escapeHtml(String(costBps))} bp per position (round trip). Positions overlap: a summary per signal, not a portfolio backtest. Returns in basis points; the hit rate is the share of positions that made money net of the cost. Buy and hold holds through the same rows: its return is the mean over every row, its hit rate the share of rows after which the price rose.</p>
<div class="tables">${ruleTable('validation', rule.validation)}${ruleTable('test', rule.test)}</div>`;
}

function ruleTable(split: string, r: TradingRuleEvaluation): string {
  const bp = (v: number | null) => (v === null ? 'n/a' : (v * 10_000).toFixed(2));
  const pct = (v: number | null) => (v === null ? 'n/a' : `${(v * 100).toFixed(1)}%`);
  const row = (name: string, count: number, share: number, hit: number | null, forward: number | null, net: number | null) =>
    `<tr><td class="l">${name}</td><td>${count}</td><td>${pct(share)}</td><td>${pct(hit)}</td><td>${bp(forward)}</td><td>${bp(net)}</td></tr>`;
  return `<table><caption>${escapeHtml(split)} (${r.rows} rows)</caption><tr><th class="l">signal</th><th>fires</th><th>share</th><th>hit rate</th><th>mean forward return</th><th>mean net return</th></tr>
${row('BUY', r.buy.count, r.buy.share, r.buy.hitRate, r.buy.meanForwardReturn, r.buy.meanNetReturn)}
${row('SELL', r.sell.count, r.sell.share, r.sell.hitRate, r.sell.meanForwardReturn, r.sell.meanNetReturn)}
${row('HOLD', r.hold.count, r.hold.share, null, r.hold.meanForwardReturn, null)}
${row('buy and hold', r.buyAndHold.rows, 1, r.buyAndHold.hitRate, r.buyAndHold.meanForwardReturn, r.buyAndHold.meanForwardReturn)}
</table>`;
}

function confusionTable(split: string, ev: Evaluation): string {
  const e = escapeHtml;
  const labels = ev.classes.map((c) => e(String(c)));
  const rows = ev.confusion.map((row, a) => {
    const total = row.reduce((x, y) => x + y, 0);
    return `<tr><th class="l">${labels[a]}</th>${row.map((v, p) => `<td${a === p ? ' class="better"' : ''}>${v}<span class="muted"> (${total > 0 ? ((100 * v) / total).toFixed(1) : '0.0'}%)</span></td>`).join('')}<td class="muted">${total}</td></tr>`;
  });
  return `<table><caption>${e(split)}</caption><tr><th class="l">actual \\ predicted</th>${labels.map((l) => `<th>${l}</th>`).join('')}<th>rows</th></tr>\n${rows.join('\n')}</table>`;
}

// ---- SVG charts -------------------------------------------------------------------------------

const W = 340;
const H = 320;
const M = { left: 48, right: 14, top: 30, bottom: 44 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;
const px = (v: number): number => M.left + v * PW;
const py = (v: number): number => M.top + (1 - v) * PH;
const n2 = (v: number): string => (Math.round(v * 100) / 100).toString();

/** Frame of a unit-square chart: grid, axes, ticks, labels, title, and the dashed diagonal. */
function unitFrame(title: string, xLabel: string, yLabel: string): string {
  const e = escapeHtml;
  const out: string[] = [];
  for (let t = 0; t <= 10; t += 2) {
    const v = t / 10;
    out.push(`<line x1="${n2(px(v))}" y1="${n2(py(0))}" x2="${n2(px(v))}" y2="${n2(py(1))}" stroke="${colors.grid}"/>`);
    out.push(`<line x1="${n2(px(0))}" y1="${n2(py(v))}" x2="${n2(px(1))}" y2="${n2(py(v))}" stroke="${colors.grid}"/>`);
    out.push(`<text x="${n2(px(v))}" y="${n2(py(0) + 15)}" text-anchor="middle">${v.toFixed(1)}</text>`);
    out.push(`<text x="${n2(px(0) - 6)}" y="${n2(py(v) + 4)}" text-anchor="end">${v.toFixed(1)}</text>`);
  }
  out.push(`<rect x="${px(0)}" y="${py(1)}" width="${PW}" height="${PH}" fill="none" stroke="${colors.axis}"/>`);
  out.push(`<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="${colors.baseline}" stroke-dasharray="5 4"/>`);
  out.push(`<text x="${W / 2}" y="18" text-anchor="middle" font-weight="600">${e(title)}</text>`);
  out.push(`<text x="${n2(px(0.5))}" y="${H - 8}" text-anchor="middle">${e(xLabel)}</text>`);
  out.push(`<text transform="translate(13 ${n2(py(0.5))}) rotate(-90)" text-anchor="middle">${e(yLabel)}</text>`);
  return out.join('');
}

function svg(body: string, height = H, label = ''): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="${escapeHtml(label)}">${body}</svg>`;
}

function calibrationChart(model: ModelEvaluation, baseline: Evaluation): string {
  const series = (bins: CalibrationBin[], color: string, name: string, rows: number): string => {
    const used = bins.filter((b) => b.count > 0 && b.meanPredicted !== null && b.observed !== null);
    const pts = used.map((b) => `${n2(px(b.meanPredicted as number))},${n2(py(b.observed as number))}`).join(' ');
    const dots = used
      .map((b) => {
        const r = Math.max(2, Math.min(9, 9 * Math.sqrt(b.count / Math.max(1, rows))));
        return `<circle cx="${n2(px(b.meanPredicted as number))}" cy="${n2(py(b.observed as number))}" r="${n2(r)}" fill="${color}" fill-opacity="0.55" stroke="${color}"><title>${escapeHtml(`${name}: p ${b.lower.toFixed(1)}–${b.upper.toFixed(1)}, mean predicted ${fmt(b.meanPredicted)}, observed ${fmt(b.observed)}, ${b.count} rows`)}</title></circle>`;
      })
      .join('');
    return (used.length > 1 ? `<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="1.5"/>` : '') + dots;
  };
  const body =
    unitFrame(`Calibration: ${model.name}`, 'mean predicted p(up)', 'observed frequency of up') +
    series(baseline.calibration, colors.baseline, 'baseline (test)', baseline.rows) +
    series(model.validation.calibration, colors.validation, 'validation', model.validation.rows) +
    series(model.test.calibration, colors.test, 'test', model.test.rows) +
    legendAt(
      [
        { label: 'validation', color: colors.validation },
        { label: 'test', color: colors.test },
        { label: 'baseline (test)', color: colors.baseline },
        { label: 'perfect calibration', color: colors.baseline, dashed: true },
      ],
      px(0.03),
      py(1) + 12,
    );
  return svg(body, H, `Calibration plot for ${model.name}`);
}

/** Legend lines from (x, yFirst) downwards; `bottom` stacks them upwards so the last ends at yFirst. */
function legendAt(entries: { label: string; color: string; dashed?: boolean }[], x: number, yFirst: number, bottom = false): string {
  return entries
    .map((entry, i) => {
      const y = bottom ? yFirst - (entries.length - 1 - i) * 15 : yFirst + i * 15;
      return `<line x1="${n2(x)}" y1="${n2(y)}" x2="${n2(x + 16)}" y2="${n2(y)}" stroke="${entry.color}" stroke-width="2"${entry.dashed ? ' stroke-dasharray="4 3"' : ''}/><text x="${n2(x + 21)}" y="${n2(y + 4)}">${escapeHtml(entry.label)}</text>`;
    })
    .join('');
}

function rocChart(model: ModelEvaluation): string {
  const line = (points: RocPoint[], color: string): string =>
    `<polyline points="${points.map((p) => `${n2(px(p.fpr))},${n2(py(p.tpr))}`).join(' ')}" fill="none" stroke="${color}" stroke-width="1.8"/>`;
  const body =
    unitFrame(`ROC: ${model.name}`, 'false positive rate', 'true positive rate') +
    line(model.validation.roc, colors.validation) +
    line(model.test.roc, colors.test) +
    legendAt(
      [
        { label: `validation, AUC ${fmt(model.validation.rocAuc)}`, color: colors.validation },
        { label: `test, AUC ${fmt(model.test.rocAuc)}`, color: colors.test },
        { label: 'baseline, AUC 0.5', color: colors.baseline, dashed: true },
      ],
      px(0.4),
      py(0) - 10,
      true,
    );
  return svg(body, H, `ROC curve for ${model.name}`);
}

function importanceChart(entries: { feature: string; value: number }[], measure: string): string {
  const features = entries.map((x) => x.feature);
  const importance = entries.map((x) => x.value);
  const order = features.map((_, j) => j).sort((a, b) => (importance[b] ?? 0) - (importance[a] ?? 0) || a - b);
  const barH = 18;
  const labelW = 128;
  const top = 30;
  const plotW = W - labelW - 54;
  const max = Math.max(1e-12, ...importance.map((v) => (Number.isFinite(v) ? v : 0)));
  const height = top + order.length * barH + 16;
  const bars = order
    .map((j, i) => {
      const v = importance[j] ?? 0;
      const y = top + i * barH;
      const name = features[j];
      const shown = name.length > 20 ? `${name.slice(0, 19)}…` : name;
      const w = Math.max(0, (v / max) * plotW);
      return `<g><title>${escapeHtml(`${name}: ${fmt(v)}`)}</title><text x="${labelW - 6}" y="${y + 13}" text-anchor="end">${escapeHtml(shown)}</text><rect x="${labelW}" y="${y + 3}" width="${n2(w)}" height="${barH - 6}" fill="${colors.validation}"/><text x="${n2(labelW + w + 4)}" y="${y + 13}">${fmt(v, 3)}</text></g>`;
    })
    .join('');
  const body = `<text x="${W / 2}" y="18" text-anchor="middle" font-weight="600">${escapeHtml(`Importance (${measure})`)}</text><line x1="${labelW}" y1="${top}" x2="${labelW}" y2="${top + order.length * barH}" stroke="${colors.axis}"/>${bars}`;
  return svg(body, height, `Feature importance by ${measure}`);
}

function fmt(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? 'n/a' : v.toFixed(digits);
}
