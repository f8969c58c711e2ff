import { requirePeriod, TA_EPSILON, type Indicator } from './Indicator.ts';
import { defineIndicator, wholeNumbers } from './IndicatorDefinition.ts';
import { RollingWindow } from './RollingWindow.ts';

export interface RsiOptions {
  /** wilder: TA-Lib's RSI. simple: plain means of the last `period` gains and losses (the seed pipeline's). */
  smoothing?: RsiSmoothing;
}

export type RsiSmoothing = 'wilder' | 'simple';

export interface RsiState {
  previous: number | null;
  deltas: number;
  gain: number;
  loss: number;
  window?: number[];
}

/**
 * Relative strength index. Wilder's is TA-Lib's TA_RSI (unstable period 0): the first value, at
 * index `period`, averages the first `period` gains and losses; then each average is
 * (avg·(period − 1) + new) / period. Both forms give 100·gain / (gain + loss), and 0 when that sum
 * is within TA-Lib's zero tolerance.
 */
export class Rsi implements Indicator<[number], number> {
  readonly period: number;
  readonly #simple: boolean;
  #previous: number | null;
  #deltas: number;
  #gain: number;
  #loss: number;
  /** Signed deltas of the last `period` steps, for the simple form. */
  #window: RollingWindow | undefined;

  constructor(period: number, options: RsiOptions = {}, saved?: RsiState) {
    this.period = requirePeriod('RSI period', period);
    this.#simple = (options.smoothing ?? 'wilder') === 'simple';
    if (options.smoothing && options.smoothing !== 'wilder' && options.smoothing !== 'simple')
      throw new Error(`RSI smoothing must be wilder or simple, not ${options.smoothing}`);
    this.#previous = saved?.previous ?? null;
    this.#deltas = saved?.deltas ?? 0;
    this.#gain = saved?.gain ?? 0;
    this.#loss = saved?.loss ?? 0;
    if (this.#simple) this.#window = new RollingWindow(period, saved?.window);
  }

  update(value: number): number | null {
    const previous = this.#previous;
    this.#previous = value;
    if (previous === null) return null;
    const delta = value - previous;
    this.#deltas++;
    return this.#simple ? this.#updateSimple(delta) : this.#updateWilder(delta);
  }

  #updateWilder(delta: number): number | null {
    const n = this.period;
    if (this.#deltas <= n) {
      if (delta < 0) this.#loss -= delta;
      else this.#gain += delta;
      if (this.#deltas < n) return null;
      this.#loss /= n;
      this.#gain /= n;
    } else {
      this.#loss *= n - 1;
      this.#gain *= n - 1;
      if (delta < 0) this.#loss -= delta;
      else this.#gain += delta;
      this.#loss /= n;
      this.#gain /= n;
    }
    return ratio(this.#gain, this.#loss);
  }

  #updateSimple(delta: number): number | null {
    const window = this.#window!;
    if (window.full) {
      const leaving = window.oldest;
      if (leaving < 0) this.#loss += leaving;
      else this.#gain -= leaving;
    }
    window.push(delta);
    if (delta < 0) this.#loss -= delta;
    else this.#gain += delta;
    if (!window.full) return null;
    return ratio(this.#gain / this.period, this.#loss / this.period);
  }

  snapshot(): RsiState {
    return { previous: this.#previous, deltas: this.#deltas, gain: this.#gain, loss: this.#loss, window: this.#window?.toArray() };
  }
}

function ratio(gain: number, loss: number): number {
  const total = gain + loss;
  return total > -TA_EPSILON && total < TA_EPSILON ? 0 : 100 * (gain / total);
}

type RsiPeriods = { period: number; smoothing: RsiSmoothing };

/** `rsi=14`: rsi_14 of the close; its smoothing comes from `--rsi-smoothing`. */
export const RSI = defineIndicator({
  name: 'rsi',
  defaults: { period: 14, smoothing: 'wilder' } as RsiPeriods,
  byDefault: true,
  parse: (numbers): RsiPeriods => ({ period: wholeNumbers(numbers, 1)[0], smoothing: 'wilder' }),
  columns: ({ period }) => [`rsi_${period}`],
  create({ period, smoothing }, saved) {
    const column = `rsi_${period}`;
    const rsi = new Rsi(period, { smoothing }, saved as RsiState | undefined);
    return {
      update(c, out) {
        out[column] = rsi.update(c.close);
      },
      snapshot: () => rsi.snapshot(),
    };
  },
});
