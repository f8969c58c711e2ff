/**
 * A topology of your own, run in-process with the test driver (no Kafka, no files).
 *
 *   node --conditions=candlestream-source examples/userTopology.ts
 *
 * Trades come in keyed by symbol; `validate` sends a trade without a positive price and quantity to
 * the dead letters with a reason; `notional` keeps, per symbol in a key-value store, the number of
 * trades and their total notional (price × quantity), and forwards the running totals to a sink.
 * Prints each trade (`in`), each total (`out`) and each dead letter (`dead`) as a JSON line.
 */
import {
  keyValueStore,
  Topology,
  TopologyTestDriver,
  type KeyValueStore,
  type Processor,
  type ProcessorContext,
  type StreamRecord,
} from 'candlestream';

type Trade = { symbol: string; price: number; qty: number };
type Totals = { symbol: string; trades: number; notional: number };

/** Passes valid trades on; rejects the others, with a reason (never dropped silently). */
class Validate implements Processor<Trade, Trade> {
  #context!: ProcessorContext<Trade>;
  init(context: ProcessorContext<Trade>): void {
    this.#context = context;
  }
  process(record: StreamRecord<Trade>): void {
    const { price, qty } = record.value;
    if (!(price > 0 && qty > 0)) this.#context.reject(record, 'price and qty must be positive');
    else this.#context.forward(record);
  }
}

/** Running trade count and notional per symbol, kept in the `totals` store. */
class Notional implements Processor<Trade, Totals> {
  #context!: ProcessorContext<Totals>;
  #totals!: KeyValueStore<Totals>;
  init(context: ProcessorContext<Totals>): void {
    this.#context = context;
    this.#totals = context.getStateStore('totals');
  }
  process(record: StreamRecord<Trade>): void {
    const { symbol, price, qty } = record.value;
    const before = this.#totals.get(symbol) ?? { symbol, trades: 0, notional: 0 };
    const after = { symbol, trades: before.trades + 1, notional: before.notional + price * qty };
    this.#totals.put(symbol, after);
    this.#context.forward({ ...record, value: after });
  }
}

// Names connect the nodes; the field contracts are checked by build(), before any record flows.
const topology = new Topology()
  .addSource('trades', ['trades'], ['symbol', 'price', 'qty'])
  .addProcessor('validate', () => new Validate(), ['trades'], { reads: ['price', 'qty'] })
  .addProcessor('notional', () => new Notional(), ['validate'], { reads: ['symbol', 'price', 'qty'], writes: ['trades', 'notional'] })
  .addSink('totals', 'trade-totals', ['notional'], ['symbol', 'trades', 'notional'])
  .addStateStore(keyValueStore<Totals>('totals'), 'notional')
  .build();

const trades: Trade[] = [
  { symbol: 'BTC-USDT', price: 23150.5, qty: 0.2 },
  { symbol: 'ETH-USDT', price: 1630.25, qty: 1.5 },
  { symbol: 'BTC-USDT', price: 23152, qty: -1 },
  { symbol: 'BTC-USDT', price: 23149.75, qty: 0.05 },
  { symbol: 'ETH-USDT', price: 1631, qty: 2 },
];

// Two partitions, as two Kafka partitions: each symbol's trades go to one task and its store.
const driver = await TopologyTestDriver.create(topology, { partitions: 2 });
trades.forEach((trade, i) => {
  console.log(`in ${JSON.stringify(trade)}`);
  driver.pipeInput('trades', trade.symbol, trade, Date.parse('2023-03-01T00:00:00Z') + i * 1000);
});
for (const totals of driver.readValues<Totals>('totals')) console.log(`out ${JSON.stringify(totals)}`);
for (const dead of driver.readDeadLetters()) console.log(`dead ${JSON.stringify({ reason: dead.reason, original: dead.original })}`);
await driver.close();
