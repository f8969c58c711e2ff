/**
 * The market topology's node names. Runtimes key their inputs, writers and serdes by the sources' and
 * sinks' names; processors' names are what `describe` shows and what a dead letter's `processor` says.
 */
export const NODES = {
  prices: 'prices',
  external: 'external',
  externalTable: 'external-table',
  clean: 'clean',
  enrich: 'enrich',
  candles: 'candles',
  indicators: 'indicators',
  features: 'features',
  signalRule: 'signal-rule',
  score: 'score',
  signals: 'signals',
} as const;
