import { describe, expect, it } from 'vitest';
import { marketDriver, MIN, T0 } from '../processors/marketDriver.ts';
import { priceEventTime } from '../../market/exchanges/eventTime.ts';
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

  // Found by fuzzing: an empty message vanished without a dead letter; a null element, or an object where a number
  // belongs (JSON can make one String() throws on), threw out of Clean.
  it.each([
    [{ channel: 'trade', type: 'update', data: [] }, ['empty_message']],
    [[0, [], 'trade', 'XBT/EUR'], ['empty_message']],
    [{ channel: 'ohlc', type: 'update', data: [null] }, ['missing_field:symbol']],
    [
      { channel: 'trade', type: 'update', data: [42, { symbol: 'SOL/USD', price: 60, qty: 4, timestamp: '2023-03-01T00:00:07Z' }] },
      ['missing_field:symbol'],
    ],
    [{ stream: 'a', data: { stream: 'b', data: MESSAGES[0][1] } }, ['nested_envelope']],
    [[42, ['1677628830', JSON.parse('{"toString": 0}'), '3', '4', '2', '3.5', '3.2', '7', 5], 'ohlc-1', 'DOT/USD'], ['missing_field:ts']],
    [
      {
        channel: 'ohlc',
        data: [
          {
            symbol: 'ADA/USD',
            open: 1,
            high: 2,
            low: 0.5,
            close: 1.5,
            volume: 9,
            interval_begin: '2023-03-01T00:00:00Z',
            interval: JSON.parse('{"toString": 0}'),
          },
        ],
      },
      ['bad_interval'],
    ],
  ])('%j is rejected with its reason, and Clean goes on', async (message, reasons) => {
    const driver = await marketDriver(only1m);
    driver.pipeInput('prices', null, message, T0);
    driver.pipeInput('prices', null, MESSAGES[0][1], T0);
    driver.advanceStreamTime(T0 + 10 * MIN);
    expect(driver.readDeadLetters().map((d) => d.reason)).toEqual(reasons);
    expect(driver.readValues('features').map((f) => f.symbol)).toContain('BTC-USDT');
    await driver.close();
  });
});
