import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { StreamTask } from '../../topology/StreamTask.ts';
import { batchOfRecords, type ColumnRow, type RecordBatch } from '../../topology/RecordBatch.ts';
import { PLAIN_CANDLE_FIELDS } from '../../processors/clean/plainCandleFields.ts';
import { readsPlainCandle } from '../../market/exchanges/normalizeCandle.ts';
import { normalizeSymbol } from '../../market/normalizeSymbol.ts';
import { parseTimestamp } from '../../market/parseTimestamp.ts';
import { Topology, type BuiltTopology } from '../../topology/Topology.ts';
import type { BatchProcessor, Processor } from '../../topology/Processor.ts';
import type { BatchContext, ProcessorContext } from '../../topology/ProcessorContext.ts';
import type { StreamRecord } from '../../topology/StreamRecord.ts';
import { partitionFor } from '../../topology/partitioner.ts';
import { buildMarketTopology, defaultMarketOptions } from '../../processors/marketTopology.ts';
import { priceKey } from '../../market/exchanges/priceKey.ts';
import { priceEventTime } from '../../market/exchanges/eventTime.ts';
import { fuzzSettings } from '../fuzz/fuzzSettings.ts';
import { MIN, T0 } from '../processors/marketDriver.ts';

/**
 * The batch path means what the record-at-a-time path means: the same inputs, through tasks run
 * depth first one record at a time (the reference), one record at a time as batches of one, and
 * in batches cut at random, give every sink of every task the same records in the same order, and leave
 * every store holding the same bytes under the same keys.
 * Fixed seed (fuzzSettings); EQUIVALENCE_RUNS raises the number of cases.
 */

type Step =
  | { kind: 'input'; source: string; records: StreamRecord[]; cuts: number[] }
  | { kind: 'advance'; byMs: number }
  /** Commit; in batches, if `restart`, also restart every task, its stores restored from their changelogs (as a live task is). */
  | { kind: 'commit'; restart: boolean };
type Outputs = Map<string, StreamRecord[]>[];
type Mode = 'reference' | 'one by one' | 'batches';

async function run(
  topology: () => BuiltTopology,
  partitions: number,
  steps: readonly Step[],
  mode: Mode,
): Promise<{ outputs: Outputs; state: Map<string, string | null>[] }> {
  const outputs: Outputs = [];
  const tasks: StreamTask[] = [];
  /** Per task, every change its commits logged, per store: the changelog topics of a live task. */
  const changelogs: [string, string, Uint8Array | null][][] = [];
  const start = async (partition: number) => {
    const out = outputs[partition];
    const emit = (sink: string, record: StreamRecord) => void (out.get(sink) ?? out.set(sink, []).get(sink)!).push(record);
    const task = new StreamTask(topology(), { partition, emit, recordAtATime: mode === 'reference' });
    expect(task.recordAtATime).toBe(mode === 'reference'); // else the comparison would be of the reference with itself
    await task.openStores();
    for (const [store, key, value] of changelogs[partition]) task.stores.get(store)!.restore(key, value);
    task.startProcessors();
    await task.commit('restored'); // as restoreTask does: what was restored is now the committed state
    return task;
  };
  for (let partition = 0; partition < partitions; partition++) {
    outputs.push(new Map());
    changelogs.push([]);
    tasks.push(await start(partition));
  }
  const taskOf = (r: StreamRecord) => (r.key === null ? 0 : partitionFor(r.key, partitions));
  for (const step of steps) {
    if (step.kind === 'commit') {
      for (let p = 0; p < partitions; p++) {
        const task = tasks[p];
        await task.flush();
        await task.commit('m', (store, key, value) => changelogs[p].push([store, key, value]));
        if (mode !== 'batches' || !step.restart) continue;
        await task.close();
        tasks[p] = await start(p);
        if (Number.isFinite(task.streamTime)) tasks[p].restoreStreamTime(task.streamTime);
      }
    } else if (step.kind === 'advance') {
      for (const task of tasks) task.advanceStreamTime(task.streamTime + step.byMs);
    } else if (mode !== 'batches') {
      for (const record of step.records) tasks[taskOf(record)].process(step.source, record);
    } else {
      // Each task's records in order, cut into batches at the step's cut points.
      tasks.forEach((task, p) => {
        const mine = step.records.filter((r) => taskOf(r) === p);
        let start = 0;
        for (const cut of [...step.cuts.map((c) => Math.floor(c * mine.length)), mine.length].sort((a, b) => a - b)) {
          if (cut > start) task.processBatch(step.source, batchOfRecords(mine.slice(start, cut)));
          start = Math.max(start, cut);
        }
      });
    }
  }
  for (const [p, task] of tasks.entries()) {
    task.advanceStreamTime(Infinity);
    await task.flush();
    await task.commit('end', (store, key, value) => changelogs[p].push([store, key, value]));
    await task.close();
  }
  // What each task's stores hold at the end, as their changelogs say (what a restart would read back).
  const state = changelogs.map((log) => {
    const last = new Map<string, string | null>();
    for (const [store, key, value] of log) last.set(`${store}/${key}`, value && Buffer.from(value).toString('hex'));
    return new Map([...last].filter(([, v]) => v !== null).sort(([a], [b]) => (a < b ? -1 : 1)));
  });
  return { outputs, state };
}

