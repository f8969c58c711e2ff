import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openEntry, readZipDirectory, ZipError } from '../../landing/import/zipArchive.ts';
import { makeZip } from '../landing/import/makeZip.ts';
import { fuzzSettings } from './fuzzSettings.ts';
import { memoryStorage } from './memoryStorage.ts';
import { mutate, mutation } from './mutations.ts';

const FIXTURE = new Uint8Array(readFileSync(new URL('../fixtures/import/BTCUSDT-1m-2025-01.zip', import.meta.url)));

/** Every member read whole: the bytes of each, or the reader's own error. */
async function readAll(bytes: Uint8Array): Promise<{ ok: true; members: Map<string, Buffer> } | { ok: false; error: unknown }> {
  const storage = memoryStorage({ '/a.zip': bytes });
  try {
    const members = new Map<string, Buffer>();
    for (const entry of await readZipDirectory(storage, '/a.zip', bytes.length)) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of openEntry(storage, '/a.zip', entry)) chunks.push(chunk);
      const data = Buffer.concat(chunks);
      // What is given is what the directory promised: never more than its size.
      expect(data.length).toBe(entry.uncompressedSize);
      members.set(entry.name, data);
    }
    return { ok: true, members };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Small archives: 0–3 members of short CSV-like text, stored or deflated, some ZIP64. */
const archives = fc.record({
  members: fc.array(
    fc.record({
      name: fc.stringMatching(/^[a-z]{1,6}(\/[a-z]{1,4})?\.csv$/),
      data: fc.string({ maxLength: 40 }),
      method: fc.constantFrom<0 | 8>(0, 8),
    }),
    { maxLength: 3 },
  ),
  zip64: fc.boolean(),
});

const onlyZipErrors = (result: Awaited<ReturnType<typeof readAll>>) => {
  if (!result.ok && !(result.error instanceof ZipError)) throw result.error;
};

describe('zip reader (fuzzed)', () => {
  it('reads back every generated archive exactly', async () => {
    await fc.assert(
      fc.asyncProperty(archives, async ({ members, zip64 }) => {
        const unique = [...new Map(members.map((m) => [m.name, m])).values()];
        const result = await readAll(makeZip(unique, zip64));
        if (!result.ok) throw result.error;
        expect(new Map([...result.members].map(([name, data]) => [name, data.toString()]))).toEqual(
          new Map(unique.map((m) => [m.name, m.data])),
        );
      }),
      fuzzSettings({ numRuns: Math.ceil(fuzzSettings().numRuns! / 20) }),
    );
  });

  it('on mutated archives (generated, and the real fixture): only ZipError, never another error, never more bytes than promised, no hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          archives.map(({ members, zip64 }) => new Uint8Array(makeZip(members, zip64))),
          fc.constant(FIXTURE),
        ),
        mutation,
        async (bytes, m) => {
          onlyZipErrors(await readAll(mutate(bytes, m)));
        },
      ),
      fuzzSettings({ timeout: 2000 }),
    );
  });

  it('on random bytes ending in an end-of-central-directory record: only ZipError', async () => {
    const eocd = fc.record({ count: fc.nat(0xffff), size: fc.nat(), offset: fc.nat() });
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 256 }), eocd, async (body, e) => {
        const end = Buffer.alloc(22);
        end.writeUInt32LE(0x06054b50, 0);
        end.writeUInt16LE(e.count, 8);
        end.writeUInt16LE(e.count, 10);
        end.writeUInt32LE(e.size >>> 0, 12);
        end.writeUInt32LE(e.offset >>> 0, 16);
        onlyZipErrors(await readAll(Buffer.concat([body, end])));
      }),
      fuzzSettings({ numRuns: Math.ceil(fuzzSettings().numRuns! / 10), timeout: 2000 }),
    );
  });
});
