import type { Processor } from '../topology/Processor.ts';
import type { ProcessorContext } from '../topology/ProcessorContext.ts';
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
 */
export class CandlesProcessor implements Processor<Candle & Record<string, unknown>, Candle> {
  readonly #options: CandlesOptions;
  #context!: ProcessorContext<Candle>;
  #windows: { interval: string; sizeMs: number; store: WindowStore<WindowAggregate> }[] = [];
  /** `symbol|interval` → start of the last window emitted. */
  #emitted!: KeyValueStore<number>;
  /**
   * symbol → per interval (in #windows order) its `symbol|interval` key and last emitted window start:
   * one look-up per record instead of one per interval. Mirrors the emitted store, which persists it.
   */
  readonly #perSymbol = new Map<string, { keys: string[]; lastEmitted: (number | undefined)[] }>();
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
    this.#context = context;
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

  process(record: StreamRecord<Candle & Record<string, unknown>>): void {
    const input = record.value;
    const sourceSize = input.interval === 'trade' ? 0 : intervalMs(input.interval);
    const lateFor: string[] = [];
    const { lastEmitted } = this.#symbolState(input.symbol);
    for (let w = 0; w < this.#windows.length; w++) {
      const { interval, sizeMs, store } = this.#windows[w];
      if (sizeMs < sourceSize) continue;
      const start = windowStart(input.ts, sizeMs);
      const last = lastEmitted[w];
      if (last !== undefined && start <= last) {
        lateFor.push(interval);
        continue;
      }
      // Window values are live objects, merged in place; put tells the store to write it at commit.
      const open = store.fetch(input.symbol, start);
      if (open) store.put(input.symbol, start, merge(open, input));
      else {
        store.put(input.symbol, start, fresh(input, interval, start));
        // −Infinity (after a restart: restored windows not yet looked at) stays, so the next punctuation scans them.
        this.#nextClose = Math.min(this.#nextClose, start + sizeMs + this.#options.graceMs);
      }
    }
    if (lateFor.length) this.#context.reject(record, `late:${lateFor.join(',')}`);
  }

  #closeWindows(streamTime: number): void {
    if (streamTime < this.#nextClose) return;
    let next = Infinity;
    for (let w = 0; w < this.#windows.length; w++) {
      const { sizeMs, store } = this.#windows[w];
      const horizon = streamTime - this.#options.graceMs;
      for (const { key, start, value } of store.endedBy(horizon)) {
        store.delete(key, start);
        const state = this.#symbolState(key);
        state.lastEmitted[w] = start;
        this.#emitted.put(state.keys[w], start);
        this.#context.forward({ key, value: value.candle, timestamp: start, headers: {} });
      }
      const earliest = store.earliestStart();
      if (earliest !== undefined) next = Math.min(next, earliest + sizeMs + this.#options.graceMs);
    }
    this.#nextClose = next;
  }

  #symbolState(symbol: string) {
    let state = this.#perSymbol.get(symbol);
    if (!state) {
      const keys = this.#windows.map((w) => compositeKey(symbol, w.interval));
      state = { keys, lastEmitted: keys.map((k) => this.#emitted.get(k)) };
      this.#perSymbol.set(symbol, state);
    }
    return state;
  }
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
