/** Quote assets, longest first, for splitting concatenated symbols such as Binance's BTCUSDT. */
const QUOTES = [
  'FDUSD',
  'USDT',
  'USDC',
  'BUSD',
  'TUSD',
  'USDP',
  'DAI',
  'USD',
  'EUR',
  'GBP',
  'JPY',
  'TRY',
  'BRL',
  'AUD',
  'CAD',
  'CHF',
  'BTC',
  'ETH',
  'BNB',
];

/** Kraken's legacy asset codes: X-prefixed crypto, Z-prefixed fiat; XBT is BTC everywhere. */
const ALIASES: Record<string, string> = {
  XBT: 'BTC',
  XXBT: 'BTC',
  XETH: 'ETH',
  XXRP: 'XRP',
  XLTC: 'LTC',
  XXLM: 'XLM',
  XDG: 'DOGE',
  XXDG: 'DOGE',
  ZUSD: 'USD',
  ZEUR: 'EUR',
  ZGBP: 'GBP',
  ZJPY: 'JPY',
  ZCAD: 'CAD',
};

const asset = (a: string) => ALIASES[a] ?? a;

/** Each side of the canonical `BASE-QUOTE`: the symbol becomes a path segment (`symbol=…/`), so it is short and plain. */
const SIDE = /^[A-Z0-9]{1,20}$/;
const MAX_LENGTH = 41; // BASE, separator, QUOTE
const WRITTEN = /^[A-Za-z0-9]+([-/_:][A-Za-z0-9]+)?$/;
/** A derivative's instrument id: a pair and its contract (OKX's BTC-USDT-SWAP, BTC-USD-250328, BTC-USD-250328-60000-C). */
const DERIVATIVE = /^[A-Za-z0-9]+-[A-Za-z0-9]+-(SWAP|\d{6}(-\d+(\.\d+)?-[CP])?)$/i;

/**
 * Any exchange's way of writing a pair → `BASE-QUOTE`, upper case: `BTCUSDT` (Binance), `BTC-USD`
 * (Coinbase), `XBT/USD` and `XXBTZUSD` (Kraken), `BTC_USDT`. null when it is not a pair, or not one
 * we accept: ASCII letters and digits with at most one separator (`-`, `/`, `_`, `:`), each side
 * 1–20 characters (see `symbolProblem` for why).
 */
export function normalizeSymbol(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  let known = seen.get(raw);
  if (known === undefined) {
    known = parse(raw);
    if (seen.size < 100_000 && raw.length <= 2 * MAX_LENGTH) seen.set(raw, known);
  }
  return known;
}

/**
 * Why `normalizeSymbol` gave null: `not_a_string`, `too_long`, `not_spot` (a perpetual, future or option: not
 * a pair of assets), `characters` or `not_a_pair` (the dead letter's `bad_symbol:<why>`).
 */
export function symbolProblem(raw: unknown): string {
  if (typeof raw !== 'string') return 'not_a_string';
  const s = raw.trim();
  if (s.length > MAX_LENGTH) return 'too_long';
  if (DERIVATIVE.test(s)) return 'not_spot';
  if (!WRITTEN.test(s)) return 'characters';
  const pair = parsePair(s.toUpperCase());
  return pair && !fits(pair) ? 'too_long' : 'not_a_pair';
}

/** Markets are few and repeat on every record: remember each spelling's answer. */
const seen = new Map<string, string | null>();

function parse(raw: string): string | null {
  const s = raw.trim();
  if (s.length > MAX_LENGTH || !WRITTEN.test(s)) return null;
  const pair = parsePair(s.toUpperCase());
  return pair && fits(pair) ? pair : null;
}

const fits = (pair: string) => pair.split('-').every((side) => SIDE.test(side));

function parsePair(s: string): string | null {
  const parts = s.split(/[-/_:]/);
  if (parts.length === 2) return `${asset(parts[0])}-${asset(parts[1])}`;
  // Kraken legacy: 8 letters, X-prefixed base and X/Z-prefixed quote (XXBTZUSD, XETHZEUR, XETHXXBT).
  if (/^X[A-Z]{3}[XZ][A-Z]{3}$/.test(s) && (ALIASES[s.slice(0, 4)] || ALIASES[s.slice(4)])) {
    return `${asset(s.slice(0, 4)).replace(/^X(?=[A-Z]{3}$)/, '')}-${asset(s.slice(4)).replace(/^[XZ](?=[A-Z]{3}$)/, '')}`;
  }
  // Prefer a base of three or more letters: XBTUSD is XBT-USD, not XB-TUSD; OPUSDT still finds OP.
  for (const minBase of [3, 2]) {
    for (const quote of QUOTES) {
      if (s.length >= quote.length + minBase && s.endsWith(quote)) return `${asset(s.slice(0, -quote.length))}-${quote}`;
    }
  }
  return null;
}
