#!/usr/bin/env bash
# Checks that pyarrow and PySpark read candlestream's Parquet time columns as timestamps (issue 13):
# backfill's features and signals, import's and archive's datasets, made here from the sample candles in
# data/candles, each time column read as timestamp[ms, tz=UTC] by pyarrow and TimestampType by Spark,
# with the source candles' epoch milliseconds (scripts/timestamp-readers/check_timestamps.py).
# Exits non-zero naming the first column that is not. DuckDB is checked by the test suite.
#
# Usage: scripts/timestamp-readers.sh   (from anywhere; PYTHON=python3.11 to pick the interpreter,
#                                        JAVA_HOME for the JVM)
#
# Uses the venv .venv-parquet/ of scripts/parquet-fixtures.sh (its pinned requirements: pyspark,
# pyarrow), made if missing. Spark runs in-process as local[1] with a 512 MB driver, logging at
# ERROR. The datasets go to a temporary directory, removed at the end. Not part of npm test (Python
# and Java are not the repo's); about 2 minutes on a busy 2-core machine once the venv exists.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/python-tools.sh
. scripts/node24.sh

spark_java timestamp-readers

venv="$root/.venv-parquet"
python_venv "$venv" scripts/parquet-fixtures/requirements.txt

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
candles="$root/data/candles"
cli="$root/cli/candlestream.ts"

echo "timestamp-readers: making the datasets in $work" >&2
(cd "$work" && node "$cli" backfill --source "$candles" --sink "parquet:$work/features" --signals "parquet:$work/signals" \
  --state-dir "$work/state" --dead-letter "jsonl:$work/dead-letter.jsonl" --quiet)
(cd "$work" && node "$cli" import --source "$candles" --out "$work/imported" --quiet)
node scripts/timestamp-readers/archiveSample.ts "$work/archived" \
  BTC-USDC="$candles/binance_BTCUSDC_1m_2023-03-01_2023-03-21.csv" BTC-USDT="$candles/binance_BTCUSDT_1m_2023-03-01_2023-03-21.csv"

spark_quiet "$work"
export PYSPARK_PYTHON="$venv/bin/python"

# The JVM and PySpark's shell-style start print notices that no setting turns off: dropped here.
"$venv/bin/python" scripts/timestamp-readers/check_timestamps.py --candles "$candles" \
  features="$work/features:ts" signals="$work/signals:ts,close_ts" imported="$work/imported:ts" \
  archived="$work/archived:ts,kafka_timestamp" \
  2> >(grep -v -e '^WARNING: Using incubator modules' -e '^Setting default log level' -e '^To adjust logging level' >&2)
