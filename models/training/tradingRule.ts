/** What followed one kind of signal on a split's rows. Means and rates are null when it never fired. */
export interface SignalOutcome {
  count: number;
  /** count / rows: how often it fires. */
  share: number;
  /** Mean forward return of the price after it (close `horizon` candles ahead / close − 1). */
  meanForwardReturn: number | null;
  /** Mean return of the position it opens (long for BUY, short for SELL) net of the cost. */
  meanNetReturn: number | null;
  /** Fraction of its positions whose net return is above 0. */
  hitRate: number | null;
}

/**
 * The manifest's trading rule on a split, as the Score processor applies it: BUY when p_up ≥ buy,
 * else SELL when p_down ≥ sell, else HOLD; each signal a position opened at the row's close (when the
 * signal becomes known) and closed `horizon` candles later. Positions overlap: a summary per signal,
 * not a portfolio backtest.
 */
export interface TradingRuleEvaluation {
  rows: number;
  thresholds: { buy: number; sell: number };
  /** Round-trip cost of one position, in basis points of the price. */
  costBps: number;
  buy: SignalOutcome;
  sell: SignalOutcome;
  hold: Pick<SignalOutcome, 'count' | 'share' | 'meanForwardReturn'>;
  /**
   * Holding through the same rows: the mean forward return over every row, and the fraction of rows
   * after which the price rose. One entry for the whole span, so no cost per horizon.
   */
  buyAndHold: { rows: number; meanForwardReturn: number | null; hitRate: number | null };
}

/**
 * The trading rule on rows × classes probabilities (row-major) and each row's forward return.
 * `upIndex` and `downIndex` are the probability columns of the manifest's up and down classes.
 */
export function evaluateTradingRule(
  probabilities: Float64Array,
  forwardReturn: Float64Array,
  o: { classes: number; upIndex: number; downIndex: number; thresholds: { buy: number; sell: number }; costBps: number },
): TradingRuleEvaluation {
  const n = forwardReturn.length;
  const k = o.classes;
  if (probabilities.length !== n * k)
    throw new RangeError(`evaluateTradingRule: ${probabilities.length} probabilities for ${n} rows × ${k} classes`);
  const cost = o.costBps / 10_000;
  const sums = { buy: new Sums(), sell: new Sums(), hold: new Sums() };
  const all = new Sums();
  for (let i = 0; i < n; i++) {
    const r = forwardReturn[i];
    all.add(r, r);
    if (probabilities[i * k + o.upIndex] >= o.thresholds.buy) sums.buy.add(r, r - cost);
    else if (probabilities[i * k + o.downIndex] >= o.thresholds.sell) sums.sell.add(r, -r - cost);
    else sums.hold.add(r, r);
  }
  const hold = sums.hold.outcome(n);
  return {
    rows: n,
    thresholds: { ...o.thresholds },
    costBps: o.costBps,
    buy: sums.buy.outcome(n),
    sell: sums.sell.outcome(n),
    hold: { count: hold.count, share: hold.share, meanForwardReturn: hold.meanForwardReturn },
    buyAndHold: { rows: n, meanForwardReturn: all.outcome(n).meanForwardReturn, hitRate: all.outcome(n).hitRate },
  };
}

/** Running sums of the forward returns and position returns of one signal. */
class Sums {
  count = 0;
  forward = 0;
  net = 0;
  wins = 0;

  add(forward: number, net: number): void {
    this.count++;
    this.forward += forward;
    this.net += net;
    if (net > 0) this.wins++;
  }

  outcome(rows: number): SignalOutcome {
    const c = this.count;
    return {
      count: c,
      share: rows > 0 ? c / rows : 0,
      meanForwardReturn: c ? this.forward / c : null,
      meanNetReturn: c ? this.net / c : null,
      hitRate: c ? this.wins / c : null,
    };
  }
}
