const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Intervals whose windows tile a UTC day exactly, so every window starts on a day boundary multiple. */
export const INTERVALS = ['1m', '3m', '5m', '15m', '30m', '1h', '2h', '4h', '6h', '12h', '1d'] as const;

/** `5m` → 300000. Throws an Error naming the interval when it is not one of INTERVALS. */
export function intervalMs(interval: string): number {
  if (!(INTERVALS as readonly string[]).includes(interval)) {
    throw new Error(`unknown interval "${interval}" (known: ${INTERVALS.join(', ')})`);
  }
  return Number(interval.slice(0, -1)) * UNIT_MS[interval.slice(-1) as keyof typeof UNIT_MS];
}

/** Start of the window holding `ts`: epoch-aligned, which for these sizes is UTC-day aligned. */
export function windowStart(ts: number, sizeMs: number): number {
  return ts - (((ts % sizeMs) + sizeMs) % sizeMs);
}
