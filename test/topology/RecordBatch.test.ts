import { describe, expect, it } from 'vitest';
import {
  BatchOfOne,
  RecordBatchBuilder,
  batchOfRecords,
  compareOrder,
  materialize,
  orderKey,
  sliceRows,
  type RecordBatch,
} from '../../topology/RecordBatch.ts';
import { SymbolTable } from '../../topology/SymbolTable.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';

const rec = (key: string | null, timestamp: number, value: unknown = { n: timestamp }): StreamRecord => ({
  key,
  value,
  timestamp,
  headers: {},
});

describe('RecordBatch', () => {
  it('a batch of records gives each record back as it came, with its time and its row', () => {
    const records = [rec('a', 3), rec(null, 1), rec('b', 2)];
    const batch = batchOfRecords(records);
    expect([...batch.timestamp]).toEqual([3, 1, 2]);
    expect([...batch.row]).toEqual([0, 1, 2]);
    records.forEach((r, i) => expect(materialize(batch, i)).toBe(r));
    const one = new BatchOfOne().set(records[2]);
    expect([one.length, one.timestamp[0], materialize(one, 0)]).toEqual([1, 2, records[2]]);
  });

  it('a columnar row materializes as the record: key by symbol id, fields in column order, NaN as null', () => {
    const symbols = new SymbolTable();
    const batch: RecordBatch = {
      length: 2,
      timestamp: Float64Array.of(10, 20),
      row: Int32Array.of(0, 1),
      key: Int32Array.of(symbols.intern('BTC-USDT'), -1),
      columns: { symbol: ['BTC-USDT', 'x'], close: Float64Array.of(1.5, NaN), n: Int32Array.of(7, 8) },
      headers: { exchange: 'binance' },
    };
    expect(materialize(batch, 0, symbols)).toStrictEqual({
      key: 'BTC-USDT',
      value: { symbol: 'BTC-USDT', close: 1.5, n: 7 },
      timestamp: 10,
      headers: { exchange: 'binance' },
    });
    expect(materialize(batch, 1, symbols)).toStrictEqual({
      key: null,
      value: { symbol: 'x', close: null, n: 8 },
      timestamp: 20,
      headers: { exchange: 'binance' },
    });
    expect(() => materialize(batch, 0)).toThrow(/SymbolTable/);
    const slice = sliceRows(batch, 1, 2);
    expect([slice.length, slice.row[0], materialize(slice, 0, symbols).value]).toEqual([1, 1, { symbol: 'x', close: null, n: 8 }]);
  });

  it('the builder grows past its pooled size, and a reset reuses it for the next batch', () => {
    const builder = new RecordBatchBuilder();
    const input = batchOfRecords([rec('a', 1)]);
    builder.reset(input, 1);
    const records = Array.from({ length: 40 }, (_, i) => rec('a', i));
    records.forEach((r, i) => builder.append(r, 0, 0, i));
    const batch = builder.build();
    expect(batch.length).toBe(40);
    expect(Array.from({ length: 40 }, (_, i) => materialize(batch, i))).toEqual(records);
    expect([...batch.lineage!.seq.subarray(0, 40)]).toEqual(records.map((_, i) => i));
    expect([batch.lineage!.input, batch.lineage!.inputEdge]).toEqual([input, 1]);
    builder.reset(undefined, 0);
    builder.append(rec('b', 5), -1, -1, 41);
    expect([builder.build().length, materialize(builder.build(), 0).key, builder.build().lineage!.input]).toEqual([1, 'b', undefined]);
  });

  it('orderKey puts events in depth-first order: a processor forwards, rejects, forwards again for one input', () => {
    // Source rows 0 and 1 go to P (edge 0). For row 0, P forwards x (seq 0), rejects (seq 1), forwards y (seq 2);
    // for row 1 it forwards z (seq 3). Q, P's child by edge 0, rejects x, y and z.
    const source = batchOfRecords([rec('a', 1), rec('a', 2)]);
    const p = new RecordBatchBuilder();
    p.reset(source, 0);
    p.append(rec('a', 1), 0, 0, 0);
    p.append(rec('a', 1), 0, 0, 2);
    p.append(rec('a', 2), 1, 1, 3);
    const out = p.build();
    const events = [
      { name: 'Q rejects z', key: [...orderKey(out, 2), 0, 2] },
      { name: 'P rejects part of row 0', key: [...orderKey(source, 0), 0, 1] },
      { name: 'Q rejects y', key: [...orderKey(out, 1), 0, 1] },
      { name: 'Q rejects x', key: [...orderKey(out, 0), 0, 0] },
    ];
    expect(events.sort((a, b) => compareOrder(a.key, b.key)).map((e) => e.name)).toEqual([
      'Q rejects x',
      'P rejects part of row 0',
      'Q rejects y',
      'Q rejects z',
    ]);
  });
});
