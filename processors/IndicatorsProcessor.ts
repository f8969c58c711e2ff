import type { BatchProcessor } from '../topology/Processor.ts';
import type { BatchContext, ProcessorContext } from '../topology/ProcessorContext.ts';
import { materialize, type RecordBatch } from '../topology/RecordBatch.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import type { CachedKeyValueStoreOptions } from '../state/CachedKeyValueStore.ts';
import { slotStore, type SlotStore } from '../state/SlotStore.ts';
import type { Candle, FeatureRecord } from '../market/Candle.ts';
import { IndicatorSetSlots } from './indicators/IndicatorSetSlots.ts';
import type { IndicatorPeriods } from './indicators/registry.ts';
import { compositeKey } from './compositeKey.ts';

export const INDICATOR_STORE = 'indicator-state';

type ClosedCandle = Candle & Record<string, unknown>;

/**
 * Computes the indicator columns per symbol and interval, O(1) per closed candle. The state of each
 * symbol and interval is a slot of one IndicatorSetSlots (arrays, no object per symbol); the store
 * writes a slot, under `symbol|interval` and as IndicatorSet.toJSON() would, only when it flushes on commit.
 */
export class IndicatorsProcessor implements BatchProcessor<ClosedCandle, FeatureRecord> {
  readonly #periods: IndicatorPeriods;
  readonly #extColumns: readonly string[];
  #context!: BatchContext<FeatureRecord>;
  #store!: SlotStore;
  #indicators!: IndicatorSetSlots;
  /** interval → symbol id → slot (−1: none yet). Slots are numbered as pairs first arrive. */
  readonly #slotOf = new Map<string, Int32Array>();
  #slots = 0;

  constructor(periods: IndicatorPeriods, extColumns: readonly string[]) {
    this.#periods = periods;
    this.#extColumns = extColumns;
  }

  static stores(cache: CachedKeyValueStoreOptions = {}) {
    return [slotStore(INDICATOR_STORE, cache)];
  }

  init(context: ProcessorContext<FeatureRecord>): void {
    this.#context = context as BatchContext<FeatureRecord>;
    this.#store = context.getStateStore(INDICATOR_STORE);
    const indicators = (this.#indicators = new IndicatorSetSlots(this.#periods));
    this.#store.use({ read: (slot, value) => indicators.load(slot, value), write: (slot, w) => indicators.write(slot, w) });
  }

  process(record: StreamRecord<ClosedCandle>): void {
    this.#update(record.value);
  }

  processBatch(batch: RecordBatch): void {
    const symbols = this.#context.symbols;
    for (let i = 0; i < batch.length; i++) {
      this.#context.at(i);
      this.#update(materialize(batch, i, symbols).value as ClosedCandle);
    }
  }

  #update(c: ClosedCandle): void {
    const slot = this.#slot(c.symbol, c.interval);
    const features = {
      symbol: c.symbol,
      interval: c.interval,
      ts: c.ts,
      open: c.open,
      high: c.high,
      low: c.low,
      close: c.close,
      volume: c.volume,
    } as FeatureRecord;
    this.#indicators.update(slot, c, features);
    this.#store.changed(slot);
    for (const column of this.#extColumns) features[column] = (c[column] as number | null | undefined) ?? null;
    this.#context.forward({ key: c.symbol, value: features, timestamp: c.ts, headers: {} });
  }

  /** The pair's slot; on first sight, a new one, bound to its store key (which reads its saved state, if any). */
  #slot(symbol: string, interval: string): number {
    const id = this.#context.symbols.intern(symbol);
    let slots = this.#slotOf.get(interval);
    if (!slots || slots.length <= id) {
      const grown = new Int32Array(Math.max(16, (id + 1) * 2)).fill(-1);
      if (slots) grown.set(slots);
      this.#slotOf.set(interval, (slots = grown));
    }
    let slot = slots[id];
    if (slot < 0) {
      slot = slots[id] = this.#slots++;
      this.#indicators.reserve(slot);
      this.#store.bind(slot, compositeKey(symbol, interval));
    }
    return slot;
  }
}
