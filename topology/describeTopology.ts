import { DEAD_LETTER, type BuiltTopology } from './Topology.ts';

/** A text description in the manner of Kafka Streams' TopologyDescription. */
export function describeTopology(topology: BuiltTopology): string {
  const lines = ['Topology', '  Sub-topology: 0'];
  for (const node of topology.nodes) {
    const children = topology.children.get(node.name)!;
    if (node.kind === 'source') lines.push(`    Source: ${node.name} (topics: [${node.topics.join(', ')}])`);
    else if (node.kind === 'processor') {
      const stores = node.stores.length ? ` (stores: [${node.stores.join(', ')}])` : '';
      lines.push(`    Processor: ${node.name}${stores}`);
      if (node.contract.reads.length) lines.push(`      reads: ${node.contract.reads.join(', ')}`);
      if (node.contract.writes.length) lines.push(`      writes: ${node.contract.writes.join(', ')}`);
    } else lines.push(`    Sink: ${node.name} (topic: ${node.topic})`);
    if (children.length) lines.push(`      --> ${children.join(', ')}`);
    if (node.parents.length) lines.push(`      <-- ${node.parents.join(', ')}`);
  }
  lines.push(`    Sink: ${DEAD_LETTER} (rejected records from any processor, with their reason)`);
  return lines.join('\n');
}

/** The same graph as a Mermaid flowchart: sources as stadiums, stores as cylinders, sinks as subroutines. */
export function topologyMermaid(topology: BuiltTopology): string {
  const id = (name: string) => name.replace(/[^A-Za-z0-9_]/g, '_');
  const lines = ['flowchart LR'];
  for (const node of topology.nodes) {
    if (node.kind === 'source') lines.push(`  ${id(node.name)}(["${node.name}<br/>${node.topics.join(', ')}"])`);
    else if (node.kind === 'processor') lines.push(`  ${id(node.name)}["${node.name}"]`);
    else lines.push(`  ${id(node.name)}[["${node.name}<br/>${node.topic}"]]`);
    for (const parent of node.parents) lines.push(`  ${id(parent)} --> ${id(node.name)}`);
    if (node.kind === 'processor') {
      for (const store of node.stores) lines.push(`  ${id(node.name)} -.- ${id('store_' + store)}[("${store}")]`);
    }
  }
  return lines.join('\n');
}
