import { Kafka, logLevel } from 'kafkajs';
import { describe, expect, inject, it } from 'vitest';
import { eventually, Service } from './processes.ts';
import { difference, fearGreed, sampleCandles, withoutLastWindows, worldsFor, type Row } from './liveData.ts';
import { storageFor } from '../../io/storage/storageFor.ts';
import { walk } from '../../io/storage/Storage.ts';
import { parquetMetadata, readParquetRows } from '../../io/parquet/ParquetRowReader.ts';
import { storedParquet } from '../../io/parquet/storedParquet.ts';

const brokers = inject('brokers');
const webhdfs = inject('webhdfsUrl');
const newWorld = worldsFor(brokers);
const WHOLE = ['--to', '2023-03-04T00:00:00Z'];

/** Every (partition, offset) in the archive's visible files, and the files' count. */
async function archivedOffsets(location: string) {
  const { storage, path } = storageFor(location, { webhdfs });
  const offsets: string[] = [];
  let files = 0;
  for await (const entry of walk(storage, path, (d) => !d.name.startsWith('.'))) {
    files++;
    const source = storedParquet(storage, entry);
    expect(Number((await parquetMetadata(source)).num_rows)).toBeGreaterThan(0);
    for await (const batch of readParquetRows(source))
      for (const { row } of batch) offsets.push(`${row.kafka_partition}:${row.kafka_offset}`);
  }
  return { offsets, files };
}

describe('candlestream archive on a real broker and HDFS', () => {
  it('lands the prices topic exactly once across SIGKILLs, and backfill of the archive equals the live run', async () => {
    const w = await newWorld();
    const out = `hdfs://127.0.0.1:8020/cs-live-${w.id}/prices`;
    const hdfs = ['--webhdfs', webhdfs];
    await w.createInputTopics(4);
    const live = new Service(w.serviceArgs(['--external-names', 'fear_greed']));
    const archiveArgs = [
      '--brokers',
      brokers,
      '--input',
      w.topics.prices,
      '--group-id',
      `archive-${w.id}`,
      '--dead-letter-topic',
      w.topics.deadLetter,
      '--out',
      out,
      ...hdfs,
      '--roll-ms',
      '400',
      '--roll-bytes',
      '60000',
      '--session-timeout-ms',
      '6000',
    ];
    let archive = new Service(archiveArgs, {}, 'archive');
    await Promise.all([live.started(), archive.started()]);

    // Fed at 3,000 candles/s; the archiver is killed three times on the way and started again.
    const feeding = w.publish(['--source', sampleCandles, '--external', fearGreed, ...WHOLE, '--rate', '3000']);
    const kills: number[] = [];
    for (let i = 0; i < 3; i++) {
      // Once this incarnation has rolled something (it has its partitions), at a random moment after.
      await archive.waitFor((l) => l.msg === 'rolled' && (l.messages as number) > 0, 60_000);
      const after = Math.floor(Math.random() * 300);
      await new Promise((r) => setTimeout(r, after));
      kills.push(after);
      await archive.stop('SIGKILL');
      archive = new Service(archiveArgs, {}, 'archive');
      await archive.started();
    }
    await feeding;

    // Caught up: the group's committed offsets reach the end of every partition.
    const admin = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(w.topics.prices);
    const total = ends.reduce((n, p) => n + Number(p.high), 0);
    await eventually(
      async () => (await admin.fetchOffsets({ groupId: `archive-${w.id}`, topics: [w.topics.prices] }))[0].partitions,
      // (-1: nothing committed, which is caught up for a partition without messages)
      (committed) =>
        ends.every((e) => Math.max(0, Number(committed.find((c) => c.partition === e.partition)?.offset ?? -1)) === Number(e.high)),
      120_000,
      'archive caught up',
    );
    await admin.disconnect();
    expect(await archive.stop('SIGTERM')).toBe(0);
    expect(archive.lines.some((l) => l.msg === 'rolled')).toBe(true);

    const { offsets, files } = await archivedOffsets(out);
    expect(new Set(offsets).size).toBe(offsets.length); // nothing twice
    expect(offsets.length).toBe(total); // nothing missing
    expect(files).toBeGreaterThan(8); // rolled by size and age, across symbols and days

    // The live run's features, and what backfill makes of the archive.
    const expected = withoutLastWindows((await w.backfill(['--source', out, ...hdfs, '--external', fearGreed])).features);
    const features = await eventually(
      () => w.read(w.topics.features),
      (rows: Row[]) => rows.length >= expected.length,
      120_000,
      'live features',
    );
    expect(await live.stop('SIGTERM')).toBe(0);
    expect(difference(features, expected)).toEqual({ extra: [], missing: [] });
    expect(await w.read(w.topics.deadLetter)).toEqual([]);
    console.log(`archive: killed after ${kills.join(', ')} ms; ${files} files, ${offsets.length} messages`);
  });
});
