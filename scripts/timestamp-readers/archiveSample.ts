// Lands candle CSVs (a header with open_time, open, high, low, close, volume) as `candlestream archive`
// lands price messages, without a broker: each row a JSON price message at offset = its row, written by
// PartitionArchive (the archive's own writer) in one roll, the broker timestamp a minute after the candle's
// open. For scripts/timestamp-readers.sh.
//
// Usage: node scripts/timestamp-readers/archiveSample.ts OUT SYMBOL=CSV...
import { readFileSync } from 'node:fs';
import { PartitionArchive } from '../../landing/archive/PartitionArchive.ts';
import { LocalStorage } from '../../io/storage/LocalStorage.ts';
import { parseTimestamp } from '../../market/parseTimestamp.ts';

const [out, ...sources] = process.argv.slice(2);
if (!out || !sources.length) throw new Error('usage: archiveSample.ts OUT SYMBOL=CSV...');
const archive = new PartitionArchive(new LocalStorage(), out, 'crypto-prices', 0);
let offset = 0;
for (const source of sources) {
  const [symbol, file] = source.split('=');
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const columns = header.split(',');
  for (const line of lines) {
    const cells = Object.fromEntries(line.split(',').map((cell, i) => [columns[i], cell]));
    const ts = parseTimestamp(cells.open_time);
    if (ts === null) throw new Error(`${file}: a row without a readable open_time: ${line}`);
    const price = { symbol, ts, open: +cells.open, high: +cells.high, low: +cells.low, close: +cells.close, volume: +cells.volume };
    archive.add({ symbol, ts, raw: JSON.stringify(price), offset: offset++, timestamp: ts + 60_000 });
  }
}
await archive.roll(async () => undefined);
process.stderr.write(`archived ${offset} messages to ${out}\n`);
