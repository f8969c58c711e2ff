import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxSignalModel } from '../../models/OnnxSignalModel.ts';

// Made by scripts/model-fixtures.sh with scikit-learn + skl2onnx and LightGBM + onnxmltools; the
// expected probabilities are onnxruntime's, in Python, on the same rows.
const FIXTURES = join(import.meta.dirname, '../fixtures/models');
const names = readdirSync(FIXTURES).sort();

interface Expected {
  rows: Record<string, number | string>[];
  inputs: number[][];
  probabilities: number[][];
}

describe('models people bring (skl2onnx, onnxmltools), scored as onnxruntime scores them in Python', () => {
  it('has the fixtures: logistic regression, random forest, gradient boosting, LightGBM; tensor and ZipMap outputs', () => {
    expect(names).toEqual([
      'lightgbm-tensor',
      'lightgbm-zipmap',
      'sklearn-forest-tensor',
      'sklearn-forest-zipmap',
      'sklearn-gbt-tensor',
      'sklearn-gbt-zipmap',
      'sklearn-logreg-3class-zipmap',
      'sklearn-logreg-tensor',
      'sklearn-logreg-zipmap',
    ]);
  });

  it.each(names)('%s: the same inputs from the feature rows, the same probabilities within 1e-6', async (name) => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, name, 'expected.json'), 'utf8')) as Expected;
    const model = await OnnxSignalModel.load(join(FIXTURES, name, '1'));
    try {
      const width = model.featureCount;
      const input = new Float32Array(expected.rows.length * width);
      expected.rows.forEach((row, i) => expect(model.vectorize(row as never, input, i * width)).toBeUndefined());
      expect(Array.from(input)).toEqual(expected.inputs.flat().map(Math.fround));

      const { up, down } = await model.predict(input, expected.rows.length);
      const m = model.manifest;
      const upColumn = m.classes.indexOf(m.up_class);
      const downColumn = m.classes.indexOf(m.down_class);
      let worst = 0;
      expected.probabilities.forEach((p, i) => {
        worst = Math.max(worst, Math.abs(up[i] - p[upColumn]), Math.abs(down[i] - p[downColumn]));
      });
      expect(worst).toBeLessThanOrEqual(1e-6);
      // Not a constant model: the rows get different scores.
      expect(new Set(Array.from(up)).size).toBeGreaterThan(10);
    } finally {
      await model.close();
    }
  });
});
