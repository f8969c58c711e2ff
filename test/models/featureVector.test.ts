import { describe, expect, it } from 'vitest';
import { featureColumnsOf, vectorizer } from '../../models/featureVector.ts';

describe('featureVector: feature records → model input', () => {
  const names = ['rsi_14', 'macd_hist/close', 'ext_fear_greed'];

  it('reads columns and a/b ratios in the manifest order', () => {
    const out = new Float32Array(4);
    expect(vectorizer(names)({ rsi_14: 55, macd_hist: 5, close: 20_000, ext_fear_greed: 40 }, out, 1)).toBeUndefined();
    expect(Array.from(out)).toEqual([0, 55, Math.fround(5 / 20_000), 40]);
  });

  it('names the first missing feature: null, absent, or not finite (a ratio over 0)', () => {
    const v = vectorizer(names);
    const out = new Float32Array(3);
    expect(v({ rsi_14: null, macd_hist: 1, close: 1, ext_fear_greed: 1 }, out, 0)).toBe('missing:rsi_14');
    expect(v({ rsi_14: 1, close: 1, ext_fear_greed: 1 }, out, 0)).toBe('missing:macd_hist/close');
    expect(v({ rsi_14: 1, macd_hist: 1, close: 0, ext_fear_greed: 1 }, out, 0)).toBe('missing:macd_hist/close');
    expect(v({ rsi_14: 1, macd_hist: 1, close: 1, ext_fear_greed: Number.NaN }, out, 0)).toBe('missing:ext_fear_greed');
  });

  it('fills a missing feature with the imputation the manifest declares, and only that one', () => {
    const v = vectorizer(names, { ext_fear_greed: 50 });
    const out = new Float32Array(3);
    expect(v({ rsi_14: 1, macd_hist: 2, close: 4, ext_fear_greed: null }, out, 0)).toBeUndefined();
    expect(Array.from(out)).toEqual([1, 0.5, 50]);
    expect(v({ rsi_14: null, macd_hist: 2, close: 4, ext_fear_greed: null }, out, 0)).toBe('missing:rsi_14');
  });

  it('lists the columns the features need, once each', () => {
    expect(featureColumnsOf(['close/sma_50', 'close/bb_upper', 'rsi_14'])).toEqual(['close', 'sma_50', 'bb_upper', 'rsi_14']);
    expect(() => featureColumnsOf(['a//b'])).toThrow(/"a\/\/b" is neither a column nor a ratio/);
  });
});
