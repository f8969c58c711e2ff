import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { partitionFor } from '../topology/partitioner.ts';
import { kafkajsPipe } from './kafkajsPipe.ts';

/**
 * The live service against the client's ceiling, on the local broker (npm run stack:up), in one run:
 *  1. throughput: N candles already in the prices topic, consumed through the full topology
 *     (exactly_once, then at_least_once), beside a plain kafkajs consume → JSON.parse → produce pipe;
 *  2. latency: candles produced at a fixed rate; for each signal, the time from producing the candle
 *     that closed its window to receiving the signal (read_committed), beside the pipe's produce → receive.
 * Usage: node bench/live-vs-kafkajs-pipe.ts [candles=200000] [rate=5000] [seconds=20] (seconds 0: no latency part)
 * With BENCH_BASELINE=<another candlestream tree> (e.g. `git worktree add /tmp/before <rev>` and
 * `cp -al node_modules /tmp/before/`), the throughput part runs both trees' services on the same topic,
 * alternately, three rounds, and reports medians with each service's CPU seconds: how an engine change
 * is checked against the live path.
 */
const brokers = [process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'];
const total = Number(process.argv[2] ?? 200_000);
const rate = Number(process.argv[3] ?? 5000);
const latencySeconds = Number(process.argv[4] ?? 20);
const baseline = process.env.BENCH_BASELINE;
const SYMBOLS = 200;
const PARTITIONS = 4;
const T0 = Date.UTC(2023, 0, 1);
const kafka = new Kafka({ brokers, clientId: 'bench', logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
const run = randomUUID().slice(0, 6);

/** Candle n: symbol n mod SYMBOLS, minute n div SYMBOLS, so every symbol's stream time moves together. */
function candle(n: number): Message {
  const s = n % SYMBOLS;
  const minute = Math.floor(n / SYMBOLS);
  const c = 100 + s + Math.sin(minute / 10 + s);
  return {
    key: `S${s}-USDT`,
    value: JSON.stringify({
      symbol: `S${s}USDT`,
      exchange: 'bench',
      ts: T0 + minute * 60_000,
      open: c,
      high: c + 1,
      low: c - 1,
      close: c,
      volume: 1,
    }),
  };
}

async function topic(name: string) {
  await admin.createTopics({ topics: [{ topic: name, numPartitions: PARTITIONS }], waitForLeaders: true });
  return name;
}

async function fill(name: string, n: number) {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < n; i += 2000)
    await producer.send({ topic: name, messages: Array.from({ length: Math.min(2000, n - i) }, (_, k) => candle(i + k)) });
  await producer.disconnect();
}

/** CPU seconds (user + system) a running process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/**
 * `candlestream run` of the tree `tree` as a process; returns its records-in counter (from /metrics),
 * the CPU seconds it has used, and a stop.
 */
async function service(input: string, output: string, guarantee: string, port: number, extra: string[] = [], tree = '.') {
  const appId = `bench-${guarantee}-${randomUUID().slice(0, 6)}`;
  const stateDir = resolve(`bench/data/state-${appId}`);
  const child = spawn(
    process.execPath,
    [
      'cli/candlestream.ts',
      'run',
      '--brokers',
      brokers[0],
      '--app-id',
      appId,
      '--input',
      input,
      '--external',
      `ext-${run}`,
      '--output',
      output,
      '--dead-letter-topic',
      `dlq-${run}`,
      '--guarantee',
      guarantee,
      '--state-dir',
      stateDir,
      '--metrics-port',
      String(port),
      '--log-level',
      'warn',
      ...extra,
    ],
    { stdio: ['ignore', 'ignore', 'inherit'], cwd: tree },
  );
  const recordsIn = async () => {
    try {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return Number(/candlestream_records_in_total\{[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  return {
    recordsIn,
    cpuSeconds: () => cpuSeconds(child.pid!),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Seconds from the first record consumed to the last, polling `count`. */
async function timeToConsume(count: () => number | Promise<number>, n: number): Promise<number> {
  let first: number | undefined;
  for (;;) {
    const c = await count();
    if (c > 0 && first === undefined) first = performance.now();
    if (c >= n) return (performance.now() - first!) / 1000;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const percentile = (xs: number[], p: number) =>
  xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

await admin.createTopics({ topics: [{ topic: `ext-${run}`, numPartitions: 1 }], waitForLeaders: true });
console.log(
  `machine: ${cpus().length} cores (${cpus()[0].model}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; Kafka on loopback`,
);

// 1. Throughput over a topic filled beforehand.
const source = await topic(`bench-in-${run}`);
await fill(source, total);
const rows: [string, number][] = [];
{
  const p = await kafkajsPipe(kafka, source, await topic(`pipe-out-${run}`));
  rows.push(['kafkajs pipe (consume → parse → produce)', total / (await timeToConsume(p.count, total))]);
  await p.stop();
}
const trees = baseline
  ? [
      ['this tree', '.'],
      ['baseline', baseline],
    ]
  : [['', '.']];
const rounds = baseline ? 3 : 1;
const cpu = new Map<string, number[]>();
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const guarantee of ['exactly_once', 'at_least_once']) {
  const perSecond = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++)
    for (const [label, tree] of round % 2 ? trees.slice().reverse() : trees) {
      const name = `candlestream run, ${guarantee}${label && ` (${label})`}`;
      const s = await service(source, await topic(`signals-${guarantee}-${randomUUID().slice(0, 6)}`), guarantee, 9470, [], tree);
      const seconds = await timeToConsume(s.recordsIn, total);
      perSecond.set(name, [...(perSecond.get(name) ?? []), total / seconds]);
      cpu.set(name, [...(cpu.get(name) ?? []), s.cpuSeconds()]);
      await s.stop();
    }
  for (const [name, xs] of perSecond) rows.push([name, median(xs)]);
}
const ceiling = rows[0][1];
console.log(
  `\nthroughput, ${total.toLocaleString('en-US')} candles (${SYMBOLS} symbols, ${PARTITIONS} partitions)${baseline ? `, median of ${rounds} alternating rounds; baseline ${baseline}` : ''}:`,
);
for (const [name, perSecond] of rows) {
  const cpuNote = cpu.has(name) ? `   ${median(cpu.get(name)!).toFixed(1)} CPU-s (service, incl. start-up)` : '';
  console.log(
    `  ${name.padEnd(56)} ${Math.round(perSecond).toLocaleString('en-US').padStart(8)} records/s   ${(perSecond / ceiling).toFixed(2)}× the pipe${cpuNote}`,
  );
}

// 2. Latency at a fixed rate.
async function latency(
  label: string,
  start: (input: string, output: string) => Promise<{ stop: () => Promise<unknown> }>,
  signalFor: (m: { key: string; value: string }) => string | undefined,
) {
  const input = await topic(`lat-in-${randomUUID().slice(0, 6)}`);
  const output = await topic(`lat-out-${randomUUID().slice(0, 6)}`);
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const reader = kafka.consumer({ groupId: `lat-${randomUUID()}`, maxWaitTimeInMs: 10, readUncommitted: false });
  await reader.connect();
  await reader.subscribe({ topics: [output], fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const trigger = signalFor({ key: message.key!.toString(), value: message.value!.toString() });
      const sent = trigger && sentAt.get(trigger);
      if (sent) latencies.push(performance.now() - sent);
    },
  });
  const running = await start(input, output);
  await new Promise((r) => setTimeout(r, 3000)); // joined and assigned
  const producer = kafka.producer();
  await producer.connect();
  const started = performance.now();
  const perTick = rate / 100; // a send every 10 ms
  for (let n = 0, tick = 0; performance.now() - started < latencySeconds * 1000; tick++) {
    const messages = Array.from({ length: perTick }, () => candle(n++));
    const now = performance.now();
    for (const m of messages) {
      // Keyed as signalFor keys what triggered an output; the first send of a key is its time.
      const v = JSON.parse(m.value as string);
      for (const key of [`${m.key}|${v.ts}`, `${partitionFor(m.key as string, PARTITIONS)}|${v.ts}`])
        if (!sentAt.has(key)) sentAt.set(key, now);
    }
    await producer.send({ topic: input, messages, acks: 1 });
    const wait = started + (tick + 1) * 10 - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await new Promise((r) => setTimeout(r, 2000));
  await Promise.all([producer.disconnect(), reader.disconnect(), running.stop()]);
  const measured = latencies.slice(Math.floor(latencies.length * 0.1)); // the first 10% include start-up
  console.log(
    `  ${label.padEnd(44)} p50 ${percentile(measured, 50).toFixed(1).padStart(6)} ms   p99 ${percentile(measured, 99).toFixed(1).padStart(6)} ms   (${measured.length.toLocaleString('en-US')} samples)`,
  );
}

if (latencySeconds > 0) {
  console.log(`\nlatency at ${rate.toLocaleString('en-US')} candles/s for ${latencySeconds} s (read_committed reader):`);
  // The pipe's output is its input: latency from producing a candle to receiving its copy.
  await latency(
    'kafkajs pipe (produce → copy received)',
    (i, o) => kafkajsPipe(kafka, i, o),
    ({ key, value }) => `${key}|${JSON.parse(value).ts}`,
  );
  // A signal for minute m is emitted when its task's stream time reaches minute m+1: the trigger is the
  // first candle of minute m+1 sent to the symbol's partition (a task is a partition).
  const trigger = ({ key, value }: { key: string; value: string }) => `${partitionFor(key, PARTITIONS)}|${JSON.parse(value).ts + 60_000}`;
  await latency('candlestream run, exactly_once (commit 100 ms)', (i, o) => service(i, o, 'exactly_once', 9471), trigger);
  await latency(
    'candlestream run, exactly_once (commit 20 ms)',
    (i, o) => service(i, o, 'exactly_once', 9472, ['--commit-interval-ms', '20']),
    trigger,
  );
  await latency(
    'candlestream run, at_least_once (commit 1 s)',
    (i, o) => service(i, o, 'at_least_once', 9473, ['--commit-interval-ms', '1000']),
    trigger,
  );
  await latency(
    'candlestream run, at_least_once (commit 10 s)',
    (i, o) => service(i, o, 'at_least_once', 9474, ['--commit-interval-ms', '10000']),
    trigger,
  );
}

const topics = (await admin.listTopics()).filter((t) => t.includes(run) || t.startsWith('lat-') || t.startsWith('bench-'));
await admin.deleteTopics({ topics }).catch(() => undefined);
await admin.disconnect();
