import type { Processor } from '../topology/Processor.ts';
import type { ProcessorContext } from '../topology/ProcessorContext.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import type { KeyValueStore } from '../state/KeyValueStore.ts';
import { GLOBAL_SCOPE, type ExternalSignal } from '../market/ExternalSignal.ts';

/** The table's store: per scope and name, the latest observations in time order (enough for an as-of lookup). */
export const EXTERNAL_STORE = 'external-signals';
export type SignalHistory = Record<string, [ts: number, value: number | null][]>;

/** Observations kept per signal: bounds the store while letting a candle behind the newest one look back. */
const HISTORY = 64;

/** Materialises the external-signals input into a table the Enrich processor joins against. */
export class ExternalTableProcessor implements Processor<ExternalSignal, never> {
  readonly #names: ReadonlySet<string>;
  #context!: ProcessorContext<never>;
  #store!: KeyValueStore<SignalHistory>;

  constructor(names: readonly string[]) {
    this.#names = new Set(names);
  }

  init(context: ProcessorContext<never>): void {
    this.#context = context;
    this.#store = context.getStateStore(EXTERNAL_STORE);
  }

  process(record: StreamRecord<ExternalSignal>): void {
    const signal = record.value;
    if (!this.#names.has(signal.name)) return this.#context.reject(record, `unknown_signal:${signal.name}`);
    if (!Number.isFinite(signal.ts)) return this.#context.reject(record, 'bad_timestamp');
    if (signal.value !== null && !Number.isFinite(signal.value)) return this.#context.reject(record, `non_finite:${signal.name}`);
    const scope = signal.symbol ?? GLOBAL_SCOPE;
    const history = this.#store.get(scope) ?? {};
    const series = (history[signal.name] ??= []);
    // Keep time order even when observations arrive out of order; a repeat of a time replaces it.
    let i = series.length;
    while (i > 0 && series[i - 1][0] > signal.ts) i--;
    if (i > 0 && series[i - 1][0] === signal.ts) series[i - 1] = [signal.ts, signal.value];
    else series.splice(i, 0, [signal.ts, signal.value]);
    if (series.length > HISTORY) series.splice(0, series.length - HISTORY);
    this.#store.put(scope, history);
  }
}
