import { describe, expect, it } from 'vitest';
import { marketDriver } from './marketDriver.ts';
import { periodsSpec } from '../../cli/periodsSpec.ts';
import { expectMatches, loadCandles, ta, type Series } from './indicators/reference.ts';

const SIZES: Record<string, number> = { '1m': 60_000, '5m': 300_000, '1h': 3_600_000, '1d': 86_400_000 };

/** Independent roll-up of the 1m series: plain grouping by floor(ts / size). */
function rollUp(s: Series, size: number): Series {
  const out: Series = { ts: [], open: [], high: [], low: [], close: [], volume: [] };
  for (let i = 0; i < s.ts.length; i++) {
    const start = Math.floor(s.ts[i] / size) * size;
    const last = out.ts.length - 1;
    if (out.ts[last] !== start) {
      out.ts.push(start);
      out.open.push(s.open[i]);
      out.high.push(s.high[i]);
      out.low.push(s.low[i]);
      out.close.push(s.close[i]);
      out.volume.push(s.volume[i]);
    } else {
      out.high[last] = Math.max(out.high[last], s.high[i]);
      out.low[last] = Math.min(out.low[last], s.low[i]);
      out.close[last] = s.close[i];
      out.volume[last] += s.volume[i];
    }
  }
  return out;
}

describe('Indicators through the whole topology', () => {
  it('equal TA-Lib on the real data for every interval and both symbols', async () => {
    const series = { 'BTC-USDT': loadCandles('BTCUSDT'), 'BTC-USDC': loadCandles('BTCUSDC') };
    // The default indicators, and the stochastic oscillator turned on as `--periods stoch=14,3,3` does.
    const driver = await marketDriver({ periods: periodsSpec('stoch=14,3,3') }, 4);
    // Interleave the two symbols in event-time order, as backfill and a live topic would.
    for (let i = 0; i < series['BTC-USDT'].ts.length; i++) {
      for (const [symbol, s] of Object.entries(series)) {
        const row = {
          symbol: symbol.replace('-', ''),
          ts: s.ts[i],
          open: s.open[i],
          high: s.high[i],
          low: s.low[i],
          close: s.close[i],
          volume: s.volume[i],
        };
        driver.pipeInput('prices', symbol, row, s.ts[i]);
      }
    }
    driver.advanceStreamTime(Infinity);
    const features = driver.readValues('features');
    expect(driver.readDeadLetters()).toEqual([]);

    for (const [symbol, raw] of Object.entries(series)) {
      for (const [interval, size] of Object.entries(SIZES)) {
        const s = rollUp(raw, size);
        const got = features
          .filter((f) => f.symbol === symbol && f.interval === interval)
          .sort((a, b) => (a.ts as number) - (b.ts as number));
        const label = `${symbol} ${interval}`;
        expect(
          got.map((f) => f.ts),
          label,
        ).toEqual(s.ts);
        for (const field of ['open', 'high', 'low', 'close'] as const)
          expect(
            got.map((f) => f[field]),
            `${label} ${field}`,
          ).toEqual(s[field]);
        expectMatches(
          got.map((f) => f.volume as number),
          s.volume,
          `${label} volume`,
        );
        const col = (name: string) => got.map((f) => f[name] as number | null);
        expectMatches(col('sma_14'), ta('SMA', { inReal: s.close }, { optInTimePeriod: 14 }).outReal, `${label} sma_14`);
        expectMatches(col('sma_50'), ta('SMA', { inReal: s.close }, { optInTimePeriod: 50 }).outReal, `${label} sma_50`);
        expectMatches(col('ema_12'), ta('EMA', { inReal: s.close }, { optInTimePeriod: 12 }).outReal, `${label} ema_12`);
        expectMatches(col('ema_26'), ta('EMA', { inReal: s.close }, { optInTimePeriod: 26 }).outReal, `${label} ema_26`);
        expectMatches(col('rsi_14'), ta('RSI', { inReal: s.close }, { optInTimePeriod: 14 }).outReal, `${label} rsi_14`);
        const macd = ta('MACD', { inReal: s.close }, { optInFastPeriod: 12, optInSlowPeriod: 26, optInSignalPeriod: 9 });
        expectMatches(col('macd'), macd.outMACD, `${label} macd`);
        expectMatches(col('macd_signal'), macd.outMACDSignal, `${label} macd_signal`);
        expectMatches(col('macd_hist'), macd.outMACDHist, `${label} macd_hist`);
        const bb = ta('BBANDS', { inReal: s.close }, { optInTimePeriod: 20, optInNbDevUp: 2, optInNbDevDn: 2, optInMAType: 0 });
        expectMatches(col('bb_upper'), bb.outRealUpperBand, `${label} bb_upper`);
        expectMatches(col('bb_middle'), bb.outRealMiddleBand, `${label} bb_middle`);
        expectMatches(col('bb_lower'), bb.outRealLowerBand, `${label} bb_lower`);
        expectMatches(
          col('atr_14'),
          ta('ATR', { high: s.high, low: s.low, close: s.close }, { optInTimePeriod: 14 }).outReal,
          `${label} atr_14`,
        );
        const stochOptions = { optInFastK_Period: 14, optInSlowK_Period: 3, optInSlowK_MAType: 0, optInSlowD_Period: 3 };
        const stoch = ta('STOCH', { high: s.high, low: s.low, close: s.close }, { ...stochOptions, optInSlowD_MAType: 0 });
        expectMatches(col('stoch_k'), stoch.outSlowK, `${label} stoch_k`);
        expectMatches(col('stoch_d'), stoch.outSlowD, `${label} stoch_d`);
        if (interval === '1d') expect(stoch.outSlowD.filter((v) => v !== null).length, label).toBeGreaterThan(0);
      }
    }
    await driver.close();
  });
});
