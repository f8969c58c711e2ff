import type { StreamRecord } from '../topology/StreamRecord.ts';

/** A run of merged records and, for each, the index of the input it came from. */
export interface MergedBatch {
  inputs: number[];
  records: StreamRecord[];
}

interface Cursor {
  input: number;
  iterator: AsyncIterator<StreamRecord[]>;
  batch: StreamRecord[];
  next: number;
}

/**
 * Merges inputs, each already in event-time order and read in batches, into one stream in event-time
 * order: a k-way merge on a heap, ties to the input listed first (so reference data such as external
 * signals precede candles of the same time). Waits only when an input's batch runs out, and hands
 * the merged records on in batches, so the per-record path has no promise in it.
 */
export async function* mergeByEventTime(inputs: AsyncIterable<StreamRecord[]>[], batchSize = 4096): AsyncGenerator<MergedBatch> {
  const heap: Cursor[] = [];
  const head = (c: Cursor) => c.batch[c.next];
  const before = (a: Cursor, b: Cursor) => {
    const ta = head(a).timestamp;
    const tb = head(b).timestamp;
    return ta < tb || (ta === tb && a.input < b.input);
  };
  const up = (i: number) => {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) return;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  /** Load the cursor's next non-empty batch; false when the input is done. */
  const refill = async (c: Cursor) => {
    for (;;) {
      const step = await c.iterator.next();
      if (step.done) return false;
      if (step.value.length) {
        c.batch = step.value;
        c.next = 0;
        return true;
      }
    }
  };

  for (let input = 0; input < inputs.length; input++) {
    const cursor: Cursor = { input, iterator: inputs[input][Symbol.asyncIterator](), batch: [], next: 0 };
    if (await refill(cursor)) {
      heap.push(cursor);
      up(heap.length - 1);
    }
  }
  let out: MergedBatch = { inputs: [], records: [] };
  while (heap.length) {
    const top = heap[0];
    out.inputs.push(top.input);
    out.records.push(top.batch[top.next++]);
    if (top.next === top.batch.length && !(await refill(top))) {
      const last = heap.pop()!;
      if (heap.length) heap[0] = last;
    }
    if (heap.length) down(0);
    if (out.records.length >= batchSize) {
      yield out;
      out = { inputs: [], records: [] };
    }
  }
  if (out.records.length) yield out;
}
