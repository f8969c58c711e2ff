/** An incremental indicator: O(1) per update, and a small JSON snapshot to resume from. */
export interface Indicator<In extends unknown[], Out> {
  update(...input: In): Out | null;
  snapshot(): unknown;
}

export function requirePeriod(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number ≥ 1, not ${value}`);
  return value;
}

/** TA-Lib (ta_utility.h) treats values within ±1e-14 as zero (TA_IS_ZERO) and below it as zero or negative. */
export const TA_EPSILON = 1e-14;
