import { TopologyTestDriver } from '../topology/TopologyTestDriver.ts';
import { buildMarketTopology, defaultMarketOptions } from '../processors/marketTopology.ts';

/**
 * The topology alone, in process (no files, no Kafka): synthetic 1m candles through Clean, Enrich,
 * Candles (1m/5m/1h/1d) and Indicators. Separates engine cost from I/O cost in backfill figures.
 * Usage: node bench/engine-throughput.ts [symbols=50] [minutes=4000]
 */
const symbols = Number(process.argv[2] ?? 50);
const minutes = Number(process.argv[3] ?? 4000);
const driver = await TopologyTestDriver.create(buildMarketTopology(defaultMarketOptions()), { partitions: 4 });
const T0 = Date.UTC(2023, 0, 1);
const started = performance.now();
let out = 0;
for (let m = 0; m < minutes; m++) {
  for (let s = 0; s < symbols; s++) {
    const c = 100 + s + Math.sin(m / 10 + s);
    const ts = T0 + m * 60_000;
    driver.pipeInput('prices', `S${s}-USDT`, { symbol: `S${s}USDT`, ts, open: c, high: c + 1, low: c - 1, close: c, volume: 1 }, ts);
  }
  out += driver.readOutput('features').length;
}
const seconds = (performance.now() - started) / 1000;
console.log(
  `${(symbols * minutes).toLocaleString('en-US')} candles → ${out.toLocaleString('en-US')} feature rows in ${seconds.toFixed(2)} s: ${Math.round((symbols * minutes) / seconds).toLocaleString('en-US')} candles/s`,
);
