import type { Processor } from '../topology/Processor.ts';
import type { ProcessorContext } from '../topology/ProcessorContext.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import type { FeatureRecord } from '../market/Candle.ts';
import { signalFor, type Signal } from '../market/Signal.ts';
import type { SignalModelSource } from './SignalModel.ts';

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
    const input =
      model.inputType === 'float64'
        ? new Float64Array(held.length * model.featureCount)
        : new Float32Array(held.length * model.featureCount);
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
        value: signalFor(f, { p_up: pUp, signal, model: model.name, model_version: model.version }),
        timestamp: held[i].timestamp,
        headers: {},
      });
    }
  }
}
