import { TopologyTestDriver } from '../topology/TopologyTestDriver.ts';
import { buildMarketTopology, defaultMarketOptions } from '../processors/marketTopology.ts';

/**
 * The topology alone, in process (no files, no Kafka): synthetic 1m candles through Clean, Enrich,
 * Candles (1m/5m/1h/1d) and Indicators. Separates engine cost from I/O cost in backfill figures.
 * Usage: node bench/engine-throughput.ts [symbols=50] [minutes=4000] [--batch]
 * --batch: each minute's candles go in as one batch per task (StreamTask.processBatch), not one by one.
 */
const [symbols = 50, minutes = 4000] = process.argv
  .slice(2)
  .filter((a) => !a.startsWith('--'))
  .map(Number);
const batched = process.argv.includes('--batch');
const driver = await TopologyTestDriver.create(buildMarketTopology(defaultMarketOptions()), { partitions: 4 });
const T0 = Date.UTC(2023, 0, 1);
const started = performance.now();
let out = 0;
const candle = (s: number, ts: number, m: number) => {
  const c = 100 + s + Math.sin(m / 10 + s);
  return { symbol: `S${s}USDT`, ts, open: c, high: c + 1, low: c - 1, close: c, volume: 1 };
};
for (let m = 0; m < minutes; m++) {
  const ts = T0 + m * 60_000;
  if (batched)
    driver.pipeBatch(
      'prices',
      Array.from({ length: symbols }, (_, s) => ({ key: `S${s}-USDT`, value: candle(s, ts, m), timestamp: ts })),
    );
  else for (let s = 0; s < symbols; s++) driver.pipeInput('prices', `S${s}-USDT`, candle(s, ts, m), ts);
  out += driver.readOutput('features').length;
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `${(symbols * minutes).toLocaleString('en-US')} candles → ${out.toLocaleString('en-US')} feature rows in ${seconds.toFixed(2)} s: ${Math.round((symbols * minutes) / seconds).toLocaleString('en-US')} candles/s${batched ? ' (batches)' : ''}`,
);
