/**
 * A number from a JSON number or a numeric string. undefined: the field is absent (undefined, null,
 * empty string); NaN: present but not a number. Infinity stays Infinity, for its own reason.
 */
export function toNumber(raw: unknown): number | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number') return raw;
  if (typeof raw === 'bigint') return Number(raw);
  if (typeof raw === 'string') {
    const s = raw.trim();
    if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    return s === '' ? NaN : Number(s);
  }
  return NaN;
}

const PRICES = ['open', 'high', 'low', 'close'] as const;

/** null when the OHLCV values can be a candle; otherwise the reason, one code per class of fault. */
export function validateCandle(c: Record<'open' | 'high' | 'low' | 'close' | 'volume', unknown>): string | null {
  const values: Record<string, number> = {};
  for (const field of [...PRICES, 'volume'] as const) {
    const n = toNumber(c[field]);
    if (n === undefined) return `missing_field:${field}`;
    if (Number.isNaN(n)) return `non_numeric:${field}`;
    if (!Number.isFinite(n)) return `non_finite:${field}`;
    values[field] = n;
  }
  for (const field of PRICES) if (values[field] <= 0) return `non_positive_price:${field}`;
  if (values.volume < 0) return 'negative_volume';
  if (values.high < values.low) return 'high_below_low';
  if (values.open < values.low || values.open > values.high) return 'open_outside_range';
  if (values.close < values.low || values.close > values.high) return 'close_outside_range';
  return null;
}
