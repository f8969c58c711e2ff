import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IndicatorSet } from '../../../processors/indicators/IndicatorSet.ts';
import { IndicatorSetSlots } from '../../../processors/indicators/IndicatorSetSlots.ts';
import { DEFAULT_PERIODS, type IndicatorPeriods } from '../../../processors/indicators/registry.ts';
import { STOCH } from '../../../processors/indicators/Stochastic.ts';
import { BinaryWriter, decodeValue, encodeValue } from '../../../state/binaryValue.ts';
import { loadCandles, type Series } from './reference.ts';
import { fuzzSettings } from '../../fuzz/fuzzSettings.ts';

const series: Series[] = [loadCandles('BTCUSDT'), loadCandles('BTCUSDC')];
/** Candle i of series s. */
const candle = (s: Series, i: number) => ({
  symbol: 'X',
  exchange: 'binance',
  interval: '1m',
  ts: s.ts[i],
  open: s.open[i],
  high: s.high[i],
  low: s.low[i],
  close: s.close[i],
  volume: s.volume[i],
});

const PERIODS: [string, IndicatorPeriods][] = [
  ['the default indicators', DEFAULT_PERIODS],
  ['all of them, RSI in its simple form', { ...DEFAULT_PERIODS, stoch: STOCH.defaults, rsi: { period: 9, smoothing: 'simple' } }],
];

/** The same columns in the same order, each value the same float (Object.is: −0 and NaN count). */
function sameRow(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  const [ka, kb] = [Object.keys(a), Object.keys(b)];
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && Object.is(a[k], b[k]));
}

describe('IndicatorSetSlots', () => {
  it.each(PERIODS)(
    'many slots fed in turn (growing as they come) give each what a set of its own gives, and write the bytes encodeValue gives its snapshot: %s',
    (_, periods) => {
      const SLOTS = 7;
      const slots = new IndicatorSetSlots(periods, 1);
      const own: IndicatorSet[] = [];
      const lag = (k: number) => k * 37; // slots at different points of their lookbacks
      const writer = new BinaryWriter();
      const steps = series[0].ts.length;
      for (let i = 0; i < steps; i++) {
        for (let k = 0; k < SLOTS; k++) {
          const j = i - lag(k);
          if (j < 0) continue;
          if (j === 0) {
            slots.reserve(k);
            slots.load(k, undefined);
            own[k] = new IndicatorSet(periods);
          }
          const c = candle(series[k % 2], j);
          const [got, want]: Record<string, unknown>[] = [{}, {}];
          slots.update(k, c, got);
          own[k].update(c, want);
          if (!sameRow(got, want)) expect.fail(`slot ${k}, candle ${j}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
          if (j % 251 === 3) {
            writer.begin();
            slots.write(k, writer);
            const bytes = writer.bytes();
            expect(Buffer.from(bytes).equals(Buffer.from(encodeValue(slots.snapshot(k))))).toBe(true);
            expect(Buffer.from(bytes).equals(Buffer.from(encodeValue(own[k])))).toBe(true);
            // A slot reloaded from its own bytes goes on as before.
            slots.load(k, decodeValue(bytes));
          }
        }
      }
    },
  );

  it('a reloaded slot starts afresh: nothing of the previous state survives', () => {
    const slots = new IndicatorSetSlots({ ...DEFAULT_PERIODS, stoch: STOCH.defaults }, 2);
    const fresh = new IndicatorSetSlots({ ...DEFAULT_PERIODS, stoch: STOCH.defaults }, 2);
    slots.load(1, undefined);
    fresh.load(1, undefined);
    for (let j = 0; j < 500; j++) slots.update(1, candle(series[0], j), {});
    slots.load(1, undefined);
    for (let j = 0; j < 300; j++) {
      const [got, want]: Record<string, unknown>[] = [{}, {}];
      slots.update(1, candle(series[1], j), got);
      fresh.update(1, candle(series[1], j), want);
      expect(got).toEqual(want);
    }
    expect(slots.snapshot(1)).toEqual(fresh.snapshot(1));
  });

  it('writes the bytes encodeValue gives its snapshot for any inputs (NaN, ±Infinity, −0, huge and tiny), in the lookback and after, and reloads from them', () => {
    const float = fc.oneof(fc.double(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e-300, 100));
    // High and low are never NaN here: the stochastic's window extremes are rescanned on reload, and a
    // rescan ranks NaN differently from the running comparison (as before slots; Clean rejects NaN prices).
    const notNaN = fc.oneof(fc.double({ noNaN: true }), fc.constantFrom(0, -0, Infinity, -Infinity, 1e-300, 100));
    const row = fc.record({
      slot: fc.nat(4),
      dts: fc.integer({ min: -3, max: 3 }),
      open: float,
      high: notNaN,
      low: notNaN,
      close: float,
      volume: float,
    });
    const periods = {
      ...DEFAULT_PERIODS,
      stoch: { fastK: 3, slowK: 2, slowD: 2 },
      sma: [2, 3],
      ema: [2],
      macd: [2, 3, 2] as const,
      bb: { period: 2, deviations: 2 },
    };
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), fc.boolean(), (rows, simple) => {
        const p = { ...periods, rsi: { period: 2, smoothing: simple ? 'simple' : 'wilder' } } as IndicatorPeriods;
        const slots = new IndicatorSetSlots(p, 1);
        const reloaded = new IndicatorSetSlots(p, 1);
        slots.reserve(4);
        reloaded.reserve(4);
        for (let k = 0; k <= 4; k++) [slots, reloaded].forEach((s) => s.load(k, undefined));
        const writer = new BinaryWriter();
        let ts = 1_700_000_000_000;
        for (const r of rows) {
          ts += r.dts * 40_000_000;
          const c = { ...r, symbol: 'X', exchange: 'x', interval: '1m', ts };
          const [got, want]: Record<string, unknown>[] = [{}, {}];
          slots.update(r.slot, c, got);
          reloaded.update(r.slot, c, want);
          if (!sameRow(got, want)) return false;
          writer.begin();
          slots.write(r.slot, writer);
          const bytes = writer.bytes();
          if (!Buffer.from(bytes).equals(Buffer.from(encodeValue(slots.snapshot(r.slot))))) return false;
          reloaded.load(r.slot, decodeValue(bytes)); // the other keeps going from its bytes
        }
        return true;
      }),
      fuzzSettings({ numRuns: 3000 }),
    );
  });
});
