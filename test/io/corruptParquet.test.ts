import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parquetHeader } from 'hyparquet/src/column.js';
import type { RowGroup } from 'hyparquet';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetMetadata, readParquetRows, type ParquetLocation } from '../../io/parquet/ParquetRowReader.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';
import { footerProblem } from '../../io/parquet/parquetBounds.ts';

const fixture = join(import.meta.dirname, '../fixtures/parquet/pyarrow_ts_ms_snappy.parquet');
const work = mkdtempSync(join(tmpdir(), 'corrupt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function drain(location: ParquetLocation) {
  for await (const batch of readParquetRows(location)) void batch;
}

function sparkPart(): string {
  return readdirSync(join(import.meta.dirname, '../fixtures/parquet/spark_nulls_nodict_uncompressed')).find((f) => f.endsWith('.parquet'))!;
}

describe('a broken Parquet file', () => {
  it('corrupt: the error names the file, the rows and the column', async () => {
    const bytes = new Uint8Array(readFileSync(fixture));
    const metadata = await parquetMetadata(fixture);
    const column = metadata.row_groups[0].columns.find((c) => c.meta_data!.path_in_schema[0] === 'close')!;
    const at = Number(column.meta_data!.data_page_offset);
    bytes.fill(0xff, at, at + 24); // the page header: undecodable
    const path = join(work, 'BTCUSDT_corrupt.parquet');
    writeFileSync(path, bytes);
    await expect(drain(path)).rejects.toThrow(new RegExp(`${path}: cannot read rows 0–\\d+, column 'close'`));
  });

  it('truncated: the error names the file; --on-error skip (onSkip) goes on with the others', async () => {
    const bytes = readFileSync(fixture);
    const path = join(work, 'trunc', 'BTCUSDT_truncated.parquet');
    const good = join(work, 'trunc', 'ETHUSDT_good.parquet');
    mkdirSync(join(work, 'trunc'));
    writeFileSync(path, bytes.subarray(0, bytes.length >> 1));
    writeFileSync(good, bytes);
    await expect(candleFileInputs([join(work, 'trunc')], { from: -Infinity, to: Infinity, source: 'prices' })).rejects.toThrow(
      `${path}: not a readable Parquet file`,
    );
    const skipped: string[] = [];
    const inputs = await candleFileInputs([join(work, 'trunc')], {
      from: -Infinity,
      to: Infinity,
      source: 'prices',
      onError: 'skip',
      onSkip: (m) => skipped.push(m),
    });
    expect(skipped).toEqual([expect.stringContaining(`skipped ${path}: not a readable Parquet file`)]);
    let rows = 0;
    for (const input of inputs) for await (const batch of input.batches()) rows += batch.length;
    expect(rows).toBe(Number((await parquetMetadata(good)).num_rows));
  });

  it('a run or a count past what its page holds: refused before it sizes anything, naming the column', async () => {
    const bytes = new Uint8Array(
      readFileSync(join(import.meta.dirname, '../fixtures/parquet/spark_nulls_nodict_uncompressed', sparkPart())),
    );
    const metadata = await parquetMetadata(join(import.meta.dirname, '../fixtures/parquet/spark_nulls_nodict_uncompressed', sparkPart()));
    const column = metadata.row_groups[0].columns.find((c) => c.meta_data!.path_in_schema[0] === 'close')!.meta_data!;
    const at = Number(column.data_page_offset);
    const reader = { view: new DataView(bytes.buffer, bytes.byteOffset + at), offset: 0 };
    const header = parquetHeader(reader);
    expect([column.codec, header.type]).toEqual(['UNCOMPRESSED', 'DATA_PAGE']);
    // The definition levels' first run, after their 4-byte length: 2^30 values where the page has a few hundred.
    const run = [0x80, 0x80, 0x80, 0x80, 0x08];
    const longRun = bytes.slice();
    longRun.set(run, at + reader.offset + 4);
    const started = Date.now();
    const source = (b: Uint8Array) => ({
      uri: 'mem://BTCUSDT_run.parquet',
      buffer: async () => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer,
    });
    await expect(drain(source(longRun))).rejects.toThrow(
      /^mem:\/\/BTCUSDT_run\.parquet: cannot read rows .*column 'close'.*definition level run longer than its \d+ values/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
    // A footer that claims a row group of 2^31 rows, or chunks past the file's end.
    const claims = (change: (group: RowGroup) => RowGroup) =>
      footerProblem({ ...metadata, row_groups: metadata.row_groups.map((g, i) => (i ? g : change(g))) }, bytes.length, ['close']);
    expect(claims((g) => g)).toBeUndefined();
    expect(claims((g) => ({ ...g, num_rows: 2n ** 31n }))).toMatch(/^row group 0 has 2147483648 rows, more than the 16777216/);
    const past = (g: RowGroup) => ({
      ...g,
      columns: g.columns.map((c) =>
        c.meta_data === column ? { ...c, meta_data: { ...column, total_compressed_size: BigInt(bytes.length) } } : c,
      ),
    });
    expect(claims(past)).toMatch(/^column 'close' in row group 0 claims bytes \d+–\d+ of a file of \d+/);
  });
});
