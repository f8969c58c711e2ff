import { createServer } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { worldsFor } from './liveData.ts';
import { readTopic } from './readTopic.ts';

const brokers = inject('brokers');
const newWorld = worldsFor(brokers);

const T0 = Date.UTC(2023, 2, 1);
const MIN = 60_000;
const candle = (minute: number, extra: Record<string, unknown> = {}) => ({
  symbol: 'BTCUSDT',
  exchange: 'binance',
  ts: T0 + minute * MIN,
  open: 100,
  high: 101,
  low: 99,
  close: 100.5,
  volume: 2,
  ...extra,
});

/** Every class of bad input, each with the reason it must be dead-lettered with. */
const BAD: [string, Buffer | null][] = [
  ['unreadable', Buffer.from('not json {')],
  ['unreadable', null],
  ['not_an_object', Buffer.from('[1,2,3]')],
  ['not_an_object', Buffer.from('42')],
  ['missing_field:ts', json({ symbol: 'BTCUSDT', open: 1, high: 1, low: 1, close: 1, volume: 1 })],
  ['missing_field:symbol', json({ ts: T0, open: 1, high: 1, low: 1, close: 1, volume: 1 })],
  ['missing_field:volume', json(candle(3, { volume: undefined }))],
  ['bad_symbol:characters', json(candle(3, { symbol: '???' }))],
  ['bad_timestamp', json(candle(3, { ts: 'yesterday' }))],
  ['non_numeric:close', json(candle(3, { close: 'abc' }))],
  ['non_positive_price:open', json(candle(3, { open: 0 }))],
  ['negative_volume', json(candle(3, { volume: -1 }))],
  ['high_below_low', json(candle(3, { high: 98, low: 99, open: 98.5, close: 98.5 }))],
  ['open_outside_range', json(candle(3, { open: 200 }))],
  ['bad_interval:7q', json(candle(3, { interval: '7q' }))],
  ['duplicate', json(candle(1))],
  ['late:1m', json(candle(0, { exchange: 'coinbase' }))],
  [
    'kline_not_closed',
    json({ e: 'kline', s: 'BTCUSDT', k: { t: T0 + 3 * MIN, i: '1m', o: '1', h: '1', l: '1', c: '1', v: '1', x: false } }),
  ],
];

describe('bad input on the live service', () => {
  it('goes to the dead-letter topic with its original bytes and the reason, is counted, and processing goes on', async () => {
    const w = await newWorld();
    await w.createInputTopics(2);
    const kafka = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    const send = (values: (Buffer | null)[]) =>
      producer.send({ topic: w.topics.prices, messages: values.map((value) => ({ key: 'BTC-USDT', value })) });

    const port = await freePort();
    const service = new Service(w.serviceArgs(['--metrics-port', String(port)]));
    await service.started();
    // An unreadable record in the global table too: the one task that runs dead-letters it, once.
    const badSignal = Buffer.from('{"name": "fear_greed", broken');
    await producer.send({ topic: w.topics.external, messages: [{ partition: 0, key: null, value: badSignal }] });

    await send([json(candle(0)), json(candle(1)), json(candle(2))]);
    await send(BAD.map(([, value]) => value));
    // Good records after the bad ones, in the shapes exchanges stream, are still processed.
    await send([
      json({ e: 'kline', s: 'BTCUSDT', k: { t: T0 + 3 * MIN, i: '1m', o: '100', h: '101', l: '99', c: '100', v: '3', x: true } }),
      json({ stream: 'btcusdt@trade', data: { e: 'trade', s: 'BTCUSDT', T: T0 + 4 * MIN + 5_000, p: '100.2', q: '0.5' } }),
      ...Array.from({ length: 10 }, (_, i) => json(candle(5 + i))),
    ]);

    const all = await eventually(
      () => readTopic([brokers], w.topics.deadLetter),
      (m) => m.length >= BAD.length + 1,
      60_000,
      'dead letters',
    );
    const global = all.filter((m) => m.headers.topic === w.topics.external);
    expect(global).toHaveLength(1);
    expect(global[0].value).toEqual(badSignal);
    expect(global[0].headers).toMatchObject({ stage: 'deserialize', partition: '0', offset: '0' });
    expect(global[0].headers.reason).toMatch(/^unreadable:/);
    // The same facts under Kafka Streams' dead-letter header names (KIP-1034), on every letter.
    for (const m of all) {
      expect(m.headers).toMatchObject({
        '__streams.errors.message': m.headers.reason,
        '__streams.errors.topic': m.headers.topic,
        '__streams.errors.partition': m.headers.partition,
        '__streams.errors.offset': m.headers.offset,
        '__streams.errors.stacktrace': `    at ${m.headers.stage}`,
      });
    }
    expect(global[0].headers['__streams.errors.exception']).toBe('candlestream.UnreadableRecord');
    const late = all.find((m) => m.headers.reason === 'late:1m')!;
    expect(late.headers).toMatchObject({
      '__streams.errors.exception': 'candlestream.RejectedRecord',
      '__streams.errors.topic': w.topics.prices,
    });
    const letters = all.filter((m) => m.headers.topic === w.topics.prices);
    expect(letters.map((m) => m.headers.reason.replace(/^unreadable:.*/, 'unreadable')).sort()).toEqual(BAD.map(([r]) => r).sort());
    for (const [reason, value] of BAD) {
      const letter = letters.find(
        (m) => m.headers.reason.startsWith(reason) && (m.value?.equals(value ?? Buffer.alloc(0)) || (value === null && m.value === null)),
      );
      expect(letter, `dead letter for ${reason} with the original bytes`).toBeDefined();
      expect(letter!.headers).toMatchObject({
        topic: w.topics.prices,
        stage: reason === 'unreadable' ? 'deserialize' : reason.startsWith('late') ? 'candles' : 'clean',
      });
      expect(Number(letter!.headers.offset)).toBeGreaterThanOrEqual(3);
    }

    const signals = await eventually(
      () => w.read(w.topics.signals),
      (rows) => rows.length >= 14,
      60_000,
      'signals after the bad input',
    );
    expect(signals.map((s) => (s.ts - T0) / MIN)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    expect(signals[4]).toMatchObject({ close: 100.2 }); // the trade's minute

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/candlestream_dead_letters_total\{reason="unreadable"\} 3/);
    expect(metrics).toMatch(/candlestream_dead_letters_total\{reason="duplicate"\} 1/);
    expect(metrics).toMatch(new RegExp(`candlestream_records_in_total\\{topic="${w.topics.prices}"\\} ${3 + BAD.length + 12}`));
    expect(metrics).toMatch(/candlestream_store_entries\{store="indicator-state",partition="\d"\} \d/);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);

    await producer.disconnect();
    expect(await service.stop('SIGTERM')).toBe(0);
  });
});

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value));
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
