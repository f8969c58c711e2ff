/**
 * Kafka's default partitioner: murmur2 of the key bytes, made positive, modulo the partition count.
 * Replay uses it too, so a symbol lands in the same task live and in backfill.
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = (0x9747b28c ^ length) | 0;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = (data[i] & 0xff) | ((data[i + 1] & 0xff) << 8) | ((data[i + 2] & 0xff) << 16) | ((data[i + 3] & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= (data[whole + 2] & 0xff) << 16;
  if (tail >= 2) h ^= (data[whole + 1] & 0xff) << 8;
  if (tail >= 1) {
    h ^= data[whole] & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

const encoder = new TextEncoder();
const cache = new Map<string, number>();

export function partitionFor(key: string, partitions: number): number {
  let hash = cache.get(key);
  if (hash === undefined) {
    hash = murmur2(encoder.encode(key)) & 0x7fffffff;
    if (cache.size < 100_000) cache.set(key, hash);
  }
  return hash % partitions;
}
