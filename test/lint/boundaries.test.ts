import { readdirSync } from 'node:fs';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

// The layer directions as the layout states them, written out apart from eslint.config.js so that
// this checks the configuration rather than repeating it. A path with a file name allows that file only.
const ALL = [
  'topology',
  'state',
  'market',
  'io',
  'processors',
  'models',
  'backfill',
  'landing',
  'live',
  'cli',
  'examples',
  'test',
  'bench',
  'scripts',
];
const MAY_IMPORT: Record<string, string[]> = {
  topology: ['state'],
  state: [],
  market: [],
  io: ['topology', 'market'],
  processors: ['topology', 'state', 'market'],
  models: ['io', 'market/interval.ts'],
  backfill: ['topology', 'state', 'market', 'processors', 'io', 'models'],
  landing: ['market', 'io'],
  live: ['topology', 'state', 'market', 'processors', 'io', 'models'],
  cli: ALL,
  examples: ALL,
  test: ALL,
  bench: ALL,
  scripts: ALL,
};

/** A real file of `folder` (the rule resolves imports), not one of the single files a layer is allowed; none in scripts/. */
function someFileOf(folder: string): string | undefined {
  const allowedAlone = Object.values(MAY_IMPORT)
    .flat()
    .filter((m) => m.endsWith('.ts'));
  const files = readdirSync(`${root}${folder}`, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .sort();
  return files.map((f) => `${folder}/${f}`).find((f) => !allowedAlone.includes(f));
}

/** Each import a probe in `layer` makes, and what the rule must say of it: undefined where it is allowed. */
function expectations(layer: string): Map<string, string | undefined> {
  const may = MAY_IMPORT[layer];
  const expected = new Map<string, string | undefined>();
  for (const folder of ALL.filter((f) => f !== layer)) {
    const files = may.filter((m) => m.startsWith(`${folder}/`));
    const allowed = may.includes(folder);
    const what = files.length ? `${folder}/ other than ${files.map((f) => f.slice(folder.length + 1)).join(', ')}` : `${folder}/`;
    const file = someFileOf(folder);
    if (file) expected.set(file, allowed ? undefined : `${layer}/ must not import ${what}`);
    for (const file of files) expected.set(file, undefined);
  }
  return expected;
}

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: root });
});

/** Lints an in-memory file at `probePath` importing each of `files`; returns each import's boundary message. */
async function boundaryMessages(probePath: string, files: string[]): Promise<Map<string, string | undefined>> {
  const up = '../'.repeat(probePath.split('/').length - 1);
  const source = files.map((f) => `import '${up}${f}';`).join('\n');
  const [result] = await eslint.lintText(source, { filePath: `${root}${probePath}` });
  const found = new Map<string, string | undefined>(files.map((f) => [f, undefined]));
  for (const m of result.messages) {
    expect(m.ruleId, m.message).toBe('import-x/no-restricted-paths');
    found.set(files[m.line - 1], m.message.match(/restricted zone\. (.*?) \(/)?.[1] ?? m.message);
  }
  return found;
}

describe('the layer rule (import-x/no-restricted-paths in eslint.config.js)', () => {
  it.each(Object.keys(MAY_IMPORT))('%s/: fails every import it must not make, passes the ones it may', async (layer) => {
    const expected = expectations(layer);
    expect(await boundaryMessages(`${layer}/boundaryProbe.ts`, [...expected.keys()])).toEqual(expected);
  });

  it('keeps every layer off the public entry point index.ts (it imports them all)', async () => {
    for (const layer of Object.keys(MAY_IMPORT).filter((folder) => MAY_IMPORT[folder] !== ALL)) {
      const found = await boundaryMessages(`${layer}/boundaryProbe.ts`, ['index.ts']);
      expect(found.get('index.ts'), layer).toBe(`${layer}/ must not import index.ts`);
    }
  });

  it('holds in a layer’s subfolders too', async () => {
    const expected = expectations('models');
    expect(await boundaryMessages('models/training/nested/boundaryProbe.ts', [...expected.keys()])).toEqual(expected);
  });

  it('says which rule an import breaks, and what the layer may import instead', async () => {
    const processor = someFileOf('processors')!;
    const [result] = await eslint.lintText(`export * from '../${processor}';\n`, { filePath: `${root}models/boundaryProbe.ts` });
    expect(result.messages.map((m) => m.message)).toEqual([
      `Unexpected path "../${processor}" imported in restricted zone. ` +
        'models/ must not import processors/ (models/: arrays in, probabilities out; it may import io/, market/interval.ts)',
    ]);
  });

  it('sees type-only imports and dynamic import() as well', async () => {
    const source = [
      "import type { Candle } from '../market/Candle.ts';",
      'export type C = Candle;',
      `export const live = () => import('../${someFileOf('live')!}');`,
    ].join('\n');
    const [result] = await eslint.lintText(source, { filePath: `${root}models/boundaryProbe.ts` });
    expect(result.messages.map((m) => [m.line, m.ruleId])).toEqual([
      [1, 'import-x/no-restricted-paths'],
      [3, 'import-x/no-restricted-paths'],
    ]);
  });
});
