import { Topology, type BuiltTopology } from '../topology/Topology.ts';
import type { Processor } from '../topology/Processor.ts';
import { keyValueStore } from '../state/CachedKeyValueStore.ts';
import type { StoreBuilder } from '../state/StateStore.ts';
import { CANDLE_COLUMNS } from '../market/Candle.ts';
import { CleanProcessor, type CleanOptions } from './CleanProcessor.ts';
import { EnrichProcessor, extColumn } from './EnrichProcessor.ts';
import { ExternalTableProcessor } from './ExternalTableProcessor.ts';
import { EXTERNAL_STORE } from './ExternalTableProcessor.ts';
import { CandlesProcessor, type CandlesOptions } from './CandlesProcessor.ts';
import { IndicatorsProcessor } from './IndicatorsProcessor.ts';
import { indicatorColumns } from './indicators/IndicatorSet.ts';
import { DEFAULT_PERIODS, type IndicatorPeriods } from './indicators/registry.ts';
import { SignalRuleProcessor } from './SignalRuleProcessor.ts';
import { ScoreProcessor } from './ScoreProcessor.ts';
import type { SignalModelSource } from './SignalModel.ts';
import { SIGNAL_COLUMNS } from '../market/Signal.ts';
import { priceEventTime, signalEventTime } from '../market/exchanges/eventTime.ts';
import { priceKey } from '../market/exchanges/priceKey.ts';
import { NODES } from './nodeNames.ts';

/** Built once, by defaultMarketOptions with every part a command decided, and never changed after. */
export interface MarketTopologyOptions {
  /** `features` undefined: no features sink (a live service that publishes signals only). */
  readonly topics: Readonly<{ prices: string; external: string; features: string | undefined; signals: string }>;
  /** External signal names; each becomes an `ext_<name>` column. */
  readonly externalSignals: readonly string[];
  readonly clean: Readonly<CleanOptions>;
  readonly candles: Readonly<CandlesOptions>;
  readonly periods: Readonly<IndicatorPeriods>;
  /** Changes a store buffers before its task commits early (the write-back cache's bound). */
  readonly cacheMaxEntries: number;
  /** Intervals whose closed candles give a signal on the `signals` sink; none: no signals branch. */
  readonly signalIntervals: readonly string[];
  /** Signals from a model (of `signalIntervals`' one interval) instead of the built-in rule; `reads`: the columns its features use. */
  readonly model?: Readonly<{ source: SignalModelSource; reads: readonly string[] }>;
  /** Your own processors after Indicators, in order: the features (and signals) are their output. */
  readonly featureStages?: readonly FeatureStage[];
}

/**
 * A processor of yours inserted into the market topology after Indicators (a custom indicator, a
 * filter): it receives every feature row and forwards it with its `writes` columns added, which then
 * follow the built-in columns in every features sink.
 */
export interface FeatureStage {
  /** Its node name; unique in the topology. */
  readonly name: string;
  readonly supplier: () => Processor;
  /** The columns it adds to each feature row. */
  readonly writes: readonly string[];
  /** Feature columns it needs (checked when the topology is built). */
  readonly reads?: readonly string[];
  /** Its state stores, connected to it. */
  readonly stores?: readonly StoreBuilder[];
}

/** The market topology's default Kafka topics. */
export const DEFAULT_TOPICS = {
  prices: 'crypto-prices',
  external: 'crypto-external',
  features: 'crypto-features',
  signals: 'crypto-signals',
  deadLetter: 'crypto-dead-letter',
};

