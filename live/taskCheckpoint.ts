import { readFile, rm, writeFile, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * What a cleanly closed task leaves beside its stores, as Kafka Streams' `.checkpoint` file: the commit
 * its stores are at and the changelog offsets that follow it. It is deleted once the task runs, so after
 * a crash there is none and local state, possibly ahead of what was committed, is wiped and restored.
 */
export interface TaskCheckpoint {
  marker: string;
  /** changelog topic → next offset to restore from */
  offsets: Record<string, number>;
}

const fileIn = (taskDir: string) => join(taskDir, '.checkpoint');

export async function readTaskCheckpoint(taskDir: string): Promise<TaskCheckpoint | undefined> {
  try {
    return JSON.parse(await readFile(fileIn(taskDir), 'utf8')) as TaskCheckpoint;
  } catch {
    return undefined;
  }
}

export async function writeTaskCheckpoint(taskDir: string, checkpoint: TaskCheckpoint): Promise<void> {
  await mkdir(taskDir, { recursive: true });
  await writeFile(fileIn(taskDir) + '.tmp', JSON.stringify(checkpoint));
  await rename(fileIn(taskDir) + '.tmp', fileIn(taskDir));
}

export async function deleteTaskCheckpoint(taskDir: string): Promise<void> {
  await rm(fileIn(taskDir), { force: true });
}
