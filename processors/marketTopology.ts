import { Topology, type BuiltTopology } from '../topology/Topology.ts';
import { keyValueStore } from '../state/CachedKeyValueStore.ts';
import { CANDLE_COLUMNS } from '../market/Candle.ts';
import { CleanProcessor, type CleanOptions } from './CleanProcessor.ts';
import { EnrichProcessor, extColumn } from './EnrichProcessor.ts';
import { ExternalTableProcessor } from './ExternalTableProcessor.ts';
import { EXTERNAL_STORE } from './ExternalTableProcessor.ts';
import { CandlesProcessor, type CandlesOptions } from './CandlesProcessor.ts';
import { IndicatorsProcessor } from './IndicatorsProcessor.ts';
import { indicatorColumns } from './indicators/IndicatorSet.ts';
import { DEFAULT_PERIODS, type IndicatorPeriods } from './indicators/registry.ts';
import { SignalsProcessor } from './SignalsProcessor.ts';
import { ScoreProcessor } from './ScoreProcessor.ts';
import type { SignalModelSource } from '../models/SignalModel.ts';
import { SIGNAL_COLUMNS } from '../market/Signal.ts';
import { priceEventTime, signalEventTime } from '../market/exchanges/eventTime.ts';
import { priceKey } from '../market/exchanges/priceKey.ts';

export interface MarketTopologyOptions {
  /** `features` undefined: no features sink (a live service that publishes signals only). */
  topics: { prices: string; external: string; features: string | undefined; signals: string };
  /** External signal names; each becomes an `ext_<name>` column. */
  externalSignals: readonly string[];
  clean: CleanOptions;
  candles: CandlesOptions;
  periods: IndicatorPeriods;
  /** Changes a store buffers before its task commits early (the write-back cache's bound). */
  cacheMaxEntries: number;
  /** Intervals whose closed candles give a signal on the `signals` sink; none: no signals branch. */
  signalIntervals: readonly string[];
  /** Signals from a model (of `signalIntervals`' one interval) instead of the built-in rule; `reads`: the columns its features use. */
  model?: { source: SignalModelSource; reads: readonly string[] };
}

export const DEFAULT_TOPICS = { prices: 'crypto-prices', external: 'crypto-external', features: 'crypto-features', signals: 'crypto-signals', deadLetter: 'crypto-dead-letter' };

export function defaultMarketOptions(overrides: Partial<MarketTopologyOptions> = {}): MarketTopologyOptions {
  return {
    topics: { prices: DEFAULT_TOPICS.prices, external: DEFAULT_TOPICS.external, features: DEFAULT_TOPICS.features, signals: DEFAULT_TOPICS.signals },
    externalSignals: [],
    clean: { fillGaps: true, maxGapMs: 24 * 3600_000, maxPriceMove: 10 },
    candles: { intervals: ['1m', '5m', '1h', '1d'], graceMs: 0 },
    periods: DEFAULT_PERIODS,
    cacheMaxEntries: 100_000,
    signalIntervals: [],
    ...overrides,
  };
}

/** The feature columns, in output order, that the `features` sink receives. */
export function featureColumns(o: MarketTopologyOptions): string[] {
  return [...CANDLE_COLUMNS, ...indicatorColumns(o.periods), ...o.externalSignals.map(extColumn)];
}

/**
 * The nine-stage pipeline's streaming half: prices → Clean → Enrich (as-of join with the external
 * signals, a global table) → Candles (1m…1d windows) → Indicators → features, and → Signals → signals
 * when signal intervals are set. The same topology runs live and in backfill.
 */
export function buildMarketTopology(o: MarketTopologyOptions): BuiltTopology {
  const ext = o.externalSignals.map(extColumn);
  const cache = { maxDirtyEntries: o.cacheMaxEntries };
  const candleFields = ['symbol', 'exchange', 'interval', 'ts', 'open', 'high', 'low', 'close', 'volume'];
  const topology = new Topology()
    .addSource('prices', [o.topics.prices], [], { timestamp: priceEventTime, key: priceKey })
    .addSource('external', [o.topics.external], ['name', 'ts', 'value'], { global: true, timestamp: signalEventTime })
    .addProcessor('external-table', () => new ExternalTableProcessor(o.externalSignals), ['external'], { reads: ['name', 'ts', 'value'] })
    .addProcessor('clean', () => new CleanProcessor(o.clean), ['prices'], { writes: candleFields, replaces: true })
    .addProcessor('enrich', () => new EnrichProcessor(o.externalSignals), ['clean'], { reads: ['symbol', 'ts'], writes: ext })
    .addProcessor('candles', () => new CandlesProcessor(o.candles), ['enrich'], { reads: candleFields })
    .addProcessor('indicators', () => new IndicatorsProcessor(o.periods, ext), ['candles'], {
      reads: ['symbol', 'interval', 'ts', 'high', 'low', 'close', 'volume', ...ext],
      writes: indicatorColumns(o.periods),
    })
    .addStateStore(keyValueStore(EXTERNAL_STORE, cache), 'external-table', 'enrich');
  if (o.topics.features !== undefined) topology.addSink('features', o.topics.features, ['indicators'], featureColumns(o));
  if (o.model) {
    const { source, reads } = o.model;
    if (o.signalIntervals.length !== 1 || o.signalIntervals[0] !== source.interval) {
      throw new Error(`the model scores ${source.interval} candles; signal intervals are ${o.signalIntervals.join(',') || 'none'}`);
    }
    topology
      .addProcessor('score', () => new ScoreProcessor(source), ['indicators'], { reads: ['symbol', 'interval', 'ts', 'close', ...reads], writes: [...SIGNAL_COLUMNS], replaces: true })
      .addSink('signals', o.topics.signals, ['score'], SIGNAL_COLUMNS);
  } else if (o.signalIntervals.length) {
    const rule = { intervals: o.signalIntervals, rsiColumn: `rsi_${o.periods.rsi.period}`, rsiBound: 70 };
    topology
      .addProcessor('signal-rule', () => new SignalsProcessor(rule), ['indicators'], { reads: ['symbol', 'interval', 'ts', 'close', 'macd_hist', rule.rsiColumn], writes: [...SIGNAL_COLUMNS], replaces: true })
      .addSink('signals', o.topics.signals, ['signal-rule'], SIGNAL_COLUMNS);
  }
  for (const store of CleanProcessor.stores(cache)) topology.addStateStore(store, 'clean');
  for (const store of CandlesProcessor.stores(o.candles, cache)) topology.addStateStore(store, 'candles');
  for (const store of IndicatorsProcessor.stores(cache)) topology.addStateStore(store, 'indicators');
  return topology.build();
}
