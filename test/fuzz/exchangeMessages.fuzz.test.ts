import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flattenExchangeMessage } from '../../market/exchanges/flattenExchangeMessage.ts';
import { normalizeCandle } from '../../market/exchanges/normalizeCandle.ts';
import { tradeAsCandle } from '../../market/exchanges/tradeAsCandle.ts';
import { priceEventTime } from '../../market/exchanges/eventTime.ts';
import { priceKey } from '../../market/exchanges/priceKey.ts';
import { CleanProcessor } from '../../processors/CleanProcessor.ts';
import type { Candle } from '../../market/Candle.ts';
import { Topology } from '../../topology/Topology.ts';
import { TopologyTestDriver } from '../../topology/TopologyTestDriver.ts';
import { MESSAGES } from '../market/exchangeMessageShapes.ts';
import { fuzzSettings } from './fuzzSettings.ts';
import { expectCandleOrReason, expectValidCandle, REASON } from './cleanVerdict.ts';

/** One change to a message: at the n-th place in it (a key or an element), replace, delete, nest, or empty. */
type Mutation = { at: number; kind: 'replace' | 'delete' | 'wrap' | 'empty' | 'stringify'; value: unknown };

const leaf = fc.oneof(
  fc.anything({ maxDepth: 1, maxKeys: 3, withBigInt: true }),
  fc.constantFrom(
    '',
    '0',
    '-1',
    'NaN',
    '1e20',
    '1e200',
    'Infinity',
    true,
    false,
    'kline',
    'trade',
    'ohlc',
    'ohlc-5',
    'ohlc-x',
    '1m',
    'BTCUSDT',
    'XBT/USD',
    'ß',
  ),
  fc.double().map(String),
  fc.constant(JSON.parse('{"toString": 0, "valueOf": 0}')),
);
const mutation: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('replace', 'delete', 'wrap', 'empty', 'stringify'),
  value: leaf,
});

/** Every place in a JSON value: [container, key] pairs, depth first. */
function places(v: unknown, out: [Record<string | number, unknown>, string | number][] = []) {
  if (v !== null && typeof v === 'object') {
    for (const key of Object.keys(v)) {
      out.push([v as Record<string, unknown>, Array.isArray(v) ? Number(key) : key]);
      places((v as Record<string, unknown>)[key], out);
    }
  }
  return out;
}

function mutate(message: unknown, mutations: Mutation[]): unknown {
  const copy = structuredClone(message);
  for (const m of mutations) {
    const all = places(copy);
    if (!all.length) break;
    const [container, key] = all[m.at % all.length];
    const old = container[key];
    if (m.kind === 'replace')
      container[key] = structuredClone(m.value); // a copy: fc.constant hands out one shared object
    else if (m.kind === 'delete') delete container[key];
    else if (m.kind === 'wrap') container[key] = Array.isArray(container) ? [old] : { stream: 'x', data: old };
    else if (m.kind === 'empty') container[key] = Array.isArray(old) ? [] : old !== null && typeof old === 'object' ? {} : '';
    else container[key] = typeof old === 'number' ? String(old) : old;
  }
  return copy;
}

const shapes = MESSAGES.map(([, message]) => message);
/** Real message shapes, mutated; combined-stream envelopes of them; and bare garbage. */
const message = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.tuple(fc.constantFrom(...shapes), fc.array(mutation, { minLength: 1, maxLength: 4 })).map(([m, ms]) => mutate(m, ms)),
  },
  { weight: 1, arbitrary: fc.constantFrom(...shapes).map((m) => ({ stream: 'x@y', data: m })) },
  { weight: 1, arbitrary: fc.constantFrom(...shapes).map((m) => ({ stream: 'x', data: { stream: 'y', data: m } })) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      leaf,
      fc.array(leaf, { maxLength: 5 }),
      fc.dictionary(fc.constantFrom('e', 'k', 'type', 'channel', 'data', 'stream', 's', 'p', 'q', 'T'), leaf),
    ),
  },
);

/** Clean's reading of one message, step by step, as CleanProcessor does it. */
function readMessage(raw: unknown): ({ candle: Candle } | { reason: string })[] {
  if (raw === null || typeof raw !== 'object') return [{ reason: 'not_an_object' }];
  const rows = flattenExchangeMessage(raw) ?? [raw as Record<string, unknown>];
  if ('reason' in rows) return [rows];
  return rows.map((row) => {
    const trade = tradeAsCandle(row);
    return normalizeCandle(trade ?? row, trade ? { interval: 'trade' } : {});
  });
}

describe('fuzz: exchange message decoders', () => {
  it('every real shape, mutated: no throw; at least one verdict, each a valid candle or a reason; a key and an event time for the live path', () => {
    fc.assert(
      fc.property(message, (m) => {
        const verdicts = readMessage(m);
        expect(verdicts.length).toBeGreaterThan(0);
        for (const v of verdicts) expectCandleOrReason(v);
        const key = priceKey(m);
        if (key !== null) expect(key).toMatch(/^[A-Z0-9]{1,20}-[A-Z0-9]{1,20}$/);
        const t = priceEventTime(m);
        expect(Number.isNaN(t) || (Number.isInteger(t) && t >= 0)).toBe(true);
      }),
      fuzzSettings(),
    );
  });

  it('CleanProcessor in the test driver: every input record ends as its outputs or dead letters, one per row, each with a reason', async () => {
    const topology = new Topology()
      .addSource('prices', ['prices'])
      .addProcessor('clean', () => new CleanProcessor({ fillGaps: false, maxGapMs: 0, maxPriceMove: 10 }), ['prices'], { replaces: true })
      .addSink('out', 'out', ['clean']);
    for (const store of CleanProcessor.stores()) topology.addStateStore(store, 'clean');
    const driver = await TopologyTestDriver.create(topology.build());
    try {
      fc.assert(
        fc.property(
          message,
          fc.constantFrom<Record<string, string>>({}, { symbol: 'BTCUSDT' }, { exchange: 'binance', interval: '1m' }),
          (m, headers) => {
            const flat = m !== null && typeof m === 'object' ? flattenExchangeMessage(m) : undefined;
            const rows = Array.isArray(flat) ? flat.length : 1;
            driver.pipeInput('prices', null, m, 0, headers);
            const out = driver.readValues<Candle>('out');
            const letters = driver.readDeadLetters();
            expect(out.length + letters.length).toBe(rows);
            for (const c of out) expectValidCandle(c);
            for (const l of letters) {
              expect(l.reason).toMatch(REASON);
              expect(l.original).toBe(m);
            }
          },
        ),
        fuzzSettings(),
      );
    } finally {
      await driver.close();
    }
  });
});
