/**
 * A custom indicator added to the market topology, replayed over the sample candles in data/candles.
 *
 *   node --conditions=candlestream-source examples/customIndicator.ts [OUT_DIR]
 *
 * The indicator, range_5, is the spread between the highest high and the lowest low of the last five
 * candles of each symbol and interval. The features (every built-in column, then range_5) go to
 * OUT_DIR/features.jsonl (OUT_DIR defaults to a new temporary directory); a few rows are printed.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  buildMarketTopology,
  candleFiles,
  defaultMarketOptions,
  keyValueStore,
  replay,
  type FeatureRecord,
  type FeatureStage,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type StreamRecord,
} from 'candlestream';

const PERIOD = 5;
const COLUMN = `range_${PERIOD}`;
const STORE = 'range-window';

/** The last PERIOD highs and lows of one symbol and interval. */
type Window = { highs: number[]; lows: number[] };

/** Adds range_5 to each feature row; null until five candles have been seen. */
class RollingRange implements Processor<FeatureRecord, FeatureRecord> {
  #context!: ProcessorContext<FeatureRecord>;
  #windows!: KeyValueStore<Window>;
  init(context: ProcessorContext<FeatureRecord>): void {
    this.#context = context;
    // The store is the task's: it is committed with the output, so an interrupted replay resumes it.
    this.#windows = context.getStateStore(STORE);
  }
  process(record: StreamRecord<FeatureRecord>): void {
    const row = record.value;
    const key = `${row.symbol}|${row.interval}`;
    const last = this.#windows.get(key) ?? { highs: [], lows: [] };
    const window = { highs: [...last.highs, row.high].slice(-PERIOD), lows: [...last.lows, row.low].slice(-PERIOD) };
    this.#windows.put(key, window);
    const range = window.highs.length < PERIOD ? null : Math.max(...window.highs) - Math.min(...window.lows);
    this.#context.forward({ ...record, value: { ...row, [COLUMN]: range } });
  }
}

// The extension point: a stage after the built-in indicators; its column follows theirs in the features.
const rollingRange: FeatureStage = {
  name: 'rolling-range',
  supplier: () => new RollingRange(),
  reads: ['symbol', 'interval', 'high', 'low'],
  writes: [COLUMN],
  stores: [keyValueStore<Window>(STORE)],
};
const market = defaultMarketOptions({ candles: { intervals: ['1m', '1h'], graceMs: 0 }, featureStages: [rollingRange] });

const out = process.argv[2] ?? (await mkdtemp(join(tmpdir(), 'candlestream-example-')));
const features = join(out, 'features.jsonl');
// The sample data ships with the package (and is in the repository): found beside its package.json.
const sample = fileURLToPath(new URL('data/candles', import.meta.resolve('candlestream/package.json')));
const summary = await replay({
  topology: buildMarketTopology(market),
  // The first day of the sample: two symbols, 1m candles.
  inputs: await candleFiles([sample], { from: Date.parse('2023-03-01'), to: Date.parse('2023-03-02') }),
  sinks: { features: `jsonl:${features}` },
  stateDir: join(out, 'state'),
  fresh: true, // each run starts over (and replaces its own earlier output); without it, a finished replay is not redone
});
console.log(`${summary.recordsIn} candles in, ${summary.written.get('features')} feature rows out: ${features}`);

// A few 1m rows of each symbol, once the window is full.
const lines = (await readFile(features, 'utf8')).trim().split('\n');
const rows = lines.map((line) => JSON.parse(line) as FeatureRecord);
for (const symbol of new Set(rows.map((r) => r.symbol))) {
  for (const r of rows.filter((r) => r.symbol === symbol && r.interval === '1m').slice(PERIOD - 1, PERIOD + 2))
    console.log(
      `${r.symbol} ${r.interval} ${new Date(r.ts).toISOString()} high=${r.high} low=${r.low} ${COLUMN}=${(r[COLUMN] as number).toFixed(2)}`,
    );
}
