import { createInflateRaw, crc32 } from 'node:zlib';
import { Readable } from 'node:stream';
import type { Storage } from '../../io/storage/Storage.ts';

/** One member of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  /** The name inside the archive, `/`-separated (may include folders). */
  name: string;
  directory: boolean;
  /** 0 stored, 8 deflate; anything else is refused when read. */
  method: number;
  encrypted: boolean;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Where its local header starts. */
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const MAX_COMMENT = 0xffff;
const CHUNK = 1 << 20;
const METHODS: Record<number, string> = {
  1: 'Shrink',
  6: 'Implode',
  9: 'Deflate64',
  12: 'bzip2',
  14: 'LZMA',
  93: 'Zstandard',
  95: 'XZ',
  99: 'AES encryption',
};

/** A zip file that cannot be read: what is wrong, naming the archive (and the member). */
export class ZipError extends Error {
  override name = 'ZipError';
}

/**
 * The members of a zip archive on any Storage, read from its central directory (the end of the
 * file: the end-of-central-directory record, and for archives over 4 GiB or 65,535 members the
 * ZIP64 record it points to). Only the directory is read here; members are streamed by `openEntry`.
 */
export async function readZipDirectory(storage: Storage, path: string, size: number): Promise<ZipEntry[]> {
  const uri = storage.uri(path);
  const tailLength = Math.min(size, 22 + MAX_COMMENT + 20);
  const tail = await storage.read(path, size - tailLength, tailLength);
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  let eocd = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    // The record's comment length must reach exactly to the end of the file.
    if (view.getUint32(i, true) === EOCD && i + 22 + view.getUint16(i + 20, true) === tail.length) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError(`${uri}: not a zip file, or truncated (no end of central directory record)`);
  if (view.getUint16(eocd + 4, true) !== view.getUint16(eocd + 6, true))
    throw new ZipError(`${uri}: a multi-part (spanned) zip archive is not supported`);
  let count = view.getUint16(eocd + 10, true);
  let directorySize = view.getUint32(eocd + 12, true);
  let directoryOffset = view.getUint32(eocd + 16, true);
  if (eocd >= 20 && view.getUint32(eocd - 20, true) === ZIP64_LOCATOR) {
    const recordOffset = Number(view.getBigUint64(eocd - 20 + 8, true));
    const record = await storage.read(path, recordOffset, 56);
    const r = new DataView(record.buffer, record.byteOffset, record.byteLength);
    if (record.length < 56 || r.getUint32(0, true) !== ZIP64_EOCD)
      throw new ZipError(`${uri}: corrupt ZIP64 end of central directory record at ${recordOffset}`);
    count = Number(r.getBigUint64(32, true));
    directorySize = Number(r.getBigUint64(40, true));
    directoryOffset = Number(r.getBigUint64(48, true));
  }
  if (directoryOffset + directorySize > size)
    throw new ZipError(`${uri}: truncated (its central directory ends at byte ${directoryOffset + directorySize}, the file has ${size})`);
  const directory = await storage.read(path, directoryOffset, directorySize);
  const d = new DataView(directory.buffer, directory.byteOffset, directory.byteLength);
  const entries: ZipEntry[] = [];
  let at = 0;
  for (let n = 0; n < count; n++) {
    if (at + 46 > directory.length || d.getUint32(at, true) !== CENTRAL)
      throw new ZipError(`${uri}: corrupt central directory (entry ${n + 1} of ${count})`);
    const flags = d.getUint16(at + 8, true);
    const nameLength = d.getUint16(at + 28, true);
    const extraLength = d.getUint16(at + 30, true);
    const commentLength = d.getUint16(at + 32, true);
    const nameBytes = directory.subarray(at + 46, at + 46 + nameLength);
    // Bit 11: the name is UTF-8; otherwise IBM code page 437, whose ASCII range is all exports use.
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes).replace(/\\/g, '/');
    let uncompressedSize = d.getUint32(at + 24, true);
    let compressedSize = d.getUint32(at + 20, true);
    let localHeaderOffset = d.getUint32(at + 42, true);
    // ZIP64 extended information (header 0x0001): the 64-bit values of the fields saturated at 0xFFFFFFFF, in this order.
    const extraStart = at + 46 + nameLength;
    if (extraStart + extraLength + commentLength > directory.length)
      throw new ZipError(`${uri}: corrupt central directory (entry ${n + 1} of ${count} runs past its end)`);
    for (let e = extraStart; e + 4 <= extraStart + extraLength;) {
      const id = d.getUint16(e, true);
      const length = d.getUint16(e + 2, true);
      if (id === 0x0001) {
        let field = e + 4;
        const next = () => {
          if (field + 8 > e + 4 + length || field + 8 > extraStart + extraLength)
            throw new ZipError(`${uri}: corrupt ZIP64 extra field (entry ${n + 1} of ${count})`);
          const v = Number(d.getBigUint64(field, true));
          field += 8;
          return v;
        };
        if (uncompressedSize === 0xffffffff) uncompressedSize = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
      }
      e += 4 + length;
    }
    // A member lies before the central directory: anything else is a corrupt (or hostile) entry.
    if (localHeaderOffset + 30 + compressedSize > directoryOffset)
      throw new ZipError(`${uri}: corrupt central directory (entry ${n + 1} of ${count}, ${name}, lies outside the archive)`);
    entries.push({
      name,
      directory: name.endsWith('/'),
      method: d.getUint16(at + 10, true),
      encrypted: (flags & 1) !== 0,
      crc32: d.getUint32(at + 16, true),
      compressedSize,
      uncompressedSize,
      localHeaderOffset,
    });
    at += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}

