import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { cli } from './processes.ts';
import { fearGreed, root, sampleCandles } from './liveData.ts';
import { storageFor } from '../../io/storage/storageFor.ts';
import { walk } from '../../io/storage/Storage.ts';
import { readParquetRows } from '../../io/parquet/ParquetRowReader.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { storedParquet } from '../../io/parquet/storedParquet.ts';
import { datasetPathValues } from '../../io/parquet/DatasetLayout.ts';

// Backfill reading from and writing to the stack's real HDFS (WebHDFS), against the same backfill on local files.
const webhdfs = inject('webhdfsUrl');
const base = `/cs-backfill-${process.pid}-${Date.now()}`;
const hdfsUri = (path: string) => `hdfs://127.0.0.1:8020${base}${path}`;
const { storage } = storageFor('hdfs://127.0.0.1:8020/', { webhdfs });
const work = `/tmp/cs-hdfs-backfill-${process.pid}`;
afterAll(async () => {
  await storage.remove(base);
  rmSync(work, { recursive: true, force: true });
});
const hdfs = ['--webhdfs', webhdfs];
const run = async (args: string[]) => {
  const r = await cli(['backfill', '--quiet', ...hdfs, '--dead-letter', `jsonl:${work}/dead-${Math.random()}.jsonl`, ...args]);
  return r;
};
const jsonl = (file: string) => readFileSync(file, 'utf8');

async function upload(local: string, path: string) {
  await storage.write(`${base}${path}`, readFileSync(local));
}

/** Every row of a Parquet dataset on HDFS, with its partition values, sorted. */
async function hdfsDataset(path: string) {
  const rows: string[] = [];
  for await (const entry of walk(storage, `${base}${path}`, (d) => !d.name.startsWith('.'))) {
    if (/^[._]/.test(entry.name)) continue; // the dataset's marker; temporary files are checked below
    const partition = datasetPathValues(entry.path.slice(`${base}${path}/`.length));
    const source = storedParquet(storage, entry);
    for await (const batch of readParquetRows(source)) for (const { row } of batch) rows.push(JSON.stringify({ ...partition, ...row }));
  }
  return rows.sort();
}

