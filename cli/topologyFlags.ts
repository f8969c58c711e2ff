import { defaultMarketOptions, type MarketTopologyOptions } from '../processors/marketTopology.ts';
import { intervalMs } from '../market/interval.ts';
import { UsageError } from './UsageError.ts';
import { externalSpec } from './externalSpec.ts';
import { periodsSpec } from './periodsSpec.ts';

/** Flags that shape the topology, shared by every command that builds it. */
export const TOPOLOGY_FLAGS = {
  intervals: { type: 'string', default: '1m,5m,1h,1d' },
  grace: { type: 'string', default: '0' },
  'no-gap-fill': { type: 'boolean', default: false },
  'rsi-smoothing': { type: 'string', default: 'wilder' },
  periods: { type: 'string' },
  external: { type: 'string', multiple: true, default: [] as string[] },
  'cache-max-entries': { type: 'string', default: '100000' },
  'max-price-move': { type: 'string', default: '10' },
} as const;

export const TOPOLOGY_HELP = `Topology options:
  --intervals LIST         candle intervals to emit (default 1m,5m,1h,1d; also 3m,15m,30m,2h,4h,6h,12h)
  --grace SECONDS          how long after a window ends a late candle may still update it (default 0)
  --no-gap-fill            do not fill missing 1m candles with the last close and zero volume
  --rsi-smoothing MODE     wilder (TA-Lib, default) or simple (the seed pipeline's moving average)
  --periods SPEC           indicator periods, e.g. "sma=20,100;rsi=7;macd=5,13,4;bb=10,1.5;atr=7";
                           defaults sma=14,50 ema=12,26 rsi=14 macd=12,26,9 bb=20,2 atr=14; columns
                           are named after them (sma_20, rsi_7, atr_7). Off unless named:
                           stoch=14,3,3 (fast %K, slow %K, slow %D; "stoch" alone for these) adds
                           stoch_k and stoch_d
  --external [NAME=]FILE   external signals CSV (time column + numeric columns), as-of joined as
                           ext_NAME; NAME defaults to the file name (fear_and_greed_index_daily.csv →
                           fear_greed). Repeatable.
  --cache-max-entries N    changes a state store buffers in memory before its task commits early
                           (default 100000)
  --max-price-move F       a price more than F times above or below its symbol's last accepted close
                           is dead-lettered as price_outlier (default 10; off: no check); the 5th such
                           price in a row, each within F of the others, is accepted as the new level`;

export interface TopologyFlagValues {
  intervals?: string;
  grace?: string;
  'no-gap-fill'?: boolean;
  'rsi-smoothing'?: string;
  periods?: string;
  external?: string[];
  'cache-max-entries'?: string;
  'max-price-move'?: string;
}

/** What the topology flags decide: the options' parts that are not wiring (topics, external signals, signals). */
export type TopologyFlagOptions = Pick<MarketTopologyOptions, 'clean' | 'candles' | 'periods' | 'cacheMaxEntries'>;

/** The topology flags, checked: a bad one stops start-up naming it. Commands add the wiring and build the options once. */
export function topologyFlagOptions(values: TopologyFlagValues): TopologyFlagOptions {
  const intervals = (values.intervals ?? '1m,5m,1h,1d')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!intervals.length) throw new UsageError('--intervals needs at least one interval');
  for (const interval of intervals) {
    try {
      intervalMs(interval);
    } catch (e) {
      throw new UsageError(`--intervals: ${(e as Error).message}`);
    }
  }
  const grace = Number(values.grace ?? 0);
  if (!Number.isFinite(grace) || grace < 0) throw new UsageError(`--grace must be a number of seconds ≥ 0, not "${values.grace}"`);
  const smoothing = values['rsi-smoothing'] ?? 'wilder';
  if (smoothing !== 'wilder' && smoothing !== 'simple')
    throw new UsageError(`--rsi-smoothing must be wilder or simple, not "${smoothing}"`);
  const cacheMaxEntries = Number(values['cache-max-entries'] ?? 100_000);
  if (!Number.isInteger(cacheMaxEntries) || cacheMaxEntries < 1) {
    throw new UsageError(`--cache-max-entries must be a whole number ≥ 1, not "${values['cache-max-entries']}"`);
  }
  const maxPriceMove = priceMoveFactor(values['max-price-move'] ?? '10');
  const periods = periodsSpec(values.periods);
  const defaults = defaultMarketOptions();
  return {
    clean: { ...defaults.clean, fillGaps: !values['no-gap-fill'], maxPriceMove },
    candles: { intervals, graceMs: grace * 1000 },
    periods: { ...periods, rsi: { ...periods.rsi, smoothing } },
    cacheMaxEntries,
  };
}

/** `--external [NAME=]FILE…` → the signals' names; two alike stop start-up. */
export function externalFileNames(specs: readonly string[]): string[] {
  const names = specs.map((spec) => externalSpec(spec).name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new UsageError(`--external: two signals are named "${duplicate}"; name them with NAME=FILE`);
  return names;
}

/** `--max-price-move`: a factor above 1, or `off` (Infinity: no move is too large). */
function priceMoveFactor(raw: string): number {
  if (raw.trim() === 'off') return Infinity;
  const factor = Number(raw);
  if (!Number.isFinite(factor) || factor <= 1) throw new UsageError(`--max-price-move must be a factor > 1 (e.g. 10) or off, not "${raw}"`);
  return factor;
}

/** `--signal-intervals`: each a known interval, and among the candle intervals the topology emits. */
export function signalIntervals(raw: string | undefined, candleIntervals: readonly string[]): string[] {
  const list = (raw ?? '1m')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const interval of list) {
    try {
      intervalMs(interval);
    } catch (e) {
      throw new UsageError(`--signal-intervals: ${(e as Error).message}`);
    }
  }
  const missing = list.filter((i) => !candleIntervals.includes(i));
  if (missing.length) throw new UsageError(`--signal-intervals ${missing.join(',')}: not among --intervals ${candleIntervals.join(',')}`);
  return list;
}
