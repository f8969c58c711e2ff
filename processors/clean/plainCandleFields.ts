/**
 * The columns a source gives with rows Clean may take without reading them (CleanProcessor.processBatch),
 * in this order. `plain` (Int32, 1 or 0): the source vouches that normalizeCandle would read the row's
 * symbol as the record's key (already normalized), its time as `ts` (epoch ms), its prices and volume
 * from `open`…`volume` (NaN: null or not a number), and its interval and exchange from the record's
 * headers (see readsPlainCandle). A row with `plain` 0 takes the record path.
 */
export const PLAIN_CANDLE_FIELDS: readonly string[] = ['plain', 'ts', 'open', 'high', 'low', 'close', 'volume'];