async function expectSameEverywhere(topology: () => BuiltTopology, partitions: number, steps: readonly Step[]): Promise<void> {
  const reference = await run(topology, partitions, steps, 'reference');
  expect(await run(topology, partitions, steps, 'one by one')).toStrictEqual(reference);
  expect(await run(topology, partitions, steps, 'batches')).toStrictEqual(reference);
}

const record = (value: unknown, key: string | null, timestamp: number, offset: number, source: string): StreamRecord => ({
  key,
  value,
  timestamp,
  headers: {},
  position: { source, partition: 0, offset },
});

/** Market input: minutes drifting forward with some going back (late, duplicate), gaps, outliers, multi-row and broken messages. */
const symbols = ['BTC-USDT', 'ETH-USDT', 'SOL-USD'];
const priceRow = fc.record({
  dm: fc.integer({ min: -3, max: 4 }),
  second: fc.constantFrom(0, 0, 0, 1, 17, 59),
  symbol: fc.constantFrom(...symbols),
  close: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 90, max: 110 }) }, fc.constantFrom(5000, Number.NaN, -1)),
  shape: fc.constantFrom('candle', 'candle', 'candle', 'candle', 'trades', 'trades', 'broken'),
  trades: fc.array(fc.oneof(fc.integer({ min: 95, max: 105 }), fc.constantFrom('x', -3)), { minLength: 1, maxLength: 4 }),
  broken: fc.constantFrom<unknown>(null, 'text', 7, [], {}, { symbol: 'BTCUSDT' }),
});
type Generated<A> = A extends fc.Arbitrary<infer T> ? T : never;
type PriceRow = Generated<typeof priceRow>;

function priceValue(r: PriceRow, minute: number): unknown {
  const ts = T0 + minute * MIN + r.second * 1000;
  if (r.shape === 'broken') return r.broken;
  if (r.shape === 'candle') {
    const symbol = r.symbol.replace('-', '');
    return { symbol, ts, open: r.close, high: r.close + 1, low: r.close - 1, close: r.close, volume: 2 };
  }
  const data = r.trades.map((price, i) => ({
    symbol: r.symbol.replace('-', '/'),
    side: 'buy',
    price,
    qty: 1,
    ord_type: 'market',
    trade_id: i,
    timestamp: new Date(ts + i * 7000).toISOString(),
  }));
  return { channel: 'trade', type: 'update', data };
}

const externalRow = fc.record({
  dm: fc.integer({ min: -2, max: 3 }),
  name: fc.constantFrom('fng', 'fng', 'moon'),
  value: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom(null, Number.POSITIVE_INFINITY)),
});

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 4 });
const stepShape = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('prices' as const), rows: fc.array(priceRow, { maxLength: 30 }), cuts }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('external' as const), rows: fc.array(externalRow, { maxLength: 4 }), cuts }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('advance' as const), byMs: fc.constantFrom(500, MIN, 7 * MIN) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('commit' as const), restart: fc.boolean() }) },
);

/**
 * A price record as a columnar source gives it (see PLAIN_CANDLE_FIELDS): a row of columns, `plain`
 * only where such a source may vouch for it (a candle of plain fields whose symbol is the key and
 * whose time reads), so a batch of them takes Clean's column path, and a record the record path.
 */
function asColumnRow(record: StreamRecord): ColumnRow {
  const v = (record.value ?? {}) as Record<string, unknown>;
  const ts = parseTimestamp(v.ts);
  const candle = typeof v === 'object' && !Array.isArray(v) && readsPlainCandle(Object.keys(v));
  const plain = candle && ts !== null && normalizeSymbol(v.symbol) === record.key ? 1 : 0;
  const number = (x: unknown) => (candle && typeof x === 'number' ? x : NaN);
  const columns = [
    Int32Array.of(plain),
    Float64Array.of(ts ?? NaN),
    ...['open', 'high', 'low', 'close', 'volume'].map((f) => Float64Array.of(number(v[f]))),
  ];
  return { ...record, chunk: { fields: PLAIN_CANDLE_FIELDS, columns }, index: 0 };
}

/** Turn generated shapes into records, with one minute clock for the whole run; `columnar`: prices as rows of columns. */
function marketSteps(shapes: Generated<typeof stepShape>[], columnar = false): Step[] {
  let minute = 0;
  let offset = 0;
  return shapes.map((shape): Step => {
    if (shape.kind === 'advance' || shape.kind === 'commit') return shape;
    if (shape.kind === 'external') {
      const records = shape.rows.map((r) => {
        minute = Math.max(0, minute + r.dm);
        const ts = T0 + minute * MIN;
        return record({ name: r.name, ts, value: r.value }, null, ts, offset++, 'external');
      });
      return { kind: 'input', source: 'external', records, cuts: shape.cuts };
    }
    const records = shape.rows.map((r) => {
      minute = Math.max(0, minute + r.dm);
      const value = priceValue(r, minute);
      const price = record(value, priceKey(value), priceEventTime(value), offset++, 'prices');
      return columnar ? asColumnRow(price) : price;
    });
    return { kind: 'input', source: 'prices', records, cuts: shape.cuts };
  });
}

