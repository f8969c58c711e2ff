import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readParquetColumns, type ColumnValues } from '../io/parquet/ParquetColumnReader.ts';
import { ParquetEncoder, type ColumnData } from '../io/parquet/ParquetEncoder.ts';
import { writeDurably } from '../io/storage/durable.ts';
import { StringInterner } from '../io/parquet/StringInterner.ts';
import { normalizeSymbol, symbolProblem } from '../market/normalizeSymbol.ts';
import { parseTimestamp } from '../market/parseTimestamp.ts';
import { MAX_VOLUME, PRICE_RANGE, validateCandle } from '../market/validateCandle.ts';
import { guardPrice } from '../processors/clean/priceGuard.ts';

/**
 * The yardstick: the backfill's full job written as a minimal columnar loop, outside the engine, to size
 * what the engine could cost. Parquet in, one row group at a time as typed arrays (our page-level reader);
 * per symbol the same cleaning (validation, duplicates, the price-outlier guard, the gap fill with the last
 * close); the same 1m/5m/1h/1d windows; the same 13 indicator columns in TA-Lib's order of operations (see
 * processors/indicators/), state in Float64Arrays indexed by (symbol, interval) slot; Parquet out with
 * ParquetEncoder. test/bench/columnarYardstick.test.ts holds its output equal to candlestream's backfill.
 *
 * It does less than the engine on purpose where the synthetic input needs nothing: one input file, in time
 * order per symbol (a row at or before its symbol's last time is counted as rejected, `out_of_order` or
 * `duplicate`, where the engine would look at its recent times and the windows' lateness); no external
 * signals, no checkpoints or state stores; rejections counted by reason, not written as dead letters.
 *
 * Usage: node bench/columnar-yardstick.ts INPUT.parquet OUTPUT_DIR [--layout interval|symbol] [--commit-every N]
 *   --layout interval: one file per interval and commit, rows sorted by symbol (default);
 *   --layout symbol: one file per interval, symbol and commit, as the backfill's sink wrote before the interval=/date= layout.
 * Prints a JSON summary (candles, rows, files, seconds, CPU seconds per phase, rejections, peak RSS).
 */

const INTERVALS = [
  { name: '1m', ms: 60_000 },
  { name: '5m', ms: 300_000 },
  { name: '1h', ms: 3_600_000 },
  { name: '1d', ms: 86_400_000 },
] as const;
const W = INTERVALS.length;
const MINUTE = 60_000;
const DAY = 86_400_000;
/** Clean's defaults: gaps up to a day are filled; a price 10× away from the last close is an outlier. */
const MAX_GAP_MS = DAY;
const MAX_PRICE_MOVE = 10;
/** TA-Lib's zero (ta_utility.h). */
const TA_EPSILON = 1e-14;
/** Epoch numbers in [1e11, 1e14) are milliseconds to parseTimestamp; later than 2200 is not market data. */
const MS_RANGE = [1e11, 7_258_118_400_000] as const;

export const FEATURE_COLUMNS = [
  'ts',
  'open',
  'high',
  'low',
  'close',
  'volume',
  'sma_14',
  'sma_50',
  'ema_12',
  'ema_26',
  'rsi_14',
  'macd',
  'macd_signal',
  'macd_hist',
  'bb_upper',
  'bb_middle',
  'bb_lower',
  'vwap',
  'atr_14',
] as const;
const [
  TS,
  OPEN,
  HIGH,
  LOW,
  CLOSE,
  VOLUME,
  SMA14,
  SMA50,
  EMA12,
  EMA26,
  RSI14,
  MACD,
  MACD_SIGNAL,
  MACD_HIST,
  BB_UPPER,
  BB_MIDDLE,
  BB_LOWER,
  VWAP,
  ATR14,
] = FEATURE_COLUMNS.map((_, i) => i);

export type Layout = 'interval' | 'symbol';

export interface YardstickOptions {
  input: string;
  output: string;
  layout?: Layout;
  /** Input candles between writes of the output (at the end of a row group), as the backfill's --commit-every. */
  commitEvery?: number;
}

