import { basename, extname } from 'node:path';
import { UsageError } from './UsageError.ts';

/** `[NAME=]FILE` → the signal name and the file. */
export function externalSpec(spec: string): { name: string; path: string } {
  const eq = spec.indexOf('=');
  if (eq > 0 && !spec.slice(0, eq).includes('/')) {
    const name = spec.slice(0, eq);
    if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new UsageError(`--external: signal name "${name}" must be lower case letters, digits and _`);
    return { name, path: spec.slice(eq + 1) };
  }
  return { name: nameFromFile(spec), path: spec };
}

/** fear_and_greed_index_daily.csv → fear_greed: the words that say what, not how often or how stored. */
function nameFromFile(path: string): string {
  const noise = new Set(['and', 'index', 'daily', 'hourly', 'data', 'history']);
  const words = basename(path, extname(path))
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w && !noise.has(w));
  if (!words.length) throw new UsageError(`--external: cannot name a signal after "${path}"; use NAME=FILE`);
  return words.join('_');
}
