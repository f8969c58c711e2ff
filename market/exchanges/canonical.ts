import type { Exchange } from './Exchange.ts';

/**
 * Our own row shape (`{ symbol, ts, open, high, low, close, volume, interval, exchange }`) and the plain
 * names spreadsheets and most exports use for the same fields. Its names are tried before any exchange's.
 */
export const canonical: Exchange = {
  name: 'canonical',
  fields: {
    ts: ['ts', 'timestamp', 'time', 'date', 'Date'],
    symbol: ['symbol', 'Symbol'],
    open: ['open', 'Open'],
    high: ['high', 'High'],
    low: ['low', 'Low'],
    close: ['close', 'Close'],
    volume: ['volume', 'vol', 'base_volume', 'Volume'],
    interval: ['interval'],
    exchange: ['exchange', 'Exchange'],
    price: ['price', 'last_price'],
    size: ['qty', 'size', 'quantity', 'amount'],
  },
  // Exchanges known by name only: no message or header-less file of theirs is read, but a file name saying
  // `bybit_BTCUSDT_1m.csv` still names the exchange of its rows.
  fileNames: ['bybit', 'bitstamp', 'bitfinex', 'kucoin', 'gemini'],
};