/**
 * A member's uncompressed bytes, streamed: its compressed bytes are read from the archive in 1 MiB
 * ranges and inflated as they come (nothing is unpacked to disk). At the end its length and CRC-32
 * are checked against the central directory; a mismatch, like a deflate error, is an error naming
 * the archive and the member.
 */
export async function* openEntry(storage: Storage, path: string, entry: ZipEntry): AsyncGenerator<Uint8Array> {
  const what = `${storage.uri(path)}!${entry.name}`;
  if (entry.encrypted) throw new ZipError(`${what}: encrypted, cannot be read`);
  if (entry.method !== 0 && entry.method !== 8)
    throw new ZipError(
      `${what}: compression method ${entry.method}${METHODS[entry.method] ? ` (${METHODS[entry.method]})` : ''} is not supported (stored and deflate are)`,
    );
  const header = await storage.read(path, entry.localHeaderOffset, 30);
  const h = new DataView(header.buffer, header.byteOffset, header.byteLength);
  if (header.length < 30 || h.getUint32(0, true) !== LOCAL)
    throw new ZipError(`${what}: corrupt (no local file header at byte ${entry.localHeaderOffset})`);
  const start = entry.localHeaderOffset + 30 + h.getUint16(26, true) + h.getUint16(28, true);
  const end = start + entry.compressedSize;

  async function* compressed(): AsyncGenerator<Uint8Array> {
    for (let offset = start; offset < end;) {
      const bytes = await storage.read(path, offset, Math.min(CHUNK, end - offset));
      if (!bytes.length) throw new ZipError(`${what}: truncated (the archive ends at byte ${offset}, the member at ${end})`);
      offset += bytes.length;
      yield bytes;
    }
  }

  const source = Readable.from(compressed(), { objectMode: false });
  const stream: AsyncIterable<Uint8Array> = entry.method === 0 ? source : source.pipe(createInflateRaw());
  if (entry.method === 8) source.on('error', (e) => (stream as unknown as Readable).destroy(e));
  let crc = 0;
  let length = 0;
  try {
    for await (const chunk of stream) {
      crc = crc32(chunk, crc);
      length += chunk.length;
      // Never inflate past the size the directory gives (a zip bomb, or a corrupt member).
      if (length > entry.uncompressedSize)
        throw new ZipError(`${what}: corrupt (more than the ${entry.uncompressedSize} bytes the directory says)`);
      yield chunk;
    }
  } catch (e) {
    if (e instanceof ZipError) throw e;
    throw new ZipError(`${what}: corrupt (${(e as Error).message})`);
  } finally {
    source.destroy();
    if (entry.method === 8) (stream as unknown as Readable).destroy();
  }
  if (length !== entry.uncompressedSize)
    throw new ZipError(`${what}: corrupt (${length} bytes inflated, the directory says ${entry.uncompressedSize})`);
  if (crc >>> 0 !== entry.crc32) throw new ZipError(`${what}: corrupt (CRC-32 ${hex(crc)}, the directory says ${hex(entry.crc32)})`);
}

/**
 * Inflates a member without keeping its bytes, to check its length and CRC-32 before any of it is
 * used: a ZipError if it does not match its directory entry.
 */
export async function verifyEntry(storage: Storage, path: string, entry: ZipEntry): Promise<void> {
  for await (const _ of openEntry(storage, path, entry));
}

const hex = (n: number) => (n >>> 0).toString(16).padStart(8, '0');
