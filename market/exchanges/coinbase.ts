import type { Exchange } from './Exchange.ts';

/** Coinbase: `match`, `last_match` and `ticker` messages (a ticker carries the last trade); ISO-8601 times. */
export const coinbase: Exchange = {
  name: 'coinbase',
  fields: {
    symbol: ['product_id'],
    size: ['last_size'],
  },
  messageFields: ['type'],
  flatten(message) {
    const m = message as Record<string, any>;
    if (m.type === 'match' || m.type === 'last_match') {
      return [{ symbol: m.product_id, exchange: 'coinbase', ts: m.time, price: m.price, size: m.size }];
    }
    if (m.type === 'ticker' && m.product_id !== undefined) {
      return [{ symbol: m.product_id, exchange: 'coinbase', ts: m.time, price: m.price, size: m.last_size }];
    }
    return undefined;
  },
  fileNames: ['coinbase'],
};
