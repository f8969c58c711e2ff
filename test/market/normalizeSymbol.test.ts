import { describe, expect, it } from 'vitest';
import { normalizeSymbol, symbolProblem } from '../../market/normalizeSymbol.ts';

describe('normalizeSymbol', () => {
  it.each([
    ['BTCUSDT', 'BTC-USDT'],
    ['btcusdt', 'BTC-USDT'],
    ['ETHBTC', 'ETH-BTC'],
    ['OPUSDT', 'OP-USDT'],
    ['BTCTUSD', 'BTC-TUSD'],
    ['BTC-USD', 'BTC-USD'],
    ['eth-eur', 'ETH-EUR'],
    ['XBT/USD', 'BTC-USD'],
    ['ETH/USDT', 'ETH-USDT'],
    ['BTC_USDT', 'BTC-USDT'],
    ['XXBTZUSD', 'BTC-USD'],
    ['XETHZEUR', 'ETH-EUR'],
    ['XBTUSD', 'BTC-USD'],
    ['XBTUSDT', 'BTC-USDT'],
    ['1000SHIBUSDT', '1000SHIB-USDT'],
    ['1000SHIB-USDT', '1000SHIB-USDT'],
    [' btc-usd ', 'BTC-USD'],
    [`${'A'.repeat(20)}-${'B'.repeat(20)}`, `${'A'.repeat(20)}-${'B'.repeat(20)}`],
  ])('%s → %s', (raw, expected) => expect(normalizeSymbol(raw)).toBe(expected));

  it.each(['', 'BTC', 'USDT', '???', 'BTC-USD-X', 42, null])('%j is not a pair', (raw) => expect(normalizeSymbol(raw)).toBeNull());

  // Symbols become path segments (symbol=…/ partitions): a long or strange one must be a dead letter, not ENAMETOOLONG.
  it.each([
    ['A'.repeat(300), 'too_long'],
    [`${'A'.repeat(296)}USDT`, 'too_long'],
    [`${'A'.repeat(21)}-USD`, 'too_long'],
    [`BTC-${'B'.repeat(21)}`, 'too_long'],
    ['ßUSDT', 'characters'],
    ['BTC\u0000USDT', 'characters'],
    ['BTC-USD/EUR', 'characters'],
    ['???', 'characters'],
    ['BTC', 'not_a_pair'],
    [42, 'not_a_string'],
    // Derivatives' instrument ids (OKX): a pair and a contract, not a spot pair.
    ['BTC-USDT-SWAP', 'not_spot'],
    ['BTC-USD-250328', 'not_spot'],
    ['BTC-USD-250328-60000-C', 'not_spot'],
    ['BTC-USD-X', 'characters'],
  ])('%j is rejected: %s', (raw, problem) => {
    expect(normalizeSymbol(raw)).toBeNull();
    expect(symbolProblem(raw)).toBe(problem);
  });
});
