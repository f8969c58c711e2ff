import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import * as candlestream from '../index.ts';
import { kafkaStreamsOptions } from '../live/createKafkaStreams.ts';

const root = new URL('../', import.meta.url).pathname;

/** The public surface, written out: adding or removing an export is a deliberate act that changes this list. */
const VALUES = [
  'DEAD_LETTER',
  'DEFAULT_TOPICS',
  'KafkaStreams',
  'MARKET_NODES',
  'OutputRefused',
  'StreamsMetrics',
  'Topology',
  'TopologyError',
  'TopologyTestDriver',
  'buildMarketTopology',
  'candleFiles',
  'createKafkaStreams',
  'defaultMarketOptions',
  'externalSignalFile',
  'featureColumns',
  'featuresNode',
  'jsonSerde',
  'keyValueStore',
  'marketTopology',
  'replay',
];
const TYPES = [
  'BoundedInput',
  'BuiltTopology',
  'CachedKeyValueStoreOptions',
  'Candle',
  'CandleFilesOptions',
  'DeadLetter',
  'ExternalSignal',
  'FeatureRecord',
  'FeatureStage',
  'FieldContract',
  'Guarantee',
  'Headers',
  'KafkaRunOptions',
  'KeyValueStore',
  'MarketTopologyOptions',
  'OutputMode',
  'OutputWriter',
  'Processor',
  'ProcessorContext',
  'Punctuator',
  'ReplayOptions',
  'ReplaySummary',
  'Serde',
  'Signal',
  'SourceOptions',
  'SourcePosition',
  'StateStore',
  'StoreBuilder',
  'StreamRecord',
  'TestDriverOptions',
  'TestRecord',
];

/** Every export of index.ts as the compiler sees it, with the declaration it stands for. */
function publicDeclarations(): { name: string; declaration: ts.Declaration; value: boolean }[] {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
    types: ['node'],
  };
  const program = ts.createProgram([`${root}index.ts`], options);
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(`${root}index.ts`)!;
  return checker.getExportsOfModule(checker.getSymbolAtLocation(index)!).map((exported) => {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations![0];
    return { name: exported.name, declaration, value: (symbol.flags & ts.SymbolFlags.Value) !== 0 };
  });
}

/** The `/** … *\/` comment right before a declaration (or its variable statement). */
function docComment(declaration: ts.Declaration): string | undefined {
  const node = ts.isVariableDeclaration(declaration) ? declaration.parent.parent : declaration;
  const text = node.getSourceFile().getFullText();
  const comments = ts.getLeadingCommentRanges(text, node.getFullStart()) ?? [];
  const last = comments.at(-1);
  const comment = last && text.slice(last.pos, last.end);
  return comment?.startsWith('/**') ? comment : undefined;
}

describe('the public API (index.ts)', () => {
  const declarations = publicDeclarations();

  it('exports exactly the values and types we mean to', () => {
    expect(Object.keys(candlestream).sort()).toEqual(VALUES);
    expect(declarations.map((d) => d.name).sort()).toEqual([...VALUES, ...TYPES].sort());
    expect(
      declarations
        .filter((d) => !d.value)
        .map((d) => d.name)
        .sort(),
    ).toEqual(TYPES);
  });

  it('documents every export with a doc comment at its declaration', () => {
    const undocumented = declarations
      .filter(
        (d) =>
          !docComment(d.declaration)
            ?.replace(/^\/\*\*|\*\/$|\*/g, '')
            .trim(),
      )
      .map((d) => `${d.name} (${d.declaration.getSourceFile().fileName.slice(root.length)})`);
    expect(undocumented).toEqual([]);
  });

  it('declares nothing of the command line or the tests', () => {
    const files = declarations.map((d) => d.declaration.getSourceFile().fileName.slice(root.length));
    expect(files.filter((f) => /^(cli|test|bench|scripts)\//.test(f))).toEqual([]);
  });
});

describe('createKafkaStreams (without a broker: nothing connects before start)', () => {
  const topology = () => new candlestream.Topology().addSource('in', ['t']).addSink('out', 'u', ['in']).build();

  it('fills in what Kafka Streams would default, the commit interval after the guarantee', () => {
    const o = kafkaStreamsOptions({ topology: topology(), brokers: ['127.0.0.1:1'], applicationId: 'my-app' });
    expect([o.guarantee, o.commitIntervalMs, o.stateDir, o.deadLetterTopic]).toEqual([
      'exactly_once',
      100,
      '.candlestream/my-app',
      'my-app-dead-letter',
    ]);
    const atLeastOnce = kafkaStreamsOptions({
      topology: topology(),
      brokers: ['127.0.0.1:1'],
      applicationId: 'a',
      guarantee: 'at_least_once',
    });
    expect(atLeastOnce.commitIntervalMs).toBe(30_000);
    expect(candlestream.createKafkaStreams({ topology: topology(), brokers: ['127.0.0.1:1'], applicationId: 'a' }).state).toBe('created');
  });

  it('needs brokers or a client', () => {
    expect(() => candlestream.createKafkaStreams({ topology: topology(), applicationId: 'a' })).toThrow(/needs `brokers`/);
  });
});
