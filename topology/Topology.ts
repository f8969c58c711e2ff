import type { FieldContract, Processor } from './Processor.ts';
import type { StoreBuilder } from '../state/StateStore.ts';
import { TopologyError } from './TopologyError.ts';

export interface SourceNode {
  kind: 'source';
  name: string;
  /** Topics (live) or logical inputs (replay) this source reads. */
  topics: readonly string[];
  /** Fields its records carry; empty when raw input is parsed downstream. */
  fields: readonly string[];
  parents: readonly string[];
  /** A global table: every task sees all of it, in event-time order with its own input (live and replay). */
  global: boolean;
  /** Event time of a raw value (Kafka Streams' TimestampExtractor); live input uses the message's timestamp without one. */
  timestamp?: (value: unknown) => number;
  /**
   * The partitioning key of a raw value (null: none). Live, a record whose Kafka key differs is first
   * repartitioned through an internal topic, keyed by it, as Kafka Streams does after selectKey.
   */
  key?: (value: unknown) => string | null;
}

/** How a source reads raw values: a global table, their event time, their partitioning key. */
export type SourceOptions = Partial<Pick<SourceNode, 'global' | 'timestamp' | 'key'>>;

export interface ProcessorNode {
  kind: 'processor';
  name: string;
  supplier: () => Processor;
  parents: readonly string[];
  contract: Required<FieldContract>;
  stores: string[];
}

export interface SinkNode {
  kind: 'sink';
  name: string;
  topic: string;
  parents: readonly string[];
  /** Fields the sink's consumers expect. */
  reads: readonly string[];
}

export type TopologyNode = SourceNode | ProcessorNode | SinkNode;

/** Every topology has this sink: rejected records go there with their reason. */
export const DEAD_LETTER = 'dead-letter';

/**
 * Builds a processor topology as Kafka Streams' Topology does: named sources, processors and sinks
 * wired to their parents, and state stores connected to the processors that use them.
 * `build()` checks the wiring and the field contracts, so a mistake fails before any data flows.
 */
export class Topology {
  readonly #nodes = new Map<string, TopologyNode>();
  readonly #stores = new Map<string, StoreBuilder>();
  #built = false;

  addSource(name: string, topics: readonly string[], fields: readonly string[] = [], options: SourceOptions = {}): this {
    return this.#add({
      kind: 'source',
      name,
      topics,
      fields,
      parents: [],
      global: options.global ?? false,
      timestamp: options.timestamp,
      key: options.key,
    });
  }

  addProcessor(name: string, supplier: () => Processor, parents: readonly string[], contract: FieldContract = {}): this {
    return this.#add({
      kind: 'processor',
      name,
      supplier,
      parents,
      contract: { reads: contract.reads ?? [], writes: contract.writes ?? [], replaces: contract.replaces ?? false },
      stores: [],
    });
  }

  addSink(name: string, topic: string, parents: readonly string[], reads: readonly string[] = []): this {
    return this.#add({ kind: 'sink', name, topic, parents, reads });
  }

  addStateStore(builder: StoreBuilder, ...processorNames: string[]): this {
    if (this.#stores.has(builder.name)) throw new TopologyError(`state store "${builder.name}" is added twice`);
    this.#stores.set(builder.name, builder);
    for (const processorName of processorNames) {
      const node = this.#nodes.get(processorName);
      if (node?.kind !== 'processor')
        throw new TopologyError(
          `state store "${builder.name}" is connected to "${processorName}", which is not a processor of this topology`,
        );
      node.stores.push(builder.name);
    }
    return this;
  }

  /** Validate and freeze. Throws TopologyError naming the node (and field) at fault. */
  build(): BuiltTopology {
    if (this.#built) throw new TopologyError('this topology was already built');
    const nodes = [...this.#nodes.values()];
    if (!nodes.some((n) => n.kind === 'source')) throw new TopologyError('a topology needs at least one source');
    const children = new Map<string, string[]>(nodes.map((n) => [n.name, []]));
    for (const node of nodes) for (const parent of node.parents) children.get(parent)!.push(node.name);
    for (const node of nodes) {
      if (node.kind === 'source' && children.get(node.name)!.length === 0)
        throw new TopologyError(`source "${node.name}" has no downstream processor`);
    }
    const fields = checkFieldContracts(nodes);
    this.#built = true;
    return { nodes, children, stores: new Map(this.#stores), fields };
  }

  #add(node: TopologyNode): this {
    if (this.#built) throw new TopologyError(`cannot add "${node.name}": the topology is already built`);
    if (!node.name) throw new TopologyError('every node needs a name');
    if (node.name === DEAD_LETTER) throw new TopologyError(`"${DEAD_LETTER}" is reserved for the dead-letter output`);
    if (this.#nodes.has(node.name)) throw new TopologyError(`a node named "${node.name}" already exists`);
    if (node.kind !== 'source' && node.parents.length === 0)
      throw new TopologyError(`${node.kind} "${node.name}" needs at least one parent`);
    for (const parent of node.parents) {
      // Parents must exist already, which also keeps the graph acyclic.
      const p = this.#nodes.get(parent);
      if (!p) throw new TopologyError(`${node.kind} "${node.name}" names parent "${parent}", which does not exist (yet)`);
      if (p.kind === 'sink')
        throw new TopologyError(`${node.kind} "${node.name}" names sink "${parent}" as parent; sinks have no children`);
    }
    this.#nodes.set(node.name, node);
    return this;
  }
}

/** A topology checked and frozen by `Topology.build()`: what the test driver, replay and KafkaStreams run. */
export interface BuiltTopology {
  /** In insertion order, which is a topological order. */
  nodes: readonly TopologyNode[];
  children: ReadonlyMap<string, readonly string[]>;
  stores: ReadonlyMap<string, StoreBuilder>;
  /** Fields each node emits. */
  fields: ReadonlyMap<string, ReadonlySet<string>>;
}

/** A field is available to a node when every parent emits it. */
function checkFieldContracts(nodes: readonly TopologyNode[]): Map<string, Set<string>> {
  const emitted = new Map<string, Set<string>>();
  for (const node of nodes) {
    if (node.kind === 'source') {
      emitted.set(node.name, new Set(node.fields));
      continue;
    }
    const inputs = node.parents.map((p) => emitted.get(p)!);
    const available = new Set([...inputs[0]].filter((f) => inputs.every((s) => s.has(f))));
    const reads = node.kind === 'sink' ? node.reads : node.contract.reads;
    for (const field of reads) {
      if (!available.has(field)) {
        const offer = available.size ? [...available].join(', ') : 'none';
        throw new TopologyError(
          `${node.kind} "${node.name}" reads field "${field}", which its input does not carry (from ${node.parents.join(', ')}: ${offer})`,
        );
      }
    }
    if (node.kind === 'processor') {
      const out = node.contract.replaces ? new Set<string>() : available;
      for (const field of node.contract.writes) out.add(field);
      emitted.set(node.name, out);
    } else {
      emitted.set(node.name, available);
    }
  }
  return emitted;
}
