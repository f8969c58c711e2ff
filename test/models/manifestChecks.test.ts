import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseManifest } from '../../models/ModelManifest.ts';
import { OnnxSignalModel } from '../../models/OnnxSignalModel.ts';
import { ProtoWriter, readFields } from '../../models/onnx/protobuf.ts';
import { ELEM_FLOAT, tensorValueInfo } from '../../models/onnx/onnxSchema.ts';
import { readValueInfo } from '../../models/onnx/readOnnxGraph.ts';

const FIXTURES = join(import.meta.dirname, '../fixtures/models');
const work = mkdtempSync(join(tmpdir(), 'manifest-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of a fixture version with its manifest changed by `edit`. */
function variant(fixture: string, edit: (m: Record<string, any>) => void): string {
  const dir = mkdtempSync(join(work, `${fixture}-`));
  cpSync(join(FIXTURES, fixture, '1'), dir, { recursive: true });
  const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
  edit(m);
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(m));
  return dir;
}

describe('manifest', () => {
  const good = readFileSync(join(FIXTURES, 'sklearn-logreg-tensor/1/manifest.json'), 'utf8');
  const withField = (field: string, value: unknown) => JSON.stringify({ ...JSON.parse(good), [field]: value });

  it('reads a valid one', () => {
    expect(parseManifest(good, 'm.json')).toMatchObject({ interval: '1m', classes: [0, 1], up_class: 1 });
  });

  it.each([
    ['interval', '7m', /m\.json: "interval"/],
    ['horizon', 0, /"horizon" must be a whole number/],
    ['features', [], /"features" must be a non-empty list/],
    ['features', ['a/b/c'], /"features" "a\/b\/c" is neither a column nor a ratio/],
    ['input', { name: 'features', type: 'int8' }, /"input" must be/],
    ['classes', [1], /"classes" must list at least two/],
    ['up_class', 7, /"up_class" must be one of classes \[0,1\]/],
    ['down_class', 1, /"down_class" must be one of classes \[0,1\], other than up_class/],
    ['thresholds', { buy: 1.5, sell: 0.5 }, /"thresholds.buy" must be a probability/],
    ['impute', { sma_50: 0 }, /"impute.sma_50" is not one of the features/],
  ])('refuses a bad "%s", naming the file and the field', (field, value, message) => {
    expect(() => parseManifest(withField(field, value), 'm.json')).toThrow(message);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseManifest('{', 'm.json')).toThrow(/m\.json: not JSON/);
  });
});

describe('a model that does not match its manifest is refused at load, saying what differs', () => {
  it.each([
    [
      'an input name the model lacks',
      'sklearn-logreg-tensor',
      (m: any) => (m.input.name = 'X'),
      /input "X" is not among the model's inputs \(features\)/,
    ],
    [
      'another input type',
      'sklearn-logreg-tensor',
      (m: any) => (m.input.type = 'float64'),
      /input "features" is float32, the manifest says float64/,
    ],
    [
      'fewer features than the model takes',
      'sklearn-forest-tensor',
      (m: any) => m.features.pop(),
      /has shape \[.*, 7\]; the manifest lists 6 features/,
    ],
    [
      'an output the model lacks',
      'sklearn-gbt-tensor',
      (m: any) => (m.outputs.probabilities = 'proba'),
      /output "proba" is not among the model's outputs/,
    ],
    [
      'a third class the model does not have',
      'lightgbm-tensor',
      (m: any) => m.classes.push(2),
      /gives 2 probabilities per row, the manifest lists 3 classes/,
    ],
    [
      'classes in another order than the linear classifier has (tensor output)',
      'sklearn-logreg-tensor',
      (m: any) => m.classes.reverse(),
      /the classifier's classes are \[0,1\], .*manifest.json says "classes": \[1,0\]/,
    ],
    [
      'classes in another order than the tree ensemble has (tensor output)',
      'sklearn-forest-tensor',
      (m: any) => m.classes.reverse(),
      /the classifier's classes are \[0,1\]/,
    ],
    [
      'classes in another order than the ZipMap says',
      'sklearn-logreg-zipmap',
      (m: any) => m.classes.reverse(),
      /the model's classes are \[0,1\], .*manifest.json says "classes": \[1,0\]/,
    ],
    [
      'string classes unlike the ZipMap',
      'sklearn-logreg-3class-zipmap',
      (m: any) => ((m.classes = ['down', 'up', 'flat']), (m.up_class = 'up')),
      /the model's classes are \["down","flat","up"\]/,
    ],
  ])('%s', async (_what, fixture, edit, message) => {
    await expect(OnnxSignalModel.load(variant(fixture, edit))).rejects.toThrow(message);
  });

  it('a model that takes a fixed number of rows (it would fail at its first batch)', async () => {
    const dir = variant('sklearn-logreg-tensor', () => undefined);
    // Graph input "features" declared [1, 7] instead of [N, 7] (onnx.proto: ModelProto.graph 7, GraphProto.input 11).
    const model = new ProtoWriter();
    for (const f of readFields(readFileSync(join(dir, 'model.onnx')))) {
      if (f.field !== 7) {
        model.raw(f.raw);
        continue;
      }
      const graph = new ProtoWriter();
      for (const g of readFields(f.data)) {
        if (g.field === 11 && readValueInfo(g.data).name === 'features') graph.bytes(11, tensorValueInfo('features', ELEM_FLOAT, [1, 7]));
        else graph.raw(g.raw);
      }
      model.bytes(7, graph.finish());
    }
    writeFileSync(join(dir, 'model.onnx'), model.finish());
    await expect(OnnxSignalModel.load(dir)).rejects.toThrow(/input "features" takes exactly 1 row\(s\) \(shape \[1, 7\]\)/);
  });

  it('a file that is not an ONNX model', async () => {
    const dir = variant('sklearn-logreg-tensor', () => undefined);
    writeFileSync(join(dir, 'model.onnx'), 'not a model');
    await expect(OnnxSignalModel.load(dir)).rejects.toThrow(/model\.onnx/);
  });
});
