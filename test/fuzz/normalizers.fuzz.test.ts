import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeSymbol, symbolProblem } from '../../market/normalizeSymbol.ts';
import { parseTimestamp } from '../../market/parseTimestamp.ts';
import { validateCandle } from '../../market/validateCandle.ts';
import { normalizeCandle, SYMBOL_FIELDS, TIME_FIELDS } from '../../market/exchanges/normalizeCandle.ts';
import { fuzzSettings } from './fuzzSettings.ts';
import { expectCandleOrReason, MAX_MS, REASON } from './cleanVerdict.ts';

/** Anything a JSON or Avro decoder, a CSV or a Parquet reader can hand Clean, and a few things none can. */
const value = fc.oneof(
  fc.anything({ maxDepth: 1, maxKeys: 4, withBigInt: true, withDate: true, withBoxedValues: true }),
  fc.constant(JSON.parse('{"toString": 0, "valueOf": 0}')), // JSON can make an object String() throws on
  fc.double(),
  fc.double().map(String),
  fc.bigInt().map(String),
);

const symbolChars = fc.constantFrom(
  ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcxyz0123456789-/_: ?ßıﬀé\u0000\u200b😀'.split(''),
  'USDT',
  'XBT',
  'ZUSD',
  'XX',
);
const symbolLike = fc.oneof(
  fc.constantFrom('BTCUSDT', 'BTC-USD', 'XBT/USD', 'XXBTZUSD', 'BTC_USDT', '1000SHIBUSDT', 'eth-eur', 'ETH:BTC'),
  fc.array(symbolChars, { maxLength: 30 }).map((a) => a.join('')),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.nat(400).map((n) => `${'A'.repeat(n)}USDT`),
);

/** ISO-8601 spellings of a time, written by Date's toISOString (independent of the parser) and shifted to an offset. */
const FIRST_MS = Date.UTC(0, 0, 1) - 1900 * 365.2425 * 86_400_000; // about year 0000
const isoTime = fc.record({
  ms: fc.integer({ min: Math.ceil(FIRST_MS), max: Date.UTC(9999, 11, 31) }),
  offsetQuarters: fc.integer({ min: -56, max: 56 }),
  form: fc.constantFrom('Z', 'offset', 'compact-offset', 'space', 'no-zone', 'no-millis'),
});
function spell({ ms, offsetQuarters, form }: { ms: number; offsetQuarters: number; form: string }): string | null {
  const offsetMin = form === 'offset' || form === 'compact-offset' ? offsetQuarters * 15 : 0;
  const local = new Date(ms + offsetMin * 60_000);
  if (local.getUTCFullYear() < 0 || local.getUTCFullYear() > 9999) return null;
  const iso = local.toISOString().slice(0, 23);
  const hhmm = `${String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0')}${String(Math.abs(offsetMin) % 60).padStart(2, '0')}`;
  const sign = offsetMin < 0 ? '-' : '+';
  switch (form) {
    case 'offset':
      return `${iso}${sign}${hhmm.slice(0, 2)}:${hhmm.slice(2)}`;
    case 'compact-offset':
      return `${iso}${sign}${hhmm}`;
    case 'space':
      return `${iso.replace('T', ' ')}Z`;
    case 'no-zone':
      return iso;
    case 'Z':
      return `${iso}Z`;
    default:
      return `${iso.slice(0, 19)}Z`;
  }
}

