/**
 * A supervised dataset as the learners take it: a dense row-major feature matrix and a class index
 * per row. Plain data; the helpers below never copy more than they must.
 */
export interface Dataset {
  /** Feature names, in column order. */
  features: string[];
  /** Row-major, rows × features.length. */
  x: Float64Array;
  /** Class index per row: an index into `classes`. */
  y: Int32Array;
  rows: number;
  /** Class labels in probability-column order, e.g. [0, 1] or [-1, 0, 1]. */
  classes: number[];
}

/** Row i's features (a view, not a copy). */
export function rowOf(data: Dataset, i: number): Float64Array {
  const f = data.features.length;
  return data.x.subarray(i * f, (i + 1) * f);
}

/** Rows [start, end) as a dataset sharing the same buffers (views, not copies). */
export function sliceRows(data: Dataset, start: number, end: number): Dataset {
  if (!(start >= 0 && start <= end && end <= data.rows))
    throw new RangeError(`sliceRows: bad range [${start}, ${end}) of ${data.rows} rows`);
  const f = data.features.length;
  return {
    features: data.features,
    classes: data.classes,
    rows: end - start,
    x: data.x.subarray(start * f, end * f),
    y: data.y.subarray(start, end),
  };
}

/** The given rows, in the given order, copied into a new dataset. */
export function selectRows(data: Dataset, indices: ArrayLike<number>): Dataset {
  const f = data.features.length;
  const x = new Float64Array(indices.length * f);
  const y = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(i >= 0 && i < data.rows)) throw new RangeError(`selectRows: row ${i} out of ${data.rows}`);
    x.set(data.x.subarray(i * f, (i + 1) * f), k * f);
    y[k] = data.y[i];
  }
  return { features: data.features, classes: data.classes, rows: indices.length, x, y };
}

/** Checks shapes and class indices; throws a RangeError naming the first problem. */
export function checkDataset(data: Dataset): void {
  const f = data.features.length;
  if (f === 0) throw new RangeError('dataset has no features');
  if (data.x.length !== data.rows * f)
    throw new RangeError(`dataset x has ${data.x.length} values, expected rows × features = ${data.rows} × ${f}`);
  if (data.y.length !== data.rows) throw new RangeError(`dataset y has ${data.y.length} labels for ${data.rows} rows`);
  if (data.classes.length < 2) throw new RangeError(`dataset needs at least 2 classes, has ${data.classes.length}`);
  const k = data.classes.length;
  for (let i = 0; i < data.rows; i++) {
    const c = data.y[i];
    if (!(c >= 0 && c < k)) throw new RangeError(`dataset row ${i} has class index ${c}, expected 0..${k - 1}`);
  }
}

/** Per-feature mean and population standard deviation (divides by rows). */
export function featureMoments(data: Dataset): { mean: Float64Array; std: Float64Array } {
  const f = data.features.length;
  const n = data.rows;
  const mean = new Float64Array(f);
  const std = new Float64Array(f);
  if (n === 0) return { mean, std };
  for (let i = 0; i < n; i++) for (let j = 0; j < f; j++) mean[j] += data.x[i * f + j];
  for (let j = 0; j < f; j++) mean[j] /= n;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < f; j++) {
      const d = data.x[i * f + j] - mean[j];
      std[j] += d * d;
    }
  }
  for (let j = 0; j < f; j++) std[j] = Math.sqrt(std[j] / n);
  return { mean, std };
}

/** Rows per class index. */
export function classCounts(y: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i]]++;
  return counts;
}
