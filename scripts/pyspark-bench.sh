#!/usr/bin/env bash
# Backfill throughput (local disk and HDFS) beside PySpark running the seed pipeline's window
# functions over the same rows, in the same run: bench/backfill-vs-pyspark.ts.
#
# Usage: scripts/pyspark-bench.sh [symbols=500] [minutes=10000]
#        (from anywhere; PYTHON=python3.11 to pick the interpreter, JAVA_HOME for the JVM;
#        BENCH_MAX_LOAD=1.5 to wait, up to 10 minutes, for a quiet machine first; the other
#        settings are in the header of bench/backfill-vs-pyspark.ts)
#
# Creates (or reuses) the venv .venv-bench/ in the repo root with the pinned
# bench/pyspark-requirements.txt (PySpark 4.3.0, which runs on Java 17 or 21), checks that HDFS
# answers (WebHDFS at $BENCH_WEBHDFS, default http://127.0.0.1:9870), and runs the bench.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/python-tools.sh

spark_java pyspark-bench

venv="$root/.venv-bench"
python_venv "$venv" bench/pyspark-requirements.txt

webhdfs="${BENCH_WEBHDFS:-http://127.0.0.1:9870}"
if ! curl -sf "$webhdfs/webhdfs/v1/?op=GETFILESTATUS&user.name=${HADOOP_USER_NAME:-candlestream}" >/dev/null; then
  echo "pyspark-bench: no WebHDFS at $webhdfs; start HDFS or set BENCH_WEBHDFS and BENCH_HDFS" >&2
  exit 1
fi

. scripts/node24.sh
BENCH_PYTHON="$venv/bin/python" exec node bench/backfill-vs-pyspark.ts "$@"
