import type { BatchProcessor } from '../topology/Processor.ts';
import type { BatchContext, ProcessorContext } from '../topology/ProcessorContext.ts';
import { materialize, type Column, type RecordBatch } from '../topology/RecordBatch.ts';
import type { Headers, StreamRecord } from '../topology/StreamRecord.ts';
import { keyValueStore, type CachedKeyValueStoreOptions } from '../state/CachedKeyValueStore.ts';
import type { KeyValueStore } from '../state/KeyValueStore.ts';
import type { Candle } from '../market/Candle.ts';
import { normalizeCandle } from '../market/exchanges/normalizeCandle.ts';
import { tradeAsCandle } from '../market/exchanges/tradeAsCandle.ts';
import { flattenExchangeMessage } from '../market/exchanges/flattenExchangeMessage.ts';
import { guardPrice, type PriceAnchor } from './clean/priceGuard.ts';
import { compositeKey } from './compositeKey.ts';
import { PLAIN_CANDLE_FIELDS } from './clean/plainCandleFields.ts';
import { isValidOhlcv } from '../market/validateCandle.ts';

export interface CleanOptions {
  /** Carry the last close forward, with zero volume, over missing 1m candles. */
  fillGaps: boolean;
  /** Gaps longer than this are left unfilled (an exchange outage is not a flat market). */
  maxGapMs: number;
  /** A price more than this factor above or below the symbol's last accepted close is a `price_outlier`; Infinity: off. */
  maxPriceMove: number;
}

export const CLEAN_STORE = 'clean-last-seen';
export const PRICE_ANCHOR_STORE = 'clean-price-anchor';

/** Per symbol and exchange: the last candle time and close, and recent times to recognise duplicates. */
interface LastSeen {
  ts: number;
  close: number;
  recent: number[];
}

const RECENT = 32;
const MINUTE = 60_000;

/**
 * Turns every accepted input shape into one canonical candle keyed by symbol. Defaults for what a
 * row lacks (symbol, exchange, interval) come from the record headers, set by the source.
 * Rejects, with a reason, what cannot be a candle; drops exact duplicates and price outliers (see
 * `guardPrice`) into the dead-letter output. Both decisions rest on state stores, so a replay and a
 * restarted service decide as an uninterrupted one.
 */
export class CleanProcessor implements BatchProcessor<Record<string, unknown>, Candle> {
  readonly #options: CleanOptions;
  #context!: BatchContext<Candle>;
  #store!: KeyValueStore<LastSeen>;
  #anchors!: KeyValueStore<PriceAnchor>;
  /** Per source headers object: the exchange plain rows with them get, and their `clean-last-seen` keys by symbol id. */
  readonly #plain = new WeakMap<Headers, { exchange: string; seenKeys: string[] } | null>();
  /** Per exchange: `clean-last-seen` keys by symbol id, made once. */
  readonly #seenKeys = new Map<string, string[]>();

  constructor(options: CleanOptions) {
    this.#options = options;
  }

  static stores(cache: CachedKeyValueStoreOptions = {}) {
    return [keyValueStore<LastSeen>(CLEAN_STORE, cache), keyValueStore<PriceAnchor>(PRICE_ANCHOR_STORE, cache)];
  }

  init(context: ProcessorContext<Candle>): void {
    this.#context = context as BatchContext<Candle>;
    this.#store = context.getStateStore(CLEAN_STORE);
    this.#anchors = context.getStateStore(PRICE_ANCHOR_STORE);
  }

  process(record: StreamRecord<Record<string, unknown>>): void {
    const raw = record.value;
    if (raw === null || typeof raw !== 'object') return this.#context.reject(record, 'not_an_object');
    const rows = flattenExchangeMessage(raw);
    if (rows === undefined) return this.#processRow(record, raw);
    if ('reason' in rows) return this.#context.reject(record, rows.reason);
    for (const row of rows) this.#processRow(record, row);
  }