export interface YardstickSummary {
  candles: number;
  rows: number;
  files: number;
  seconds: number;
  /** CPU seconds (user + system, every thread of the process) spent in each phase. */
  cpu: { decode: number; compute: number; encode: number; fileSystem: number };
  rejected: Record<string, number>;
  peakRssMb: number;
}

/** A Float64Array twice as long, its values kept and the rest set to `fill`. */
function grown(a: Float64Array, length: number, fill = 0): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  if (fill !== 0) b.fill(fill);
  b.set(a);
  return b;
}
function grownInt(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(length);
  b.set(a);
  return b;
}

/** Feature rows of one interval, column by column, until the next write. */
class FeatureRows {
  rows = 0;
  symbol: Int32Array<ArrayBuffer>;
  columns: Float64Array<ArrayBuffer>[];

  /** `capacity`: the rows a commit is expected to hold, so that the columns rarely grow (each growth copies them all). */
  constructor(capacity: number) {
    this.symbol = new Int32Array(capacity);
    this.columns = FEATURE_COLUMNS.map(() => new Float64Array(capacity));
  }

  /** The next row's index, room made for it. */
  add(symbol: number): number {
    if (this.rows === this.symbol.length) {
      this.symbol = grownInt(this.symbol, this.rows * 2);
      this.columns = this.columns.map((c) => grown(c, this.rows * 2));
    }
    this.symbol[this.rows] = symbol;
    return this.rows++;
  }
}

/** An EMA per slot, as TA_EMA: seeded with the mean of the first `period` values, then (x − prev)·k + prev. NaN: no value yet. */
class EmaSlots {
  readonly period: number;
  readonly k: number;
  seen = new Int32Array(0);
  seed = new Float64Array(0);
  value = new Float64Array(0);

  constructor(period: number) {
    this.period = period;
    this.k = 2 / (period + 1);
  }

  grow(slots: number): void {
    this.seen = grownInt(this.seen, slots);
    this.seed = grown(this.seed, slots);
    this.value = grown(this.value, slots, NaN);
  }

  update(slot: number, x: number): number {
    const previous = this.value[slot];
    if (previous === previous) return (this.value[slot] = (x - previous) * this.k + previous);
    this.seed[slot] += x;
    if (++this.seen[slot] < this.period) return NaN;
    return (this.value[slot] = this.seed[slot] / this.period);
  }
}

/** The last closes of each slot (a ring of 64 ≥ the longest period, 50), shared by SMA 14/50 and Bollinger 20. */
const RING = 64;

/**
 * The 13 default indicator columns for every (symbol, interval) slot, one closed candle at a time, each in
 * TA-Lib's order of operations (processors/indicators/ says why each is computed as it is).
 */
class Indicators {
  slots = 0;
  closes = new Float64Array(0);
  count = new Int32Array(0);
  sma14 = new Float64Array(0);
  sma50 = new Float64Array(0);
  bb20 = new Float64Array(0);
  squares20 = new Float64Array(0);
  ema12 = new EmaSlots(12);
  ema26 = new EmaSlots(26);
  macdFast = new EmaSlots(12);
  macdSlow = new EmaSlots(26);
  macdSignal = new EmaSlots(9);
  macdSeen = new Int32Array(0);
  rsiPrevious = new Float64Array(0);
  rsiDeltas = new Int32Array(0);
  rsiGain = new Float64Array(0);
  rsiLoss = new Float64Array(0);
  vwapDay = new Float64Array(0);
  vwapPriceVolume = new Float64Array(0);
  vwapVolume = new Float64Array(0);
  atrPrevious = new Float64Array(0);
  atrRanges = new Int32Array(0);
  atrTotal = new Float64Array(0);
  atrValue = new Float64Array(0);

