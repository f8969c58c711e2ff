/** The canonical candle every input shape is cleaned into. `ts` is the open time, UTC epoch ms. */
export interface Candle {
  symbol: string;
  exchange: string;
  interval: string;
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

/** A candle with its indicator columns (null during lookback) and `ext_` columns. */
export type FeatureRecord = Candle & Record<string, number | string | null>;

export const INDICATOR_COLUMNS = [
  'sma_14', 'sma_50', 'ema_12', 'ema_26', 'rsi_14', 'macd', 'macd_signal', 'macd_hist',
  'bb_upper', 'bb_middle', 'bb_lower', 'vwap', 'atr_14',
] as const;

export const CANDLE_COLUMNS = ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'volume'] as const;
