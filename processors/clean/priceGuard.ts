/** Per symbol: the last accepted close, and the closes of the outliers rejected since (if any), for re-anchoring. */
export interface PriceAnchor {
  close: number;
  rejected?: number[];
}

/** Consecutive outliers that agree with each other (within the factor) and so are taken as the new market level. */
export const REANCHOR_AFTER = 5;

/**
 * The outlier guard: a candle whose high is more than `factor` times its symbol's last accepted close,
 * or whose low is less than that close divided by `factor`, is an outlier; one bad tick never reaches
 * indicator state. Neither a bad first price nor a genuine regime change locks a symbol out: the
 * `REANCHOR_AFTER`-th consecutive outlier whose close is within the factor of the ones before it is
 * accepted and becomes the anchor. Returns the verdict and the anchor to keep (the same object when
 * nothing changed).
 */
export function guardPrice(
  anchor: PriceAnchor | undefined,
  candle: { high: number; low: number; close: number },
  factor: number,
): { accepted: boolean; anchor: PriceAnchor } {
  if (!anchor) return { accepted: true, anchor: { close: candle.close } };
  if (candle.high <= anchor.close * factor && candle.low >= anchor.close / factor) {
    return { accepted: true, anchor: anchor.close === candle.close && !anchor.rejected ? anchor : { close: candle.close } };
  }
  const run = [...agreeingTail(anchor.rejected ?? [], candle.close, factor), candle.close];
  if (run.length >= REANCHOR_AFTER) return { accepted: true, anchor: { close: candle.close } };
  return { accepted: false, anchor: { close: anchor.close, rejected: run } };
}

/** The latest rejected closes that, with `close`, lie within `factor` of one another. */
function agreeingTail(rejected: number[], close: number, factor: number): number[] {
  let low = close,
    high = close,
    i = rejected.length;
  while (i > 0) {
    const c = rejected[i - 1];
    if (Math.max(high, c) > Math.min(low, c) * factor) break;
    low = Math.min(low, c);
    high = Math.max(high, c);
    i--;
  }
  return rejected.slice(i);
}