  grow(slots: number): void {
    this.closes = grown(this.closes, slots * RING);
    for (const f of ['count', 'macdSeen', 'rsiDeltas', 'atrRanges'] as const) this[f] = grownInt(this[f], slots);
    for (const f of ['sma14', 'sma50', 'bb20', 'squares20', 'rsiGain', 'rsiLoss', 'vwapPriceVolume', 'vwapVolume', 'atrTotal'] as const)
      this[f] = grown(this[f], slots);
    for (const f of ['rsiPrevious', 'vwapDay', 'atrPrevious', 'atrValue'] as const) this[f] = grown(this[f], slots, NaN);
    for (const ema of [this.ema12, this.ema26, this.macdFast, this.macdSlow, this.macdSignal]) ema.grow(slots);
    this.slots = slots;
  }

  /** TA_SMA's running total: the new close added before dividing, the oldest subtracted after. */
  #sma(totals: Float64Array, slot: number, period: number, n: number, x: number): number {
    totals[slot] += x;
    if (n < period) return NaN;
    const mean = totals[slot] / period;
    totals[slot] -= this.closes[slot * RING + ((n - period) & (RING - 1))];
    return mean;
  }

  update(slot: number, ts: number, high: number, low: number, close: number, volume: number, out: Float64Array[], row: number): void {
    const n = ++this.count[slot];
    this.closes[slot * RING + ((n - 1) & (RING - 1))] = close;
    out[SMA14][row] = this.#sma(this.sma14, slot, 14, n, close);
    out[SMA50][row] = this.#sma(this.sma50, slot, 50, n, close);
    out[EMA12][row] = this.ema12.update(slot, close);
    out[EMA26][row] = this.ema26.update(slot, close);
    out[RSI14][row] = this.#rsi(slot, close);
    this.#macd(slot, close, out, row);
    this.#bollinger(slot, n, close, out, row);
    out[VWAP][row] = this.#vwap(slot, ts, high, low, close, volume);
    out[ATR14][row] = this.#atr(slot, high, low, close);
  }

  /** TA_RSI, Wilder's smoothing, period 14. */
  #rsi(slot: number, close: number): number {
    const previous = this.rsiPrevious[slot];
    this.rsiPrevious[slot] = close;
    if (previous !== previous) return NaN;
    const delta = close - previous;
    const deltas = ++this.rsiDeltas[slot];
    let gain = this.rsiGain[slot];
    let loss = this.rsiLoss[slot];
    if (deltas <= 14) {
      if (delta < 0) loss -= delta;
      else gain += delta;
      if (deltas < 14) {
        this.rsiGain[slot] = gain;
        this.rsiLoss[slot] = loss;
        return NaN;
      }
    } else {
      loss *= 13;
      gain *= 13;
      if (delta < 0) loss -= delta;
      else gain += delta;
    }
    this.rsiGain[slot] = gain /= 14;
    this.rsiLoss[slot] = loss /= 14;
    const total = gain + loss;
    return total > -TA_EPSILON && total < TA_EPSILON ? 0 : 100 * (gain / total);
  }

  /** TA_MACD 12/26/9: the fast EMA skips the first 26 − 12 closes; the signal EMA runs on MACD values. */
  #macd(slot: number, close: number, out: Float64Array[], row: number): void {
    const slow = this.macdSlow.update(slot, close);
    const fast = this.macdSeen[slot]++ < 14 ? NaN : this.macdFast.update(slot, close);
    let macd = NaN,
      signal = NaN;
    if (slow === slow && fast === fast) {
      macd = fast - slow;
      signal = this.macdSignal.update(slot, macd);
    }
    const ready = signal === signal;
    out[MACD][row] = ready ? macd : NaN;
    out[MACD_SIGNAL][row] = signal;
    out[MACD_HIST][row] = ready ? macd - signal : NaN;
  }

  /** TA_BBANDS 20, 2σ: σ² = mean of the squares − SMA², from running totals; 0 below TA-Lib's zero. */
  #bollinger(slot: number, n: number, close: number, out: Float64Array[], row: number): void {
    const middle = this.#sma(this.bb20, slot, 20, n, close);
    this.squares20[slot] += close * close;
    if (middle !== middle) {
      out[BB_UPPER][row] = out[BB_MIDDLE][row] = out[BB_LOWER][row] = NaN;
      return;
    }
    let variance = this.squares20[slot] / 20;
    const oldest = this.closes[slot * RING + ((n - 20) & (RING - 1))];
    this.squares20[slot] -= oldest * oldest;
    variance -= middle * middle;
    const width = (variance < TA_EPSILON ? 0 : Math.sqrt(variance)) * 2;
    out[BB_UPPER][row] = middle + width;
    out[BB_MIDDLE][row] = middle;
    out[BB_LOWER][row] = middle - width;
  }

  /** Σ(typical price × volume) / Σ volume since 00:00 UTC; NaN while the day has no volume. */
  #vwap(slot: number, ts: number, high: number, low: number, close: number, volume: number): number {
    const day = Math.floor(ts / DAY);
    if (day !== this.vwapDay[slot]) {
      this.vwapDay[slot] = day;
      this.vwapPriceVolume[slot] = 0;
      this.vwapVolume[slot] = 0;
    }
    const priceVolume = (this.vwapPriceVolume[slot] += ((high + low + close) / 3) * volume);
    const total = (this.vwapVolume[slot] += volume);
    return total > 0 ? priceVolume / total : NaN;
  }

  /** TA_ATR 14: true ranges from the second candle, the first ATR their mean, then Wilder's smoothing. */
  #atr(slot: number, high: number, low: number, close: number): number {
    const previous = this.atrPrevious[slot];
    this.atrPrevious[slot] = close;
    if (previous !== previous) return NaN;
    let range = high - low;
    const toHigh = Math.abs(previous - high);
    if (toHigh > range) range = toHigh;
    const toLow = Math.abs(previous - low);
    if (toLow > range) range = toLow;
    const value = this.atrValue[slot];
    if (value === value) {
      let atr = value * 13;
      atr += range;
      return (this.atrValue[slot] = atr / 14);
    }
    this.atrTotal[slot] += range;
    if (++this.atrRanges[slot] < 14) return NaN;
    return (this.atrValue[slot] = this.atrTotal[slot] / 14);
  }
}

