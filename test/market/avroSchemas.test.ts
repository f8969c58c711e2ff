import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { signalSchema } from '../../market/avroSchemas.ts';
import { signalFor } from '../../market/Signal.ts';

/** The signal schema as first registered (before close_ts): subjects in the field hold it as their version 1. */
const FIRST_SIGNAL_SCHEMA = JSON.parse(readFileSync(new URL('../fixtures/avro/signal-v1.avsc', import.meta.url), 'utf8'));

const T = Date.UTC(2023, 2, 1, 12);
const said = { p_up: 0.61, signal: 'BUY', model: 'btc-1m', model_version: '3' } as const;
const oldRecord = { symbol: 'BTC-USDT', interval: '1h', ts: T, close: 28_000.5, ...said };

// The registry's compatibility rules are Avro schema resolution (reader schema against writer schema),
// which avsc implements: createResolver throws when the reader cannot read what the writer wrote.
describe('the signal schema evolves compatibly', () => {
  const current = avro.Type.forSchema(signalSchema() as avro.Schema);
  const first = avro.Type.forSchema(FIRST_SIGNAL_SCHEMA as avro.Schema);

  it('BACKWARD: a reader of the new schema reads a record written with the first one, close_ts null', () => {
    const read = current.fromBuffer(first.toBuffer(oldRecord), current.createResolver(first));
    expect({ ...read }).toEqual({ ...oldRecord, close_ts: null });
  });

  it('FORWARD too: a consumer still on the first schema reads new records, without close_ts', () => {
    const signal = signalFor(oldRecord, said);
    const read = first.fromBuffer(current.toBuffer(signal), first.createResolver(current));
    expect({ ...read }).toEqual(oldRecord);
  });

  it('a new signal round-trips with its close time', () => {
    const signal = signalFor(oldRecord, said);
    expect(signal.close_ts).toBe(T + 3_600_000);
    expect({ ...current.fromBuffer(current.toBuffer(signal)) }).toEqual(signal);
  });

  it('the check can fail: close_ts as a plain long without a default could not read the first records', () => {
    const required = { ...FIRST_SIGNAL_SCHEMA, fields: [...FIRST_SIGNAL_SCHEMA.fields, { name: 'close_ts', type: 'long' }] };
    expect(() => avro.Type.forSchema(required as avro.Schema).createResolver(first)).toThrow(/close_ts/);
  });
});
