import type { StreamRecord } from '../topology/Record.ts';

export interface Tagged {
  input: number;
  record: StreamRecord;
}

/**
 * Merges ordered inputs into one stream in event-time order, as a k-way merge: ties go to the input
 * listed first (so reference data such as external signals precede candles of the same time).
 */
export async function* mergeByEventTime(inputs: AsyncIterable<StreamRecord>[]): AsyncGenerator<Tagged> {
  const iterators = inputs.map((input) => input[Symbol.asyncIterator]());
  const heap: Tagged[] = [];
  const before = (a: Tagged, b: Tagged) => a.record.timestamp < b.record.timestamp || (a.record.timestamp === b.record.timestamp && a.input < b.input);

  const push = (item: Tagged) => {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i], heap[parent])) break;
      [heap[i], heap[parent]] = [heap[parent], heap[i]];
      i = parent;
    }
  };
  const pop = (): Tagged => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l], heap[m])) m = l;
        if (r < heap.length && before(heap[r], heap[m])) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m], heap[i]];
        i = m;
      }
    }
    return top;
  };

  for (let input = 0; input < iterators.length; input++) {
    const next = await iterators[input].next();
    if (!next.done) push({ input, record: next.value });
  }
  while (heap.length) {
    const item = pop();
    yield item;
    const next = await iterators[item.input].next();
    if (!next.done) push({ input: item.input, record: next.value });
  }
}
