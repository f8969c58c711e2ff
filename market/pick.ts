/**
 * The first of `names` that `raw` has (not undefined), or undefined. Names are matched exactly: the
 * readers lower-case file headers, and the aliases list each feed's own spelling (openTime, T…),
 * which keeps this on the per-record path cheap.
 */
export function pick(raw: Record<string, unknown>, names: readonly string[]): unknown {
  for (let i = 0; i < names.length; i++) {
    const value = raw[names[i]];
    if (value !== undefined) return value;
  }
  return undefined;
}
