import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { expect, it } from 'vitest';

const cli = new URL('../../cli/candlestream.ts', import.meta.url).pathname;

// Symbols were path segments (symbol=…/) before the date layout: a 300-character one killed backfill with
// ENAMETOOLONG. Now a column, a symbol is still checked (normalizeSymbol) before it reaches a sink.
it('backfill to Parquet dead-letters a 300-character symbol as bad_symbol:too_long and writes the rest', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'long-symbol-'));
  try {
    const long = `${'A'.repeat(296)}USDT`;
    const rows = ['BTCUSDT', long, 'BTCUSDT'].map((s, i) => `${s},2023-03-01T00:0${i}:00Z,10,11,9,10,1`);
    await writeFile(join(dir, 'in.csv'), ['symbol,ts,open,high,low,close,volume', ...rows].join('\n') + '\n');
    const args = [
      'backfill',
      '--source',
      'in.csv',
      '--sink',
      'parquet:out',
      '--dead-letter',
      'jsonl:dl.jsonl',
      '--intervals',
      '1m',
      '--quiet',
    ];
    const r = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/ENAMETOOLONG/);
    expect(r.status).toBe(0);
    const letters = (await readFile(join(dir, 'dl.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(letters).toMatchObject([{ reason: 'bad_symbol:too_long', original: { symbol: long } }]);
    expect(await readdir(join(dir, 'out', 'interval=1m'))).toEqual(['date=2023-03-01']);
    const file = (await readdir(join(dir, 'out', 'interval=1m', 'date=2023-03-01')))[0];
    const written = await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, 'out', 'interval=1m', 'date=2023-03-01', file)) });
    // Minutes 0 and 2, and minute 1 filled by Clean's gap fill: only the good symbol.
    expect(written.map((r) => [r.symbol, Number(r.ts)])).toEqual(
      [0, 1, 2].map((m) => ['BTC-USDT', Date.parse('2023-03-01T00:00:00Z') + m * 60_000]),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
