import type { Exchange } from './Exchange.ts';
import { canonical } from './canonical.ts';
import { binance } from './binance.ts';
import { coinbase } from './coinbase.ts';
import { kraken } from './kraken.ts';
import { okx } from './okx.ts';

/** Every exchange candlestream reads, canonical first: its field names are tried first, and messages are offered in this order. */
export const EXCHANGES: readonly Exchange[] = [canonical, binance, coinbase, kraken, okx];