/** The job's state: per symbol the cleaning state, per (symbol, interval) slot the open window and indicators. */
class Job {
  readonly names: string[] = [];
  readonly rejected = new Map<string, number>();
  readonly out: FeatureRows[];
  readonly indicators = new Indicators();
  /** Feature rows so far. */
  emitted = 0;
  /** The symbol's index for each interned id of the input's symbol column; -1 not a symbol. */
  readonly #symbolOf: number[] = [];
  readonly #ids = new Map<string, number>();
  // Clean, per symbol: NaN for none yet.
  lastTs = new Float64Array(0);
  lastClose = new Float64Array(0);
  anchor = new Float64Array(0);
  /** Closes of the outliers rejected in a row since the anchor, per symbol (rare: a Map). */
  readonly outliers = new Map<number, number[]>();
  // The open window of each slot (symbol × W + interval): start (NaN: none), open, high, low, close, volume.
  start = new Float64Array(0);
  open = new Float64Array(0);
  high = new Float64Array(0);
  low = new Float64Array(0);
  close = new Float64Array(0);
  volume = new Float64Array(0);

  /** `commitEvery`: input candles between writes, which sizes the output columns. */
  constructor(commitEvery: number) {
    // A commit comes at the end of a row group after `commitEvery` candles: room for one more group and gap fills.
    this.out = INTERVALS.map(({ ms }) => new FeatureRows(Math.min(1 << 22, Math.ceil(((commitEvery + (1 << 17)) * MINUTE) / ms))));
  }

  reject(reason: string): void {
    this.rejected.set(reason, (this.rejected.get(reason) ?? 0) + 1);
  }

