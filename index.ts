/**
 * candlestream as a library: build a topology (sources, your processors, stores, sinks), run it with
 * the test driver, replay it over files, or run it on Kafka; or extend the ready-made market topology.
 * Everything here is public and documented (docs/library.md); nothing else is.
 */

// The engine: a topology of sources, processors and sinks, and the records between them.
export { Topology, DEAD_LETTER, type BuiltTopology, type SourceOptions } from './topology/Topology.ts';
export { TopologyError } from './topology/TopologyError.ts';
export type { Processor, FieldContract } from './topology/Processor.ts';
export type { ProcessorContext, Punctuator } from './topology/ProcessorContext.ts';
export type { StreamRecord, Headers, SourcePosition } from './topology/StreamRecord.ts';
export type { DeadLetter } from './topology/StreamTask.ts';

// Running in-process, without Kafka.
export { TopologyTestDriver, type TestDriverOptions, type TestRecord } from './topology/TopologyTestDriver.ts';

// State stores.
export type { StateStore, StoreBuilder } from './state/StateStore.ts';
export type { KeyValueStore } from './state/KeyValueStore.ts';
export { keyValueStore, type CachedKeyValueStoreOptions } from './state/CachedKeyValueStore.ts';

// The market vocabulary.
export type { Candle, FeatureRecord } from './market/Candle.ts';
export type { Signal } from './market/Signal.ts';
export type { ExternalSignal } from './market/ExternalSignal.ts';

// The ready-made market topology, and its extension points.
export {
  marketTopology,
  buildMarketTopology,
  defaultMarketOptions,
  featureColumns,
  featuresNode,
  DEFAULT_TOPICS,
  type MarketTopologyOptions,
  type FeatureStage,
} from './processors/marketTopology.ts';
export { NODES as MARKET_NODES } from './processors/nodeNames.ts';

// Replay over files (the backfill runner).
export { replay, candleFiles, externalSignalFile, type ReplayOptions, type CandleFilesOptions } from './backfill/replay.ts';
export type { BackfillSummary as ReplaySummary } from './backfill/BackfillRunner.ts';
export type { BoundedInput } from './backfill/BoundedInput.ts';
export { OutputRefused, type OutputWriter, type OutputMode } from './io/OutputWriter.ts';

// Running on Kafka (the streams runtime).
export { createKafkaStreams, type KafkaRunOptions } from './live/createKafkaStreams.ts';
export { KafkaStreams, type Guarantee } from './live/KafkaStreams.ts';
export { jsonSerde, type Serde } from './live/Serde.ts';
export { StreamsMetrics } from './live/StreamsMetrics.ts';
