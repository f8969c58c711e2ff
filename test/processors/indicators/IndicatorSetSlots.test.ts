import { describe, expect, it } from 'vitest';
import { IndicatorSet } from '../../../processors/indicators/IndicatorSet.ts';
import { IndicatorSetSlots } from '../../../processors/indicators/IndicatorSetSlots.ts';
import { DEFAULT_PERIODS, type IndicatorPeriods } from '../../../processors/indicators/registry.ts';
import { STOCH } from '../../../processors/indicators/Stochastic.ts';
import { BinaryWriter, decodeValue, encodeValue } from '../../../state/binaryValue.ts';
import { loadCandles, type Series } from './reference.ts';

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
});
