import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileBreakdown } from '../../bench/cpuProfileBreakdown.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cs-profile-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const repo = 'file:///repo';
/** A call tree as `node --cpu-prof` writes it: each node's frame and children; samples name leaves, with µs between them. */
const frames: [id: number, functionName: string, url: string, children: number[]][] = [
  [1, '(root)', '', [2, 3, 4, 5, 20, 21]],
  [2, 'run', `${repo}/backfill/BackfillRunner.ts`, [6, 7, 8, 12, 14]],
  [3, '(idle)', '', []],
  [4, '(garbage collector)', '', []],
  [5, '(program)', '', []],
  [6, 'process', `${repo}/processors/CandlesProcessor.ts`, []],
  [7, 'batches', `${repo}/backfill/candleFileInput.ts`, [9]],
  [8, 'commit', `${repo}/io/parquet/ParquetDatasetWriter.ts`, [10, 11]],
  [9, 'readPlain', `${repo}/node_modules/hyparquet/src/plain.js`, []],
  [10, 'compressInput', `${repo}/node_modules/hyparquet-writer/src/snappy.js`, []],
  [11, 'write', `${repo}/io/storage/LocalStorage.ts`, [13]],
  [12, 'put', `${repo}/state/CachedKeyValueStore.ts`, []],
  [13, 'fsync', '', []],
  [14, 'emit', `${repo}/backfill/BackfillRunner.ts`, []],
  [20, 'compileSourceTextModule', 'node:internal/modules/esm/utils', [22]],
  [21, 'openFileHandle', '', []],
  [22, 'readFileUtf8', '', []],
];

describe('profileBreakdown', () => {
  it('puts each sample in the phase of the innermost frame that names one, idle left out', async () => {
    const path = join(dir, 'run.cpuprofile');
    const nodes = frames.map(([id, functionName, url, children]) => ({ id, callFrame: { functionName, url }, children }));
    // Sample i lasts i + 1 ms, so every phase's total tells which samples it got.
    const leaves = [6, 12, 9, 10, 13, 21, 3, 4, 5, 22, 14];
    await writeFile(path, JSON.stringify({ nodes, samples: leaves, timeDeltas: leaves.map((_, i) => (i + 1) * 1000) }));
    const ms = Object.fromEntries(Object.entries(profileBreakdown(path)).map(([phase, s]) => [phase, Math.round(s * 1000)]));
    expect(ms).toEqual({
      engine: 1 + 2, // a processor and a store
      decode: 3, // hyparquet under the file input
      encode: 4 + 11, // hyparquet-writer under the dataset writer; the runner handing a record to its sink
      fileSystem: 5 + 6, // a native fsync under storage, a native open alone
      gc: 8,
      other: 9 + 10, // (program), and a native read under module loading
    });
  });
});
