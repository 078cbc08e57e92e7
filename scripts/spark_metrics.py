"""teamlens's metric SQL on Spark: each file of queries/metrics/ rendered for Spark SQL and run over
a store's Parquet files, on a cluster or in local mode.

    spark-submit [--master URL] scripts/spark_metrics.py DATA_DIR DERIVED_DIR OUT_DIR [SQL_FILE...]

DATA_DIR is a teamlens data directory (the folder holding manifest.json and tables/), on any file
system Spark reads (a local path, hdfs://…, s3a://…). Every table the manifest lists becomes a
view of the same name over exactly the files the manifest names (stale files in the folders are
not read), through Hive-style partition discovery; the partition column `month` is left out, as
teamlens leaves it out. DERIVED_DIR holds the tables teamlens computes before the SQL (bots,
memberships, activity_local, the working calendars, …), one `<name>.parquet` each; every one found
becomes a view. The SQL files (default: every .sql of queries/metrics/ beside this script, read by
the driver) run in file-name order; each is rendered from DuckDB's dialect, in which the files are
written and which polars' SQL also reads, to Spark's by sqlglot (`render` below), and its result is
written to OUT_DIR/<name>/ as Parquet and read back as the view `<name>` (the file name without its
numeric prefix), so later files read earlier ones without computing them again. One line per
metric, `<name> <rows> <seconds>`, goes to standard output.

Needs pyspark (PyPI; it brings spark-submit) and sqlglot (PyPI) on the driver, and Java 17 or
later. Exit status 3 when pyspark or sqlglot is missing, so a caller can tell "unavailable" from
"failed"; 1 when a metric fails, with the metric, its file and Spark's message.
"""

import glob
import json
import logging
import os
import sys
import time

try:
    import sqlglot
    from sqlglot import exp
except ImportError:
    print("sqlglot is not installed: pip install sqlglot", file=sys.stderr)
    sys.exit(3)
try:
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException
    from pyspark.sql import SparkSession
except ImportError:
    print("pyspark is not installed: pip install pyspark", file=sys.stderr)
    sys.exit(3)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def metric_name(path):
    """The metric a file defines: its name without the numeric prefix (`10_pr_phases.sql`)."""
    stem = os.path.splitext(os.path.basename(path))[0]
    prefix, _, rest = stem.partition("_")
    return rest if prefix.isdigit() and rest else stem


def epoch_seconds(node):
    """`EXTRACT(EPOCH FROM t)` as Spark has it: `UNIX_MICROS(t) / 1e6`.

    sqlglot leaves EXTRACT(EPOCH …) as it is, which Spark rejects (INVALID_EXTRACT_FIELD), and
    renders DuckDB's `epoch(t)` as `UNIX_TIMESTAMP(t)`, which drops the fraction of a second.
    The product's value is the seconds since 1970 with their fraction."""
    if isinstance(node, exp.Extract) and node.this.name.upper() == "EPOCH":
        micros = exp.Anonymous(this="UNIX_MICROS", expressions=[node.expression.copy()])
        return exp.Div(this=micros, expression=exp.cast(exp.Literal.number("1e6"), "double"))
    return node


def percentiles(node):
    """`QUANTILE_CONT(x, q)` as Spark has it: `PERCENTILE(x, q)`, exact with linear interpolation.

    sqlglot writes `PERCENTILE_CONT(x, q)`, which Spark accepts only as
    `PERCENTILE_CONT(q) WITHIN GROUP (ORDER BY x)` (WRONG_NUM_ARGS)."""
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return exp.Anonymous(
            this="PERCENTILE", expressions=[node.this.copy(), node.expression.copy()]
        )
    return node


def doubles(node):
    """A literal with a decimal point (`1.0`, `3600.0`) as a DOUBLE.

    Spark reads `1.0` as DECIMAL(2,1), and `SUM(x) * 1.0 / SUM(y)` then stays in decimal
    arithmetic that keeps a few decimal places (0.21053 for 4 / 19); polars (the product) and
    DuckDB compute such expressions in floating point. The files mean floating point, so Spark is told so."""
    if isinstance(node, exp.Literal) and not node.is_string and "." in node.this:
        return exp.cast(node.copy(), "double")
    return node


def spark_rules(node):
    return doubles(percentiles(epoch_seconds(node)))


def render(sql):
    """One metric file in Spark SQL: parsed as DuckDB's dialect, written as Spark's (`strftime`
    becomes `DATE_FORMAT` with Java's pattern letters, `ends_with` `ENDSWITH`, …) with the three
    rules above, which sqlglot alone gets wrong for these files."""
    statements = sqlglot.parse(sql, read="duckdb")
    if len(statements) != 1:
        raise ValueError(f"holds {len(statements)} statements where one SELECT is expected")
    return statements[0].transform(spark_rules).sql(dialect="spark")


