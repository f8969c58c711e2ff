/** Longest line read by default (--max-line-bytes): a candle row is under 200 bytes, so 1 MiB only stops what is not a CSV. */
export const DEFAULT_MAX_LINE_BYTES = 1 << 20;

/** A line longer than the limit: names the file and the line. */
export class LineTooLongError extends Error {
  override name = 'LineTooLongError';
}

export interface LineOptions {
  /** The file's name, for the error. */
  id: string;
  maxLineBytes?: number;
}

export interface LineBatch {
  lines: string[];
  /** 1-based number of `lines[0]` in the file. */
  firstLine: number;
  /** Bytes read so far. */
  bytes: number;
}

const NEWLINE = 10;
// A BOM stays in the text: the caller decides (it is only a BOM on line 1).
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * A stream's lines (`\n` or `\r\n`) in batches, one batch per chunk that ends a line. Linear time:
 * each byte is scanned once, and a line split across chunks is joined once, when its end comes
 * (`\n` never occurs inside a multi-byte UTF-8 character, so each line is decoded on its own). A line
 * longer than `maxLineBytes` is an error as soon as the limit is passed, not after reading it all.
 */
export async function* lineBatches(chunks: AsyncIterable<Uint8Array>, options: LineOptions): AsyncGenerator<LineBatch> {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let next = 1;
  let bytes = 0;
  const tooLong = (line: number) =>
    new LineTooLongError(`${options.id}: line ${line} is longer than ${max} bytes (--max-line-bytes); not a CSV export?`);
  const take = (tail: Uint8Array): string => {
    const whole = pending.length ? concat([...pending, tail], pendingBytes + tail.length) : tail;
    pending = [];
    pendingBytes = 0;
    const end = whole.length && whole[whole.length - 1] === 13 ? whole.length - 1 : whole.length;
    return utf8.decode(whole.subarray(0, end));
  };
  for await (const chunk of chunks) {
    bytes += chunk.length;
    const lines: string[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      if (pendingBytes + nl - start > max) throw tooLong(next + lines.length);
      lines.push(take(chunk.subarray(start, nl)));
      start = nl + 1;
    }
    if (start < chunk.length) {
      pendingBytes += chunk.length - start;
      if (pendingBytes > max) throw tooLong(next + lines.length);
      pending.push(chunk.slice(start)); // a copy: a stream may reuse its buffers
    }
    if (!lines.length) continue;
    yield { lines, firstLine: next, bytes };
    next += lines.length;
  }
  if (pendingBytes) yield { lines: [take(new Uint8Array(0))], firstLine: next, bytes };
}

function concat(parts: Uint8Array[], length: number): Uint8Array {
  const all = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}
