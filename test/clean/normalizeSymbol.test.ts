import { describe, expect, it } from 'vitest';
import { normalizeSymbol } from '../../processors/clean/normalizeSymbol.ts';

describe('normalizeSymbol', () => {
  it.each([
    ['BTCUSDT', 'BTC-USDT'], ['btcusdt', 'BTC-USDT'], ['ETHBTC', 'ETH-BTC'], ['OPUSDT', 'OP-USDT'], ['BTCTUSD', 'BTC-TUSD'],
    ['BTC-USD', 'BTC-USD'], ['eth-eur', 'ETH-EUR'], ['XBT/USD', 'BTC-USD'], ['ETH/USDT', 'ETH-USDT'], ['BTC_USDT', 'BTC-USDT'],
    ['XXBTZUSD', 'BTC-USD'], ['XETHZEUR', 'ETH-EUR'], ['XBTUSD', 'BTC-USD'], ['XBTUSDT', 'BTC-USDT'],
  ])('%s → %s', (raw, expected) => expect(normalizeSymbol(raw)).toBe(expected));

  it.each(['', 'BTC', 'USDT', '???', 'BTC-USD-X', 42, null])('%j is not a pair', (raw) => expect(normalizeSymbol(raw)).toBeNull());
});
