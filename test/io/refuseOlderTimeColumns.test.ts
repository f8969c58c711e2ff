import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ColumnBuffer, type ColumnSpec } from '../../io/parquet/ColumnBuffer.ts';
import { refuseOlderTimeColumns } from '../../io/parquet/refuseOlderTimeColumns.ts';
import { LocalStorage } from '../../io/storage/LocalStorage.ts';

const work = mkdtempSync(join(tmpdir(), 'older-times-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const storage = new LocalStorage();
const COLUMNS: ColumnSpec[] = [
  { name: 'ts', type: 'timestamp' },
  { name: 'offset', type: 'int64' },
];
const OLDER: ColumnSpec[] = COLUMNS.map((c) => ({ ...c, type: 'int64' }));

/** A one-row Parquet file of these columns at dir/path. */
function parquet(dir: string, path: string, columns: ColumnSpec[]): void {
  const buffer = new ColumnBuffer(columns);
  buffer.append({ ts: Date.UTC(2024, 0, 1), offset: 7 });
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), buffer.encode());
}

const refused = (dir: string) => refuseOlderTimeColumns(storage, dir, COLUMNS, 'use another --out');

describe('refuseOlderTimeColumns', () => {
  it('lets a missing or empty directory, and a dataset of TIMESTAMPs (INT64 offsets beside), be added to', async () => {
    await expect(refused(join(work, 'missing'))).resolves.toBeUndefined();
    mkdirSync(join(work, 'empty'));
    await expect(refused(join(work, 'empty'))).resolves.toBeUndefined();
    parquet(join(work, 'new'), 'symbol=A/date=2024-01-01/part-1.parquet', COLUMNS);
    await expect(refused(join(work, 'new'))).resolves.toBeUndefined();
  });

  it('refuses a dataset whose time column is a plain INT64, naming the file, the column and the advice', async () => {
    const dir = join(work, 'older');
    parquet(dir, 'symbol=A/date=2024-01-01/part-1.parquet', OLDER);
    await expect(refused(dir)).rejects.toThrow(
      `${dir}/symbol=A/date=2024-01-01/part-1.parquet: ts is a plain INT64 (written before candlestream's time columns became ` +
        'TIMESTAMP(MILLIS, UTC)); adding files would give it two types, which DuckDB and Spark refuse: use another --out',
    );
  });

  it('looks past hidden and _ files and directories (staging, markers), as readers do', async () => {
    const dir = join(work, 'hidden');
    parquet(dir, '.staging/roll/symbol=A/date=2024-01-01/part-1.parquet', OLDER);
    parquet(dir, 'symbol=A/date=2024-01-01/_part-0.parquet', OLDER);
    writeFileSync(join(dir, '_candlestream.json'), '{}');
    await expect(refused(dir)).resolves.toBeUndefined();
    parquet(dir, 'symbol=B/date=2024-01-01/part-1.parquet', OLDER);
    await expect(refused(dir)).rejects.toThrow(/symbol=B\/date=2024-01-01\/part-1\.parquet: ts is a plain INT64/);
  });
});
