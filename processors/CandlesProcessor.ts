import type { BatchProcessor } from '../topology/Processor.ts';
import type { BatchContext, ProcessorContext } from '../topology/ProcessorContext.ts';
import { materialize, type RecordBatch } from '../topology/RecordBatch.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import { windowStore, type WindowStore } from '../state/WindowStore.ts';
import { keyValueStore, type CachedKeyValueStoreOptions } from '../state/CachedKeyValueStore.ts';
import type { KeyValueStore } from '../state/KeyValueStore.ts';
import type { Candle } from '../market/Candle.ts';
import { intervalMs, windowStart } from '../market/interval.ts';
import { compositeKey } from './compositeKey.ts';

export interface CandlesOptions {
  intervals: readonly string[];
  /** How long after a window ends a late record may still update it. */
  graceMs: number;
}

/** An open window: the candle so far, plus when its open and close were seen (records may come late). */
interface WindowAggregate {
  candle: Candle & Record<string, unknown>;
  firstTs: number;
  lastTs: number;
}

const storeName = (interval: string) => `candles-${interval}`;
const EMITTED_STORE = 'candles-emitted';

/**
 * Rolls candles (or trades, as one-trade candles) up into tumbling UTC windows. A window is emitted
 * once, when stream time passes its end plus the grace. Lateness is judged per symbol: a record for
 * a window at or before the last one emitted for its symbol goes to the dead-letter output, so each
 * symbol's candles leave in time order. Windows across intervals close smallest interval first.
 *
 * Every open window is in its interval's WindowStore (which persists it and finds the ended ones).
 * The hot path does not look there: per symbol and interval (a slot) it holds the newest open window
 * and the last emitted start in arrays, and puts the window, merged in place, once per store flush.
 */
export class CandlesProcessor implements BatchProcessor<Candle & Record<string, unknown>, Candle> {
  readonly #options: CandlesOptions;
  #context!: BatchContext<Candle>;
  #windows: { interval: string; sizeMs: number; store: WindowStore<WindowAggregate> }[] = [];
  /** `symbol|interval` → start of the last window emitted. */
  #emitted!: KeyValueStore<number>;
  /** Symbol id → its first slot (−1: not seen yet); slot + w is its slot for #windows[w]. */
  #base = new Int32Array(16).fill(-1);
  /** Per slot: its symbol, its emitted-store key, the last emitted start (NaN: none). */
  readonly #symbol: string[] = [];
  readonly #emittedKey: string[] = [];
  #lastEmitted: Float64Array = new Float64Array(16);
  /** Per slot: the newest open window's start (NaN: none), its aggregate, and the store flush it was last put in. */
  #hotStart: Float64Array = new Float64Array(16);
  readonly #hot: (WindowAggregate | undefined)[] = [];
  #hotPutIn: Float64Array = new Float64Array(16);
  #slots = 0;
  /** Source interval → its size (`intervalMs` once per interval, not per record). */
  readonly #sourceSizes = new Map<string, number>([['trade', 0]]);
  /** Earliest stream time at which some window can close; saves a scan per record. */
  #nextClose = -Infinity;

  constructor(options: CandlesOptions) {
    this.#options = options;
  }

  static stores(options: CandlesOptions, cache: CachedKeyValueStoreOptions = {}) {
    return [
      ...options.intervals.map((interval) => windowStore<WindowAggregate>(storeName(interval), intervalMs(interval), cache)),
      keyValueStore<number>(EMITTED_STORE, cache),
    ];
  }

