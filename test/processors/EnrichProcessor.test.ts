import { describe, expect, it } from 'vitest';
import { candle, marketDriver, MIN, T0 } from './marketDriver.ts';

describe('Enrich', () => {
  it('as-of joins the latest signal at or before each candle, per symbol before global, null before any', async () => {
    const driver = await marketDriver({ externalSignals: ['fear_greed', 'funding'], candles: { intervals: ['1m'], graceMs: 0 } });
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 - MIN, 10), T0 - MIN);
    driver.pipeInput('external', null, { name: 'fear_greed', ts: T0, value: 40 }, T0);
    driver.pipeInput('external', 'BTC-USDT', { name: 'funding', symbol: 'BTC-USDT', ts: T0, value: 0.01 }, T0);
    driver.pipeInput('external', null, { name: 'funding', ts: T0, value: 0.5 }, T0);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0, 10), T0);
    driver.pipeInput('prices', 'ETH-USDT', candle('ETHUSDT', T0, 10), T0);
    driver.pipeInput('external', null, { name: 'fear_greed', ts: T0 + 2 * MIN, value: 60 }, T0 + 2 * MIN);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + MIN, 10), T0 + MIN);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + 2 * MIN, 10), T0 + 2 * MIN);
    driver.advanceStreamTime(T0 + 10 * MIN);
    const rows = driver.readValues('features').map((f) => [f.symbol, f.ts, f.ext_fear_greed, f.ext_funding]);
    expect(rows).toEqual([
      ['BTC-USDT', T0 - MIN, null, null],
      ['BTC-USDT', T0, 40, 0.01],
      ['ETH-USDT', T0, 40, 0.5],
      // the 00:01 candle arrives after the 00:02 observation: as-of still picks 40
      ['BTC-USDT', T0 + MIN, 40, 0.01],
      ['BTC-USDT', T0 + 2 * MIN, 60, 0.01],
    ]);
    await driver.close();
  });

  it('rejects unknown or malformed signals', async () => {
    const driver = await marketDriver({ externalSignals: ['fear_greed'] });
    driver.pipeInput('external', null, { name: 'moon_phase', ts: T0, value: 1 }, T0);
    driver.pipeInput('external', null, { name: 'fear_greed', ts: NaN, value: 1 }, T0);
    driver.pipeInput('external', null, { name: 'fear_greed', ts: T0, value: Infinity }, T0);
    expect(driver.readDeadLetters().map((d) => d.reason)).toEqual(['unknown_signal:moon_phase', 'bad_timestamp', 'non_finite:fear_greed']);
    await driver.close();
  });
});
