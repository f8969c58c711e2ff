/** The first of `names` present in `raw` (exact name first, then case-insensitively), or undefined. */
export function pick(raw: Record<string, unknown>, names: readonly string[]): unknown {
  for (const name of names) if (raw[name] !== undefined) return raw[name];
  const lower = new Map<string, unknown>();
  for (const key in raw) lower.set(key.toLowerCase(), raw[key]);
  for (const name of names) if (lower.get(name.toLowerCase()) !== undefined) return lower.get(name.toLowerCase());
  return undefined;
}
