import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseManifest, type ModelManifest } from './ModelManifest.ts';
import { vectorizer, type Vectorizer } from './featureVector.ts';
import { withoutZipMap } from './onnx/withoutZipMap.ts';
import { readOnnxGraph } from './onnx/readOnnxGraph.ts';
import { classLabelsOf } from './onnx/classLabels.ts';

export const MODEL_FILE = 'model.onnx';
export const MANIFEST_FILE = 'manifest.json';

/**
 * One version of a model: manifest.json and model.onnx from one directory, loaded into an
 * onnxruntime session and checked against each other before it scores anything.
 */
export class OnnxSignalModel {
  readonly manifest: ModelManifest;
  readonly dir: string;
  readonly #session: ort.InferenceSession;
  readonly #vectorize: Vectorizer;
  readonly #probabilities: string;
  readonly #upColumn: number;
  readonly #downColumn: number;
  #running = 0;
  #retired = false;
  #released: Promise<void> | undefined;

  private constructor(dir: string, manifest: ModelManifest, session: ort.InferenceSession, probabilities: string) {
    this.dir = dir;
    this.manifest = manifest;
    this.#session = session;
    this.#probabilities = probabilities;
    this.#vectorize = vectorizer(manifest.features, manifest.impute);
    this.#upColumn = manifest.classes.indexOf(manifest.up_class);
    this.#downColumn = manifest.classes.indexOf(manifest.down_class);
  }