describe('fuzz: Clean normalizers', () => {
  it('normalizeSymbol: never throws; a canonical BASE-QUOTE that normalizes to itself, or null with a named problem', () => {
    fc.assert(
      fc.property(fc.oneof(symbolLike, value), (raw) => {
        const symbol = normalizeSymbol(raw);
        if (symbol === null) expect(['not_a_string', 'too_long', 'characters', 'not_a_pair']).toContain(symbolProblem(raw));
        else {
          expect(symbol).toMatch(/^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/);
          expect(normalizeSymbol(symbol)).toBe(symbol);
        }
      }),
      fuzzSettings(),
    );
  });

  it('parseTimestamp: never throws; an integer epoch ms in 1970–2199, or null', () => {
    const digits = fc.oneof(
      fc.bigInt({ min: -(10n ** 21n), max: 10n ** 21n }).map(String),
      fc.stringMatching(/^\s*-?\d{0,25}(\.\d{0,12})?\s*$/),
    );
    const mutatedIso = fc.tuple(isoTime, fc.nat(40), fc.string({ maxLength: 3 })).map(([t, at, insert]) => {
      const s = spell(t) ?? '2023-03-01T00:00:00Z';
      return s.slice(0, at) + insert + s.slice(at + insert.length);
    });
    fc.assert(
      fc.property(fc.oneof(value, digits, mutatedIso, fc.string({ maxLength: 200 })), (raw) => {
        const ms = parseTimestamp(raw);
        if (ms !== null) expect(Number.isInteger(ms) && ms >= 0 && ms < MAX_MS).toBe(true);
      }),
      fuzzSettings(),
    );
  });

  it('parseTimestamp agrees with Date on every ISO-8601 spelling of years 0000–9999 (out of 1970–2199: null)', () => {
    fc.assert(
      fc.property(isoTime, (t) => {
        const iso = spell(t);
        if (iso === null) return;
        const expected = t.form === 'no-millis' ? Math.floor(t.ms / 1000) * 1000 : t.ms;
        expect(parseTimestamp(iso)).toBe(expected >= 0 && expected < MAX_MS ? expected : null);
      }),
      fuzzSettings(),
    );
  });

  it('validateCandle: never throws; null only for finite, bounded, ordered values', () => {
    const price = fc.oneof(
      value,
      fc.double({ min: 1e-16, max: 1e16 }),
      fc.constantFrom(0, -1, 1e-15, 1e15, 1e20, 1e200, 'NaN', 'inf', '1e15', ' 42 '),
    );
    fc.assert(
      fc.property(fc.record({ open: price, high: price, low: price, close: price, volume: price }), (c) => {
        const reason = validateCandle(c);
        if (reason !== null) return void expect(reason).toMatch(REASON);
        const [o, h, l, cl, v] = [c.open, c.high, c.low, c.close, c.volume].map((x) => Number(typeof x === 'string' ? x.trim() : x));
        for (const p of [o, h, l, cl]) expect(p >= 1e-15 && p <= 1e15).toBe(true);
        expect(v >= 0 && v <= 1e18).toBe(true);
        expect(h >= Math.max(o, cl) && l <= Math.min(o, cl)).toBe(true);
      }),
      fuzzSettings(),
    );
  });

  it('normalizeCandle: never throws; a valid candle or a reason', () => {
    const names = fc.constantFrom(
      ...SYMBOL_FIELDS,
      ...TIME_FIELDS,
      'open',
      'o',
      'high',
      'h',
      'low',
      'l',
      'close',
      'c',
      'volume',
      'v',
      'interval',
      'i',
      'exchange',
      'toString',
      'valueOf',
      '__proto__',
    );
    const good = {
      symbol: 'BTCUSDT',
      ts: '2023-03-01T00:00:00Z',
      open: '10',
      high: '11',
      low: '9',
      close: '10.5',
      volume: '2',
      interval: '1m',
      exchange: 'binance',
    };
    const row = fc.oneof(
      fc.dictionary(names, fc.oneof(value, symbolLike), { maxKeys: 12 }),
      fc.tuple(fc.dictionary(names, fc.oneof(value, symbolLike), { maxKeys: 3 }), fc.subarray(Object.keys(good))).map(([changes, drop]) => {
        const r: Record<string, unknown> = { ...good, ...changes };
        for (const k of drop) delete r[k];
        return r;
      }),
    );
    const defaults = fc.record({
      symbol: fc.option(symbolLike, { nil: undefined }),
      exchange: fc.option(fc.string(), { nil: undefined }),
      interval: fc.option(fc.constantFrom('1m', '5m', 'trade', '7q', ''), { nil: undefined }),
    });
    fc.assert(
      fc.property(row, defaults, (raw, d) => expectCandleOrReason(normalizeCandle(raw, d))),
      fuzzSettings(),
    );
  });
});
