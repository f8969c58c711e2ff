#!/usr/bin/env bash
# Regenerates the Parquet fixtures in test/fixtures/parquet with the tools users write Parquet with:
# PySpark (INT96, its default), pyarrow and DuckDB, each with the options listed in
# scripts/parquet-fixtures/make_parquet_fixtures.py, from real candles in data/candles.
#
# Usage: scripts/parquet-fixtures.sh [--only NAME,NAME]
#        (from anywhere; PYTHON=python3.11 to pick the interpreter, JAVA_HOME for the JVM)
#
# Creates (or reuses) the venv .venv-parquet/ in the repo root, installs the pinned
# scripts/parquet-fixtures/requirements.txt and runs the generator. Spark runs in-process as
# local[1] with a 512 MB driver and its logging at ERROR. Safe to run again: it rewrites the same
# files with the same contents.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
. scripts/python-tools.sh

spark_java parquet-fixtures

venv="$root/.venv-parquet"
python_venv "$venv" scripts/parquet-fixtures/requirements.txt

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
spark_quiet "$work" "-XX:+UnlockExperimentalVMOptions -XX:hashCode=2"
export PYSPARK_PYTHON="$venv/bin/python"

# The JVM and PySpark's shell-style start print three notices that no setting turns off: dropped here.
"$venv/bin/python" scripts/parquet-fixtures/make_parquet_fixtures.py --out test/fixtures/parquet "$@" \
  2> >(grep -v -e '^WARNING: Using incubator modules' -e '^Setting default log level' -e '^To adjust logging level' >&2)
