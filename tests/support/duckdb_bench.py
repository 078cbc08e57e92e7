"""Times teamlens's metric SQL in DuckDB beside teamlens's own analysis and scan floor, in one run.

Usage: duckdb_bench.py TEAMLENS STORE_DIR [--month YYYY-MM] [--runs N]

TEAMLENS is a release build of teamlens, STORE_DIR a store (for example one that `teamlens bench`
cached), --month the report's month (by default the month of a benchmark store's bench.json).

Why: the benchmark's goal puts the whole analysis within four times the polars scan floor. This
asks how far a column engine built for exactly this kind of SQL gets on the same machine with the
same files and the same queries, so the figure says what the SQL costs, not what polars costs.

The derived tables the SQL reads (bots, pr_failures, pr_deploys, memberships, activity_local,
person_monthly) are exported once with `teamlens query` and handed to DuckDB as Parquet; that is
not timed. Then --runs times (default 3), alternately:

  1. teamlens's scan floor (`bench-run --part floor`);
  2. teamlens's analysis (`bench-run --part analysis`), with the seconds of each SQL metric from
     its debug log;
  3. DuckDB: the same columns of the same Parquet files read into in-memory tables (its load),
     a checkpoint (not timed: DuckDB compressing those tables), then every file of
     queries/metrics/ in order, each result kept as a table (its metric SQL).

Prints each run and the medians, every figure also as a ratio to the polars floor.
"""

import argparse
import glob
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import duckdb
except ImportError:
    print("duckdb is not installed: pip install duckdb", file=sys.stderr)
    sys.exit(3)

