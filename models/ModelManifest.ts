import { intervalMs } from '../market/interval.ts';
import { featureColumnsOf } from './featureVector.ts';

export type ClassLabel = number | string;

/**
 * manifest.json, beside model.onnx: what the model expects and how to read what it returns. Checked
 * at load against the model itself, so a mismatch stops start-up (or a reload) and never shows mid-stream.
 */
export interface ModelManifest {
  name: string;
  version: string;
  /** The candle interval it scores. */
  interval: string;
  /** Candles ahead its label looks (for the record; scoring does not use it). */
  horizon: number;
  /** Model input columns in order: a feature column (`rsi_14`), or a ratio of two (`macd_hist/close`). */
  features: string[];
  input: { name: string; type: 'float32' | 'float64' };
  outputs: { label: string; probabilities: string };
  /** Class labels in the order of the probability columns. */
  classes: ClassLabel[];
  up_class: ClassLabel;
  down_class: ClassLabel;
  thresholds: { buy: number; sell: number };
  /** Value to use for a feature that is missing (still in its lookback); a feature not listed is never imputed. */
  impute?: Record<string, number>;
  training?: Record<string, unknown>;
  metrics?: Record<string, unknown>;
}

/** Parse and check a manifest; every error names the file and the field. */
export function parseManifest(text: string, file: string): ModelManifest {
  let m: any;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const fail = (field: string, why: string): never => {
    throw new Error(`${file}: "${field}" ${why}`);
  };
  if (typeof m !== 'object' || m === null || Array.isArray(m)) fail('(top level)', 'must be an object');
  for (const field of ['name', 'version', 'interval'] as const)
    if (typeof m[field] !== 'string' || !m[field]) fail(field, 'must be a non-empty string');
  try {
    intervalMs(m.interval);
  } catch (e) {
    fail('interval', (e as Error).message);
  }
  if (!Number.isInteger(m.horizon) || m.horizon < 1) fail('horizon', 'must be a whole number of candles ≥ 1');
  if (!Array.isArray(m.features) || !m.features.length || m.features.some((f: unknown) => typeof f !== 'string' || !f))
    fail('features', 'must be a non-empty list of feature names');
  featureColumnsOf(m.features, (why) => fail('features', why));
  if (typeof m.input?.name !== 'string' || (m.input.type !== 'float32' && m.input.type !== 'float64'))
    fail('input', 'must be {"name": …, "type": "float32" | "float64"}');
  if (typeof m.outputs?.label !== 'string' || typeof m.outputs?.probabilities !== 'string')
    fail('outputs', 'must be {"label": …, "probabilities": …} (output names)');
  if (!Array.isArray(m.classes) || m.classes.length < 2 || m.classes.some((c: unknown) => typeof c !== 'number' && typeof c !== 'string'))
    fail('classes', 'must list at least two class labels');
  if (new Set(m.classes).size !== m.classes.length) fail('classes', 'has a label twice');
  if (!m.classes.includes(m.up_class)) fail('up_class', `must be one of classes ${JSON.stringify(m.classes)}`);
  if (!m.classes.includes(m.down_class) || m.down_class === m.up_class)
    fail('down_class', `must be one of classes ${JSON.stringify(m.classes)}, other than up_class`);
  for (const t of ['buy', 'sell'] as const) {
    const v = m.thresholds?.[t];
    if (typeof v !== 'number' || !(v > 0 && v <= 1)) fail(`thresholds.${t}`, 'must be a probability in (0, 1]');
  }
  if (m.impute !== undefined) {
    if (typeof m.impute !== 'object' || m.impute === null) fail('impute', 'must map feature names to numbers');
    for (const [feature, value] of Object.entries(m.impute)) {
      if (!m.features.includes(feature)) fail(`impute.${feature}`, 'is not one of the features');
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(`impute.${feature}`, 'must be a finite number');
    }
  }
  return m as ModelManifest;
}
