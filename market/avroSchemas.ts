import { SIGNAL_COLUMNS } from './Signal.ts';

/** Avro schemas of the output records, for topics written in Avro through a schema registry. */

const TIMESTAMP = { type: 'long', logicalType: 'timestamp-millis' } as const;

/**
 * A signal. A field added after the first registered version is nullable with default null, so the
 * registry's BACKWARD rule accepts the new version (its readers still read the older records).
 */
export function signalSchema() {
  const types: Record<(typeof SIGNAL_COLUMNS)[number], unknown> = {
    symbol: 'string',
    interval: 'string',
    ts: TIMESTAMP,
    close_ts: ['null', TIMESTAMP], // added after the first version: nullable, so older records still read
    close: 'double',
    p_up: ['null', 'double'],
    signal: { type: 'enum', name: 'Action', symbols: ['BUY', 'SELL', 'HOLD'] },
    model: 'string',
    model_version: 'string',
  };
  return { type: 'record', name: 'Signal', namespace: 'io.candlestream', fields: SIGNAL_COLUMNS.map((name) => field(name, types[name])) };
}

/** A feature row: symbol and interval strings, ts a timestamp, every other column a nullable double. */
export function featureSchema(columns: readonly string[]) {
  const fixed: Record<string, unknown> = { symbol: 'string', interval: 'string', ts: TIMESTAMP };
  return {
    type: 'record',
    name: 'Feature',
    namespace: 'io.candlestream',
    fields: columns.map((c) => field(c, fixed[c] ?? ['null', 'double'])),
  };
}

function field(name: string, type: unknown) {
  return Array.isArray(type) && type[0] === 'null' ? { name, type, default: null } : { name, type };
}