# The file names and quoting rules of the correctness comparison, beside this file.
from duckdb_metrics import metric_name, quoted  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DERIVED = ["bots", "pr_failures", "pr_deploys", "memberships", "activity_local", "person_monthly"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
METRIC_LINE = re.compile(r'metric computed metric="([a-z_]+)" seconds=([0-9.]+)')


def analysis_columns():
    """model::ANALYSIS_COLUMNS, read from the source so the two cannot drift apart."""
    source = open(os.path.join(ROOT, "src", "model.rs"), encoding="utf-8").read()
    block = source.split("pub const ANALYSIS_COLUMNS")[1].split("];")[0]
    tables = {}
    for table, columns in re.findall(r'\(\s*"([a-z_]+)",\s*&\[(.*?)\],?\s*\)', block, re.S):
        tables[table] = re.findall(r'"([a-z_]+)"', columns)
    if not tables:
        sys.exit("cannot find ANALYSIS_COLUMNS in src/model.rs")
    return tables


def metric_files():
    return sorted(glob.glob(os.path.join(ROOT, "queries", "metrics", "*.sql")))


def export_derived(teamlens, store, out_dir):
    """The derived tables as Parquet, through `teamlens query` and a CSV DuckDB reads back."""
    con = duckdb.connect()
    for name in DERIVED:
        csv_path = os.path.join(out_dir, name + ".csv")
        with open(csv_path, "wb") as out:
            done = subprocess.run(
                [teamlens, "--quiet", "query", "--data-dir", store, "--format", "csv",
                 f"SELECT * FROM {name}"],
                stdout=out, stderr=subprocess.PIPE, text=False)
        if done.returncode != 0:
            sys.exit(f"exporting {name} with teamlens query failed:\n"
                     + done.stderr.decode("utf-8", "replace")[-2000:])
        con.execute(
            f"COPY (SELECT * FROM read_csv_auto({quoted(csv_path)})) "
            f"TO {quoted(os.path.join(out_dir, name + '.parquet'))} (FORMAT parquet)")
        os.remove(csv_path)
    con.close()


def child(teamlens, part, store, month):
    """One measured child of teamlens: its JSON line, and each metric's seconds from its log."""
    env = dict(os.environ, NO_COLOR="1", TEAMLENS_LOG="teamlens=debug")
    done = subprocess.run(
        [teamlens, "bench-run", "--part", part, "--store", store, "--month", month],
        capture_output=True, text=True, env=env)
    if done.returncode != 0:
        sys.exit(f"teamlens bench-run --part {part} failed:\n{ANSI.sub('', done.stderr)[-2000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    metrics = {m: float(s) for m, s in METRIC_LINE.findall(ANSI.sub("", done.stderr))}
    return sum(p["seconds"] for p in result["phases"]), metrics


def duckdb_run(store, derived_dir, columns):
    con = duckdb.connect()
    started = time.perf_counter()
    tables_dir = os.path.join(store, "tables")
    for table, names in columns.items():
        pattern = os.path.join(tables_dir, table, "**", "*.parquet")
        if not glob.glob(pattern, recursive=True):
            continue
        selected = ", ".join(f'"{c}"' for c in names)
        con.execute(
            f"CREATE TABLE {table} AS SELECT {selected} "
            f"FROM read_parquet({quoted(pattern)}, hive_partitioning = true)")
    for name in DERIVED:
        path = os.path.join(derived_dir, name + ".parquet")
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet({quoted(path)})")
    load = time.perf_counter() - started
    # DuckDB compresses in-memory tables at its automatic checkpoint, which would otherwise land
    # in the middle of a metric (a 0.01 s query measured at 2 s); done here, it is left out of
    # both figures, so DuckDB's SQL time is its queries alone.
    con.execute("CHECKPOINT")
    per_metric = {}
    started = time.perf_counter()
    for path in metric_files():
        sql = open(path, encoding="utf-8").read().strip().rstrip(";")
        one = time.perf_counter()
        con.execute(f"CREATE TABLE {metric_name(path)} AS {sql}")
        per_metric[metric_name(path)] = time.perf_counter() - one
    sql_seconds = time.perf_counter() - started
    con.close()
    return load, sql_seconds, per_metric


def main():
    parser = argparse.ArgumentParser(
        description="The metric SQL on DuckDB beside teamlens's analysis and scan floor.")
    parser.add_argument("teamlens", help="a release build of teamlens")
    parser.add_argument("store", help="a store, such as one `teamlens bench` cached")
    parser.add_argument("--month", help="the report's month, YYYY-MM (default: bench.json's)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each part (default 3)")
    args = parser.parse_args()
    teamlens, store, runs = args.teamlens, args.store, args.runs
    month = args.month
    if month is None:
        try:
            with open(os.path.join(store, "bench.json"), encoding="utf-8") as handle:
                month = json.load(handle)["month"]
        except (OSError, ValueError, KeyError):
            sys.exit(f"{store} has no bench.json naming its month: give --month YYYY-MM")
    columns = analysis_columns()
    sql_metrics = [metric_name(p) for p in metric_files()]
    rows = []
    with tempfile.TemporaryDirectory(prefix="teamlens-duckdb-") as derived_dir:
        export_derived(teamlens, store, derived_dir)
        for run in range(runs):
            floor, _ = child(teamlens, "floor", store, month)
            analysis, polars_metrics = child(teamlens, "analysis", store, month)
            polars_sql = sum(polars_metrics.get(m, 0.0) for m in sql_metrics)
            load, duck_sql, duck_metrics = duckdb_run(store, derived_dir, columns)
            rows.append((floor, analysis, polars_sql, load, duck_sql))
            print(f"run {run + 1}: polars floor {floor:.2f} s, teamlens analysis {analysis:.2f} s "
                  f"(its SQL metrics {polars_sql:.2f} s), DuckDB load {load:.2f} s, "
                  f"DuckDB SQL metrics {duck_sql:.2f} s", flush=True)
            slowest = sorted(duck_metrics.items(), key=lambda kv: -kv[1])[:3]
            print("       DuckDB's slowest: " + ", ".join(
                f"{m} {s:.2f} s (polars {polars_metrics.get(m, 0.0):.2f} s)" for m, s in slowest))
    medians = [statistics.median(column) for column in zip(*rows)]
    floor = medians[0]
    print(f"\nmedians of {runs} runs, as multiples of the polars scan floor ({floor:.2f} s):")
    for label, value in zip(
            ["teamlens analysis (load, metrics, detectors, report)",
             "teamlens SQL metrics alone", "DuckDB load of the same columns",
             "DuckDB SQL metrics alone (in memory)"], medians[1:]):
        print(f"  {label:55} {value:6.2f} s  {value / floor:5.1f}x")


if __name__ == "__main__":
    main()
