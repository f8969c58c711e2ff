"""Check that pyarrow and PySpark read candlestream's Parquet time columns as timestamps.

Usage (normally through scripts/timestamp-readers.sh, which makes the datasets and the venv first):

    python check_timestamps.py --candles DIR NAME=DIR[:COLUMN,COLUMN...]...

For every dataset NAME at DIR (Hive-partitioned, as candlestream writes it) and each of its time
columns: pyarrow's type is timestamp[ms, tz=UTC]; Spark's is TimestampType; Spark's values, as epoch
milliseconds (unix_millis), equal the milliseconds stored in the file (pyarrow's values cast to int64);
and those equal the candle times of the source CSVs in --candles, read here with the csv module:
import's and archive's ts exactly, the features' and signals' 1m ts likewise, a signal's close_ts one
interval after its ts. Prints a line per column; exits 1 naming the first column that fails.
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds

INTERVAL_MS = {"1m": 60_000, "5m": 300_000, "1h": 3_600_000, "1d": 86_400_000}


class Failure(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failure(message)


def source_times(candles: Path) -> list[int]:
    """Every source candle's open time, as epoch ms, sorted (one per row of every CSV)."""
    times = []
    for path in sorted(candles.glob("*.csv")):
        with path.open(newline="") as f:
            for row in csv.DictReader(f):
                times.append(int(datetime.fromisoformat(row["open_time"]).timestamp() * 1000))
    return sorted(times)


def arrow_table(path: Path) -> pa.Table:
    # Hidden and _-prefixed files (markers, staging, dead letters) are left out, as Spark and DuckDB do.
    return ds.dataset(path, format="parquet", partitioning="hive").to_table()


def spark_millis(spark, path: Path, column: str, where: str | None) -> tuple[str, list[int]]:
    from pyspark.sql import functions as F

    df = spark.read.parquet(str(path))
    if where:
        df = df.where(where)
    spark_type = type(df.schema[column].dataType).__name__
    values = sorted(r[0] for r in df.select(F.unix_millis(F.col(column))).collect())
    return spark_type, values


def check_dataset(spark, name: str, path: Path, columns: list[str], sources: list[int]) -> None:
    table = arrow_table(path)
    check(table.num_rows > 0, f"{name}: no rows in {path}")
    one_minute = "interval" in table.column_names
    for column in columns:
        label = f"{name}.{column}"
        check(column in table.column_names, f"{label}: no such column in {path} (columns: {table.column_names})")
        arrow_type = table.schema.field(column).type
        check(pa.types.is_timestamp(arrow_type), f"{label}: pyarrow reads {arrow_type}, not a timestamp")
        check(arrow_type.unit == "ms", f"{label}: pyarrow reads unit {arrow_type.unit}, not ms")
        check(arrow_type.tz == "UTC", f"{label}: pyarrow reads time zone {arrow_type.tz!r}, not UTC")
        stored = table.column(column).cast(pa.int64())
        spark_type, spark_values = spark_millis(spark, path, column, None)
        check(spark_type == "TimestampType", f"{label}: Spark reads {spark_type}, not TimestampType")
        arrow_values = sorted(stored.to_pylist())
        check(spark_values == arrow_values, f"{label}: Spark's epoch ms differ from the stored ones")

        # Against the source candles, read independently.
        if column in ("ts", "kafka_timestamp"):
            rows = table.filter(pc.equal(table.column("interval"), "1m")) if one_minute else table
            got = sorted(rows.column(column).cast(pa.int64()).to_pylist())
            # archiveSample.ts gives each message the broker time a minute after its candle's open.
            want = [t + (60_000 if column == "kafka_timestamp" else 0) for t in sources]
            if name == "signals":
                check(set(got) <= set(want), f"{label}: a 1m signal's ts that is no source candle's open time")
            else:
                check(got == want, f"{label}: the (1m) values are not the source candles' times")
        if column == "close_ts":
            ts = table.column("ts").cast(pa.int64()).to_pylist()
            close = stored.to_pylist()
            intervals = table.column("interval").to_pylist()
            check(
                all(c - t == INTERVAL_MS[i] for t, c, i in zip(ts, close, intervals)),
                f"{label}: close_ts is not ts + the interval",
            )
        print(
            f"{label:<26} pyarrow {str(arrow_type):<22} Spark {spark_type:<14} "
            f"{len(arrow_values):>7,} values, Spark = stored epoch ms"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candles", type=Path, required=True)
    parser.add_argument("datasets", nargs="+", metavar="NAME=DIR[:COLUMN,...]")
    args = parser.parse_args()
    sources = source_times(args.candles)

    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("candlestream-timestamp-readers")
        .config("spark.driver.memory", "512m")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    try:
        for spec in args.datasets:
            name, rest = spec.split("=", 1)
            path, _, columns = rest.partition(":")
            check_dataset(spark, name, Path(path), (columns or "ts").split(","), sources)
    except Failure as failure:
        print(f"timestamp-readers: FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    print("timestamp-readers: pyarrow and PySpark read every time column as a UTC millisecond timestamp")
    return 0


if __name__ == "__main__":
    sys.exit(main())
