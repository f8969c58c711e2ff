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

export const SIGNAL_COLUMNS = ['symbol', 'interval', 'ts', 'close', 'p_up', 'signal', 'model', 'model_version'] as const;
