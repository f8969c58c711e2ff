import { describe, expect, it } from 'vitest';
import { Topology } from '../../topology/Topology.ts';
import { TopologyError } from '../../topology/TopologyError.ts';
import { keyValueStore } from '../../state/CachedKeyValueStore.ts';
import { describeTopology, topologyMermaid } from '../../topology/describeTopology.ts';

const pass = () => ({ process() {} });

describe('Topology.build', () => {
  it('refuses a processor that reads a field no upstream stage writes, naming both', () => {
    const t = new Topology()
      .addSource('in', ['prices'], ['symbol', 'close'])
      .addProcessor('features', pass, ['in'], { reads: ['close_price'] });
    expect(() => t.build()).toThrow(TopologyError);
    expect(() =>
      new Topology()
        .addSource('in', ['p'], ['symbol', 'close'])
        .addProcessor('features', pass, ['in'], { reads: ['close_price'] })
        .build(),
    ).toThrow(/processor "features" reads field "close_price".*from in: symbol, close/);
  });

  it('passes fields through and adds writes; a replacing processor emits only its writes', () => {
    const ok = new Topology()
      .addSource('in', ['t'], ['raw'])
      .addProcessor('parse', pass, ['in'], { reads: ['raw'], writes: ['symbol', 'close'], replaces: true })
      .addProcessor('sma', pass, ['parse'], { reads: ['close'], writes: ['sma'] })
      .addSink('out', 'features', ['sma'], ['symbol', 'close', 'sma'])
      .build();
    expect([...ok.fields.get('sma')!]).toEqual(['symbol', 'close', 'sma']);
    const bad = new Topology()
      .addSource('in', ['t'], ['raw'])
      .addProcessor('parse', pass, ['in'], { writes: ['close'], replaces: true })
      .addProcessor('uses-raw', pass, ['parse'], { reads: ['raw'] });
    expect(() => bad.build()).toThrow(/"uses-raw" reads field "raw"/);
  });

  it('with two parents, only fields both carry are available', () => {
    const t = new Topology()
      .addSource('a', ['a'], ['symbol', 'x'])
      .addSource('b', ['b'], ['symbol'])
      .addProcessor('join', pass, ['a', 'b'], { reads: ['x'] });
    expect(() => t.build()).toThrow(/"join" reads field "x"/);
  });

  it('refuses unknown parents, duplicate names, sinks as parents, orphan sources and bad store wiring', () => {
    expect(() => new Topology().addSource('in', ['t']).addProcessor('p', pass, ['nope'])).toThrow(/parent "nope", which does not exist/);
    expect(() => new Topology().addSource('in', ['t']).addSource('in', ['u'])).toThrow(/"in" already exists/);
    expect(() => new Topology().addSource('in', ['t']).addSink('s', 'x', ['in']).addProcessor('p', pass, ['s'])).toThrow(
      /sinks have no children/,
    );
    expect(() => new Topology().addSource('in', ['t']).build()).toThrow(/source "in" has no downstream/);
    expect(() => new Topology().addSource('in', ['t']).addStateStore(keyValueStore('s'), 'in')).toThrow(/"in", which is not a processor/);
    expect(() => new Topology().addSource('in', ['t']).addProcessor('dead-letter', pass, ['in'])).toThrow(/reserved/);
  });

  it('describes itself as text and as a Mermaid flowchart', () => {
    const t = new Topology()
      .addSource('in', ['crypto-prices'])
      .addProcessor('count', pass, ['in'])
      .addStateStore(keyValueStore('counts'), 'count')
      .addSink('out', 'crypto-features', ['count'])
      .build();
    const text = describeTopology(t);
    expect(text).toContain('Source: in (topics: [crypto-prices])');
    expect(text).toContain('Processor: count (stores: [counts])');
    expect(text).toContain('--> out');
    const mermaid = topologyMermaid(t);
    expect(mermaid.split('\n')[0]).toBe('flowchart LR');
    expect(mermaid).toContain('in --> count');
    expect(mermaid).toContain('count --> out');
    expect(mermaid).toContain('[("counts")]');
  });
});
