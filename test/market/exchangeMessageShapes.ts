import { MIN, T0 } from '../processors/marketDriver.ts';

const s = (ms: number) => ms / 1000;

/** Stream messages as the exchanges send them (field names and nesting from their WebSocket feeds). */
export const MESSAGES: [string, unknown, { symbol: string; ts: number; open: number; close: number; volume: number }][] = [
  [
    'Binance kline (closed)',
    {
      e: 'kline',
      E: T0 + MIN,
      s: 'BTCUSDT',
      k: { t: T0, T: T0 + MIN - 1, s: 'BTCUSDT', i: '1m', o: '10', c: '11', h: '12', l: '9', v: '3', x: true },
    },
    { symbol: 'BTC-USDT', ts: T0, open: 10, close: 11, volume: 3 },
  ],
  [
    'Binance trade, combined stream',
    { stream: 'ethusdt@trade', data: { e: 'trade', E: T0, s: 'ETHUSDT', t: 1, p: '20', q: '0.5', T: T0 + 1000 } },
    { symbol: 'ETH-USDT', ts: T0, open: 20, close: 20, volume: 0.5 },
  ],
  [
    'Binance aggTrade',
    { e: 'aggTrade', s: 'SOLUSDT', p: '30', q: '2', T: T0 + 2000 },
    { symbol: 'SOL-USDT', ts: T0, open: 30, close: 30, volume: 2 },
  ],
  [
    'Coinbase match',
    { type: 'match', product_id: 'BTC-USD', price: '40', size: '0.25', time: '2023-03-01T00:00:05.123Z' },
    { symbol: 'BTC-USD', ts: T0, open: 40, close: 40, volume: 0.25 },
  ],
  [
    'Coinbase ticker',
    { type: 'ticker', product_id: 'ETH-USD', price: '50', last_size: '1.5', time: '2023-03-01T00:00:06Z' },
    { symbol: 'ETH-USD', ts: T0, open: 50, close: 50, volume: 1.5 },
  ],
  [
    'Kraken v2 trade',
    {
      channel: 'trade',
      type: 'update',
      data: [{ symbol: 'SOL/USD', side: 'buy', price: 60, qty: 4, ord_type: 'market', trade_id: 1, timestamp: '2023-03-01T00:00:07Z' }],
    },
    { symbol: 'SOL-USD', ts: T0, open: 60, close: 60, volume: 4 },
  ],
  [
    'Kraken v1 trade',
    [0, [['70', '1.0', String(s(T0 + 8000)), 'b', 'm', '']], 'trade', 'XBT/EUR'],
    { symbol: 'BTC-EUR', ts: T0, open: 70, close: 70, volume: 1 },
  ],
  [
    'Kraken v2 ohlc',
    {
      channel: 'ohlc',
      type: 'update',
      data: [
        {
          symbol: 'ADA/USD',
          open: 1,
          high: 2,
          low: 0.5,
          close: 1.5,
          volume: 9,
          interval_begin: '2023-03-01T00:00:00Z',
          interval: 1,
          timestamp: '2023-03-01T00:00:59Z',
        },
      ],
    },
    { symbol: 'ADA-USD', ts: T0, open: 1, close: 1.5, volume: 9 },
  ],
  [
    'Kraken v1 ohlc',
    [42, [String(s(T0 + 30_000)), String(s(T0 + MIN)), '3', '4', '2', '3.5', '3.2', '7', 5], 'ohlc-1', 'DOT/USD'],
    { symbol: 'DOT-USD', ts: T0, open: 3, close: 3.5, volume: 7 },
  ],
  [
    'OKX candle (confirmed)',
    { arg: { channel: 'candle1m', instId: 'BTC-USDT' }, data: [[String(T0), '10', '12', '9', '11', '3', '33', '33', '1']] },
    { symbol: 'BTC-USDT', ts: T0, open: 10, close: 11, volume: 3 },
  ],
  [
    'OKX trade',
    {
      arg: { channel: 'trades', instId: 'ETH-USDT' },
      data: [{ instId: 'ETH-USDT', tradeId: '7', px: '20', sz: '0.5', side: 'buy', ts: String(T0 + 9000) }],
    },
    { symbol: 'ETH-USDT', ts: T0, open: 20, close: 20, volume: 0.5 },
  ],
];
