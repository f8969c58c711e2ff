import { flattenExchangeMessage } from './flattenExchangeMessage.ts';
import { SYMBOL_FIELDS } from './fieldNames.ts';
import { normalizeSymbol, symbolProblem } from '../normalizeSymbol.ts';
import { pick } from '../pick.ts';

/**
 * The partitioning key of a raw price message: its canonical symbol, read as Clean will read it; null
 * when it has none (Clean rejects it wherever it lands). Live, a message keyed otherwise is
 * repartitioned by this key first, so a symbol's state stays in one task.
 */
export function priceKey(raw: unknown): string | null {
  const symbol = rawSymbol(raw);
  return typeof symbol === 'string' ? normalizeSymbol(symbol) : null;
}

/** Why `priceKey` gave null, in Clean's dead-letter words: `missing_field:symbol` or `bad_symbol:<why>`. */
export function priceKeyRejection(raw: unknown): string {
  const symbol = rawSymbol(raw);
  return symbol === undefined || symbol === '' ? 'missing_field:symbol' : `bad_symbol:${symbolProblem(symbol)}`;
}

function rawSymbol(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object') return undefined;
  const rows = flattenExchangeMessage(raw) ?? [raw as Record<string, unknown>];
  if (!Array.isArray(rows) || rows.length === 0) return undefined;
  return pick(rows[0], SYMBOL_FIELDS);
}
