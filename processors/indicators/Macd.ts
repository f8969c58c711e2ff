import { Ema, type EmaState } from './Ema.ts';
import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, wholeNumbers } from './IndicatorDefinition.ts';

export interface MacdState {
  seen: number;
  fast: EmaState;
  slow: EmaState;
  signal: EmaState;
}

export interface MacdValue {
  macd: number;
  signal: number;
  hist: number;
}

/**
 * MACD exactly as TA-Lib's TA_MACD. Its quirk: the fast EMA is not seeded on the first `fast` inputs
 * but on the `fast` inputs that end where the slow EMA's seed ends (TA-Lib starts both EMAs at the
 * slow one's first output), so the first `slow − fast` inputs are skipped by the fast EMA. The
 * signal EMA is seeded on the first `signal` MACD values; the first output is at index slow + signal − 2.
 */
export class Macd implements Indicator<[number], MacdValue> {
  readonly #skip: number;
  #seen: number;
  #fast: Ema;
  #slow: Ema;
  #signal: Ema;

  constructor(fast = 12, slow = 26, signal = 9, saved?: MacdState) {
    requirePeriod('MACD fast period', fast);
    requirePeriod('MACD slow period', slow);
    requirePeriod('MACD signal period', signal);
    // TA-Lib swaps the periods when slow < fast.
    if (slow < fast) [fast, slow] = [slow, fast];
    this.#skip = slow - fast;
    this.#seen = saved?.seen ?? 0;
    this.#fast = new Ema(fast, saved?.fast);
    this.#slow = new Ema(slow, saved?.slow);
    this.#signal = new Ema(signal, saved?.signal);
  }

  update(value: number): MacdValue | null {
    const slow = this.#slow.update(value);
    const fast = this.#seen++ < this.#skip ? null : this.#fast.update(value);
    if (slow === null || fast === null) return null;
    const macd = fast - slow;
    const signal = this.#signal.update(macd);
    return signal === null ? null : { macd, signal, hist: macd - signal };
  }

  snapshot(): MacdState {
    return { seen: this.#seen, fast: this.#fast.snapshot(), slow: this.#slow.snapshot(), signal: this.#signal.snapshot() };
  }
}

type MacdPeriods = readonly [fast: number, slow: number, signal: number];

/** `macd=12,26,9` (fast, slow, signal): macd, macd_signal, macd_hist of the close. */
export const MACD = defineIndicator({
  name: 'macd',
  defaults: [12, 26, 9] as MacdPeriods,
  byDefault: true,
  parse: (numbers): MacdPeriods => {
    const [fast, slow, signal] = wholeNumbers(numbers, 3);
    return [fast, slow, signal];
  },
  columns: () => ['macd', 'macd_signal', 'macd_hist'],
  create([fast, slow, signal], saved) {
    const macd = new Macd(fast, slow, signal, saved as MacdState | undefined);
    return {
      update(c, out) {
        const value = macd.update(c.close);
        out.macd = value?.macd ?? null;
        out.macd_signal = value?.signal ?? null;
        out.macd_hist = value?.hist ?? null;
      },
      snapshot: () => macd.snapshot(),
    };
  },
});
