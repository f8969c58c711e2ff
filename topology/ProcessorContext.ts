import type { StreamRecord } from './StreamRecord.ts';
import type { StateStore } from '../state/StateStore.ts';
import type { SymbolTable } from './SymbolTable.ts';

/** Called by `ProcessorContext.schedule` as stream time advances (Kafka Streams' Punctuator), with the stream time. */
export type Punctuator = (streamTime: number) => void;

/** What a processor sees of the task that runs it, as in Kafka Streams. */
export interface ProcessorContext<Out = unknown> {
  readonly taskId: string;
  readonly partition: number;
  /** The name of the processor this context belongs to. */
  readonly processorName: string;
  /** Highest event time this task has seen. */
  readonly streamTime: number;
  /** The record being processed, as it entered the task (for error reports). */
  readonly currentRecord: StreamRecord | undefined;
  /** Send to all children, or to the named one. */
  forward(record: StreamRecord<Out>, childName?: string): void;
  getStateStore<S extends StateStore>(name: string): S;
  /** Call `punctuator` whenever stream time has advanced by `intervalMs` since the last call. */
  schedule(intervalMs: number, punctuator: Punctuator): void;
  /** Route a record to the dead-letter output with a reason; it is counted, never silently dropped. */
  reject(record: StreamRecord, reason: string): void;
}

/** The context a task gives every processor; a BatchProcessor uses the batch part. */
export interface BatchContext<Out = unknown> extends ProcessorContext<Out> {
  /** The task's interned symbols (its own, unless whoever made the task shares one across tasks). */
  readonly symbols: SymbolTable;
  /** Work on row i of the batch being processed next: what follows is caused by it. */
  at(i: number): void;
}
