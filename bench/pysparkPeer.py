"""The peer of bench/backfill-vs-pyspark.ts: the seed pipeline's PySpark feature engineering
(shared/seed-pyspark-pipeline.txt: SMA 14/50 and RSI 14 with window functions partitioned by
symbol, ordered by time), Parquet to Parquet, on a local Spark session. Prints its figures as one
JSON line on stdout.

Usage: python bench/pysparkPeer.py INPUT OUTPUT [--master local[2]] [--driver-memory 4g]
INPUT is a local path or hdfs://namenode:8020/path (Spark's bundled Hadoop client reads it; set
HADOOP_USER_NAME for simple authentication). OUTPUT is overwritten.

Timed: from building the session (which starts the JVM) to the write's end; the session start-up
is also given on its own. Peak RSS: this process and all its descendants (the driver JVM, and any
Python workers), summed, sampled every 100 ms; CPU time: theirs, user + system, at the write's end.
"""

import argparse
import json
import os
import sys
import tempfile
import threading
import time

PAGE = os.sysconf("SC_PAGE_SIZE")


def descendants(pid):
    """pid and every process below it, through /proc/<pid>/task/<tid>/children."""
    found, todo = [], [pid]
    while todo:
        p = todo.pop()
        found.append(p)
        try:
            for tid in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:
            pass  # it ended meanwhile
    return found


def tree_cpu_seconds(pid):
    """User + system CPU time of pid and everything below it that still runs."""
    ticks = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
        except OSError:
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_rss_bytes(pid):
    total = 0
    for p in descendants(pid):
        try:
            with open(f"/proc/{p}/statm") as f:
                total += int(f.read().split()[1]) * PAGE
        except OSError:
            pass
    return total


class PeakRss(threading.Thread):
    def __init__(self, interval=0.1):
        super().__init__(daemon=True)
        self.interval = interval
        self.peak = 0
        self.done = threading.Event()

    def run(self):
        me = os.getpid()
        while not self.done.is_set():
            self.peak = max(self.peak, tree_rss_bytes(me))
            self.done.wait(self.interval)

    def stop(self):
        self.done.set()
        self.join()
        self.peak = max(self.peak, tree_rss_bytes(os.getpid()))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--driver-memory", default="4g")
    args = parser.parse_args()

    # Spark's own logging: errors only (the seed pipeline's code is what is measured, not its logs).
    log_config = tempfile.NamedTemporaryFile("w", suffix=".properties", delete=False)
    log_config.write(
        "rootLogger.level = error\n"
        "rootLogger.appenderRef.stderr.ref = console\n"
        "appender.console.type = Console\n"
        "appender.console.name = console\n"
        "appender.console.target = SYSTEM_ERR\n"
        "appender.console.layout.type = PatternLayout\n"
        "appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n\n"
    )
    log_config.close()

    rss = PeakRss()
    rss.start()
    started = time.perf_counter()

    from pyspark.sql import SparkSession, Window
    from pyspark.sql import functions as F

    spark = (
        SparkSession.builder.master(args.master)
        .appName("seed-pipeline-features")
        .config("spark.driver.memory", args.driver_memory)
        .config("spark.driver.extraJavaOptions", f"-Dlog4j2.configurationFile=file:{log_config.name}")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        # Spark 4 turned ANSI SQL on by default: the seed code's RSI then stops with DIVIDE_BY_ZERO on
        # the first row of every symbol (avg_loss 0). Off, as in Spark 3, a division by 0 is NULL.
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    session_ready = time.perf_counter()

    # The synthetic candles name their time column ts (epoch ms); the seed pipeline's, timestamp.
    df = spark.read.parquet(args.input).withColumnRenamed("ts", "timestamp")

    # --- the seed pipeline's feature engineering, as written there ---
    window_14 = Window.partitionBy("symbol").orderBy("timestamp").rowsBetween(-13, 0)
    window_50 = Window.partitionBy("symbol").orderBy("timestamp").rowsBetween(-49, 0)

    df = df.withColumn("sma_14", F.avg("close").over(window_14))
    df = df.withColumn("sma_50", F.avg("close").over(window_50))

    delta = F.col("close") - F.lag("close", 1).over(Window.partitionBy("symbol").orderBy("timestamp"))
    gain = F.when(delta > 0, delta).otherwise(0)
    loss = F.when(delta < 0, F.abs(delta)).otherwise(0)

    df = df.withColumn("avg_gain", F.avg(gain).over(window_14))
    df = df.withColumn("avg_loss", F.avg(loss).over(window_14))
    df = df.withColumn("rsi_14", 100 - (100 / (1 + F.col("avg_gain") / F.col("avg_loss"))))
    # --- end of the seed pipeline's code ---

    df.write.mode("overwrite").parquet(args.output)
    finished = time.perf_counter()
    cpu_seconds = tree_cpu_seconds(os.getpid())
    rss.stop()

    # Not timed: what was written, and what ran.
    written = spark.read.parquet(args.output)
    rows = written.count()
    files = len([f for f in os.listdir(args.output) if f.endswith(".parquet")]) if os.path.isdir(args.output) else None
    jvm = spark.sparkContext._jvm
    figures = {
        "seconds": finished - started,
        "startupSeconds": session_ready - started,
        "workSeconds": finished - session_ready,
        "rows": rows,
        "columns": len(written.columns),
        "files": files,
        "peakRssMb": round(rss.peak / 2**20),
        "cpuSeconds": cpu_seconds,
        "sparkVersion": spark.version,
        "javaVersion": jvm.java.lang.System.getProperty("java.version"),
        "master": args.master,
        "driverMemory": args.driver_memory,
        "shufflePartitions": spark.conf.get("spark.sql.shuffle.partitions"),
        "adaptive": spark.conf.get("spark.sql.adaptive.enabled"),
        "python": sys.version.split()[0],
    }
    spark.stop()
    os.unlink(log_config.name)
    print(json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
