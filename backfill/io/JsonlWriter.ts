import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OutputWriter } from '../../topology/OutputWriter.ts';
import type { StreamRecord } from '../../topology/Record.ts';

/** JSON lines, one record value a line, to a file (truncated back to the last commit on resume) or stdout. */
export class JsonlWriter implements OutputWriter {
  readonly path: string | undefined;
  #file: FileHandle | undefined;
  #buffer: string[] = [];
  #bytes = 0;

  /** `path` undefined: standard output, which cannot be rolled back. */
  constructor(path: string | undefined) {
    this.path = path;
  }

  write(record: StreamRecord): void {
    this.#buffer.push(JSON.stringify(record.value));
  }

  async commit(): Promise<{ bytes: number }> {
    const lines = this.#buffer;
    this.#buffer = [];
    // In pieces: a commit's lines joined into one string could pass V8's string length limit.
    for (let i = 0; i < lines.length; i += 10_000) {
      const text = lines.slice(i, i + 10_000).join('\n') + '\n';
      if (this.#file) {
        const data = Buffer.from(text);
        await this.#file.write(data, 0, data.length, this.#bytes);
        this.#bytes += data.length;
      } else {
        await new Promise<void>((resolve, reject) => process.stdout.write(text, (e) => (e ? reject(e) : resolve())));
      }
    }
    if (lines.length && this.#file) await this.#file.sync();
    return { bytes: this.#bytes };
  }

  async resume(committed: unknown): Promise<void> {
    this.#buffer = [];
    if (this.path === undefined) return;
    this.#bytes = (committed as { bytes?: number } | undefined)?.bytes ?? 0;
    await mkdir(dirname(this.path), { recursive: true });
    await (await open(this.path, 'a')).close(); // create it if missing, keep it if not
    this.#file = await open(this.path, 'r+');
    await this.#file.truncate(this.#bytes);
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
  }
}
