/** Quote assets, longest first, for splitting concatenated symbols such as Binance's BTCUSDT. */
const QUOTES = ['FDUSD', 'USDT', 'USDC', 'BUSD', 'TUSD', 'USDP', 'DAI', 'USD', 'EUR', 'GBP', 'JPY', 'TRY', 'BRL', 'AUD', 'CAD', 'CHF', 'BTC', 'ETH', 'BNB'];

/** Kraken's legacy asset codes: X-prefixed crypto, Z-prefixed fiat; XBT is BTC everywhere. */
const ALIASES: Record<string, string> = { XBT: 'BTC', XXBT: 'BTC', XETH: 'ETH', XXRP: 'XRP', XLTC: 'LTC', XXLM: 'XLM', XDG: 'DOGE', XXDG: 'DOGE', ZUSD: 'USD', ZEUR: 'EUR', ZGBP: 'GBP', ZJPY: 'JPY', ZCAD: 'CAD' };

const asset = (a: string) => ALIASES[a] ?? a;

/**
 * Any exchange's way of writing a pair → `BASE-QUOTE`, upper case: `BTCUSDT` (Binance), `BTC-USD`
 * (Coinbase), `XBT/USD` and `XXBTZUSD` (Kraken), `BTC_USDT`. null when it is not a pair.
 */
export function normalizeSymbol(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  let known = seen.get(raw);
  if (known === undefined) {
    known = parse(raw);
    if (seen.size < 100_000) seen.set(raw, known);
  }
  return known;
}

/** Markets are few and repeat on every record: remember each spelling's answer. */
const seen = new Map<string, string | null>();

function parse(raw: string): string | null {
  const s = raw.trim().toUpperCase();
  if (!/^[A-Z0-9]+([-/_:][A-Z0-9]+)?$/.test(s)) return null;
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
