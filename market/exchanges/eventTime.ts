import { parseTimestamp } from '../parseTimestamp.ts';
import { pick } from '../pick.ts';
import { TIME_FIELDS } from './fieldNames.ts';
import { flattenExchangeMessage } from './flattenExchangeMessage.ts';

/**
 * The event time of a raw price message, read as Clean will read it (Kafka Streams' TimestampExtractor):
 * live, stream time follows the market's clock, not the broker's. NaN when the message has none; Clean
 * then rejects it with the reason.
 */
export function priceEventTime(raw: unknown): number {
  if (raw === null || typeof raw !== 'object') return NaN;
  const rows = flattenExchangeMessage(raw) ?? [raw as Record<string, unknown>];
  if (!Array.isArray(rows)) return NaN; // no market data yet (an open kline): Clean rejects it
  let latest = NaN;
  for (const row of rows) {
    const t = parseTimestamp(pick(row, TIME_FIELDS));
    if (t !== null && !(t <= latest)) latest = t;
  }
  return latest;
}

/** The event time of an external-signal message: its `ts` (or time, date…) field. */
export function signalEventTime(raw: unknown): number {
  if (raw === null || typeof raw !== 'object') return NaN;
  return parseTimestamp(pick(raw as Record<string, unknown>, TIME_FIELDS)) ?? NaN;
}
