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

# Spark 4 runs on Java 17 or 21.
if [ -z "${JAVA_HOME:-}" ]; then
  for candidate in /usr/lib/jvm/java-17-openjdk-* /usr/lib/jvm/java-21-openjdk-*; do
    if [ -x "$candidate/bin/java" ]; then export JAVA_HOME="$candidate"; break; fi
  done
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
version="$("$java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1)"
case "$version" in
  17|21) ;;
  *) echo "parquet-fixtures: Spark needs Java 17 or 21, found '${version:-none}' ($java); set JAVA_HOME" >&2; exit 1 ;;
esac

venv="$root/.venv-parquet"
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  -r scripts/parquet-fixtures/requirements.txt

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Spark's own logging, quiet: errors only, to stderr.
cat >"$work/log4j2.properties" <<'LOG'
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
LOG
export PYSPARK_SUBMIT_ARGS="--driver-java-options \"-Dlog4j2.configurationFile=file:$work/log4j2.properties -XX:+UnlockExperimentalVMOptions -XX:hashCode=2\" pyspark-shell"
export SPARK_LOCAL_IP=127.0.0.1
export PYSPARK_PYTHON="$venv/bin/python"
export TZ=UTC

# The JVM and PySpark's shell-style start print three notices that no setting turns off: dropped here.
"$venv/bin/python" scripts/parquet-fixtures/make_parquet_fixtures.py --out test/fixtures/parquet "$@" \
  2> >(grep -v -e '^WARNING: Using incubator modules' -e '^Setting default log level' -e '^To adjust logging level' >&2)
