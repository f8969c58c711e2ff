import { readFileSync } from 'node:fs';

/** Where a backfill's CPU goes, by the code its samples were in. other: start-up (module loading, type stripping) and native time no script is on the stack for. */
export type Phase = 'decode' | 'engine' | 'encode' | 'fileSystem' | 'gc' | 'other';
export const PHASES: readonly Phase[] = ['decode', 'engine', 'encode', 'fileSystem', 'gc', 'other'];

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/**
 * By the script a frame runs in: Parquet reading; Parquet writing, with the buffering of rows for it (and the
 * runner's hand-off of each record to its sink, `emit`); storage. The rest of our code is the engine.
 */
const BY_FRAME: [url: RegExp, phase: Phase, functionName?: RegExp][] = [
  [/node:internal\/(modules|deps\/amaro|bootstrap)|^wasm:/, 'other'],
  [/\/io\/parquet\/(ParquetEncoder|ColumnBuffer|ParquetDatasetWriter)\.ts|\/node_modules\/hyparquet-writer\//, 'encode'],
  [/\/backfill\/BackfillRunner\.ts/, 'encode', /^emit$/],
  [/\/io\/parquet\/|\/io\/csv\/|\/node_modules\/hyparquet(-compressors)?\/|\/backfill\/candleFileInput\.ts/, 'decode'],
  [/\/io\/storage\/|^node:(internal\/)?fs/, 'fileSystem'],
];
/** Node's native file functions (no script of their own). */
const FILE_FUNCTIONS =
  /^(open|openFileHandle|close|fsync|fdatasync|mkdir|rename|unlink|rmdir|rm|writeBuffer|writeFileUtf8|writeFileHandle|writeString|read|readFileUtf8|stat|lstat|fstat|readdir|realpath)(Sync)?$/;

/**
 * A `node --cpu-prof` profile's samples (the main thread's) by phase, in seconds: each sample goes to the
 * innermost frame on its stack that names a phase (module loading anywhere on the stack: other);
 * garbage collection is its own phase; idle time (waiting for I/O) is left out; everything else (topology,
 * processors, stores, the runner, promise machinery) is the engine.
 */
export function profileBreakdown(path: string): Record<Phase, number> {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const phaseOf = new Map<number, Phase | 'idle'>();
  const classify = (leaf: number): Phase | 'idle' => {
    const { functionName, url } = byId.get(leaf)!.callFrame;
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'gc';
    let found: Phase | undefined;
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      const phase =
        BY_FRAME.find(([url, , name]) => url.test(frame.url) && (!name || name.test(frame.functionName)))?.[1] ??
        (frame.url === '' && FILE_FUNCTIONS.test(frame.functionName) ? 'fileSystem' : undefined);
      if (phase === 'other') return phase;
      found ??= phase;
    }
    return found ?? (url === '' && functionName === '(program)' ? 'other' : 'engine');
  };
  const seconds = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  profile.samples.forEach((leaf, i) => {
    let phase = phaseOf.get(leaf);
    if (phase === undefined) phaseOf.set(leaf, (phase = classify(leaf)));
    if (phase !== 'idle') seconds[phase] += profile.timeDeltas[i] / 1e6;
  });
  return seconds;
}
