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
