import { describe, expect, it } from 'vitest';
import { candle, marketDriver, MIN, T0 } from './marketDriver.ts';

const only1m = { candles: { intervals: ['1m'], graceMs: 0 } };

describe('Clean', () => {
  it('turns every accepted shape into one canonical candle', async () => {
    const driver = await marketDriver(only1m);
    const shapes: [Record<string, unknown>, Record<string, string>][] = [
      [
        { open_time: '2023-03-01 00:00:00+00:00', open: '10', high: '11', low: '9', close: '10.5', volume: '2' },
        { symbol: 'BTCUSDT', exchange: 'binance' },
      ],
      [
        {
          open_time: String((T0 + MIN) * 1000),
          open: '10',
          high: '11',
          low: '9',
          close: '10',
          volume: '1',
          close_time: '0',
          quote_volume: '0',
          trades: '3',
          taker_buy_base: '0',
          taker_buy_quote: '0',
          ignore: '0',
        },
        { symbol: 'BTCUSDT' },
      ],
      [
        { time: String((T0 + 2 * MIN) / 1000), open: '10', high: '11', low: '9', close: '10', volume: '1' },
        { symbol: 'XBTUSDT', exchange: 'kraken' },
      ],
      [{ product_id: 'BTC-USD', ts: '2023-03-01T00:03:00Z', o: 10, h: 11, l: 9, c: 10, v: 1 }, {}],
      [{ symbol: 'XBT/USD', timestamp: `${BigInt(T0 + 4 * MIN) * 1_000_000n}`, open: 10, high: 11, low: 9, close: 10, volume: 0 }, {}],
      [{ pair: 'XXBTZUSD', t: '2023-03-01T05:35:00+05:30', open: 10, high: 11, low: 9, close: 10, volume: 1 }, {}],
    ];
    shapes.forEach(([row, headers], i) => driver.tasks[0].process('prices', { key: null, value: row, timestamp: T0 + i * MIN, headers }));
    driver.advanceStreamTime(T0 + 10 * MIN);
    const out = driver.readValues('features').map((f) => [f.symbol, f.ts]);
    expect(driver.readDeadLetters()).toEqual([]);
    expect(out).toEqual([
      ['BTC-USDT', T0],
      ['BTC-USDT', T0 + MIN],
      ['BTC-USDT', T0 + 2 * MIN],
      ['BTC-USD', T0 + 3 * MIN],
      ['BTC-USD', T0 + 4 * MIN],
      ['BTC-USD', T0 + 5 * MIN],
    ]);
    await driver.close();
  });

  it.each([
    [{ close: 'NaN' }, 'non_numeric:close'],
    [{ close: Infinity }, 'non_finite:close'],
    [{ open: 0 }, 'non_positive_price:open'],
    [{ low: -1 }, 'non_positive_price:low'],
    [{ volume: -0.5 }, 'negative_volume'],
    [{ high: 5, low: 9, open: 7, close: 7 }, 'high_below_low'],
    [{ open: 50 }, 'open_outside_range'],
    [{ close: 1 }, 'close_outside_range'],
    [{ volume: undefined }, 'missing_field:volume'],
    [{ symbol: undefined }, 'missing_field:symbol'],
    [{ symbol: '???' }, 'bad_symbol:characters'],
    [{ symbol: `${'X'.repeat(296)}USDT` }, 'bad_symbol:too_long'],
    [{ symbol: 'BTC' }, 'bad_symbol:not_a_pair'],
    [{ open: 1e16, high: 1e16 }, 'out_of_range:open'],
    [{ low: 1e-16 }, 'out_of_range:low'],
    [{ volume: 1e19 }, 'out_of_range:volume'],
    [{ ts: '0070-01-01T00:00:00Z' }, 'bad_timestamp'],
    [{ interval: JSON.parse('{"toString": 0, "valueOf": 0}') }, 'bad_interval'],
    [{ exchange: JSON.parse('{"toString": 0, "valueOf": 0}') }, 'bad_exchange'],
    [{ interval: '7'.repeat(100) }, 'bad_interval'],
    [{ exchange: 'x'.repeat(100) }, 'bad_exchange'],
    [{ ts: 'yesterday-ish' }, 'bad_timestamp'],
    [{ ts: '2023-02-30T00:00:00Z' }, 'bad_timestamp'],
    [{ ts: undefined }, 'missing_field:ts'],
  ])('rejects %j with reason %s, and goes on', async (fault, reason) => {
    const driver = await marketDriver(only1m);
    driver.pipeInput('prices', 'BTC-USDT', { ...candle('BTCUSDT', T0, 10), ...fault }, T0);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + MIN, 10), T0 + MIN);
    driver.advanceStreamTime(T0 + 5 * MIN);
    const letters = driver.readDeadLetters();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ reason, processor: 'clean', source: 'prices' });
    expect(letters[0].original).toMatchObject(fault);
    expect(driver.readValues('features').map((f) => f.ts)).toEqual([T0 + MIN]);
    expect(driver.tasks[0].metrics.deadLetterTotal).toBe(1);
    await driver.close();
  });

  it('rejects a value that is not an object', async () => {
    const driver = await marketDriver(only1m);
    driver.pipeInput('prices', null, 'garbage', T0);
    expect(driver.readDeadLetters()[0].reason).toBe('not_an_object');
    await driver.close();
  });

  it('drops exact duplicates (symbol, exchange, time) into the dead-letter output', async () => {
    const driver = await marketDriver(only1m);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0, 10, { exchange: 'binance' }), T0);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0, 10, { exchange: 'binance' }), T0);
    driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0, 10, { exchange: 'coinbase' }), T0);
    driver.advanceStreamTime(T0 + 2 * MIN);
    expect(driver.readDeadLetters().map((d) => d.reason)).toEqual(['duplicate']);
    await driver.close();
  });

  it('fills gaps between 1m candles with the last close and zero volume, unless told not to', async () => {
    for (const fillGaps of [true, false]) {
      const driver = await marketDriver({ ...only1m, clean: { fillGaps, maxGapMs: 86_400_000, maxPriceMove: 10 } });
      driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0, 10), T0);
      driver.pipeInput('prices', 'BTC-USDT', candle('BTCUSDT', T0 + 3 * MIN, 20), T0 + 3 * MIN);
      driver.advanceStreamTime(T0 + 10 * MIN);
      const out = driver.readValues('features').map((f) => [f.ts, f.open, f.high, f.low, f.close, f.volume]);
      expect(out).toEqual(
        fillGaps
          ? [
              [T0, 10, 11, 9, 10, 1],
              [T0 + MIN, 10, 10, 10, 10, 0],
              [T0 + 2 * MIN, 10, 10, 10, 10, 0],
              [T0 + 3 * MIN, 20, 21, 19, 20, 1],
            ]
          : [
              [T0, 10, 11, 9, 10, 1],
              [T0 + 3 * MIN, 20, 21, 19, 20, 1],
            ],
      );
      await driver.close();
    }
  });
});
