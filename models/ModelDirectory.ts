import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { featureColumnsOf } from './featureVector.ts';
import { MANIFEST_FILE, MODEL_FILE, OnnxSignalModel } from './OnnxSignalModel.ts';

export interface ModelDirectoryOptions {
  /** How often to look for a new version; 0: never (load once). */
  pollMs: number;
  /** The feature columns the topology offers: a version that needs others is refused. */
  columns: readonly string[];
  log: (level: 'info' | 'error', message: string, fields?: Record<string, unknown>) => void;
  onUnscored?: (reason: string) => void;
  onLoaded?: (model: OnnxSignalModel) => void;
  onReloadFailure?: () => void;
}

/**
 * `--model DIR`: either one version (manifest.json and model.onnx in DIR) or versions in
 * subdirectories (DIR/1, DIR/2, …; the highest wins). New versions are picked up while running: a
 * version is loaded and checked whole before it replaces the current one between two batches, so no
 * record meets a half-loaded model. A version that fails its checks is logged and skipped (tried
 * again if its files change); the current one stays.
 */
export class ModelDirectory {
  readonly dir: string;
  readonly interval: string;
  readonly onUnscored?: (reason: string) => void;
  #current: OnnxSignalModel;
  readonly #o: ModelDirectoryOptions;
  readonly #failed = new Map<string, string>(); // version → signature of the files that failed
  #timer: NodeJS.Timeout | undefined;
  #polling = false;
  #closed = false;

  private constructor(dir: string, model: OnnxSignalModel, options: ModelDirectoryOptions) {
    this.dir = dir;
    this.#current = model;
    this.interval = model.manifest.interval;
    this.#o = options;
    this.onUnscored = options.onUnscored;
    if (options.pollMs > 0) {
      this.#timer = setInterval(() => void this.poll(), options.pollMs);
      this.#timer.unref();
    }
  }

  /** Load the newest version; start-up fails here, with the reason, if it does not check out. */
  static async open(dir: string, options: ModelDirectoryOptions): Promise<ModelDirectory> {
    const versions = await listVersions(dir);
    if (!versions.length)
      throw new Error(
        `--model ${dir}: no model there (expected ${MANIFEST_FILE} and ${MODEL_FILE}, or version subdirectories holding them)`,
      );
    const newest = versions[versions.length - 1];
    const model = await loadVersion(newest, options.columns);
    options.onLoaded?.(model);
    return new ModelDirectory(dir, model, options);
  }

  current(): OnnxSignalModel {
    return this.#current;
  }

  /** Look for a version newer than the current one, and switch to it if it checks out. */
  async poll(): Promise<void> {
    if (this.#polling || this.#closed) return;
    this.#polling = true;
    try {
      const versions = await listVersions(this.dir);
      const newest = versions[versions.length - 1];
      if (!newest || newest.dir === this.#current.dir || compareVersions(newest.name, this.#current.version) <= 0) return;
      const signature = await filesSignature(newest.dir);
      if (this.#failed.get(newest.name) === signature) return;
      try {
        const model = await loadVersion(newest, this.#o.columns);
        if (model.manifest.interval !== this.interval) {
          await model.close();
          throw new Error(
            `it scores ${model.manifest.interval} candles, the running topology signals ${this.interval}: restart to change the interval`,
          );
        }
        if (this.#closed) {
          await model.close(); // closed while this version loaded
          return;
        }
        const previous = this.#current;
        this.#current = model;
        previous.retire();
        this.#failed.delete(newest.name);
        this.#o.log('info', 'model version loaded', { model: model.name, version: model.version, previous: previous.version });
        this.#o.onLoaded?.(model);
      } catch (e) {
        this.#failed.set(newest.name, signature);
        this.#o.onReloadFailure?.();
        this.#o.log(
          'error',
          `model version ${newest.name} in ${this.dir} not loaded, still scoring with ${this.#current.version}: ${(e as Error).message}`,
        );
      }
    } catch (e) {
      this.#o.log('error', `cannot read model directory ${this.dir}: ${(e as Error).message}`);
    } finally {
      this.#polling = false;
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#current.close();
  }
}

interface Version {
  name: string;
  dir: string;
  /** A version subdirectory: its name must be the manifest's version. */
  named: boolean;
}

async function loadVersion(v: Version, columns: readonly string[]): Promise<OnnxSignalModel> {
  const model = await OnnxSignalModel.load(v.dir);
  const m = model.manifest;
  const problem =
    v.named && m.version !== v.name
      ? `${join(v.dir, MANIFEST_FILE)}: "version" is "${m.version}" but the directory is named "${v.name}"`
      : featureColumnsOf(m.features)
          .filter((c) => !columns.includes(c))
          .map(
            (c) => `${join(v.dir, MANIFEST_FILE)}: feature column "${c}" is not produced by this topology (it has ${columns.join(', ')})`,
          )[0];
  if (problem) {
    await model.close();
    throw new Error(problem);
  }
  return model;
}

/** Versions in ascending order; a directory still being written (no manifest yet, or a dot name) is not one. */
async function listVersions(dir: string): Promise<Version[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  if (entries.some((e) => e.isFile() && e.name === MANIFEST_FILE)) return [{ name: '', dir, named: false }];
  const versions: Version[] = [];
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    const files = await readdir(join(dir, e.name));
    if (files.includes(MANIFEST_FILE) && files.includes(MODEL_FILE)) versions.push({ name: e.name, dir: join(dir, e.name), named: true });
  }
  return versions.sort((a, b) => compareVersions(a.name, b.name));
}

function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

async function filesSignature(dir: string): Promise<string> {
  const parts = await Promise.all(
    [MANIFEST_FILE, MODEL_FILE].map(async (f) => {
      const s = await stat(join(dir, f)).catch(() => undefined);
      return s ? `${s.size}:${s.mtimeMs}` : '-';
    }),
  );
  return parts.join('|');
}