  /** The symbol of an input id (normalised once per distinct id), or -1. */
  symbolOf(id: number, name: () => string): number {
    let s = this.#symbolOf[id];
    if (s === undefined) {
      const symbol = normalizeSymbol(name());
      s = symbol === null ? -1 : (this.#ids.get(symbol) ?? this.#add(symbol));
      this.#symbolOf[id] = s;
    }
    return s;
  }

  #add(symbol: string): number {
    const s = this.names.push(symbol) - 1;
    this.#ids.set(symbol, s);
    if (s >= this.lastTs.length) {
      const symbols = Math.max(64, this.lastTs.length * 2);
      for (const f of ['lastTs', 'lastClose', 'anchor'] as const) this[f] = grown(this[f], symbols, NaN);
      this.start = grown(this.start, symbols * W, NaN);
      for (const f of ['open', 'high', 'low', 'close', 'volume'] as const) this[f] = grown(this[f], symbols * W);
      this.indicators.grow(symbols * W);
    }
    return s;
  }

  /** Clean, then the candle (and the gap before it) into every interval's window. */
  candle(s: number, ts: number, open: number, high: number, low: number, close: number, volume: number): void {
    const last = this.lastTs[s];
    if (ts <= last) return this.reject(ts === last ? 'duplicate' : 'out_of_order');
    if (!this.#guarded(s, high, low, close)) return this.reject('price_outlier');
    if (ts - last > MINUTE && ts - last <= MAX_GAP_MS) {
      const c = this.lastClose[s];
      for (let t = last + MINUTE; t < ts; t += MINUTE) this.#windows(s, t, c, c, c, c, 0);
    }
    this.lastTs[s] = ts;
    this.lastClose[s] = close;
    this.#windows(s, ts, open, high, low, close, volume);
  }

  /** guardPrice on the usual path without an object per candle; its own code when outliers are pending. */
  #guarded(s: number, high: number, low: number, close: number): boolean {
    const anchor = this.anchor[s];
    const pending = this.outliers.get(s);
    if (pending === undefined && (anchor !== anchor || (high <= anchor * MAX_PRICE_MOVE && low >= anchor / MAX_PRICE_MOVE))) {
      this.anchor[s] = close;
      return true;
    }
    const verdict = guardPrice({ close: anchor, rejected: pending }, { high, low, close }, MAX_PRICE_MOVE);
    this.anchor[s] = verdict.anchor.close;
    if (verdict.anchor.rejected) this.outliers.set(s, verdict.anchor.rejected);
    else this.outliers.delete(s);
    return verdict.accepted;
  }

  #windows(s: number, ts: number, open: number, high: number, low: number, close: number, volume: number): void {
    for (let w = 0; w < W; w++) {
      const slot = s * W + w;
      const size = INTERVALS[w].ms;
      const start = ts - (ts % size);
      if (this.start[slot] === start) {
        if (high > this.high[slot]) this.high[slot] = high;
        if (low < this.low[slot]) this.low[slot] = low;
        this.volume[slot] += volume;
        this.close[slot] = close;
        continue;
      }
      if (this.start[slot] === this.start[slot]) this.emit(s, w);
      this.start[slot] = start;
      this.open[slot] = open;
      this.high[slot] = high;
      this.low[slot] = low;
      this.close[slot] = close;
      this.volume[slot] = volume;
    }
  }

  /** The slot's window closes: a feature row with its indicators. */
  emit(s: number, w: number): void {
    const slot = s * W + w;
    const out = this.out[w];
    const row = out.add(s);
    this.emitted++;
    const c = out.columns;
    c[TS][row] = this.start[slot];
    c[OPEN][row] = this.open[slot];
    c[HIGH][row] = this.high[slot];
    c[LOW][row] = this.low[slot];
    c[CLOSE][row] = this.close[slot];
    c[VOLUME][row] = this.volume[slot];
    this.indicators.update(slot, this.start[slot], this.high[slot], this.low[slot], this.close[slot], this.volume[slot], c, row);
  }

  /** End of input: every open window closes. */
  closeAll(): void {
    for (let s = 0; s < this.names.length; s++)
      for (let w = 0; w < W; w++)
        if (this.start[s * W + w] === this.start[s * W + w]) {
          this.emit(s, w);
          this.start[s * W + w] = NaN;
        }
  }
}

