import { open, readFile, rename, stat, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { OutputRefused, type OutputMode, type OutputWriter } from './OutputWriter.ts';
import type { StreamRecord } from '../topology/StreamRecord.ts';
import { makeDirectory, syncDirectory, writeDurably } from './storage/durable.ts';

/** Beside `file`, hidden: the run that last started writing it and the byte where its lines begin. */
export const jsonlMarkerPath = (file: string) => join(dirname(file), `.${basename(file)}.candlestream.json`);

interface Marker {
  run: string;
  start: number;
}

/** Standard output is gone (`--sink - | head`): not a failure of the run, the reader has had enough. */
export class OutputClosed extends Error {
  override name = 'OutputClosed';
}

/**
 * JSON lines, one record value a line, to a file or stdout.
 *
 * Ownership: starting run `run` afresh, the writer records in a hidden marker beside the file where
 * its lines begin; what precedes is kept unless the mode is `overwrite` (`error` refuses a non-empty
 * file this job did not write; `append` adds after it). A re-run of the same job (the marker names
 * its run) starts where its earlier lines began, so it replaces them; resuming truncates back to
 * the checkpoint's commit. Without a run (import's dead letters) `resume` takes the byte to keep.
 * A file that does not exist yet is created (with its marker) when its first line is written: a run
 * without dead letters leaves no empty dead-letter file.
 */
export class JsonlWriter implements OutputWriter {
  readonly path: string | undefined;
  readonly #mode: OutputMode;
  #file: FileHandle | undefined;
  #buffer: string[] = [];
  #bytes = 0;
  #run: string | undefined;
  /** The file does not exist yet: the first commit with lines creates it. */
  #unborn = false;

  /** `path` undefined: standard output, which cannot be rolled back. */
  constructor(path: string | undefined, mode: OutputMode = 'error') {
    this.path = path;
    this.#mode = mode;
  }

  write(record: StreamRecord): void {
    this.#buffer.push(JSON.stringify(record.value));
  }

  async commit(): Promise<{ run?: string; bytes: number }> {
    const lines = this.#buffer;
    this.#buffer = [];
    // In pieces: a commit's lines joined into one string could pass V8's string length limit.
    if (lines.length && this.#unborn) await this.#create();
    for (let i = 0; i < lines.length; i += 10_000) {
      const text = lines.slice(i, i + 10_000).join('\n') + '\n';
      if (this.#file) {
        const data = Buffer.from(text);
        await this.#file.write(data, 0, data.length, this.#bytes);
        this.#bytes += data.length;
      } else await writeToStdout(text);
    }
    if (lines.length && this.#file) await this.#file.sync();
    return { run: this.#run, bytes: this.#bytes };
  }

  async check(committed: unknown, run: string): Promise<void> {
    if (this.path !== undefined && committed === undefined) await this.#start(run);
  }

  async resume(committed: unknown, run?: string): Promise<void> {
    this.#buffer = [];
    await this.close(); // resumed again: the file is reopened
    if (this.path === undefined) return;
    const token = committed as Partial<Marker & { bytes: number }> | undefined;
    this.#run = token?.run ?? run;
    const fresh = token?.bytes === undefined && run !== undefined;
    this.#bytes = token?.bytes ?? (run === undefined ? 0 : await this.#start(run));
    // Nothing to keep and nothing to roll back: the file waits for its first line.
    this.#unborn = this.#bytes === 0 && !(await stat(this.path).catch(() => undefined));
    if (this.#unborn) return;
    if (fresh) await this.#mark(this.#bytes);
    await this.#create();
  }

  async close(): Promise<void> {
    await this.#file?.close();
    this.#file = undefined;
  }

  /** Before this run's first line: a crash before its first checkpoint is undone by the next start. */
  async #mark(start: number): Promise<void> {
    const path = this.path!;
    const marker = jsonlMarkerPath(path);
    await writeDurably(`${marker}.tmp`, JSON.stringify({ run: this.#run!, start } satisfies Marker) + '\n');
    await rename(`${marker}.tmp`, marker);
    await syncDirectory(dirname(path));
  }

  /** Opens the file, created if missing, cut back to the byte this run keeps. */
  async #create(): Promise<void> {
    const path = this.path!;
    if (this.#unborn && this.#run !== undefined) await this.#mark(0);
    this.#unborn = false;
    await makeDirectory(dirname(path));
    await (await open(path, 'a')).close(); // create it if missing, keep it if not
    await syncDirectory(dirname(path));
    this.#file = await open(path, 'r+');
    await this.#file.truncate(this.#bytes);
  }

  /** Where run `run`'s lines begin when it starts afresh; throws OutputRefused if the mode forbids it. */
  async #start(run: string): Promise<number> {
    const path = this.path!;
    const size = (await stat(path).catch(() => undefined))?.size ?? 0;
    const marker = await readMarker(jsonlMarkerPath(path));
    if (this.#mode === 'overwrite') return 0;
    if (marker?.run === run && marker.start <= size) return marker.start;
    if (size === 0 || this.#mode === 'append') return size;
    throw new OutputRefused(
      `${path} already holds ${size.toLocaleString('en-US')} bytes this run did not write; ` +
        '--mode append adds after them, --mode overwrite replaces the file',
    );
  }
}

/** The marker beside a JSONL file, or undefined if there is none or it is not one of ours. */
async function readMarker(path: string): Promise<Marker | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as Partial<Marker>;
    if (typeof m.run === 'string' && Number.isSafeInteger(m.start) && m.start! >= 0) return m as Marker;
  } catch {
    // not ours: treated as absent, so the file counts as someone else's
  }
  return undefined;
}

let stdoutGuarded = false;

function writeToStdout(text: string): Promise<void> {
  // A failed write is reported to its callback; unheard, the stream's 'error' event would also kill the process.
  if (!stdoutGuarded) process.stdout.on('error', () => {});
  stdoutGuarded = true;
  return new Promise<void>((resolve, reject) =>
    process.stdout.write(text, (e) => {
      if (!e) resolve();
      else reject((e as NodeJS.ErrnoException).code === 'EPIPE' ? new OutputClosed('standard output was closed') : e);
    }),
  );
}
