import { Level } from 'level';
import { mkdir, rm } from 'node:fs/promises';

const MARKER_KEY = '\u0000commit';

/**
 * A store's LevelDB directory as CachedKeyValueStore lays it out: each key's value bytes, and the
 * commit marker under a key no store key can take. Writes go in one batch each, in call order, and
 * reach the disk itself before they resolve.
 */
export class LevelFile {
  #db: Level<string, Uint8Array> | undefined;
  readonly #dir: string;
  #writing: Promise<void> = Promise.resolve();

  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Open (creating the directory); `entry` receives every stored key and value. Returns the marker. */
  async open(entry: (key: string, value: Uint8Array) => void): Promise<string | undefined> {
    await mkdir(this.#dir, { recursive: true });
    this.#db = new Level<string, Uint8Array>(this.#dir, { valueEncoding: 'view' });
    await this.#db.open();
    let marker: string | undefined;
    for await (const [key, value] of this.#db.iterator()) {
      if (key === MARKER_KEY) marker = Buffer.from(value).toString('utf8');
      else entry(key, value);
    }
    return marker;
  }

  /** Puts (bytes) and deletes (null), with the marker, in one synced batch after the previous one. */
  async write(changes: readonly (readonly [string, Uint8Array | null])[], marker: string): Promise<void> {
    const batch = this.#db!.batch();
    for (const [key, value] of changes) {
      if (value === null) batch.del(key);
      else batch.put(key, value);
    }
    batch.put(MARKER_KEY, Buffer.from(marker));
    const previous = this.#writing;
    this.#writing = previous.then(() => batch.write({ sync: true }));
    await this.#writing;
  }

  /** Remove the directory and open it again, empty. */
  async wipe(): Promise<void> {
    await this.close();
    await rm(this.#dir, { recursive: true, force: true });
    await this.open(() => undefined);
  }

  async close(): Promise<void> {
    await this.#writing.catch(() => undefined);
    this.#writing = Promise.resolve();
    await this.#db?.close();
    this.#db = undefined;
  }
}