/** One row group's candles through Clean and the windows. */
function processGroup(job: Job, columns: ReadonlyMap<string, ColumnValues>, rows: number, symbolName: (id: number) => string): void {
  const numbers = (name: string) => {
    const c = columns.get(name);
    if (c?.kind !== 'number') throw new Error(`the yardstick reads a numeric ${name} column`);
    return c as ColumnValues & { kind: 'number' };
  };
  const symbols = columns.get('symbol');
  if (symbols?.kind !== 'string') throw new Error('the yardstick reads a string symbol column');
  const [ts, open, high, low, close, volume] = ['ts', 'open', 'high', 'low', 'close', 'volume'].map(numbers);
  const [T, O, H, L, C, V] = [ts, open, high, low, close, volume].map((c) => c.values);
  const [lo, hi] = PRICE_RANGE;
  for (let i = 0; i < rows; i++) {
    const id = symbols.ids[i];
    if (id < 0) {
      job.reject('missing_field:symbol');
      continue;
    }
    const s = job.symbolOf(id, () => symbolName(id));
    if (s < 0) {
      job.reject(`bad_symbol:${symbolProblem(symbolName(id))}`);
      continue;
    }
    let t = T[i];
    if (!(t >= MS_RANGE[0] && t < MS_RANGE[1] && Math.round(t) === t)) {
      const parsed = ts.nulls?.[i] ? null : parseTimestamp(t);
      if (parsed === null) {
        job.reject(ts.nulls?.[i] ? 'missing_field:ts' : 'bad_timestamp');
        continue;
      }
      t = parsed;
    }
    const o = O[i],
      h = H[i],
      l = L[i],
      c = C[i],
      v = V[i];
    // validateCandle's rules as comparisons (NaN fails them all); its own code names the reason.
    const valid = l >= lo && h <= hi && h >= l && o >= l && o <= h && c >= l && c <= h && v >= 0 && v <= MAX_VOLUME;
    if (!valid) {
      const value = (column: { nulls: Uint8Array | undefined }, x: number) => (column.nulls?.[i] ? null : x);
      const ohlcv = { open: value(open, o), high: value(high, h), low: value(low, l), close: value(close, c), volume: value(volume, v) };
      job.reject(validateCandle(ohlcv) ?? 'invalid');
      continue;
    }
    job.candle(s, t, o, h, l, c, v);
  }
}

/** Rows of an interval grouped by symbol (a stable counting sort: each symbol's rows stay in time order). */
function bySymbol(rows: FeatureRows, symbols: number): { order: Int32Array; starts: Int32Array } {
  const starts = new Int32Array(symbols + 1);
  for (let r = 0; r < rows.rows; r++) starts[rows.symbol[r] + 1]++;
  for (let s = 0; s < symbols; s++) starts[s + 1] += starts[s];
  const next = starts.slice(0, symbols);
  const order = new Int32Array(rows.rows);
  for (let r = 0; r < rows.rows; r++) order[next[rows.symbol[r]]++] = r;
  return { order, starts };
}

/** The feature rows so far, as Parquet files (encoded, then written durably), and the buffers emptied. */
function encodeCommit(
  job: Job,
  encoder: ParquetEncoder,
  output: string,
  layout: Layout,
  seq: number,
): { path: string; bytes: Uint8Array }[] {
  const files: { path: string; bytes: Uint8Array }[] = [];
  const name = `part-${String(seq).padStart(6, '0')}.parquet`;
  for (let w = 0; w < W; w++) {
    const rows = job.out[w];
    if (rows.rows === 0) continue;
    const { order, starts } = bySymbol(rows, job.names.length);
    const sorted = rows.columns.map((column) => {
      const values = new Float64Array(rows.rows);
      for (let r = 0; r < rows.rows; r++) values[r] = column[order[r]];
      return values;
    });
    const dir = `${output}/interval=${INTERVALS[w].name}`;
    if (layout === 'interval') {
      const ids = new Int32Array(rows.rows);
      for (let r = 0; r < rows.rows; r++) ids[r] = rows.symbol[order[r]];
      const columns: ColumnData[] = [
        { name: 'symbol', type: 'string', ids, names: job.names },
        ...FEATURE_COLUMNS.map((name, i): ColumnData => featureColumn(name, i, sorted[i])),
      ];
      files.push({ path: `${dir}/${name}`, bytes: encoder.encode(columns, rows.rows) });
    } else {
      for (let s = 0; s < job.names.length; s++) {
        const [from, to] = [starts[s], starts[s + 1]];
        if (from === to) continue;
        const columns = FEATURE_COLUMNS.map((name, i): ColumnData => featureColumn(name, i, sorted[i].subarray(from, to)));
        files.push({ path: `${dir}/symbol=${job.names[s]}/${name}`, bytes: encoder.encode(columns, to - from) });
      }
    }
    rows.rows = 0;
  }
  return files;
}

