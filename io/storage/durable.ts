import { mkdir, open } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * The local side of every commit protocol: a file's bytes and a directory's entries reach the disk
 * before the step that depends on them (a rename, a checkpoint naming them). Without fsync a power
 * loss can leave a renamed file empty, or a checkpoint pointing at parts that never reached the disk.
 */

/** Create or replace `path` and wait until its bytes are on disk. */
export async function writeDurably(path: string, bytes: Uint8Array | string): Promise<void> {
  await makeDirectory(dirname(resolve(path)));
  const file = await open(path, 'w');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Wait until `dir`'s entries (files created, renamed or removed in it) are on disk. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** mkdir -p, durably: each directory it creates is recorded in its parent. */
export async function makeDirectory(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  // Every directory from the first one created down to `dir` is new: sync each one's parent.
  for (let d = dir; ; d = dirname(d)) {
    await syncDirectory(dirname(d));
    if (d === first) break;
  }
}
