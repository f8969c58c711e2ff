import type { ProcessorContext } from './ProcessorContext.ts';
import type { RecordBatch } from './RecordBatch.ts';
import type { StreamRecord } from './StreamRecord.ts';

/** One stage of a topology. `process` is synchronous: state is in memory, so nothing waits per record. */
export interface Processor<In = any, Out = any> {
  init?(context: ProcessorContext<Out>): void;
  process(record: StreamRecord<In>): void;
  /**
   * End of a batch of input (one poll, one replay batch) and before every commit. A processor that
   * holds records to work on them together (one model call for a batch) forwards them here; what
   * it forwards goes downstream as from `process`, and is committed with the batch it came from.
   */
  flush?(): void | Promise<void>;
  close?(): void;
}

/**
 * A processor with a fast path for many rows at once (as Flink's and Arroyo's operators). `process`
 * stays, and stays the meaning: the task calls one or the other, never both for the same row.
 */
export interface BatchProcessor<In = any, Out = any> extends Processor<In, Out> {
  /**
   * Exactly what calling process() on rows [0, length) in order would do. Call `context.at(i)`
   * (a BatchContext) before working on row i, so forwards, rejects, stream time and the current
   * record are those of row i.
   */
  processBatch(batch: RecordBatch): void;
}

export function isBatchProcessor(processor: Processor): processor is BatchProcessor {
  return typeof (processor as Partial<BatchProcessor>).processBatch === 'function';
}

/**
 * What a processor needs from upstream and adds downstream, checked when the topology is built.
 * `replaces`: the processor emits new records of only its `writes` fields (e.g. parsing raw input);
 * otherwise the fields it reads pass through and its `writes` are added.
 */
export interface FieldContract {
  reads?: readonly string[];
  writes?: readonly string[];
  replaces?: boolean;
}
