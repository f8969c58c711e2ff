import { normalizeSymbol } from '../market/normalizeSymbol.ts';

const DAY_MS = 86_400_000;

/** `symbol=BTC-USDT/date=2023-03-01/part-0.parquet` → { symbol: 'BTC-USDT', date: '2023-03-01' }. */
export function hivePartitionValues(relativePath: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const segment of relativePath.split('/').slice(0, -1)) {
    const eq = segment.indexOf('=');
    if (eq > 0) values[segment.slice(0, eq).toLowerCase()] = partitionValue(segment.slice(eq + 1));
  }
  return values;
}

/**
 * A partition value as Spark and Hive escape it (`%2F` for `/`). A directory someone named by hand, like
 * `run=50%`, is not valid percent-encoding: taken as it is, never a failure.
 */
function partitionValue(escaped: string): string {
  try {
    return decodeURIComponent(escaped);
  } catch {
    return escaped;
  }
}

export interface PartitionFilter {
  /** Canonical symbols to keep; undefined: all. */
  symbols?: ReadonlySet<string>;
  /** And of those, the ones this process owns (a shard of a backfill); undefined: all. */
  symbolOwned?: (symbol: string) => boolean;
  /** Keep partitions that can hold a candle with from ≤ ts < to. */
  from: number;
  to: number;
}

/**
 * Whether a Hive partition directory (`symbol=…`, `date=YYYY-MM-DD` or `dt=…`) can hold rows the
 * filter keeps; any other directory is entered. Pruning skips whole directories unread.
 */
export function partitionMayMatch(directoryName: string, filter: PartitionFilter): boolean {
  const eq = directoryName.indexOf('=');
  if (eq <= 0) return true;
  const key = directoryName.slice(0, eq).toLowerCase();
  const value = partitionValue(directoryName.slice(eq + 1));
  if (key === 'symbol') {
    const symbol = normalizeSymbol(value) ?? value;
    return (!filter.symbols || filter.symbols.has(symbol)) && (!filter.symbolOwned || filter.symbolOwned(symbol));
  }
  if (key === 'date' || key === 'dt') {
    const day = Date.parse(`${value.slice(0, 10)}T00:00:00Z`);
    if (Number.isNaN(day)) return true;
    return day < filter.to && day + DAY_MS > filter.from;
  }
  return true;
}
