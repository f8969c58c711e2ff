import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parquetMetadata, readParquetRows } from '../../backfill/io/ParquetRowReader.ts';
import { candleFileInputs } from '../../backfill/candleFileInput.ts';

const fixture = join(import.meta.dirname, '../fixtures/parquet/pyarrow_ts_ms_snappy.parquet');
const work = mkdtempSync(join(tmpdir(), 'corrupt-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function drain(path: string) {
  for await (const batch of readParquetRows(path)) void batch;
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
    await expect(candleFileInputs([join(work, 'trunc')], { from: -Infinity, to: Infinity, source: 'prices' })).rejects.toThrow(`${path}: not a readable Parquet file`);
    const skipped: string[] = [];
    const inputs = await candleFileInputs([join(work, 'trunc')], { from: -Infinity, to: Infinity, source: 'prices', onError: 'skip', onSkip: (m) => skipped.push(m) });
    expect(skipped).toEqual([expect.stringContaining(`skipped ${path}: not a readable Parquet file`)]);
    let rows = 0;
    for (const input of inputs) for await (const batch of input.batches()) rows += batch.length;
    expect(rows).toBe(Number((await parquetMetadata(good)).num_rows));
  });
});
