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

/**
 * Bounds that keep indicator sums and squares meaningful in float64 (a price of 1e20 among prices of 100
 * leaves nothing of them in a running sum), yet are generous for real markets: BTC in VND is about 2.5e9,
 * SHIB in BTC about 2e-10; a volume above 1e18 units is more than any token's supply trades.
 */
export const PRICE_RANGE = [1e-15, 1e15] as const;
export const MAX_VOLUME = 1e18;

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
  for (const field of PRICES) if (values[field] < PRICE_RANGE[0] || values[field] > PRICE_RANGE[1]) return `out_of_range:${field}`;
  if (values.volume > MAX_VOLUME) return 'out_of_range:volume';
  if (values.high < values.low) return 'high_below_low';
  if (values.open < values.low || values.open > values.high) return 'open_outside_range';
  if (values.close < values.low || values.close > values.high) return 'close_outside_range';
  return null;
}

/**
 * validateCandle for numbers, as a yes or no: true exactly when validateCandle would return null for
 * these values (NaN fails every comparison). For sources that hand over columns of numbers; the
 * reason, when false, is validateCandle's.
 */
export function isValidOhlcv(open: number, high: number, low: number, close: number, volume: number): boolean {
  const [min, max] = PRICE_RANGE;
  return (
    open >= min &&
    open <= max &&
    high >= min &&
    high <= max &&
    low >= min &&
    low <= max &&
    close >= min &&
    close <= max &&
    volume >= 0 &&
    volume <= MAX_VOLUME &&
    high >= low &&
    open >= low &&
    open <= high &&
    close >= low &&
    close <= high
  );
}
