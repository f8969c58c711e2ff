import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { candleFiles, externalSignalFile, replay } from '../../backfill/replay.ts';
import type { BoundedInput } from '../../backfill/BoundedInput.ts';
import { Topology } from '../../topology/Topology.ts';
import type { Processor } from '../../topology/Processor.ts';
import type { ProcessorContext } from '../../topology/ProcessorContext.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';
import { keyValueStore } from '../../state/CachedKeyValueStore.ts';
import type { KeyValueStore } from '../../state/KeyValueStore.ts';
import { buildMarketTopology, defaultMarketOptions } from '../../processors/marketTopology.ts';

const root = new URL('../../', import.meta.url).pathname;
let dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'candlestream-replay-'));
  dirs.push(dir);
  return dir;
}
const jsonLines = async (file: string) =>
  (await readFile(file, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

type Amount = { who: string; amount: number };

/** Running total per key; a negative amount is rejected. */
class Total implements Processor<Amount, { who: string; total: number }> {
  #context!: ProcessorContext<{ who: string; total: number }>;
  #totals!: KeyValueStore<number>;
  init(context: ProcessorContext<{ who: string; total: number }>) {
    this.#context = context;
    this.#totals = context.getStateStore('totals');
  }
  process(record: StreamRecord<Amount>) {
    if (record.value.amount < 0) return this.#context.reject(record, 'negative amount');
    const total = (this.#totals.get(record.value.who) ?? 0) + record.value.amount;
    this.#totals.put(record.value.who, total);
    this.#context.forward({ ...record, value: { who: record.value.who, total } });
  }
}

const totals = () =>
  new Topology()
    .addSource('amounts', ['amounts'], ['who', 'amount'])
    .addProcessor('total', () => new Total(), ['amounts'], { reads: ['who', 'amount'], writes: ['total'] })
    .addSink('totals', 'totals', ['total'], ['who', 'total'])
    .addStateStore(keyValueStore('totals'), 'total')
    .build();

const amounts: Amount[] = [
  { who: 'a', amount: 1 },
  { who: 'b', amount: 10 },
  { who: 'a', amount: -5 },
  { who: 'a', amount: 2 },
  { who: 'b', amount: 20 },
];

/** Records from memory: any source of records can be a replay input. */
function inMemory(values: Amount[]): BoundedInput {
  const records = values.map((value, i) => ({ key: value.who, value, timestamp: 1000 * i, headers: {} }));
  return {
    id: 'memory',
    version: JSON.stringify(values),
    source: 'amounts',
    batches: async function* () {
      yield records;
    },
    estimatedRecords: async () => records.length,
  };
}

describe('replay', () => {
  it('runs a topology of yours over bounded inputs into its sinks, dead letters by default under the state directory', async () => {
    const dir = await tempDir();
    const summary = await replay({
      topology: totals(),
      inputs: [inMemory(amounts)],
      sinks: { totals: `jsonl:${dir}/totals.jsonl` },
      stateDir: join(dir, 'state'),
    });
    let a = 0;
    let b = 0;
    const expected = amounts
      .filter((x) => x.amount >= 0)
      .map(({ who, amount }) => ({ who, total: who === 'a' ? (a += amount) : (b += amount) }));
    const got = await jsonLines(join(dir, 'totals.jsonl'));
    // Each key's totals in order (keys may be on different tasks, so only per key).
    for (const who of ['a', 'b']) expect(got.filter((r) => r.who === who)).toEqual(expected.filter((r) => r.who === who));
    expect(got.length).toBe(expected.length);
    const dead = await jsonLines(join(dir, 'state', 'dead-letter.jsonl'));
    expect(dead.map((d) => [d.reason, d.original])).toEqual([['negative amount', { who: 'a', amount: -5 }]]);
    expect(summary.recordsIn).toBe(amounts.length);
    expect(summary.written.get('totals')).toBe(expected.length);
  });

  it('a finished job is not redone; another job (its `job`, here) refuses its checkpoint, and its output another’s files', async () => {
    const dir = await tempDir();
    const job = {
      topology: totals(),
      inputs: [inMemory(amounts)],
      sinks: { totals: `jsonl:${dir}/totals.jsonl` },
      stateDir: join(dir, 'state'),
    };
    expect((await replay({ ...job, job: 'v1' })).recordsIn).toBe(amounts.length);
    expect((await replay({ ...job, topology: totals(), job: 'v1' })).recordsIn).toBe(0);
    await expect(replay({ ...job, topology: totals(), job: 'v2' })).rejects.toThrow(/checkpoint of a different backfill/);
    // Started afresh, another job's output is refused by default, replaced with mode overwrite (candlestream wrote it).
    await expect(replay({ ...job, topology: totals(), job: 'v2', fresh: true })).rejects.toThrow(/this run did not write/);
    // (In this same process: the refused start released its stores' locks.)
    expect((await replay({ ...job, topology: totals(), job: 'v2', fresh: true, mode: 'overwrite' })).recordsIn).toBe(amounts.length);
    expect((await jsonLines(join(dir, 'totals.jsonl'))).length).toBe(amounts.length - 1);
  });

  it('refuses a sink without an output, and an output without a sink, naming them', async () => {
    const dir = await tempDir();
    const base = { topology: totals(), inputs: [inMemory(amounts)], stateDir: dir };
    await expect(replay({ ...base, sinks: {} })).rejects.toThrow(/sink "totals" has no output/);
    await expect(replay({ ...base, sinks: { totals: '-', other: '-' } })).rejects.toThrow(/"other" is not a sink/);
  });

  it('candleFiles and externalSignalFile feed the market topology: the fear & greed value of the day on every candle', async () => {
    const dir = await tempDir();
    const fearGreed = join(root, 'data/external/fear_and_greed_index_daily.csv');
    const market = defaultMarketOptions({ externalSignals: ['fear_greed'], candles: { intervals: ['1m'], graceMs: 0 } });
    const [from, to] = [Date.parse('2023-03-05T00:00:00Z'), Date.parse('2023-03-05T02:00:00Z')];
    await replay({
      topology: buildMarketTopology(market),
      inputs: [externalSignalFile('fear_greed', fearGreed), ...(await candleFiles([join(root, 'data/candles')], { from, to }))],
      sinks: { features: `jsonl:${dir}/features.jsonl` },
      stateDir: join(dir, 'state'),
    });
    const rows = await jsonLines(join(dir, 'features.jsonl'));
    expect(rows.length).toBe(2 * 120);
    // The CSV, read here: the value dated that day.
    const line = (await readFile(fearGreed, 'utf8')).split('\n').find((l) => l.startsWith('2023-03-05'))!;
    const value = Number(line.split(',')[1]);
    expect(Number.isFinite(value)).toBe(true);
    expect(new Set(rows.map((r) => r.ext_fear_greed))).toEqual(new Set([value]));
  });

  it('writes a signals sink to Parquet with its columns typed (text, timestamps), as DuckDB reads them', async () => {
    const dir = await tempDir();
    const market = defaultMarketOptions({ candles: { intervals: ['1m'], graceMs: 0 }, signalIntervals: ['1m'] });
    const [from, to] = [Date.parse('2023-03-05T00:00:00Z'), Date.parse('2023-03-05T02:00:00Z')];
    await replay({
      topology: buildMarketTopology(market),
      inputs: await candleFiles([join(root, 'data/candles')], { from, to }),
      sinks: { features: `parquet:${dir}/features`, signals: `parquet:${dir}/signals` },
      stateDir: join(dir, 'state'),
    });
    const con = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const read = async (sql: string) => (await con.runAndReadAll(sql)).getRowObjectsJS();
      const types = await read(`DESCRIBE SELECT * FROM read_parquet('${dir}/signals/**/*.parquet', hive_partitioning = true)`);
      const typeOf = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
      expect([typeOf.ts, typeOf.close_ts, typeOf.signal, typeOf.model, typeOf.close]).toEqual([
        'TIMESTAMP WITH TIME ZONE',
        'TIMESTAMP WITH TIME ZONE',
        'VARCHAR',
        'VARCHAR',
        'DOUBLE',
      ]);
      const [{ n, signals }] = await read(
        `SELECT count(*)::INTEGER AS n, list(DISTINCT signal ORDER BY signal) AS signals FROM read_parquet('${dir}/signals/**/*.parquet', hive_partitioning = true)`,
      );
      expect(n).toBe(2 * 120);
      expect((signals as string[]).every((s) => ['BUY', 'SELL', 'HOLD'].includes(s))).toBe(true);
    } finally {
      con.closeSync();
    }
  });
});
