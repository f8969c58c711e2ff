import { INTERVALS, intervalMs } from './interval.ts';

/**
 * What downstream applications receive on the signals topic, one per closed candle of the signal
 * interval(s). `ts` is the candle's open time and `close_ts` its close time (the window's exclusive
 * end, ts + the interval), when the signal became known: join signals to prices on `close_ts`, not
 * `ts`, or a backtest sees a bar of the future. `p_up` is the model's probability of an up move; null
 * for the built-in rule.
 */
export interface Signal {
  symbol: string;
  interval: string;
  ts: number;
  close_ts: number;
  close: number;
  p_up: number | null;
  signal: 'BUY' | 'SELL' | 'HOLD';
  model: string;
  model_version: string;
}

/** A map look-up per signal rather than parsing the interval: replay builds one per closed candle. */
const LENGTH_MS = new Map<string, number>(INTERVALS.map((i) => [i, intervalMs(i)]));

/** The signal for a closed candle: its symbol, interval, open and close times and close, with what the rule or model said. */
export function signalFor(
  candle: Pick<Signal, 'symbol' | 'interval' | 'ts' | 'close'>,
  said: Pick<Signal, 'p_up' | 'signal' | 'model' | 'model_version'>,
): Signal {
  const { symbol, interval, ts, close } = candle;
  return { symbol, interval, ts, close_ts: ts + (LENGTH_MS.get(interval) ?? intervalMs(interval)), close, ...said };
}

export const SIGNAL_COLUMNS = ['symbol', 'interval', 'ts', 'close_ts', 'close', 'p_up', 'signal', 'model', 'model_version'] as const;

/** Each column's type in a typed file (Parquet): text, a time (epoch ms, a TIMESTAMP in Parquet), nullable double. */
export const SIGNAL_COLUMN_TYPES: Record<(typeof SIGNAL_COLUMNS)[number], 'string' | 'timestamp' | 'double'> = {
  symbol: 'string',
  interval: 'string',
  ts: 'timestamp',
  close_ts: 'timestamp',
  close: 'double',
  p_up: 'double',
  signal: 'string',
  model: 'string',
  model_version: 'string',
};