describe('backfill with HDFS', () => {
  it('reads history from HDFS as from local files: the same features, byte for byte', async () => {
    for (const file of readdirSync(sampleCandles)) await upload(join(sampleCandles, file), `/history/${file}`);
    const local = await run([
      '--source',
      sampleCandles,
      '--external',
      fearGreed,
      '--sink',
      `jsonl:${work}/local.jsonl`,
      '--state-dir',
      `${work}/s1`,
      '--fresh',
    ]);
    const remote = await run([
      '--source',
      hdfsUri('/history'),
      '--external',
      fearGreed,
      '--sink',
      `jsonl:${work}/remote.jsonl`,
      '--state-dir',
      `${work}/s2`,
      '--fresh',
    ]);
    expect([local.code, remote.code], remote.stderr).toEqual([0, 0]);
    expect(jsonl(`${work}/remote.jsonl`)).toBe(jsonl(`${work}/local.jsonl`));
    expect(jsonl(`${work}/local.jsonl`).split('\n').length).toBeGreaterThan(60_000);
  });

  it('killed midway while writing Parquet to HDFS, resumes to the same dataset as an uninterrupted run', async () => {
    const args = (out: string, state: string) => [
      '--source',
      hdfsUri('/history'),
      '--external',
      fearGreed,
      '--sink',
      `parquet:${hdfsUri(out)}`,
      '--state-dir',
      state,
      '--commit-every',
      '9000',
    ];
    expect((await run([...args('/whole', `${work}/w`), '--fresh'])).code).toBe(0);
    expect((await run([...args('/broken', `${work}/b`), '--fresh', '--stop-after', '20000'])).code).toBe(0);
    expect((await run([...args('/broken', `${work}/b`), '--stop-after', '41111'])).code).toBe(0);
    const resumed = await cli(['backfill', ...hdfs, ...args('/broken', `${work}/b`), '--dead-letter', `jsonl:${work}/d.jsonl`]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resumed after 36,000/);
    const whole = await hdfsDataset('/whole');
    expect(whole.length).toBeGreaterThan(60_000);
    expect(await hdfsDataset('/broken')).toEqual(whole);
    // No temporary file is left beside the parts.
    for await (const entry of walk(storage, `${base}/broken`))
      expect(entry.name).toMatch(/^(part-\d{6}-\d{3}-[0-9a-f]{12}\.parquet|_candlestream\.json)$/);
  });

  it('a file without a needed column, or that is not Parquet, stops the run naming it; --on-error skip goes on without it', async () => {
    await upload(join(sampleCandles, 'binance_BTCUSDT_1m_2023-03-01_2023-03-21.csv'), '/bad/good/BTCUSDT_1m.csv');
    const csv = jsonl(join(sampleCandles, 'binance_BTCUSDT_1m_2023-03-01_2023-03-21.csv')).split('\n');
    const header = csv[0].split(',');
    const withoutClose = csv
      .map((line) =>
        line
          .split(',')
          .filter((_, i) => header[i] !== 'close')
          .join(','),
      )
      .join('\n');
    await storage.write(`${base}/bad/noclose/ETHUSDT_1m.csv`, new TextEncoder().encode(withoutClose));
    const parquet = readFileSync(join(root, 'test/fixtures/models/lightgbm-tensor/1/model.onnx')); // not Parquet at all
    await storage.write(`${base}/bad/broken/SOLUSDT_1m.parquet`, parquet.subarray(0, 5000));

    const fail = await run(['--source', hdfsUri('/bad'), '--sink', `jsonl:${work}/bad.jsonl`, '--state-dir', `${work}/bad1`, '--fresh']);
    expect(fail.code).toBe(1);
    expect(fail.stderr).toMatch(
      new RegExp(`${base}/bad/(broken/SOLUSDT_1m\\.parquet: not a readable Parquet file|noclose/ETHUSDT_1m\\.csv: missing column 'close')`),
    );

    const skip = await cli([
      'backfill',
      ...hdfs,
      '--source',
      hdfsUri('/bad'),
      '--sink',
      `jsonl:${work}/skip.jsonl`,
      '--state-dir',
      `${work}/bad2`,
      '--fresh',
      '--on-error',
      'skip',
      '--dead-letter',
      `jsonl:${work}/d2.jsonl`,
    ]);
    expect(skip.code, skip.stderr).toBe(0);
    expect(skip.stderr).toMatch(/skipped hdfs:\/\/127\.0\.0\.1:8020\/.*\/bad\/noclose\/ETHUSDT_1m\.csv: missing column 'close'/);
    expect(skip.stderr).toMatch(/skipped hdfs:\/\/127\.0\.0\.1:8020\/.*\/bad\/broken\/SOLUSDT_1m\.parquet: not a readable Parquet file/);
    expect(skip.stderr).toMatch(/2 file\(s\) skipped/);
    const rows = jsonl(`${work}/skip.jsonl`)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(new Set(rows.map((r) => r.symbol))).toEqual(new Set(['BTC-USDT']));
  });

  it('train reads features from HDFS, and makes the same model as from a local copy', async () => {
    const features = ['--source', hdfsUri('/history'), '--external', fearGreed, '--fresh'];
    expect((await run([...features, '--sink', `parquet:${hdfsUri('/features')}`, '--state-dir', `${work}/f1`])).code).toBe(0);
    expect((await run([...features, '--sink', `parquet:${work}/features`, '--state-dir', `${work}/f2`])).code).toBe(0);
    const remote = await cli(['train', ...hdfs, '--features', hdfsUri('/features'), '--out', `${work}/models/remote`]);
    const local = await cli(['train', '--features', `${work}/features`, '--out', `${work}/models/local`]);
    expect([remote.code, local.code], remote.stderr).toEqual([0, 0]);
    const manifest = (name: string) => JSON.parse(readFileSync(`${work}/models/${name}/1/manifest.json`, 'utf8'));
    expect(manifest('remote').metrics).toEqual(manifest('local').metrics);
    expect(readFileSync(`${work}/models/remote/1/model.onnx`)).toEqual(readFileSync(`${work}/models/local/1/model.onnx`));
  });

  it('import of exchange exports into HDFS, then backfill of that dataset, equals backfill of the exports', async () => {
    const imported = await cli([
      'import',
      ...hdfs,
      '--source',
      sampleCandles,
      '--out',
      hdfsUri('/imported'),
      '--dead-letter',
      `jsonl:${work}/import-dead.jsonl`,
    ]);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toMatch(/60,480 rows in, 60,480 written/);
    // Partitioned by symbol and UTC day: 2 symbols × 21 days.
    const partitions = new Set<string>();
    for await (const entry of walk(storage, `${base}/imported`)) partitions.add(entry.path.split('/').slice(-3, -1).join('/'));
    expect(partitions.size).toBe(42);
    expect(partitions).toContain('symbol=BTC-USDT/date=2023-03-01');
    const fromImport = await run([
      '--source',
      hdfsUri('/imported'),
      '--external',
      fearGreed,
      '--sink',
      `jsonl:${work}/from-import.jsonl`,
      '--state-dir',
      `${work}/i1`,
      '--fresh',
    ]);
    const fromExports = await run([
      '--source',
      sampleCandles,
      '--external',
      fearGreed,
      '--sink',
      `jsonl:${work}/from-exports.jsonl`,
      '--state-dir',
      `${work}/i2`,
      '--fresh',
    ]);
    expect([fromImport.code, fromExports.code], fromImport.stderr).toEqual([0, 0]);
    expect(jsonl(`${work}/from-import.jsonl`)).toBe(jsonl(`${work}/from-exports.jsonl`));
    // --symbol and --from/--to on a partitioned dataset: only that symbol and those days (pruned by path).
    const pruned = await run([
      '--source',
      hdfsUri('/imported'),
      '--symbol',
      'BTC-USDC',
      '--from',
      '2023-03-05',
      '--to',
      '2023-03-07',
      '--intervals',
      '1m',
      '--sink',
      `jsonl:${work}/pruned.jsonl`,
      '--state-dir',
      `${work}/i3`,
      '--fresh',
    ]);
    expect(pruned.code, pruned.stderr).toBe(0);
    const rows = jsonl(`${work}/pruned.jsonl`)
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(new Set(rows.map((r) => r.symbol))).toEqual(new Set(['BTC-USDC']));
    expect(rows.length).toBe(2 * 1440);
  });

  it('reads every Parquet fixture (Spark, pyarrow, DuckDB; every codec and time type) from HDFS as from disk', async () => {
    const fixtures = join(root, 'test/fixtures/parquet');
    const names = readdirSync(fixtures).filter((n) => !n.endsWith('.json'));
    expect(names.length).toBe(26);
    for (const file of readdirSync(fixtures, { recursive: true, withFileTypes: true })) {
      if (file.isFile() && !file.name.endsWith('.json')) {
        const relative = join(file.parentPath, file.name).slice(fixtures.length);
        await upload(join(fixtures, relative), `/fixtures${relative}`);
      }
    }
    const records = async (location: string) => {
      const out: unknown[] = [];
      const options = { from: -Infinity, to: Infinity, source: 'prices', symbol: 'BTCUSDT', hdfs: { webhdfs } };
      for (const input of await candleFileInputs([location], options))
        for await (const batch of input.batches()) for (const r of batch) out.push([r.key, r.timestamp, r.value]);
      return out;
    };
    for (const name of names) {
      const local = await records(join(fixtures, name));
      expect(local.length, name).toBeGreaterThan(100);
      expect(await records(hdfsUri(`/fixtures/${name}`)), name).toEqual(local);
    }
  });
});