  /**
   * Load and check `dir`; every error names the directory and what differs. `threads`: onnxruntime's
   * threads for one inference call (the stream waits for the call, so they do not compete with it).
   */
  static async load(dir: string, threads = 2): Promise<OnnxSignalModel> {
    const manifestPath = join(dir, MANIFEST_FILE);
    const manifest = parseManifest(await readFile(manifestPath, 'utf8'), manifestPath);
    const modelPath = join(dir, MODEL_FILE);
    // onnxruntime-node returns tensors only: a ZipMap (probabilities as a list of maps, as skl2onnx and
    // onnxmltools write by default) is cut off, and its input, the probability tensor, becomes the output.
    let rewritten: ReturnType<typeof withoutZipMap>;
    try {
      rewritten = withoutZipMap(await readFile(modelPath));
    } catch (e) {
      throw new Error(`${modelPath}: not a readable ONNX model (${(e as Error).message})`);
    }
    const { bytes, zipMaps } = rewritten;
    let probabilities = manifest.outputs.probabilities;
    const zipMap = zipMaps.find((z) => z.output === probabilities);
    if (zipMap) {
      if (JSON.stringify(zipMap.classLabels) !== JSON.stringify(manifest.classes)) {
        throw new Error(
          `${modelPath}: the model's classes are ${JSON.stringify(zipMap.classLabels)}, ${manifestPath} says "classes": ${JSON.stringify(manifest.classes)}`,
        );
      }
      probabilities = zipMap.input;
    }
    // The manifest's class order decides which column is p_up: check it against the classifier's own.
    const labels = classLabelsOf(readOnnxGraph(bytes), probabilities);
    if (labels && JSON.stringify(labels) !== JSON.stringify(manifest.classes)) {
      throw new Error(
        `${modelPath}: the classifier's classes are ${JSON.stringify(labels)}, ${manifestPath} says "classes": ${JSON.stringify(manifest.classes)}`,
      );
    }
    let session: ort.InferenceSession;
    try {
      // No spinning: between calls, idle threads would take the cores the stream runs on.
      session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        extra: { session: { intra_op: { allow_spinning: '0' } } },
      });
    } catch (e) {
      throw new Error(`${modelPath}: onnxruntime cannot load it: ${(e as Error).message}`);
    }
    const model = new OnnxSignalModel(dir, manifest, session, probabilities);
    try {
      await model.#check(modelPath, manifestPath);
    } catch (e) {
      await model.#release();
      throw e;
    }
    return model;
  }

  get name(): string {
    return this.manifest.name;
  }

  get version(): string {
    return this.manifest.version;
  }

  get featureCount(): number {
    return this.manifest.features.length;
  }

  get thresholds(): { buy: number; sell: number } {
    return this.manifest.thresholds;
  }

  get inputType(): 'float32' | 'float64' {
    return this.manifest.input.type;
  }

  vectorize(features: Readonly<Record<string, unknown>>, out: Float32Array | Float64Array, offset: number): string | undefined {
    return this.#vectorize(features, out, offset);
  }

  async predict(input: Float32Array | Float64Array, rows: number): Promise<{ up: Float32Array; down: Float32Array }> {
    this.#running++;
    try {
      const p = await this.#probabilitiesOf(input, rows);
      const classes = this.manifest.classes.length;
      const up = new Float32Array(rows);
      const down = new Float32Array(rows);
      for (let r = 0; r < rows; r++) {
        up[r] = p[r * classes + this.#upColumn];
        down[r] = p[r * classes + this.#downColumn];
      }
      return { up, down };
    } finally {
      if (--this.#running === 0 && this.#retired) void this.#release();
    }
  }

  /** Probabilities as the model returns them, rows × classes, in `classes` order. */
  async #probabilitiesOf(input: Float32Array | Float64Array, rows: number): Promise<Float32Array> {
    const type = this.manifest.input.type;
    const data =
      type === 'float64'
        ? input instanceof Float64Array
          ? input
          : Float64Array.from(input)
        : input instanceof Float32Array
          ? input
          : Float32Array.from(input);
    const tensor = new ort.Tensor(type, data, [rows, this.featureCount]);
    const out = await this.#session.run({ [this.manifest.input.name]: tensor }, [this.#probabilities]);
    const p = out[this.#probabilities];
    return p.data instanceof Float32Array ? p.data : Float32Array.from(p.data as ArrayLike<number>);
  }

  /** Replaced by a newer version: released once no batch is using it. */
  retire(): void {
    this.#retired = true;
    if (this.#running === 0) void this.#release();
  }

  async close(): Promise<void> {
    this.#retired = true;
    if (this.#running === 0) await this.#release();
  }

  /** Once, whoever asks first (retire, close, the last batch after a retire). */
  #release(): Promise<void> {
    this.#released ??= this.#session.release().catch(() => undefined);
    return this.#released;
  }

  /** The model's declared input and outputs against the manifest, then one dry run for the real shapes. */
  async #check(modelPath: string, manifestPath: string): Promise<void> {
    const m = this.manifest;
    const differs = (what: string) => new Error(`${modelPath} does not match ${manifestPath}: ${what}`);
    const inputs = this.#session.inputMetadata;
    const input = inputs.find((i) => i.name === m.input.name);
    if (!input)
      throw differs(`the manifest's input "${m.input.name}" is not among the model's inputs (${inputs.map((i) => i.name).join(', ')})`);
    if (inputs.length > 1)
      throw differs(
        `the model has ${inputs.length} inputs (${inputs.map((i) => i.name).join(', ')}); scoring feeds one, "${m.input.name}"`,
      );
    if (!input.isTensor || input.type !== m.input.type)
      throw differs(`input "${input.name}" is ${input.isTensor ? input.type : 'not a tensor'}, the manifest says ${m.input.type}`);
    const [batch, width] = input.shape;
    if (input.shape.length !== 2 || (typeof width === 'number' && width !== m.features.length)) {
      throw differs(
        `input "${input.name}" has shape [${input.shape.join(', ')}]; the manifest lists ${m.features.length} features, so [N, ${m.features.length}]`,
      );
    }
    if (typeof batch === 'number' && batch > 0) {
      throw differs(
        `input "${input.name}" takes exactly ${batch} row(s) (shape [${input.shape.join(', ')}]); scoring sends a batch of rows: export it with a variable first dimension (None)`,
      );
    }
    const outputs = this.#session.outputMetadata;
    for (const name of [m.outputs.label, this.#probabilities]) {
      if (!outputs.some((o) => o.name === name))
        throw differs(`output "${name}" is not among the model's outputs (${outputs.map((o) => o.name).join(', ')})`);
    }
    const probabilities = outputs.find((o) => o.name === this.#probabilities)!;
    if (!probabilities.isTensor || probabilities.type !== 'float32')
      throw differs(
        `output "${probabilities.name}" is ${probabilities.isTensor ? probabilities.type : 'not a tensor'}, scoring needs float32 probabilities`,
      );
    // Two rows: a model that runs one row but not a batch is refused now, not at its first batch.
    let p: Float32Array;
    try {
      p = await this.#probabilitiesOf(new Float32Array(2 * m.features.length), 2);
    } catch (e) {
      throw differs(`a trial run on two rows of zeros fails: ${(e as Error).message}`);
    }
    if (p.length !== 2 * m.classes.length)
      throw differs(
        `output "${probabilities.name}" gives ${p.length / 2} probabilities per row, the manifest lists ${m.classes.length} classes`,
      );
  }
}
