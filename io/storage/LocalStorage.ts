import { createReadStream } from 'node:fs';
import { open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Storage, StorageEntry } from './Storage.ts';
import { makeDirectory, syncDirectory, writeDurably } from './durable.ts';

/** The local file system. Writes and renames are durable when they return (see durable.ts). */
export class LocalStorage implements Storage {
  uri(path: string): string {
    return path;
  }

  async stat(path: string): Promise<StorageEntry | undefined> {
    const s = await stat(path).catch(() => undefined);
    return s && { path, name: path.split('/').pop() ?? path, directory: s.isDirectory(), size: s.size, modifiedMs: s.mtimeMs };
  }

  async list(dir: string): Promise<StorageEntry[]> {
    const entries = await readdir(dir, { withFileTypes: true });
    const listed = await Promise.all(entries.map((e) => this.stat(join(dir, e.name))));
    return listed.filter((e): e is StorageEntry => e !== undefined).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    const file = await open(path);
    try {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  stream(path: string): AsyncIterable<Uint8Array> {
    return createReadStream(path);
  }

  async write(path: string, bytes: Uint8Array): Promise<void> {
    await writeDurably(path, bytes);
  }

  async rename(from: string, to: string): Promise<void> {
    const target = dirname(resolve(to));
    await makeDirectory(target);
    await rename(from, to);
    await syncDirectory(target);
    if (dirname(resolve(from)) !== target) await syncDirectory(dirname(resolve(from)));
  }

  async remove(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
    await syncDirectory(dirname(resolve(path))).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e; // the parent may be gone too: nothing left to record
    });
  }
}
