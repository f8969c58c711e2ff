import { TopologyTestDriver } from '../../topology/TopologyTestDriver.ts';
import { buildMarketTopology, defaultMarketOptions, type MarketTopologyOptions } from '../../processors/marketTopology.ts';

/** The market topology in the test driver, with overrides. */
export async function marketDriver(overrides: Partial<MarketTopologyOptions> = {}, partitions = 1) {
  return TopologyTestDriver.create(buildMarketTopology(defaultMarketOptions(overrides)), { partitions });
}

export const T0 = Date.UTC(2023, 2, 1);
export const MIN = 60_000;

export function candle(symbol: string, ts: number, close: number, extra: Record<string, unknown> = {}) {
  return { symbol, ts, open: close, high: close + 1, low: close - 1, close, volume: 1, ...extra };
}