/** The options: the defaults, with the parts given. A command decides every part first, then builds them here, once. */
export function defaultMarketOptions(overrides: Partial<MarketTopologyOptions> = {}): MarketTopologyOptions {
  return {
    topics: {
      prices: DEFAULT_TOPICS.prices,
      external: DEFAULT_TOPICS.external,
      features: DEFAULT_TOPICS.features,
      signals: DEFAULT_TOPICS.signals,
    },
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
export function featureColumns(o: Pick<MarketTopologyOptions, 'periods' | 'externalSignals' | 'featureStages'>): string[] {
  const stages = (o.featureStages ?? []).flatMap((stage) => stage.writes);
  return [...CANDLE_COLUMNS, ...indicatorColumns(o.periods), ...o.externalSignals.map(extColumn), ...stages];
}

/** The node whose output is the features stream: Indicators, or the last feature stage. A sink of yours reads from it. */
export function featuresNode(o: Pick<MarketTopologyOptions, 'featureStages'>): string {
  return o.featureStages?.at(-1)?.name ?? NODES.indicators;
}

/** The market topology, built (checked and frozen): what the CLI runs. */
export function buildMarketTopology(o: MarketTopologyOptions): BuiltTopology {
  return marketTopology(o).build();
}

/**
 * The nine-stage pipeline's streaming half: prices → Clean → Enrich (as-of join with the external
 * signals, a global table) → Candles (1m…1d windows) → Indicators → your feature stages → features,
 * and → Signals → signals when signal intervals are set. The same topology runs live and in backfill.
 * Not yet built: add your own branches (a sink on `featuresNode(o)`), then call `build()`.
 */
export function marketTopology(o: MarketTopologyOptions): Topology {
  const ext = o.externalSignals.map(extColumn);
  const cache = { maxDirtyEntries: o.cacheMaxEntries };
  const candleFields = ['symbol', 'exchange', 'interval', 'ts', 'open', 'high', 'low', 'close', 'volume'];
  const topology = new Topology()
    .addSource(NODES.prices, [o.topics.prices], [], { timestamp: priceEventTime, key: priceKey })
    .addSource(NODES.external, [o.topics.external], ['name', 'ts', 'value'], { global: true, timestamp: signalEventTime })
    .addProcessor(NODES.externalTable, () => new ExternalTableProcessor(o.externalSignals), [NODES.external], {
      reads: ['name', 'ts', 'value'],
    })
    .addProcessor(NODES.clean, () => new CleanProcessor(o.clean), [NODES.prices], { writes: candleFields, replaces: true })
    .addProcessor(NODES.enrich, () => new EnrichProcessor(o.externalSignals), [NODES.clean], { reads: ['symbol', 'ts'], writes: ext })
    .addProcessor(NODES.candles, () => new CandlesProcessor(o.candles), [NODES.enrich], { reads: candleFields })
    .addProcessor(NODES.indicators, () => new IndicatorsProcessor(o.periods, ext), [NODES.candles], {
      reads: ['symbol', 'interval', 'ts', 'high', 'low', 'close', 'volume', ...ext],
      writes: indicatorColumns(o.periods),
    })
    .addStateStore(keyValueStore(EXTERNAL_STORE, cache), NODES.externalTable, NODES.enrich);
  let features: string = NODES.indicators;
  for (const stage of o.featureStages ?? []) {
    topology.addProcessor(stage.name, stage.supplier, [features], { reads: stage.reads, writes: stage.writes });
    for (const store of stage.stores ?? []) topology.addStateStore(store, stage.name);
    features = stage.name;
  }
  if (o.topics.features !== undefined) topology.addSink(NODES.features, o.topics.features, [features], featureColumns(o));
  if (o.model) {
    const { source, reads } = o.model;
    if (o.signalIntervals.length !== 1 || o.signalIntervals[0] !== source.interval) {
      throw new Error(`the model scores ${source.interval} candles; signal intervals are ${o.signalIntervals.join(',') || 'none'}`);
    }
    topology
      .addProcessor(NODES.score, () => new ScoreProcessor(source), [features], {
        reads: ['symbol', 'interval', 'ts', 'close', ...reads],
        writes: [...SIGNAL_COLUMNS],
        replaces: true,
      })
      .addSink(NODES.signals, o.topics.signals, [NODES.score], SIGNAL_COLUMNS);
  } else if (o.signalIntervals.length) {
    const rule = { intervals: o.signalIntervals, rsiColumn: `rsi_${o.periods.rsi.period}`, rsiBound: 70 };
    topology
      .addProcessor(NODES.signalRule, () => new SignalRuleProcessor(rule), [features], {
        reads: ['symbol', 'interval', 'ts', 'close', 'macd_hist', rule.rsiColumn],
        writes: [...SIGNAL_COLUMNS],
        replaces: true,
      })
      .addSink(NODES.signals, o.topics.signals, [NODES.signalRule], SIGNAL_COLUMNS);
  }
  for (const store of CleanProcessor.stores(cache)) topology.addStateStore(store, NODES.clean);
  for (const store of CandlesProcessor.stores(o.candles, cache)) topology.addStateStore(store, NODES.candles);
  for (const store of IndicatorsProcessor.stores(cache)) topology.addStateStore(store, NODES.indicators);
  return topology;
}
