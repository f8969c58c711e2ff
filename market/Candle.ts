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

export const CANDLE_COLUMNS = ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'volume'] as const;
