import type { ProcessorContext } from './ProcessorContext.ts';
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
 * What a processor needs from upstream and adds downstream, checked when the topology is built.
 * `replaces`: the processor emits new records of only its `writes` fields (e.g. parsing raw input);
 * otherwise the fields it reads pass through and its `writes` are added.
 */
export interface FieldContract {
  reads?: readonly string[];
  writes?: readonly string[];
  replaces?: boolean;
}
