import { stat } from 'node:fs/promises';
import type { StreamRecord } from '../topology/StreamRecord.ts';

/** A finite, ordered stream of records for one topology source: a file, a table, a directory of parts. */
export interface BoundedInput {
  /** Stable identity, recorded in checkpoints (a path or URI). */
  readonly id: string;
  /** The topology source its records enter through. */
  readonly source: string;
  /** What identifies its content (files' sizes and modification times): a checkpoint of other content is refused. */
  readonly version?: string;
  /** A global table: records without a key go to every task, not just partition 0. */
  readonly broadcast?: boolean;
  /** Records in the input's own order, in batches; keys set to the partitioning key (the symbol). */
  batches(): AsyncIterable<StreamRecord[]>;
  /** For progress and ETA; undefined when unknown. */
  estimatedRecords(): Promise<number | undefined>;
}

/**
 * What a checkpoint records of an input's content: its `version`, else the file's `id:size:mtime`
 * (`id:no file` when there is none, e.g. an input made in memory).
 */
export async function inputContent(input: BoundedInput): Promise<string> {
  if (input.version !== undefined) return input.version;
  const s = await stat(input.id).catch(() => undefined);
  return s ? `${input.id}:${s.size}:${s.mtimeMs}` : `${input.id}:no file`;
}
