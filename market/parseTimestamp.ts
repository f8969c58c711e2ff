/** 2200-01-01T00:00:00Z: later (or before 1970) is a unit mix-up or garbage, not market data. */
const MAX_MS = 7_258_118_400_000;
/** Longer than any timestamp (a ns epoch is 19 digits, ISO with ns and an offset 35 characters): garbage, not parsed. */
const MAX_LENGTH = 64;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * Any timestamp an exchange export or feed writes → UTC epoch milliseconds, or null.
 * Epoch numbers (number, bigint or numeric string) by magnitude: < 1e11 seconds (fractions kept),
 * < 1e14 milliseconds, < 1e17 microseconds, else nanoseconds. ISO-8601 with `Z`, an offset
 * (`+05:30`, `+0530`, `+05`) or none (UTC), `T` or a space, optional fractional seconds; a date alone
 * is midnight UTC. Only times from 1970 to 2199 (UTC) are read; anything else is null.
 */
export function parseTimestamp(raw: unknown): number | null {
  let ms: number | null = null;
  if (typeof raw === 'number') ms = fromEpoch(raw);
  else if (typeof raw === 'bigint') ms = fromBigEpoch(raw);
  else if (raw instanceof Date) ms = raw.getTime();
  else if (typeof raw === 'string') {
    const s = raw.trim();
    if (s.length > MAX_LENGTH) return null;
    if (/^-?\d+$/.test(s)) ms = s.length > 15 ? fromBigEpoch(BigInt(s)) : fromEpoch(Number(s));
    else if (/^-?\d+\.\d+$/.test(s)) ms = fromEpoch(Number(s));
    else ms = fromIso(s);
  }
  return ms !== null && Number.isFinite(ms) && ms >= 0 && ms < MAX_MS ? ms : null;
}

function fromEpoch(x: number): number | null {
  if (!Number.isFinite(x)) return null;
  const a = Math.abs(x);
  if (a < 1e11) return Math.round(x * 1000);
  if (a < 1e14) return Math.round(x);
  if (a < 1e17) return Math.floor(x / 1000);
  return Math.floor(x / 1e6);
}

function fromBigEpoch(x: bigint): number | null {
  const a = x < 0n ? -x : x;
  if (a < 100_000_000_000_000n) return fromEpoch(Number(x));
  if (a < 100_000_000_000_000_000n) return Number(x / 1000n);
  return Number(x / 1_000_000n);
}

function fromIso(s: string): number | null {
  const m = ISO.exec(s);
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', sec = '0', frac = '', zone = 'Z'] = m;
  const year = Number(y),
    month = Number(mo),
    day = Number(d),
    hour = Number(h),
    minute = Number(mi),
    second = Number(sec);
  // Date.UTC reads years 0–99 as 1900–1999 (0070 would become 1970); they are before 1970, out of range anyway.
  if (year < 100) return null;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) return null;
  const base = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 2023-02-30 over into March: a rolled date was not a real date.
  if (new Date(base).getUTCDate() !== day) return null;
  const millis = frac ? Math.floor(Number(`0.${frac}`) * 1000 + 1e-6) : 0;
  return base + millis - offsetMs(zone);
}

function offsetMs(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone[0] === '-' ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  return sign * (hours * 60 + minutes) * 60_000;
}
