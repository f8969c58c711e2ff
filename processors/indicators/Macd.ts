import type { BinaryWriter } from '../../state/binaryValue.ts';
import { EmaSlots, type EmaState } from './Ema.ts';
import { requirePeriod, type Indicator } from './Indicator.ts';
import { defineIndicator, wholeNumbers, type IndicatorSlots } from './IndicatorDefinition.ts';
import { grown } from './grown.ts';

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
 * MACDs, one per slot, exactly as TA-Lib's TA_MACD. Its quirk: the fast EMA is not seeded on the
 * first `fast` inputs but on the `fast` inputs that end where the slow EMA's seed ends (TA-Lib starts
 * both EMAs at the slow one's first output), so the first `slow − fast` inputs are skipped by the fast
 * EMA. The signal EMA is seeded on the first `signal` MACD values; the first output is at index slow + signal − 2.
 */
export class MacdSlots {
  readonly #skip: number;
  seen: Float64Array;
  readonly fast: EmaSlots;
  readonly slow: EmaSlots;
  readonly signal: EmaSlots;
  /** The last step's lines, when it returned true. */
  macd = 0;
  signalValue = 0;
  hist = 0;

  constructor(fast: number, slow: number, signal: number, capacity: number) {
    requirePeriod('MACD fast period', fast);
    requirePeriod('MACD slow period', slow);
    requirePeriod('MACD signal period', signal);
    // TA-Lib swaps the periods when slow < fast.
    if (slow < fast) [fast, slow] = [slow, fast];
    this.#skip = slow - fast;
    this.seen = new Float64Array(capacity);
    this.fast = new EmaSlots(fast, capacity);
    this.slow = new EmaSlots(slow, capacity);
    this.signal = new EmaSlots(signal, capacity);
  }

  grow(capacity: number): void {
    this.seen = grown(this.seen, capacity);
    this.fast.grow(capacity);
    this.slow.grow(capacity);
    this.signal.grow(capacity);
  }

  load(slot: number, saved: MacdState | undefined): void {
    this.seen[slot] = saved?.seen ?? 0;
    this.fast.load(slot, saved?.fast);
    this.slow.load(slot, saved?.slow);
    this.signal.load(slot, saved?.signal);
  }

  /** False during the lookback; else true, the lines in `macd`, `signalValue`, `hist`. */
  step(slot: number, value: number): boolean {
    const slow = this.slow.step(slot, value);
    const fast = this.seen[slot]++ < this.#skip ? null : this.fast.step(slot, value);
    if (slow === null || fast === null) return false;
    const macd = fast - slow;
    const signal = this.signal.step(slot, macd);
    if (signal === null) return false;
    this.macd = macd;
    this.signalValue = signal;
    this.hist = macd - signal;
    return true;
  }

  snapshot(slot: number): MacdState {
    return { seen: this.seen[slot], fast: this.fast.snapshot(slot), slow: this.slow.snapshot(slot), signal: this.signal.snapshot(slot) };
  }

  /** encodeValue(snapshot(slot)), without building it. */
  write(slot: number, w: BinaryWriter): void {
    w.object(4);
    w.key('seen');
    w.number(this.seen[slot]);
    w.key('fast');
    this.fast.write(slot, w);
    w.key('slow');
    this.slow.write(slot, w);
    w.key('signal');
    this.signal.write(slot, w);
  }
}

/** One MACD: a slot of MacdSlots. */
export class Macd implements Indicator<[number], MacdValue> {
  readonly #slots: MacdSlots;

  constructor(fast = 12, slow = 26, signal = 9, saved?: MacdState) {
    this.#slots = new MacdSlots(fast, slow, signal, 1);
    this.#slots.load(0, saved);
  }

  update(value: number): MacdValue | null {
    const m = this.#slots;
    return m.step(0, value) ? { macd: m.macd, signal: m.signalValue, hist: m.hist } : null;
  }

  snapshot(): MacdState {
    return this.#slots.snapshot(0);
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
  slots([fast, slow, signal], capacity): IndicatorSlots {
    const macd = new MacdSlots(fast, slow, signal, capacity);
    return {
      grow: (c) => macd.grow(c),
      load: (slot, saved) => macd.load(slot, saved as MacdState | undefined),
      update(slot, c, out) {
        const ready = macd.step(slot, c.close);
        out.macd = ready ? macd.macd : null;
        out.macd_signal = ready ? macd.signalValue : null;
        out.macd_hist = ready ? macd.hist : null;
      },
      snapshot: (slot) => macd.snapshot(slot),
      write: (slot, w) => macd.write(slot, w),
    };
  },
});
