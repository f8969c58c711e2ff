"""Make Parquet candle fixtures the way users' tools write them: PySpark, pyarrow and DuckDB.

Usage (normally through scripts/parquet-fixtures.sh, which makes the venv first):

    python make_parquet_fixtures.py --out test/fixtures/parquet

Every fixture takes real 1-minute candles from data/candles (a slice of a few hundred to a few
thousand rows), writes them with one tool and one set of options, and is checked by reading it back
with pyarrow. For each fixture NAME it writes

    OUT/NAME.parquet             one file (pyarrow, DuckDB), or
    OUT/NAME/                    the directory Spark leaves: part-*.parquet, _SUCCESS, .crc files
    OUT/NAME.expected.json       what the file is (writer, types, codecs, row groups) and its rows as
                                 pyarrow reads them, normalised: time as epoch milliseconds, prices
                                 and volume as numbers (DECIMAL as the nearest double), nulls as null

Spark's file names carry a random UUID; it is replaced by one derived from the fixture name (in the
.crc names too, whose contents do not depend on the name), so that the same pinned tools give the
same files on every run.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import decimal
import json
import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[2]
SOURCES = {
    "BTCUSDT": ROOT / "data/candles/binance_BTCUSDT_1m_2023-03-01_2023-03-21.csv",
    "BTCUSDC": ROOT / "data/candles/binance_BTCUSDC_1m_2023-03-01_2023-03-21.csv",
}
PRICE_COLUMNS = ["open", "high", "low", "close", "volume"]


@dataclass
class Fixture:
    name: str
    tool: str  # spark | pyarrow | duckdb
    description: str
    start: int  # first data row of the source CSV
    rows: int
    symbols: tuple[str, ...] = ("BTCUSDT",)
    symbol_column: bool = False
    time_column: str = "open_time"
    # spark: INT96 | TIMESTAMP_MICROS | TIMESTAMP_MILLIS (outputTimestampType);
    # pyarrow: ms | us | ns, with -utc for a UTC time zone, or epoch_ms (an INT64 column);
    # duckdb: TIMESTAMP | TIMESTAMP_NS | TIMESTAMPTZ | epoch_ms (a BIGINT column)
    time: str = "INT96"
    decimal: bool = False  # DECIMAL(18,8) prices and volume; else DOUBLE
    codec: str = "snappy"
    dictionary: bool = True
    nulls: bool = False  # some volumes null, and one close
    row_group_rows: int | None = None
    options: dict = field(default_factory=dict)  # tool-specific extras
    partition_by: str | None = None  # spark only: partitionBy(...) → Hive directories
    expect_row_groups_over_one: bool = False


FIXTURES = [
    # ---- Spark: the directory it writes, INT96 unless told otherwise ----
    Fixture("spark_int96_snappy", "spark", "Spark defaults: INT96 timestamps, snappy, dictionary, DOUBLE", 0, 300),
    Fixture("spark_ts_micros_snappy", "spark", "spark.sql.parquet.outputTimestampType=TIMESTAMP_MICROS, with a symbol column", 1000, 300, symbol_column=True, time="TIMESTAMP_MICROS"),
    Fixture("spark_ts_millis_gzip", "spark", "outputTimestampType=TIMESTAMP_MILLIS, gzip", 2000, 300, time="TIMESTAMP_MILLIS", codec="gzip"),
    Fixture("spark_decimal_zstd", "spark", "INT96, DECIMAL(18,8) prices and volume (INT64-backed), zstd", 3000, 300, decimal=True, codec="zstd"),
    Fixture("spark_nulls_nodict_uncompressed", "spark", "INT96, nullable volume and close with nulls, dictionary off, uncompressed", 4000, 300, nulls=True, dictionary=False, codec="none"),
    Fixture("spark_row_groups_snappy", "spark", "INT96, parquet.block.size=16 KiB: several row groups", 5000, 2000, options={"parquet.block.size": "16384"}, expect_row_groups_over_one=True),
    Fixture("spark_lz4", "spark", "INT96, compression lz4: parquet-mr's Hadoop-framed LZ4 codec", 25000, 300, codec="lz4"),
    Fixture("spark_lz4_raw", "spark", "INT96, compression lz4_raw", 26000, 300, codec="lz4_raw"),
    Fixture("spark_hive_by_symbol", "spark", "partitionBy(\"symbol\"): symbol=…/ directories, two symbols, INT96, snappy", 6000, 300, symbols=("BTCUSDC", "BTCUSDT"), symbol_column=True, partition_by="symbol"),
    # ---- pyarrow: pq.write_table, format version 2.6 ----
    Fixture("pyarrow_ts_ms_snappy", "pyarrow", "TIMESTAMP(MILLIS, UTC), snappy", 7000, 300, time="ms-utc"),
    Fixture("pyarrow_ts_us_gzip", "pyarrow", "TIMESTAMP(MICROS) without time zone, gzip", 8000, 300, time="us", codec="gzip"),
    Fixture("pyarrow_ts_ns_zstd", "pyarrow", "TIMESTAMP(NANOS, UTC), zstd", 9000, 300, time="ns-utc", codec="zstd"),
    Fixture("pyarrow_epoch_ms_uncompressed", "pyarrow", "INT64 epoch-millisecond `ts` column, symbol column, uncompressed", 10000, 300, time="epoch_ms", time_column="ts", symbol_column=True, codec="none"),
    Fixture("pyarrow_decimal_snappy", "pyarrow", "DECIMAL(18,8) prices and volume (FIXED_LEN_BYTE_ARRAY), TIMESTAMP(MICROS, UTC), snappy", 11000, 300, time="us-utc", decimal=True),
    Fixture("pyarrow_nulls_nodict_zstd", "pyarrow", "nullable volume and close with nulls, dictionary off, TIMESTAMP(MILLIS), zstd", 12000, 300, time="ms", nulls=True, dictionary=False, codec="zstd"),
    Fixture("pyarrow_row_groups_dict_snappy", "pyarrow", "row_group_size=400 and 4 KiB data pages: several row groups and pages, dictionary, snappy", 13000, 2000, time="ms-utc", row_group_rows=400, options={"data_page_size": 4096}, expect_row_groups_over_one=True),
    Fixture("pyarrow_page_v2_zstd", "pyarrow", "data_page_version=2.0, TIMESTAMP(MICROS, UTC), zstd", 15000, 300, time="us-utc", codec="zstd", options={"data_page_version": "2.0"}),
    Fixture("pyarrow_byte_stream_split_zstd", "pyarrow", "BYTE_STREAM_SPLIT doubles, dictionary off, zstd", 16000, 300, time="ms-utc", codec="zstd", dictionary=False, options={"use_byte_stream_split": True}),
    Fixture("pyarrow_brotli", "pyarrow", "TIMESTAMP(MILLIS, UTC), brotli", 17000, 300, time="ms-utc", codec="brotli"),
    Fixture("pyarrow_lz4", "pyarrow", "TIMESTAMP(MILLIS, UTC), LZ4_RAW (pyarrow's 'lz4')", 18000, 300, time="ms-utc", codec="lz4"),
    # ---- DuckDB: COPY … TO (FORMAT parquet) ----
    Fixture("duckdb_timestamp_snappy", "duckdb", "DuckDB defaults: TIMESTAMP (MICROS, not UTC-adjusted), DOUBLE, snappy", 19000, 300, time="TIMESTAMP"),
    Fixture("duckdb_timestamp_ns_zstd", "duckdb", "TIMESTAMP_NS, zstd", 20000, 300, time="TIMESTAMP_NS", codec="zstd"),
    Fixture("duckdb_epoch_ms_gzip", "duckdb", "BIGINT epoch_ms(...) `ts` column, gzip", 21000, 300, time="epoch_ms", time_column="ts", codec="gzip"),
    Fixture("duckdb_timestamptz_decimal_uncompressed", "duckdb", "TIMESTAMPTZ, DECIMAL(18,8) prices and volume, symbol column, uncompressed", 22000, 300, time="TIMESTAMPTZ", decimal=True, symbol_column=True, codec="uncompressed"),
    Fixture("duckdb_v2_nulls_zstd", "duckdb", "PARQUET_VERSION V2 (delta encodings, data page v2), nulls, zstd", 23000, 300, time="TIMESTAMP", nulls=True, codec="zstd", options={"PARQUET_VERSION": "V2"}),
    Fixture("duckdb_row_groups_snappy", "duckdb", "ROW_GROUP_SIZE 1024 over 5000 rows: several row groups, snappy", 24000, 5000, time="TIMESTAMP", row_group_rows=1024, expect_row_groups_over_one=True),
]


# ------------------------------------------------------------------ source rows

@dataclass
class SourceRow:
    symbol: str
    ms: int
    text: dict  # column → text as in the CSV ('' for a null we made)


def epoch_ms(text: str) -> int:
    # '2023-03-01 00:00:00+00:00': every row of the sources is UTC, on the minute.
    m = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\+00:00", text)
    if not m:
        raise ValueError(f"unexpected time {text!r}")
    y, mo, d, h, mi, s = map(int, m.groups())
    return calendar.timegm((y, mo, d, h, mi, s, 0, 0, 0)) * 1000


def load_source(symbol: str) -> list[SourceRow]:
    with open(SOURCES[symbol], newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == ["open_time", *PRICE_COLUMNS], reader.fieldnames
        return [SourceRow(symbol, epoch_ms(r["open_time"]), {c: r[c] for c in PRICE_COLUMNS}) for r in reader]


def fixture_rows(fx: Fixture, sources: dict[str, list[SourceRow]]) -> list[SourceRow]:
    rows: list[SourceRow] = []
    for symbol in fx.symbols:
        part = sources[symbol][fx.start : fx.start + fx.rows]
        assert len(part) == fx.rows, (fx.name, symbol)
        for i, r in enumerate(part):
            text = dict(r.text)
            if fx.nulls:
                if i % 23 == 7:
                    text["volume"] = ""
                if i == 101:
                    text["close"] = ""
            rows.append(SourceRow(symbol, r.ms, text))
    return rows


def write_slice_csv(rows: list[SourceRow], path: Path) -> None:
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["symbol", "ms", *PRICE_COLUMNS])
        for r in rows:
            w.writerow([r.symbol, r.ms, *(r.text[c] for c in PRICE_COLUMNS)])


# ------------------------------------------------------------------ writers

def spark_session():
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[1]")
        .appName("candlestream-parquet-fixtures")
        .config("spark.driver.memory", "512m")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def write_spark(spark, fx: Fixture, slice_csv: Path, out: Path) -> None:
    from pyspark.sql import functions as F
    from pyspark.sql.types import DecimalType, StringType, StructField, StructType

    schema = StructType([StructField(c, StringType(), True) for c in ["symbol", "ms", *PRICE_COLUMNS]])
    raw = spark.read.schema(schema).option("header", "true").csv(str(slice_csv))
    price_type = DecimalType(18, 8) if fx.decimal else "double"
    cols = [F.timestamp_millis(F.col("ms").cast("long")).alias(fx.time_column)]
    cols += [F.col(c).cast(price_type).alias(c) for c in PRICE_COLUMNS]
    if fx.symbol_column:
        cols.append(F.col("symbol"))
    df = raw.select(*cols)
    spark.conf.set("spark.sql.parquet.outputTimestampType", fx.time)
    if fx.partition_by:
        # One task, rows in time order within each symbol; partitionBy moves the column into the path.
        df = df.repartition(1).sortWithinPartitions(fx.partition_by, fx.time_column)
    else:
        df = df.coalesce(1)
    writer = df.write.mode("overwrite").option("compression", fx.codec)
    writer = writer.option("parquet.enable.dictionary", "true" if fx.dictionary else "false")
    for k, v in fx.options.items():
        writer = writer.option(k, v)
    if fx.partition_by:
        writer = writer.partitionBy(fx.partition_by)
    writer.parquet(str(out))
    fix_spark_names(out, fx.name)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def fix_spark_names(out: Path, name: str) -> None:
    """part-00000-<random uuid>-c000… → the same with a uuid made from the fixture name."""
    fixed = str(uuid.uuid5(uuid.NAMESPACE_URL, f"candlestream/parquet-fixtures/{name}"))
    for path in sorted(out.rglob("*")):
        if path.is_file() and UUID.search(path.name):
            path.rename(path.with_name(UUID.sub(fixed, path.name)))


def write_pyarrow(fx: Fixture, rows: list[SourceRow], out: Path) -> None:
    ms = pa.array([r.ms for r in rows], pa.int64())
    if fx.time == "epoch_ms":
        time = ms
    else:
        unit, _, tz = fx.time.partition("-")
        tz = "UTC" if tz == "utc" else None
        time = ms.cast(pa.timestamp("ms", tz=tz)).cast(pa.timestamp(unit, tz=tz))
    columns = {fx.time_column: time}
    for c in PRICE_COLUMNS:
        texts = [r.text[c] for r in rows]
        if fx.decimal:
            columns[c] = pa.array([decimal.Decimal(t) if t else None for t in texts], pa.decimal128(18, 8))
        else:
            columns[c] = pa.array([float(t) if t else None for t in texts], pa.float64())
    if fx.symbol_column:
        columns["symbol"] = pa.array([r.symbol for r in rows], pa.string())
    table = pa.table(columns)
    pq.write_table(
        table,
        out,
        compression=fx.codec,
        use_dictionary=fx.dictionary,
        row_group_size=fx.row_group_rows,
        **fx.options,
    )


def write_duckdb(fx: Fixture, slice_csv: Path, out: Path) -> None:
    con = duckdb.connect(":memory:")
    con.execute("SET threads = 1")  # one writer thread: rows and row groups in input order
    con.execute("SET TimeZone = 'UTC'")
    src = f"read_csv('{slice_csv}', header = true, all_varchar = true)"
    time = {
        "TIMESTAMP": "epoch_ms(CAST(ms AS BIGINT))",
        "TIMESTAMP_NS": "CAST(epoch_ms(CAST(ms AS BIGINT)) AS TIMESTAMP_NS)",
        "TIMESTAMPTZ": "CAST(epoch_ms(CAST(ms AS BIGINT)) AS TIMESTAMPTZ)",
        "epoch_ms": "CAST(ms AS BIGINT)",
    }[fx.time]
    price = "DECIMAL(18,8)" if fx.decimal else "DOUBLE"
    select = [f"{time} AS {fx.time_column}"] + [f"CAST(NULLIF({c}, '') AS {price}) AS {c}" for c in PRICE_COLUMNS]
    if fx.symbol_column:
        select.append("symbol")
    options = [f"FORMAT parquet", f"COMPRESSION {fx.codec}"]
    if fx.row_group_rows:
        options.append(f"ROW_GROUP_SIZE {fx.row_group_rows}")
    for k, v in fx.options.items():
        options.append(f"{k} {v}")
    con.execute(f"COPY (SELECT {', '.join(select)} FROM {src}) TO '{out}' ({', '.join(options)})")
    con.close()


# ------------------------------------------------------------------ reading back

def parquet_files(path: Path) -> list[Path]:
    """The data files of a fixture in the order candlestream walks them (sorted relative paths)."""
    if path.is_file():
        return [path]
    return sorted(
        (p for p in path.rglob("*.parquet") if not any(part.startswith((".", "_")) for part in p.relative_to(path).parts)),
        key=lambda p: str(p.relative_to(path)),
    )


def to_epoch_ms(col: pa.ChunkedArray) -> list:
    t = col.type
    if pa.types.is_timestamp(t):
        per_ms = {"s": None, "ms": 1, "us": 1000, "ns": 1_000_000}[t.unit]
        ints = pc.cast(col, pa.int64())
        return [None if v is None else v // per_ms for v in ints.to_pylist()]
    if pa.types.is_integer(t):
        return col.to_pylist()
    raise TypeError(f"time column of type {t}")


def to_numbers(col: pa.ChunkedArray) -> list:
    if pa.types.is_decimal(col.type):
        return [None if v is None else float(v) for v in col.to_pylist()]
    if pa.types.is_floating(col.type):
        return col.to_pylist()
    raise TypeError(f"price column of type {col.type}")


# pyarrow names codecs its own way: its LZ4 is Parquet's LZ4_RAW, and parquet-mr's Hadoop-framed LZ4
# (Parquet's deprecated LZ4) comes out as UNKNOWN. The expected files use Parquet's names.
PARQUET_CODEC = {"LZ4": "LZ4_RAW", "UNKNOWN": "LZ4"}


def describe_type(column_schema) -> str:
    """INT96, DOUBLE, INT64 TIMESTAMP(MICROS,UTC), FIXED_LEN_BYTE_ARRAY DECIMAL(18,8), BYTE_ARRAY STRING…"""
    physical = column_schema.physical_type
    logical = json.loads(column_schema.logical_type.to_json())
    kind = logical.get("Type", "None")
    if kind == "None":
        return physical
    if kind == "Timestamp":
        unit = {"milliseconds": "MILLIS", "microseconds": "MICROS", "nanoseconds": "NANOS"}[logical["timeUnit"]]
        return f"{physical} TIMESTAMP({unit}{',UTC' if logical['isAdjustedToUTC'] else ''})"
    if kind == "Decimal":
        return f"{physical} DECIMAL({logical['precision']},{logical['scale']})"
    if kind == "Int":
        return f"{physical} INT({logical['bitWidth']},{'signed' if logical['isSigned'] else 'unsigned'})"
    return f"{physical} {kind.upper()}"


def expected_for(fx: Fixture, path: Path, out_dir: Path) -> dict:
    files = parquet_files(path)
    assert files, path
    tables = []
    for f in files:
        table = pq.read_table(f)
        if fx.partition_by:
            # pyarrow's hive partitioning: values from the path, as the dataset API would add them
            keys = dict(part.split("=", 1) for part in f.relative_to(path).parts[:-1] if "=" in part)
            table = table.append_column(fx.partition_by, pa.array([keys[fx.partition_by]] * table.num_rows, pa.string()))
        tables.append(table)
    # the same rows through the dataset API (what pyarrow users get), in the same order
    dataset_table = ds.dataset(path, format="parquet", partitioning="hive" if fx.partition_by else None).to_table()
    table = pa.concat_tables(tables)
    assert dataset_table[fx.time_column].to_pylist() == table[fx.time_column].to_pylist(), fx.name

    columns = [fx.time_column, *PRICE_COLUMNS] + (["symbol"] if fx.symbol_column else [])
    assert set(table.column_names) == set(columns), (fx.name, table.column_names)
    values = {fx.time_column: to_epoch_ms(table[fx.time_column])}
    for c in PRICE_COLUMNS:
        values[c] = to_numbers(table[c])
    if fx.symbol_column:
        values["symbol"] = table["symbol"].to_pylist()
    rows = [[values[c][i] for c in columns] for i in range(table.num_rows)]

    meta = [pq.ParquetFile(f).metadata for f in files]
    schema = meta[0].schema
    names = [schema.column(i).name for i in range(len(schema))]
    codecs = sorted({PARQUET_CODEC.get(m.row_group(g).column(c).compression, m.row_group(g).column(c).compression) for m in meta for g in range(m.num_row_groups) for c in range(m.num_columns)})
    encodings = sorted({e for m in meta for g in range(m.num_row_groups) for c in range(m.num_columns) for e in m.row_group(g).column(c).encodings})
    return {
        "fixture": fx.name,
        "path": str(path.relative_to(out_dir)),
        "tool": fx.tool,
        "writer": meta[0].created_by,
        "description": fx.description,
        "symbol": None if fx.symbol_column else fx.symbols[0],
        "timeColumn": fx.time_column,
        "parquet": {
            "files": len(files),
            "rowGroups": sum(m.num_row_groups for m in meta),
            "codecs": codecs,
            "encodings": encodings,
            "types": {n: describe_type(schema.column(i)) for i, n in enumerate(names)},
        },
        "columns": columns,
        "rows": rows,
    }


def check_against_source(fx: Fixture, expected: dict, rows: list[SourceRow]) -> None:
    """The fixture holds the intended values: the writer lost or changed nothing."""
    got = expected["rows"]
    assert len(got) == len(rows), (fx.name, len(got), len(rows))
    cols = expected["columns"]
    order = sorted(range(len(rows)), key=lambda i: (rows[i].symbol, rows[i].ms)) if fx.partition_by else range(len(rows))
    for g, i in zip(got, order):
        r = rows[i]
        want = {fx.time_column: r.ms, **{c: (float(r.text[c]) if r.text[c] else None) for c in PRICE_COLUMNS}, "symbol": r.symbol}
        for c, v in zip(cols, g):
            assert v == want[c], (fx.name, c, v, want[c])
    if fx.nulls:
        assert any(g[cols.index("volume")] is None for g in got), fx.name
    if fx.expect_row_groups_over_one:
        assert expected["parquet"]["rowGroups"] > 1, (fx.name, expected["parquet"]["rowGroups"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--only", help="comma-separated fixture names")
    args = parser.parse_args()
    out_dir: Path = args.out.resolve()
    chosen = [f for f in FIXTURES if not args.only or f.name in args.only.split(",")]
    out_dir.mkdir(parents=True, exist_ok=True)
    if not args.only:
        for old in out_dir.iterdir():
            shutil.rmtree(old) if old.is_dir() else old.unlink()

    sources = {s: load_source(s) for s in SOURCES}
    spark = spark_session() if any(f.tool == "spark" for f in chosen) else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for fx in chosen:
                rows = fixture_rows(fx, sources)
                slice_csv = Path(tmp) / f"{fx.name}.csv"
                write_slice_csv(rows, slice_csv)
                target = out_dir / (fx.name if fx.tool == "spark" else f"{fx.name}.parquet")
                if target.is_dir():
                    shutil.rmtree(target)
                elif target.exists():
                    target.unlink()
                if fx.tool == "spark":
                    write_spark(spark, fx, slice_csv, target)
                elif fx.tool == "pyarrow":
                    write_pyarrow(fx, rows, target)
                else:
                    write_duckdb(fx, slice_csv, target)
                expected = expected_for(fx, target, out_dir)
                check_against_source(fx, expected, rows)
                text = json.dumps(expected, separators=(",", ":"))
                # one row per line: readable diffs, still compact
                text = text.replace("],[", "],\n[").replace('"rows":[[', '"rows":[\n[')
                (out_dir / f"{fx.name}.expected.json").write_text(text + "\n")
                p = expected["parquet"]
                print(f"{fx.name:42} {len(expected['rows']):5} rows  {p['rowGroups']:3} row groups  {','.join(p['codecs']):12} {p['types'][fx.time_column]}", flush=True)
    finally:
        if spark is not None:
            spark.stop()


if __name__ == "__main__":
    main()
