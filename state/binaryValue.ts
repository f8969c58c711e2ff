/**
 * The bytes of a stored value, for LevelDB and the changelogs. JSON loses state: NaN and ±Infinity
 * become null and −0 becomes 0, so a resumed run could differ from one that never stopped. This
 * encoding keeps every float64 bit for bit and reads like JSON otherwise: objects (through `toJSON`
 * where a class has one), arrays, strings, booleans, null and undefined.
 *
 * Layout: a format byte, then the value. A value is a tag byte and its body; numbers are 8 bytes
 * little-endian, strings and keys a uint32 byte length and UTF-8, arrays and objects a uint32 count.
 * Values written as JSON text by earlier versions (stores on disk, changelog records) still read.
 */
const FORMAT = 0xc5;
const utf8 = new TextEncoder();
const Tag = { Null: 0, Undefined: 1, False: 2, True: 3, Number: 4, String: 5, Array: 6, Object: 7 } as const;

export function encodeValue(value: unknown): Uint8Array {
  const writer = new BinaryWriter();
  writer.begin();
  writer.value(value);
  return writer.bytes();
}

export function decodeValue(bytes: Uint8Array): unknown {
  if (bytes[0] !== FORMAT) return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  const reader = new Reader(bytes);
  const value = reader.value();
  if (reader.offset !== bytes.length) throw new Error(`stored value has ${bytes.length - reader.offset} bytes after its end`);
  return value;
}

/**
 * Writes the encoding piece by piece. `value` walks any value; the other methods let a store whose
 * state is not held as objects (SlotStore) write the bytes `encodeValue` would give for the object
 * it stands for, without building it: `object(n)` then n × (`key`, a value), `array(n)` then n values.
 */
export class BinaryWriter {
  #buffer = new Uint8Array(256);
  #view = new DataView(this.#buffer.buffer);
  #length = 0;

  /** Start a new value (the format byte), reusing the buffer. */
  begin(): void {
    this.#length = 0;
    this.byte(FORMAT);
  }

  /** A copy of what was written since `begin`. */
  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.#length);
  }

  byte(b: number): void {
    this.#reserve(1);
    this.#buffer[this.#length++] = b;
  }

  number(n: number): void {
    this.byte(Tag.Number);
    this.#reserve(8);
    this.#view.setFloat64(this.#length, n, true);
    this.#length += 8;
  }

  /** A number, or null when `isNull` (a float array cannot tell null from a number by itself). */
  numberOrNull(n: number, isNull: boolean): void {
    if (isNull) this.byte(Tag.Null);
    else this.number(n);
  }

  null(): void {
    this.byte(Tag.Null);
  }

  undefined(): void {
    this.byte(Tag.Undefined);
  }

  object(entries: number): void {
    this.byte(Tag.Object);
    this.#uint32(entries);
  }

  key(name: string): void {
    this.#string(name);
  }

  array(items: number): void {
    this.byte(Tag.Array);
    this.#uint32(items);
  }

  value(value: unknown): void {
    if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
      value = (value as { toJSON(): unknown }).toJSON();
    }
    switch (typeof value) {
      case 'number':
        return this.number(value);
      case 'string':
        this.byte(Tag.String);
        return this.#string(value);
      case 'boolean':
        return this.byte(value ? Tag.True : Tag.False);
      case 'undefined':
        return this.byte(Tag.Undefined);
      case 'object':
        if (value === null) return this.byte(Tag.Null);
        if (Array.isArray(value)) {
          this.byte(Tag.Array);
          this.#uint32(value.length);
          for (const item of value) this.value(item);
          return;
        }
        {
          const entries = Object.entries(value);
          this.byte(Tag.Object);
          this.#uint32(entries.length);
          for (const [key, item] of entries) {
            this.#string(key);
            this.value(item);
          }
        }
        return;
      default:
        throw new TypeError(`a ${typeof value} cannot be stored: stores hold numbers, strings, booleans, null, arrays and objects`);
    }
  }

  #string(s: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    this.#reserve(4 + s.length * 3);
    const { written } = utf8.encodeInto(s, this.#buffer.subarray(this.#length + 4));
    this.#uint32(written);
    this.#length += written;
  }

  #uint32(n: number): void {
    this.#reserve(4);
    this.#view.setUint32(this.#length, n, true);
    this.#length += 4;
  }

  #reserve(n: number): void {
    if (this.#length + n <= this.#buffer.length) return;
    const grown = new Uint8Array(Math.max(this.#buffer.length * 2, this.#length + n));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }
}

class Reader {
  offset = 1;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #text = new TextDecoder('utf-8', { fatal: true });

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  value(): unknown {
    this.#need(1);
    const tag = this.#bytes[this.offset++];
    switch (tag) {
      case Tag.Null:
        return null;
      case Tag.Undefined:
        return undefined;
      case Tag.False:
        return false;
      case Tag.True:
        return true;
      case Tag.Number: {
        this.#need(8);
        const n = this.#view.getFloat64(this.offset, true);
        this.offset += 8;
        return n;
      }
      case Tag.String:
        return this.#string();
      case Tag.Array: {
        const n = this.#uint32();
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.push(this.value());
        return items;
      }
      case Tag.Object: {
        const n = this.#uint32();
        const object: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const key = this.#string();
          Object.defineProperty(object, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
        }
        return object;
      }
      default:
        throw new Error(`stored value has an unknown tag ${tag} at byte ${this.offset - 1}`);
    }
  }

  #string(): string {
    const n = this.#uint32();
    this.#need(n);
    const s = this.#text.decode(this.#bytes.subarray(this.offset, this.offset + n));
    this.offset += n;
    return s;
  }

  #uint32(): number {
    this.#need(4);
    const n = this.#view.getUint32(this.offset, true);
    this.offset += 4;
    return n;
  }

  #need(n: number): void {
    if (this.offset + n > this.#bytes.length) throw new Error(`stored value ends early: ${n} more bytes needed at byte ${this.offset}`);
  }
}
