import type { Processor } from '../topology/Processor.ts';
import type { ProcessorContext } from '../topology/ProcessorContext.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import type { FeatureRecord } from '../market/Candle.ts';
import { signalFor, type Signal } from '../market/Signal.ts';

export interface SignalRule {
  intervals: readonly string[];
  /** Column names for the periods in use (rsi_14 by default). */
  rsiColumn: string;
  /** RSI above this is overbought: no BUY; below 100 − this is oversold: no SELL. */
  rsiBound: number;
}

export const RULE_MODEL = 'rule:macd-rsi';
export const RULE_VERSION = '1';

/**
 * The signal before any model is trained: momentum from the MACD histogram, vetoed at RSI extremes.
 * BUY when macd_hist > 0 and RSI < bound; SELL when macd_hist < 0 and RSI > 100 − bound; otherwise
 * (and while either indicator is still in its lookback) HOLD. Stateless: it reads one feature row.
 */
export class SignalRuleProcessor implements Processor<FeatureRecord, Signal> {
  readonly #rule: SignalRule;
  readonly #intervals: ReadonlySet<string>;
  #context!: ProcessorContext<Signal>;

  constructor(rule: SignalRule) {
    this.#rule = rule;
    this.#intervals = new Set(rule.intervals);
  }

  init(context: ProcessorContext<Signal>): void {
    this.#context = context;
  }

  process(record: StreamRecord<FeatureRecord>): void {
    const f = record.value;
    if (!this.#intervals.has(f.interval)) return;
    const hist = f.macd_hist as number | null;
    const rsi = f[this.#rule.rsiColumn] as number | null;
    let signal: Signal['signal'] = 'HOLD';
    if (hist !== null && rsi !== null) {
      if (hist > 0 && rsi < this.#rule.rsiBound) signal = 'BUY';
      else if (hist < 0 && rsi > 100 - this.#rule.rsiBound) signal = 'SELL';
    }
    this.#context.forward({
      key: f.symbol,
      value: signalFor(f, { p_up: null, signal, model: RULE_MODEL, model_version: RULE_VERSION }),
      timestamp: record.timestamp,
      headers: {},
    });
  }
}
