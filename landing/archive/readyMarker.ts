import type { Storage } from '../../io/storage/Storage.ts';

/** Larger than any marker this archive writes: a bigger file is not one of ours. */
const MAX_MARKER_BYTES = 256;
const pad = (n: number) => String(n).padStart(20, '0');

/** A roll's name: `<topic>+<partition>+<first offset>+<last offset>` (offsets zero-padded to 20 digits). */
export function rollName(topic: string, partition: number, first: number, last: number): string {
  return `${topic}+${partition}+${pad(first)}+${pad(last)}`;
}

/** The offsets a roll's name gives, if it is a roll of this topic and partition (Kafka topic names have no `+`). */
export function rollRange(name: string, topic: string, partition: number): { first: number; last: number } | undefined {
  const prefix = `${topic}+${partition}+`;
  const m = name.startsWith(prefix) ? /^(\d{20})\+(\d{20})$/.exec(name.slice(prefix.length)) : null;
  if (!m) return undefined;
  const [first, last] = [Number(m[1]), Number(m[2])];
  return Number.isSafeInteger(last) && first <= last ? { first, last } : undefined;
}

/**
 * The `_READY` marker's bytes: a JSON object and a newline, written last, so a marker cut short (a
 * kill between open and write, a partial WebHDFS upload) is never taken for a whole one.
 */
export function readyMarker(nextOffset: number): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify({ nextOffset })}\n`);
}

/**
 * The offset a roll's `_READY` marker commits, or undefined when there is no valid marker: absent,
 * too big, cut short, not ours, or naming any offset other than the one after the roll's last
 * message (which its directory name gives). An invalid marker is a roll that was not completed,
 * never "offset 0".
 */
export async function readyOffset(storage: Storage, path: string, range: { last: number }): Promise<number | undefined> {
  const entry = await storage.stat(path);
  if (!entry || entry.directory || entry.size > MAX_MARKER_BYTES) return undefined;
  const text = new TextDecoder().decode(await storage.read(path, 0, MAX_MARKER_BYTES));
  // Markers of earlier versions hold the bare number; one cut short cannot equal the expected offset.
  const m = /^\{"nextOffset":(\d{1,16})\}\n$/.exec(text) ?? /^(\d{1,16})$/.exec(text);
  const next = m ? Number(m[1]) : NaN;
  return next === range.last + 1 ? next : undefined;
}
