import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

/**
 * The layers: what each product folder may import of ours, and why. Anything not listed is forbidden,
 * test/, bench/ and scripts/ included; cli/ (the composition root), examples/, the public entry point
 * index.ts, test/, bench/ and scripts/ may import anything. A path with a file name allows that one file
 * of its folder only.
 */
export const LAYERS = {
  topology: { may: ['state'], why: 'the engine knows only its stores' },
  state: { may: [], why: 'stores stand alone' },
  market: { may: [], why: 'the shared vocabulary imports nothing of ours' },
  io: { may: ['topology', 'market'], why: 'storage and file formats' },
  processors: { may: ['topology', 'state', 'market'], why: 'processors and the topology assembly' },
  models: { may: ['io', 'market/interval.ts'], why: 'arrays in, probabilities out' },
  backfill: { may: ['topology', 'state', 'market', 'processors', 'io', 'models'], why: 'bounded replay' },
  landing: { may: ['market', 'io'], why: 'raw data into the lake' },
  live: { may: ['topology', 'state', 'market', 'processors', 'io', 'models'], why: 'the Kafka runtime' },
};
const FOLDERS = [...Object.keys(LAYERS), 'cli', 'examples', 'index.ts', 'test', 'bench', 'scripts'];

/** One import-x/no-restricted-paths zone per forbidden (layer, folder) pair, its message naming the rule. */
function layerZones() {
  return Object.entries(LAYERS).flatMap(([layer, { may, why }]) => {
    const allowed = may.map((m) => (m.endsWith('.ts') ? m : `${m}/`)).join(', ') || 'nothing of ours';
    const rule = `(${layer}/: ${why}; it may import ${allowed})`;
    return FOLDERS.filter((folder) => folder !== layer && !may.includes(folder)).map((folder) => {
      const files = may.filter((m) => m.startsWith(`${folder}/`)).map((m) => `./${m.slice(folder.length + 1)}`);
      const place = folder.endsWith('.ts') ? folder : `${folder}/`; // index.ts is a file
      const what = files.length ? `${place} other than ${files.map((f) => f.slice(2)).join(', ')}` : place;
      return { target: `./${layer}`, from: `./${folder}`, except: files, message: `${layer}/ must not import ${what} ${rule}` };
    });
  });
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'data/', 'out/', 'bench/data/', 'test/fixtures/', 'stack/', '.candlestream/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { 'import-x': importX },
    rules: {
      'import-x/no-restricted-paths': ['error', { basePath: import.meta.dirname, zones: layerZones() }],
      // The code's errors are rewritten into one line for the user that quotes the cause's message.
      'preserve-caught-error': 'off',
      // `any` is kept to untrusted JSON probed field by field, Processor's erased generics and test doubles.
      '@typescript-eslint/no-explicit-any': 'off',
      // A leading underscore marks a value left out on purpose (`{ external: _files, ...rest }`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },
);
