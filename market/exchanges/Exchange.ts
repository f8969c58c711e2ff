/** The fields of a row that Clean reads, each known by several names across exchanges. */
export type Field = 'ts' | 'symbol' | 'open' | 'high' | 'low' | 'close' | 'volume' | 'interval' | 'exchange' | 'price' | 'size';

/**
 * A message's flat rows (a candle, or a trade with price and size), or why it carries none. A row
 * `closed: false` is a candle still open, rejected as `kline_not_closed`.
 */
export type FlatRows = Record<string, unknown>[] | { reason: string };

/** A message → its flat rows; undefined when it is not an exchange message but a flat row already. */
export type Flatten = (message: object) => FlatRows | undefined;

/** A CSV export without a header, told apart by its number of columns: `columns`, or their first `minColumns` or more. */
export interface HeaderlessCsv {
  /** As the error for an unknown layout names it: `Binance klines`. */
  name: string;
  columns: readonly string[];
  minColumns?: number;
}

/** What a history file's name says. */
export interface FileNameHints {
  symbol?: string;
  interval?: string;
  exchange?: string;
}

/**
 * Everything candlestream knows about one exchange. The generic readers (flattenExchangeMessage, the
 * field names normalizeCandle reads, the header-less CSV layouts, fileNameHints) iterate the registry in
 * exchanges.ts, so adding an exchange is one file and one registration line.
 */
export interface Exchange {
  /** As candles carry it: lower case. */
  name: string;
  /** The names our fields go by in its feeds and files (the readers lower-case file headers). */
  fields?: Partial<Record<Field, readonly string[]>>;
  /**
   * Its stream messages → flat rows, or why a message of its carries no market data yet; undefined for a
   * message that is not one of its. `flatten` reads a message it carries inside an envelope.
   */
  flatten?(message: object, flatten: Flatten): FlatRows | undefined;
  /** The top-level fields its messages are recognised by (a Parquet file's columns of these are read). */
  messageFields?: readonly string[];
  headerlessCsv?: readonly HeaderlessCsv[];
  /** Words in file names that name it (`binanceus` too), given back as the file's exchange. */
  fileNames?: readonly string[];
  /** An interval a file-name word after the symbol gives in its own unit (Kraken's minutes: XBTUSD_60). */
  fileNameInterval?(word: string): string | undefined;
  /** What a whole file name of its says (OKX's `BTC-USDT-candlesticks-2024-01`); the name has no directory or extension. */
  fileNameHints?(name: string): FileNameHints | undefined;
}
