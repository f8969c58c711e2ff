import { writeSyntheticCandles } from './syntheticCandles.ts';

const [path = 'bench/data/candles.parquet', symbols = '500', minutes = '10000'] = process.argv.slice(2);
const started = performance.now();
const rows = await writeSyntheticCandles(path, Number(symbols), Number(minutes));
console.log(`${rows.toLocaleString('en-US')} candles → ${path} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
