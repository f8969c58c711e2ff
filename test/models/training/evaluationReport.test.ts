import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../../models/training/Dataset.ts';
import { evaluate, majorityBaseline } from '../../../models/training/evaluate.ts';
import { evaluateTradingRule } from '../../../models/training/tradingRule.ts';
import { escapeHtml, linearImportance, renderReport, type EvaluationReport } from '../../../models/training/evaluationReport.ts';

const binary = (pUp: number[]): Float64Array => Float64Array.from(pUp.flatMap((p) => [1 - p, p]));

const ruleOptions = { classes: 2, upIndex: 1, downIndex: 0, thresholds: { buy: 0.6, sell: 0.6 }, costBps: 15 };
const features = ['a<b', 'rsi_14', 'x&y "quoted"'];
const importance = (values: number[]) => values.map((value, i) => ({ feature: features[i], value }));

function sampleReport(): EvaluationReport {
  const yVal = Int32Array.from([1, 0, 1, 1, 0, 0]);
  const yTest = Int32Array.from([0, 1, 1, 0, 1]);
  const trainY = Int32Array.from([0, 0, 1, 1, 1]);
  const lrVal = evaluate(binary([0.9, 0.7, 0.6, 0.4, 0.4, 0.1]), yVal, [0, 1], 1);
  const lrTest = evaluate(binary([0.2, 0.65, 0.55, 0.45, 0.8]), yTest, [0, 1], 1);
  const gbVal = evaluate(binary([0.8, 0.3, 0.75, 0.61, 0.35, 0.05]), yVal, [0, 1], 1);
  const gbTest = evaluate(binary([0.3, 0.9, 0.52, 0.51, 0.7]), yTest, [0, 1], 1);
  return {
    name: '<script>alert(1)</script>',
    interval: '1m',
    horizon: 5,
    band: 0.001,
    target: 'up when close[t+5] > close[t] & more',
    generatedAt: '2025-01-02T03:04:05.000Z',
    features,
    classes: [0, 1],
    split: {
      train: { rows: 5, from: '2024-01-01T00:00:00Z', to: '2024-06-30T23:59:00Z' },
      validation: { rows: 6, from: '2024-07-01T00:00:00Z', to: '2024-09-30T23:59:00Z' },
      test: { rows: 5, from: '2024-10-01T00:00:00Z', to: '2024-12-31T23:59:00Z' },
    },
    models: [
      {
        name: 'logistic regression',
        validation: lrVal,
        test: lrTest,
        importance: importance([0.5, 0.3, 0.2]),
        parameters: { l2: 1e-4, iterations: 12 },
      },
      {
        name: 'gradient-boosted trees',
        chosen: true,
        validation: gbVal,
        test: gbTest,
        importance: importance([0.1, 0.7, 0.2]),
        importanceMeasure: 'total split <gain>',
        rule: {
          validation: evaluateTradingRule(
            binary([0.8, 0.3, 0.75, 0.61, 0.35, 0.05]),
            Float64Array.from([0.01, -0.02, 0.003, -0.001, 0, -0.004]),
            ruleOptions,
          ),
          test: evaluateTradingRule(
            binary([0.3, 0.9, 0.52, 0.51, 0.7]),
            Float64Array.from([-0.002, 0.004, 0.001, 0.002, -0.003]),
            ruleOptions,
          ),
        },
      },
    ],
    baseline: { validation: majorityBaseline(trainY, yVal, [0, 1], 1), test: majorityBaseline(trainY, yTest, [0, 1], 1) },
    onnxMaxDifference: 3.2e-8,
  };
}

