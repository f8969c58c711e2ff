const cache = new Map<string, Map<string, string>>();

/**
 * `a|b` as one shared string per pair. Store keys such as symbol|interval are looked up several
 * times per record; reusing the same string lets the engine hash it once instead of every time.
 */
export function compositeKey(a: string, b: string): string {
  let inner = cache.get(a);
  if (!inner) cache.set(a, (inner = new Map()));
  let key = inner.get(b);
  if (key === undefined) inner.set(b, (key = `${a}|${b}`));
  return key;
}
