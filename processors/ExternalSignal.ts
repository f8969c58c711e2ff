/** One observation of an external signal (fear & greed, funding rate…): global, or for one symbol. */
export interface ExternalSignal {
  /** Column suffix: the value lands in `ext_<name>`. */
  name: string;
  /** Canonical symbol, or undefined for a signal that applies to every symbol. */
  symbol?: string;
  ts: number;
  value: number | null;
}

export const GLOBAL_SCOPE = '*';

/** Per scope and name, the latest observations in time order; enough history for an as-of lookup. */
export type SignalHistory = Record<string, [ts: number, value: number | null][]>;

export const EXTERNAL_STORE = 'external-signals';