describe('renderReport', () => {
  const report = sampleReport();
  const html = renderReport(report);

  it('is a self-contained page', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html.trimEnd().endsWith('</html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\ssrc=|\shref=|@import|url\(/i);
  });

  it('has balanced tables and one <svg> per chart (calibration, ROC, importance per model)', () => {
    const count = (re: RegExp): number => (html.match(re) ?? []).length;
    expect(count(/<svg[\s>]/g)).toBe(3 * report.models.length);
    expect(count(/<\/svg>/g)).toBe(3 * report.models.length);
    expect(count(/<table[\s>]/g)).toBe(count(/<\/table>/g));
    expect(count(/<figure>/g)).toBe(count(/<\/figure>/g));
    expect(count(/<polyline/g)).toBeGreaterThan(0);
  });

  it('escapes every text it puts in', () => {
    expect(html).toContain('a&lt;b');
    expect(html).toContain('x&amp;y &quot;quoted&quot;');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('close[t] &amp; more');
    expect(html).not.toContain('a<b');
    expect(html).not.toContain('x&y');
  });

  it('includes every metric of every model and of the baseline, on validation and test', () => {
    for (const ev of [...report.models.flatMap((m) => [m.validation, m.test]), report.baseline.validation, report.baseline.test]) {
      expect(html).toContain(ev.accuracy.toFixed(4));
      expect(html).toContain((ev.rocAuc as number).toFixed(4));
      expect(html).toContain(ev.logLoss.toFixed(4));
    }
    for (const label of [
      'accuracy',
      'ROC AUC',
      'log loss',
      'logistic regression',
      'gradient-boosted trees (chosen)',
      'Majority baseline',
      '3.20e-8',
      '|coefficient| × feature std',
      'total split &lt;gain&gt;',
    ])
      expect(html).toContain(label);
  });

  it('shows the confusion matrices and the splits', () => {
    const [a0, a1] = report.models[0].test.confusion;
    expect(html).toContain(`<td class="better">${a0[0]}<span`);
    expect(html).toContain(`<td>${a0[1]}<span`);
    expect(html).toContain(`<td>${a1[0]}<span`);
    expect(html).toContain('2024-10-01T00:00:00Z');
    expect(html).toContain('horizon <b>5</b>');
  });

  it("shows the trading rule of a model that has one: each signal's fires, hit rate and returns in bp, beside buy and hold", () => {
    const { test, validation } = report.models[1].rule!;
    expect(html).toContain('Trading rule');
    expect(html).toContain('p(up) ≥ 0.60');
    expect(html).toContain('15 bp per position');
    expect((html.match(/Trading rule/g) ?? []).length).toBe(1); // the logistic model has none
    const bp = (v: number | null) => (v === null ? 'n/a' : (v * 10_000).toFixed(2));
    for (const r of [test, validation]) {
      expect(html).toContain(`<caption>${r === test ? 'test' : 'validation'} (${r.rows} rows)</caption>`);
      expect(html).toContain(`<td class="l">BUY</td><td>${r.buy.count}</td>`);
      expect(html).toContain(`<td>${bp(r.buy.meanForwardReturn)}</td><td>${bp(r.buy.meanNetReturn)}</td></tr>`);
      expect(html).toContain(`<td class="l">SELL</td><td>${r.sell.count}</td>`);
      expect(html).toContain(`<td class="l">buy and hold</td><td>${r.rows}</td><td>100.0%</td>`);
    }
    expect(test.buy.count + test.sell.count).toBeGreaterThan(0);
  });

  it('renders n/a for a missing AUC, and the report is plain JSON', () => {
    const r = sampleReport();
    r.models[0].test = evaluate(binary([0.2, 0.8]), Int32Array.from([0, 0]), [0, 1], 1);
    expect(renderReport(r)).toContain('n/a');
    expect(JSON.parse(JSON.stringify(r))).toEqual(r);
  });
});

describe('linearImportance', () => {
  it('is |coefficient| × population std, summed over classes, normalised', () => {
    // Feature 0 takes 1, 5 (std 2); feature 1 takes 0, 2 (std 1); feature 2 is constant.
    const data: Dataset = {
      features: ['p', 'q', 'r'],
      x: Float64Array.from([1, 0, 7, 5, 2, 7]),
      y: Int32Array.from([0, 1]),
      rows: 2,
      classes: [0, 1],
    };
    const importance = linearImportance(
      {
        kind: 'linear',
        classes: [0, 1],
        coefficients: [
          [0, 0, 0],
          [1, -3, 9],
        ],
        intercepts: [0, 0],
      },
      data,
    );
    // 1·2 = 2 and 3·1 = 3 of 5; the constant feature gets 0.
    expect(importance[0]).toBeCloseTo(0.4, 15);
    expect(importance[1]).toBeCloseTo(0.6, 15);
    expect(importance[2]).toBe(0);
  });

  it('counts the scaler: coefficients on scaled inputs weigh by std × |scale|', () => {
    const data: Dataset = {
      features: ['p', 'q', 'r'],
      x: Float64Array.from([1, 0, 7, 5, 2, 7]),
      y: Int32Array.from([0, 1]),
      rows: 2,
      classes: [0, 1],
    };
    const model = {
      kind: 'linear' as const,
      classes: [0, 1],
      scaler: { offset: [3, 1, 7], scale: [0.5, -1, 0] },
      coefficients: [
        [0, 0, 0],
        [1, -3, 9],
      ],
      intercepts: [0, 0],
    };
    // 1·2·0.5 = 1 and 3·1·1 = 3 of 4; scale 0 (constant feature) gives 0.
    expect(linearImportance(model, data)).toEqual([0.25, 0.75, 0]);
  });

  it('escapeHtml covers the five special characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