def hadoop_path(spark, path):
    """A path as Hadoop's file systems take it: local, hdfs://, s3a://, … alike."""
    jvm = spark.sparkContext._jvm
    return jvm.org.apache.hadoop.fs.Path(path)


def read_manifest(spark, data_dir):
    """The store's manifest, read through Spark's file systems so that any URL Spark reads works."""
    path = hadoop_path(spark, data_dir.rstrip("/") + "/manifest.json")
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        sys.exit(
            f"{data_dir} holds no manifest.json: give a teamlens data directory (the folder "
            "with manifest.json and tables/, such as .teamlens)"
        )
    text = spark.read.text(str(path), wholetext=True).first()[0]
    return json.loads(text)


def register_tables(spark, data_dir, manifest):
    """A view per stored table over the files the manifest names; the names of tables with none."""
    empty = []
    base = data_dir.rstrip("/")
    for table, entry in sorted(manifest.get("tables", {}).items()):
        files = [f"{base}/{f['path']}" for f in entry.get("files", [])]
        if not files:
            empty.append(table)
            continue
        frame = spark.read.option("basePath", f"{base}/tables/{table}").parquet(*files)
        # The store partitions by month=YYYY-MM folders; partition discovery adds that column,
        # which the product's schema does not have.
        if any("/month=" in f for f in files):
            frame = frame.drop("month")
        frame.createOrReplaceTempView(table)
    return empty


def register_derived(spark, derived_dir):
    """A view per `<name>.parquet` of DERIVED_DIR."""
    path = hadoop_path(spark, derived_dir)
    fs = path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())
    if not fs.exists(path):
        sys.exit(
            f"{derived_dir} does not exist: give the folder of the derived tables' Parquet files"
        )
    for status in fs.listStatus(path):
        name = status.getPath().getName()
        if name.endswith(".parquet"):
            table = name[: -len(".parquet")]
            spark.read.parquet(str(status.getPath())).createOrReplaceTempView(table)


def brief(error):
    """An error in a few lines: Spark's message, or a Java exception and its causes, without the
    stack traces."""
    if isinstance(error, Py4JJavaError):
        causes, cause = [], error.java_exception
        while cause is not None and len(causes) < 5:
            causes.append(cause.toString())
            cause = cause.getCause()
        return "\n  caused by: ".join(causes)
    # An analysis error ends with `; line L pos P;` and the query's whole plan: left out.
    return str(error).split("\n\tat ")[0].split(";\n")[0]


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    data_dir, derived_dir, out_dir, *sql_files = sys.argv[1:]
    if not sql_files:
        sql_files = glob.glob(os.path.join(ROOT, "queries", "metrics", "*.sql"))
    spark = (
        SparkSession.builder.appName("teamlens metrics")
        # The store's times are UTC without a zone (Parquet's isAdjustedToUTC = false, read as
        # TIMESTAMP_NTZ); EXTRACT(EPOCH …) and DATE_FORMAT must not move them to a local zone.
        .config("spark.sql.session.timeZone", "UTC")
        # Results as the store writes times: 64-bit microseconds, not the legacy INT96.
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        # zstd, as the store writes its own files. Not Spark's default snappy either: snappy-java
        # takes a glibc Linux with Debian's musl package installed for a musl one and fails to
        # load its native library.
        .config("spark.sql.parquet.compression.codec", "zstd")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    # PySpark logs each failed query's error with its Java stack as JSON before raising it; the
    # error is reported below, once and briefly.
    logging.getLogger("SQLQueryContextLogger").setLevel(logging.CRITICAL)
    empty = register_tables(spark, data_dir, manifest=read_manifest(spark, data_dir))
    register_derived(spark, derived_dir)
    out = out_dir.rstrip("/")
    for sql_file in sorted(sql_files, key=os.path.basename):
        name = metric_name(sql_file)
        with open(sql_file, encoding="utf-8") as handle:
            sql = handle.read()
        started = time.monotonic()
        try:
            frame = spark.sql(render(sql))
            frame.write.mode("overwrite").parquet(f"{out}/{name}")
        except (PySparkException, Py4JJavaError, sqlglot.errors.SqlglotError, ValueError) as error:
            hint = (
                f" (the store has no files for: {', '.join(empty)}; Spark cannot read a table "
                "with no files)"
                if empty
                else ""
            )
            print(
                f"metric {name} ({sql_file}) fails on Spark{hint}: {brief(error)}",
                file=sys.stderr,
            )
            spark.stop()
            sys.exit(1)
        result = spark.read.parquet(f"{out}/{name}")
        result.createOrReplaceTempView(name)
        print(f"{name} {result.count()} {time.monotonic() - started:.1f}", flush=True)
    spark.stop()


if __name__ == "__main__":
    main()