  init(context: ProcessorContext<Candle>): void {
    this.#context = context as BatchContext<Candle>;
    this.#windows = this.#options.intervals
      .map((interval) => ({
        interval,
        sizeMs: intervalMs(interval),
        store: context.getStateStore<WindowStore<WindowAggregate>>(storeName(interval)),
      }))
      .sort((a, b) => a.sizeMs - b.sizeMs);
    this.#emitted = context.getStateStore(EMITTED_STORE);
    context.schedule(1000, (streamTime) => this.#closeWindows(streamTime));
  }

  processBatch(batch: RecordBatch): void {
    const symbols = this.#context.symbols;
    for (let i = 0; i < batch.length; i++) {
      this.#context.at(i);
      this.process(materialize(batch, i, symbols) as StreamRecord<Candle & Record<string, unknown>>);
    }
  }

  process(record: StreamRecord<Candle & Record<string, unknown>>): void {
    const input = record.value;
    let sourceSize = this.#sourceSizes.get(input.interval);
    if (sourceSize === undefined) this.#sourceSizes.set(input.interval, (sourceSize = intervalMs(input.interval)));
    let lateFor: string[] | undefined;
    const base = this.#slotsOf(input.symbol);
    for (let w = 0; w < this.#windows.length; w++) {
      const { interval, sizeMs, store } = this.#windows[w];
      if (sizeMs < sourceSize) continue;
      const slot = base + w;
      const start = windowStart(input.ts, sizeMs);
      if (start <= this.#lastEmitted[slot]) {
        (lateFor ??= []).push(interval);
        continue;
      }
      if (start === this.#hotStart[slot]) {
        // Window values are live objects, merged in place; put tells the store to write it at commit.
        merge(this.#hot[slot]!, input);
        if (this.#hotPutIn[slot] !== store.flushes) {
          store.put(input.symbol, start, this.#hot[slot]!);
          this.#hotPutIn[slot] = store.flushes;
        }
        continue;
      }
      let window = store.fetch(input.symbol, start);
      if (window) store.put(input.symbol, start, merge(window, input));
      else {
        store.put(input.symbol, start, (window = fresh(input, interval, start)));
        // −Infinity (after a restart: restored windows not yet looked at) stays, so the next punctuation scans them.
        this.#nextClose = Math.min(this.#nextClose, start + sizeMs + this.#options.graceMs);
      }
      // NaN (no hot window) compares false: the window becomes the slot's newest.
      if (!(start < this.#hotStart[slot])) {
        this.#hotStart[slot] = start;
        this.#hot[slot] = window;
        this.#hotPutIn[slot] = store.flushes;
      }
    }
    if (lateFor) this.#context.reject(record, `late:${lateFor.join(',')}`);
  }

  #closeWindows(streamTime: number): void {
    if (streamTime < this.#nextClose) return;
    let next = Infinity;
    for (let w = 0; w < this.#windows.length; w++) {
      const { sizeMs, store } = this.#windows[w];
      const horizon = streamTime - this.#options.graceMs;
      for (const { key, start, value } of store.endedBy(horizon)) {
        store.delete(key, start);
        const slot = this.#slotsOf(key) + w;
        this.#lastEmitted[slot] = start;
        if (this.#hotStart[slot] === start) {
          this.#hotStart[slot] = NaN;
          this.#hot[slot] = undefined;
        }
        this.#emitted.put(this.#emittedKey[slot], start);
        this.#context.forward({ key, value: value.candle, timestamp: start, headers: {} });
      }
      const earliest = store.earliestStart();
      if (earliest !== undefined) next = Math.min(next, earliest + sizeMs + this.#options.graceMs);
    }
    this.#nextClose = next;
  }

  /** The symbol's first slot; on first sight, one per interval, with the last emitted starts the store holds. */
  #slotsOf(symbol: string): number {
    const id = this.#context.symbols.intern(symbol);
    if (id >= this.#base.length) {
      const grown = new Int32Array(Math.max(id + 1, this.#base.length * 2)).fill(-1);
      grown.set(this.#base);
      this.#base = grown;
    }
    if (this.#base[id] >= 0) return this.#base[id];
    const base = (this.#base[id] = this.#slots);
    this.#slots += this.#windows.length;
    if (this.#slots > this.#hotStart.length) {
      const capacity = Math.max(this.#slots, this.#hotStart.length * 2);
      this.#lastEmitted = grownTo(this.#lastEmitted, capacity);
      this.#hotStart = grownTo(this.#hotStart, capacity);
      this.#hotPutIn = grownTo(this.#hotPutIn, capacity);
    }
    for (let w = 0; w < this.#windows.length; w++) {
      const key = compositeKey(symbol, this.#windows[w].interval);
      this.#symbol[base + w] = symbol;
      this.#emittedKey[base + w] = key;
      this.#lastEmitted[base + w] = this.#emitted.get(key) ?? NaN;
      this.#hotStart[base + w] = NaN;
    }
    return base;
  }
}

function grownTo(a: Float64Array, length: number): Float64Array {
  const bigger = new Float64Array(length);
  bigger.set(a);
  return bigger;
}

function fresh(input: Candle & Record<string, unknown>, interval: string, start: number): WindowAggregate {
  const candle: Candle & Record<string, unknown> = {
    symbol: input.symbol,
    exchange: input.exchange,
    interval,
    ts: start,
    open: input.open,
    high: input.high,
    low: input.low,
    close: input.close,
    volume: input.volume,
  };
  for (const k in input) if (k.startsWith('ext_')) candle[k] = input[k];
  return { candle, firstTs: input.ts, lastTs: input.ts };
}

function merge(agg: WindowAggregate, input: Candle & Record<string, unknown>): WindowAggregate {
  const c = agg.candle;
  if (input.high > c.high) c.high = input.high;
  if (input.low < c.low) c.low = input.low;
  c.volume += input.volume;
  if (input.ts < agg.firstTs) {
    // A late record opened earlier: it brings the window's open and the external values as of then.
    for (const k in input) if (k.startsWith('ext_')) c[k] = input[k];
    c.open = input.open;
    agg.firstTs = input.ts;
  }
  if (input.ts >= agg.lastTs) {
    c.close = input.close;
    agg.lastTs = input.ts;
  }
  return agg;
}
