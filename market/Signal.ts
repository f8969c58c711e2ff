/**
 * What downstream applications receive on the signals topic, one per closed candle of the signal
 * interval(s). `p_up` is the model's probability of an up move; null for the built-in rule.
 */
export interface Signal {
  symbol: string;
  interval: string;
  ts: number;
  close: number;
  p_up: number | null;
  signal: 'BUY' | 'SELL' | 'HOLD';
  model: string;
  model_version: string;
}

/** The signal for a closed candle: its symbol, interval, open time and close, with what the rule or model said. */
export function signalFor(
  candle: Pick<Signal, 'symbol' | 'interval' | 'ts' | 'close'>,
  said: Pick<Signal, 'p_up' | 'signal' | 'model' | 'model_version'>,
): Signal {
  return { symbol: candle.symbol, interval: candle.interval, ts: candle.ts, close: candle.close, ...said };
}

export const SIGNAL_COLUMNS = ['symbol', 'interval', 'ts', 'close', 'p_up', 'signal', 'model', 'model_version'] as const;

/** Each column's type in a typed file (Parquet): text, INT64 epoch ms, nullable double. */
export const SIGNAL_COLUMN_TYPES: Record<(typeof SIGNAL_COLUMNS)[number], 'string' | 'int64' | 'double'> = {
  symbol: 'string',
  interval: 'string',
  ts: 'int64',
  close: 'double',
  p_up: 'double',
  signal: 'string',
  model: 'string',
  model_version: 'string',
};
