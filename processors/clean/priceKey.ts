import { flattenExchangeMessage } from './flattenExchangeMessage.ts';
import { SYMBOL_FIELDS } from './normalizeCandle.ts';
import { normalizeSymbol } from './normalizeSymbol.ts';
import { pick } from './pick.ts';

/**
 * The partitioning key of a raw price message: its canonical symbol, read as Clean will read it; null
 * when it has none (Clean rejects it wherever it lands). Live, a message keyed otherwise is
 * repartitioned by this key first, so a symbol's state stays in one task.
 */
export function priceKey(raw: unknown): string | null {
  if (raw === null || typeof raw !== 'object') return null;
  const rows = flattenExchangeMessage(raw) ?? [raw as Record<string, unknown>];
  if (!Array.isArray(rows) || rows.length === 0) return null;
  const symbol = pick(rows[0], SYMBOL_FIELDS);
  return typeof symbol === 'string' ? normalizeSymbol(symbol) : null;
}