describe('batches mean what records one at a time mean', () => {
  it('the market topology: features, signals and dead letters per task, for random inputs (as records, or as rows of columns for Clean) cut into random batches, across commits and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepShape, { maxLength: 12 }),
        fc.constantFrom(1, 3),
        fc.constantFrom(0, 2 * MIN),
        fc.boolean(),
        fc.boolean(),
        async (shapes, partitions, graceMs, fillGaps, columnar) => {
          const options = defaultMarketOptions({
            externalSignals: ['fng'],
            clean: { fillGaps, maxGapMs: 10 * MIN, maxPriceMove: 10 },
            candles: { intervals: ['1m', '5m', '1h'], graceMs },
            signalIntervals: ['5m'],
          });
          await expectSameEverywhere(() => buildMarketTopology(options), partitions, marketSteps(shapes, columnar));
        },
      ),
      fuzzSettings({ numRuns: Number(process.env.EQUIVALENCE_RUNS ?? 300) }),
    );
  });

  it('a topology with fan-out, named children, rejects between forwards, punctuation and a native batch processor', async () => {
    const steps = fc.array(
      fc.record({
        records: fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b', 'c', null),
            n: fc.integer({ min: -2, max: 5 }),
            dt: fc.integer({ min: -400, max: 900 }),
          }),
          { maxLength: 25 },
        ),
        cuts,
      }),
      { maxLength: 8 },
    );
    await fc.assert(
      fc.asyncProperty(steps, fc.constantFrom(1, 2), async (generated, partitions) => {
        let t = 0;
        let offset = 0;
        const input: Step[] = generated.map(({ records, cuts }) => ({
          kind: 'input',
          source: 'in',
          records: records.map(({ key, n, dt }) => record({ n }, key, (t = Math.max(0, t + dt)), offset++, 'in')),
          cuts,
        }));
        await expectSameEverywhere(branching, partitions, input);
      }),
      fuzzSettings({ numRuns: Number(process.env.EQUIVALENCE_RUNS ?? 500) }),
    );
  });
});

/**
 * in → split (n copies, a reject between each; odd copies to `odd`, even to both) → odd → sink-odd;
 * split → even (native batch processor, rejects copy 0, punctuates a count every second) → sink-even;
 * split → sink-all.
 */
function branching(): BuiltTopology {
  return new Topology()
    .addSource('in', ['in'], ['n'])
    .addProcessor('split', () => new Split(), ['in'], { reads: ['n'] })
    .addProcessor('odd', () => new Odd(), ['split'])
    .addProcessor('even', () => new Even(), ['split'])
    .addSink('sink-odd', 'odd', ['odd'])
    .addSink('sink-even', 'even', ['even'])
    .addSink('sink-all', 'all', ['split'])
    .build();
}

class Split implements Processor<{ n: number }> {
  #context!: ProcessorContext;
  init(context: ProcessorContext) {
    this.#context = context;
  }
  process(record: StreamRecord<{ n: number }>) {
    if (record.value.n < 0) return this.#context.reject(record, 'negative');
    for (let copy = 0; copy < record.value.n; copy++) {
      const out = { ...record, value: { n: record.value.n, copy } };
      if (copy % 2) this.#context.forward(out, 'odd');
      else this.#context.forward(out);
      if (copy === 1) this.#context.reject(record, `between:${copy}`);
    }
  }
}

class Odd implements Processor<{ copy: number }> {
  #context!: ProcessorContext;
  init(context: ProcessorContext) {
    this.#context = context;
  }
  process(record: StreamRecord<{ copy: number }>) {
    if (record.value.copy === 3) this.#context.reject(record, 'odd:3');
    else this.#context.forward({ ...record, value: { ...record.value, seen: this.#context.streamTime } });
  }
}

class Even implements BatchProcessor<{ copy: number }> {
  #context!: BatchContext;
  #count = 0;
  init(context: ProcessorContext) {
    this.#context = context as BatchContext;
    context.schedule(1000, (time) => {
      if (this.#count === 7) this.#context.reject({ key: null, value: this.#count, timestamp: time, headers: {} }, 'seven');
      this.#context.forward({ key: null, value: { count: this.#count, at: time }, timestamp: time, headers: {} });
    });
  }
  process(record: StreamRecord<{ copy: number }>) {
    this.#count++;
    if (record.value.copy === 0) this.#context.reject(record, 'even:0');
    else this.#context.forward({ ...record, value: { ...record.value, current: this.#context.currentRecord?.position?.offset } });
  }
  processBatch(batch: RecordBatch) {
    for (let i = 0; i < batch.length; i++) {
      this.#context.at(i);
      this.process(batch.records![i] as StreamRecord<{ copy: number }>);
    }
  }
}
