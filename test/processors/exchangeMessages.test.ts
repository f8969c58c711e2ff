import { describe, expect, it } from 'vitest';
import { marketDriver, MIN, T0 } from './marketDriver.ts';
import { priceEventTime } from '../../processors/clean/eventTime.ts';
import { MESSAGES } from './exchangeMessageShapes.ts';

const only1m = { candles: { intervals: ['1m'], graceMs: 0 } };

describe('exchange stream messages', () => {
  it.each(MESSAGES)('%s becomes a candle of its minute', async (_name, message, expected) => {
    const driver = await marketDriver(only1m);
    driver.pipeInput('prices', null, message, priceEventTime(message));
    driver.advanceStreamTime(T0 + 10 * MIN);
    expect(driver.readDeadLetters()).toEqual([]);
    expect(driver.readValues('features')).toEqual([expect.objectContaining({ interval: '1m', ...expected })]);
    expect(priceEventTime(message)).toBeGreaterThanOrEqual(T0);
    await driver.close();
  });

  it('an open Binance kline is no candle yet: it is rejected with its reason', async () => {
    const driver = await marketDriver(only1m);
    const open = { e: 'kline', s: 'BTCUSDT', k: { t: T0, i: '1m', o: '1', h: '1', l: '1', c: '1', v: '1', x: false } };
    driver.pipeInput('prices', null, open, priceEventTime(open));
    expect(driver.readDeadLetters()).toMatchObject([{ reason: 'kline_not_closed', processor: 'clean' }]);
    expect(driver.readDeadLetters()).toEqual([]);
    await driver.close();
  });
});
