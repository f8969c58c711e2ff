import type { Processor } from '../topology/Processor.ts';
import type { ProcessorContext } from '../topology/ProcessorContext.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import { keyValueStore, type CachedKeyValueStoreOptions } from '../state/CachedKeyValueStore.ts';
import type { KeyValueStore } from '../state/KeyValueStore.ts';
import type { Candle, FeatureRecord } from '../market/Candle.ts';
import { IndicatorSet } from './indicators/IndicatorSet.ts';
import type { IndicatorPeriods } from './indicators/registry.ts';
import { compositeKey } from './compositeKey.ts';

export const INDICATOR_STORE = 'indicator-state';

/**
 * Computes the indicator columns per symbol and interval, O(1) per closed candle. The live
 * IndicatorSet sits in the store's cache; it is serialised only when the store flushes on commit.
 */
export class IndicatorsProcessor implements Processor<Candle & Record<string, unknown>, FeatureRecord> {
  readonly #periods: IndicatorPeriods;
  readonly #extColumns: readonly string[];
  #context!: ProcessorContext<FeatureRecord>;
  #store!: KeyValueStore<IndicatorSet | ReturnType<IndicatorSet['toJSON']>>;

  constructor(periods: IndicatorPeriods, extColumns: readonly string[]) {
    this.#periods = periods;
    this.#extColumns = extColumns;
  }

  static stores(cache: CachedKeyValueStoreOptions = {}) {
    return [keyValueStore<unknown>(INDICATOR_STORE, cache)];
  }

  init(context: ProcessorContext<FeatureRecord>): void {
    this.#context = context;
    this.#store = context.getStateStore(INDICATOR_STORE);
  }

  process(record: StreamRecord<Candle & Record<string, unknown>>): void {
    const c = record.value;
    const key = compositeKey(c.symbol, c.interval);
    let set = this.#store.get(key);
    // After a restart the store holds snapshots; they come back to life on first use.
    if (!(set instanceof IndicatorSet)) set = new IndicatorSet(this.#periods, set);
    this.#store.put(key, set);
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
    set.update(c, features);
    for (const column of this.#extColumns) features[column] = (c[column] as number | null | undefined) ?? null;
    this.#context.forward({ key: c.symbol, value: features, timestamp: c.ts, headers: {} });
  }
}
