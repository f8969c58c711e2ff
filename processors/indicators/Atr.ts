import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, wholeNumbers } from './IndicatorDefinition.ts';

export interface AtrState {
  previousClose: number | null;
  ranges: number;
  total: number;
  value: number | null;
}

/**
 * Average true range as TA-Lib's TA_ATR: true ranges from the second candle on, the first ATR (at
 * index `period`) their simple mean, then Wilder's smoothing (atr·(period − 1) + tr) / period.
 */
export class Atr implements Indicator<[number, number, number], number> {
  readonly period: number;
  #previousClose: number | null;
  #ranges: number;
  #total: number;
  #value: number | null;

  constructor(period = 14, saved?: AtrState) {
    this.period = requirePeriod('ATR period', period);
    this.#previousClose = saved?.previousClose ?? null;
    this.#ranges = saved?.ranges ?? 0;
    this.#total = saved?.total ?? 0;
    this.#value = saved?.value ?? null;
  }

  update(high: number, low: number, close: number): number | null {
    const previousClose = this.#previousClose;
    this.#previousClose = close;
    if (previousClose === null) return null;
    const tr = trueRange(high, low, previousClose);
    if (this.#value !== null) {
      let atr = this.#value * (this.period - 1);
      atr += tr;
      return (this.#value = atr / this.period);
    }
    this.#total += tr;
    if (++this.#ranges < this.period) return null;
    return (this.#value = this.#total / this.period);
  }

  snapshot(): AtrState {
    return { previousClose: this.#previousClose, ranges: this.#ranges, total: this.#total, value: this.#value };
  }
}

/** TA-Lib's TRANGE: the greatest of high − low, |prev close − high|, |prev close − low|. */
function trueRange(high: number, low: number, previousClose: number): number {
  let greatest = high - low;
  const toHigh = Math.abs(previousClose - high);
  if (toHigh > greatest) greatest = toHigh;
  const toLow = Math.abs(previousClose - low);
  if (toLow > greatest) greatest = toLow;
  return greatest;
}

/** `atr=14`: atr_14 of high, low and close. */
export const ATR = defineIndicator({
  name: 'atr',
  defaults: 14 as number,
  byDefault: true,
  parse: (numbers) => wholeNumbers(numbers, 1)[0],
  columns: (period) => [`atr_${period}`],
  create(period, saved) {
    const column = `atr_${period}`;
    const atr = new Atr(period, saved as AtrState | undefined);
    return {
      update(c, out) {
        out[column] = atr.update(c.high, c.low, c.close);
      },
      snapshot: () => atr.snapshot(),
    };
  },
});