/** Files written durably (fsync each, as the backfill's local storage does), 16 at a time. */
async function writeAll(files: { path: string; bytes: Uint8Array }[]): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  for (const { path, bytes } of files) {
    const write = writeDurably(path, bytes).then(() => void inFlight.delete(write));
    inFlight.add(write);
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
}

const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

export async function runYardstick(options: YardstickOptions): Promise<YardstickSummary> {
  const { input, output, layout = 'interval', commitEvery = 1_000_000 } = options;
  // Never into a directory holding anything: the yardstick writes only where nothing is to be lost.
  const existing = (() => {
    try {
      return readdirSync(output);
    } catch {
      return [];
    }
  })();
  if (existing.length) throw new Error(`${output} is not empty: the yardstick writes only into a new or empty directory`);

  const started = performance.now();
  const cpu = { decode: 0, compute: 0, encode: 0, fileSystem: 0 };
  const job = new Job(commitEvery);
  const encoder = new ParquetEncoder();
  const strings = new StringInterner();
  const groups = readParquetColumns(input, { columns: ['symbol', 'ts', 'open', 'high', 'low', 'close', 'volume'], strings });
  let candles = 0,
    sinceCommit = 0,
    seq = 0,
    files = 0;
  const commit = async () => {
    let at = cpuSeconds();
    const written = encodeCommit(job, encoder, output, layout, ++seq);
    cpu.encode += cpuSeconds() - at;
    at = cpuSeconds();
    await writeAll(written);
    cpu.fileSystem += cpuSeconds() - at;
    files += written.length;
    sinceCommit = 0;
  };
  for (;;) {
    let at = cpuSeconds();
    const next = await groups.next();
    cpu.decode += cpuSeconds() - at;
    if (next.done) break;
    at = cpuSeconds();
    processGroup(job, next.value.columns, next.value.rows, (id) => strings.name(id));
    cpu.compute += cpuSeconds() - at;
    candles += next.value.rows;
    sinceCommit += next.value.rows;
    if (sinceCommit >= commitEvery) await commit();
  }
  const at = cpuSeconds();
  job.closeAll();
  cpu.compute += cpuSeconds() - at;
  await commit();
  return {
    candles,
    rows: job.emitted,
    files,
    seconds: (performance.now() - started) / 1000,
    cpu,
    rejected: Object.fromEntries(job.rejected),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [input, output, ...flags] = process.argv.slice(2);
  const flag = (name: string) => {
    const i = flags.indexOf(name);
    return i < 0 ? undefined : flags[i + 1];
  };
  const layout = flag('--layout') ?? 'interval';
  const commitEvery = Number(flag('--commit-every') ?? 1_000_000);
  if (!input || !output || (layout !== 'interval' && layout !== 'symbol') || !(commitEvery >= 1)) {
    console.error('usage: node bench/columnar-yardstick.ts INPUT.parquet OUTPUT_DIR [--layout interval|symbol] [--commit-every N]');
    process.exit(2);
  }
  console.log(JSON.stringify(await runYardstick({ input, output, layout, commitEvery })));
}

/** A feature column as the backfill's sink writes it: ts a TIMESTAMP (epoch ms, UTC), the rest nullable doubles. */
function featureColumn(name: string, i: number, values: Float64Array): ColumnData {
  return i === TS ? { name, type: 'int64', timestamp: true, values } : { name, type: 'double', values };
}