  /**
   * Rows a source vouches for as plain (PLAIN_CANDLE_FIELDS) are taken from the columns when their
   * values make a valid 1m candle: no row object, no field look-ups, no key strings. Every other row,
   * and every row the checks below would reject, takes `process`, which rejects it with its reason.
   */
  processBatch(batch: RecordBatch): void {
    const symbols = this.#context.symbols;
    const columns = batch.columns && batch.records && PLAIN_CANDLE_FIELDS.map((f) => batch.columns![f]);
    if (!columns?.every((c) => c)) {
      for (let i = 0; i < batch.length; i++) {
        this.#context.at(i);
        this.process(materialize(batch, i, symbols) as StreamRecord<Record<string, unknown>>);
      }
      return;
    }
    const [plain, ts, open, high, low, close, volume] = columns as [Column, ...Float64Array[]];
    const records = batch.records as StreamRecord<Record<string, unknown>>[];
    for (let i = 0; i < batch.length; i++) {
      this.#context.at(i);
      const record = records[i];
      const [o, h, l, c, v] = [open[i], high[i], low[i], close[i], volume[i]];
      // All of validateCandle's checks pass, or the record path says which fails.
      const valid = isValidOhlcv(o, h, l, c, v);
      const pair = plain[i] === 1 && valid ? this.#plainPair(record.headers) : null;
      if (!pair) {
        this.process(record);
        continue;
      }
      const symbol = record.key!;
      const id = symbols.intern(symbol);
      const seenKey = (pair.seenKeys[id] ??= compositeKey(symbol, pair.exchange));
      const candle: Candle = { symbol, exchange: pair.exchange, interval: '1m', ts: ts[i], open: o, high: h, low: l, close: c, volume: v };
      this.#accept1m(record, candle, seenKey);
    }
  }

  /**
   * The exchange normalizeCandle gives a plain row with these headers, if it makes a 1m candle of it
   * (asked of normalizeCandle itself, once per headers object; null: not a 1m candle).
   */
  #plainPair(headers: Headers): { exchange: string; seenKeys: string[] } | null {
    let pair = this.#plain.get(headers);
    if (pair !== undefined) return pair;
    const probe = { symbol: 'BTCUSDT', ts: 0, open: 1, high: 1, low: 1, close: 1, volume: 0 };
    const result = normalizeCandle(probe, { exchange: headers.exchange, interval: headers.interval });
    pair = null;
    if ('candle' in result && result.candle.interval === '1m') {
      const exchange = result.candle.exchange;
      let seenKeys = this.#seenKeys.get(exchange);
      if (!seenKeys) this.#seenKeys.set(exchange, (seenKeys = []));
      pair = { exchange, seenKeys };
    }
    this.#plain.set(headers, pair);
    return pair;
  }

  #processRow(record: StreamRecord, raw: Record<string, unknown>): void {
    const defaults = { symbol: record.headers.symbol, exchange: record.headers.exchange, interval: record.headers.interval };
    const trade = tradeAsCandle(raw);
    const result = normalizeCandle(trade ?? raw, trade ? { ...defaults, interval: 'trade' } : defaults);
    if ('reason' in result) return this.#context.reject(record, result.reason);
    const candle = result.candle;
    if (candle.interval !== '1m') {
      if (this.#guarded(record, candle)) this.#emit(candle);
      return;
    }
    this.#accept1m(record, candle, compositeKey(candle.symbol, candle.exchange));
  }

  /** A valid 1m candle: unless a duplicate or an outlier, gaps before it filled, remembered, forwarded. */
  #accept1m(record: StreamRecord, candle: Candle, seenKey: string): void {
    const last = this.#store.get(seenKey);
    if (last?.recent.includes(candle.ts)) return this.#context.reject(record, 'duplicate');
    if (!this.#guarded(record, candle)) return;
    if (last && candle.ts > last.ts) this.#fillGap(last, candle);
    this.#remember(seenKey, last, candle);
    this.#emit(candle);
  }

  /** True when the candle passes the outlier guard; otherwise it is rejected as `price_outlier`. */
  #guarded(record: StreamRecord, candle: Candle): boolean {
    if (this.#options.maxPriceMove === Infinity) return true;
    const anchor = this.#anchors.get(candle.symbol);
    const verdict = guardPrice(anchor, candle, this.#options.maxPriceMove);
    if (verdict.anchor !== anchor) this.#anchors.put(candle.symbol, verdict.anchor);
    if (!verdict.accepted) this.#context.reject(record, 'price_outlier');
    return verdict.accepted;
  }

  #fillGap(last: LastSeen, candle: Candle): void {
    if (!this.#options.fillGaps || candle.ts - last.ts > this.#options.maxGapMs) return;
    for (let ts = last.ts + MINUTE; ts < candle.ts; ts += MINUTE) {
      const c = last.close;
      this.#emit({ symbol: candle.symbol, exchange: candle.exchange, interval: '1m', ts, open: c, high: c, low: c, close: c, volume: 0 });
    }
  }

  #remember(key: string, last: LastSeen | undefined, candle: Candle): void {
    if (!last) return this.#store.put(key, { ts: candle.ts, close: candle.close, recent: [candle.ts] });
    last.recent.push(candle.ts);
    if (last.recent.length > RECENT) last.recent.shift();
    if (candle.ts > last.ts) {
      last.ts = candle.ts;
      last.close = candle.close;
    }
    this.#store.put(key, last);
  }

  #emit(candle: Candle): void {
    this.#context.forward({ key: candle.symbol, value: candle, timestamp: candle.ts, headers: {} });
  }
}
