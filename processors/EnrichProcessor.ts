import type { Processor } from '../topology/Processor.ts';
import type { ProcessorContext } from '../topology/ProcessorContext.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import type { KeyValueStore } from '../state/KeyValueStore.ts';
import type { Candle } from '../market/Candle.ts';
import { GLOBAL_SCOPE } from '../market/ExternalSignal.ts';
import { EXTERNAL_STORE, type SignalHistory } from './ExternalTableProcessor.ts';

export const extColumn = (name: string) => `ext_${name}`;

/**
 * As-of join: each candle gets, per external signal, the latest value at or before its time,
 * from the symbol's own series if it has one, else from the global series; null when none yet.
 */
export class EnrichProcessor implements Processor<Candle, Candle & Record<string, number | null>> {
  readonly #names: readonly string[];
  readonly #columns: readonly string[];
  #context!: ProcessorContext<Candle & Record<string, number | null>>;
  #store!: KeyValueStore<SignalHistory>;

  constructor(names: readonly string[]) {
    this.#names = names;
    this.#columns = names.map(extColumn);
  }

  init(context: ProcessorContext<Candle & Record<string, number | null>>): void {
    this.#context = context;
    this.#store = context.getStateStore(EXTERNAL_STORE);
  }

  process(record: StreamRecord<Candle>): void {
    const candle = record.value as Candle & Record<string, number | null>;
    if (this.#names.length === 0) return this.#context.forward(record as StreamRecord<Candle & Record<string, number | null>>);
    const own = this.#store.get(candle.symbol);
    const global = this.#store.get(GLOBAL_SCOPE);
    for (let i = 0; i < this.#names.length; i++) {
      const name = this.#names[i];
      candle[this.#columns[i]] = asOf(own?.[name], candle.ts) ?? asOf(global?.[name], candle.ts) ?? null;
    }
    this.#context.forward(record as StreamRecord<Candle & Record<string, number | null>>);
  }
}

function asOf(series: [number, number | null][] | undefined, ts: number): number | null | undefined {
  if (!series) return undefined;
  for (let i = series.length - 1; i >= 0; i--) if (series[i][0] <= ts) return series[i][1];
  return undefined;
}
