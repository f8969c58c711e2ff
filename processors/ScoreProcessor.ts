import type { Processor } from '../topology/Processor.ts';
import type { ProcessorContext } from '../topology/ProcessorContext.ts';
import type { StreamRecord } from '../topology/Record.ts';
import type { FeatureRecord } from './Candle.ts';
import type { Signal } from './Signal.ts';

/** A model as scoring sees it: one version, loaded whole and checked (models/ implements it). */
export interface SignalModel {
  readonly name: string;
  readonly version: string;
  readonly featureCount: number;
  /** The model's input type: float32 rounds the features, float64 keeps them as computed. */
  readonly inputType: 'float32' | 'float64';
  /** p_up ≥ buy: BUY; otherwise p_down ≥ sell: SELL; otherwise HOLD. */
  readonly thresholds: { buy: number; sell: number };
  /** Write one record's model input at `offset`; returns why it cannot be scored (a missing feature), if so. */
  vectorize(features: FeatureRecord, out: Float32Array | Float64Array, offset: number): string | undefined;
  /** One inference call for `rows` rows: the probability of an up and of a down move, per row. */
  predict(input: Float32Array | Float64Array, rows: number): Promise<{ up: ArrayLike<number>; down: ArrayLike<number> }>;
}

/** Where the model in use comes from: `current` may change between batches (hot reload), never within one. */
export interface SignalModelSource {
  readonly interval: string;
  current(): SignalModel;
  /** A record left unscored, with the reason (counted, never silent). */
  onUnscored?(reason: string): void;
}

/**
 * Scores each closed candle of the model's interval. Records are held until the end of the batch
 * (a poll, a replay batch) and scored in one inference call, then forwarded in arrival order. A
 * record the model cannot take (a feature still in its lookback) is forwarded as HOLD with p_up null.
 */
export class ScoreProcessor implements Processor<FeatureRecord, Signal> {
  readonly #source: SignalModelSource;
  #context!: ProcessorContext<Signal>;
  #held: StreamRecord<FeatureRecord>[] = [];

  constructor(source: SignalModelSource) {
    this.#source = source;
  }

  init(context: ProcessorContext<Signal>): void {
    this.#context = context;
  }

  process(record: StreamRecord<FeatureRecord>): void {
    if (record.value.interval === this.#source.interval) this.#held.push(record);
  }

  async flush(): Promise<void> {
    if (!this.#held.length) return;
    const held = this.#held;
    this.#held = [];
    const model = this.#source.current(); // one version for the whole batch
    const input = model.inputType === 'float64' ? new Float64Array(held.length * model.featureCount) : new Float32Array(held.length * model.featureCount);
    const row = new Int32Array(held.length).fill(-1); // record → its row in `input`, -1 if unscored
    let rows = 0;
    for (let i = 0; i < held.length; i++) {
      const missing = model.vectorize(held[i].value, input, rows * model.featureCount);
      if (missing === undefined) row[i] = rows++;
      else this.#source.onUnscored?.(missing);
    }
    let p: { up: ArrayLike<number>; down: ArrayLike<number> } = { up: [], down: [] };
    try {
      if (rows) p = await model.predict(input.subarray(0, rows * model.featureCount), rows);
    } catch (e) {
      this.#held = [...held, ...this.#held]; // not lost: the engine retries or stops, the records still held
      throw e;
    }
    for (let i = 0; i < held.length; i++) {
      const f = held[i].value;
      const r = row[i];
      const pUp = r < 0 ? null : p.up[r];
      let signal: Signal['signal'] = 'HOLD';
      if (pUp !== null && pUp >= model.thresholds.buy) signal = 'BUY';
      else if (r >= 0 && p.down[r] >= model.thresholds.sell) signal = 'SELL';
      this.#context.forward({
        key: f.symbol,
        value: { symbol: f.symbol, interval: f.interval, ts: f.ts, close: f.close, p_up: pUp, signal, model: model.name, model_version: model.version },
        timestamp: held[i].timestamp,
        headers: {},
      });
    }
  }
}
