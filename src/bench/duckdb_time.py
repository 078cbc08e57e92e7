"""The metric SQL on DuckDB, timed: run by `teamlens bench` (src/bench/duckdb.rs), which embeds it.

Reads one JSON object on stdin:
  {"tables": {name: {"files": [path, ...], "columns": [column, ...]}},
   "derived": {name: parquet_path},
   "metrics": [[name, sql], ...]}
loads the named columns of each table's files and every derived table into in-memory DuckDB
tables (its load), checkpoints (DuckDB compresses in-memory tables at its automatic checkpoint,
which would otherwise land inside a metric: a 0.01 s query measured at 2 s once), then runs every
metric in order, each result kept as a table the later ones may read, and prints one JSON line:
  {"load_seconds": s, "sql_seconds": s, "metrics": {name: s}}
"""

import json
import sys
import time

import duckdb


def quoted(text):
    return "'" + text.replace("'", "''") + "'"


def main():
    spec = json.load(sys.stdin)
    con = duckdb.connect()
    started = time.perf_counter()
    for table, entry in spec["tables"].items():
        if not entry["files"]:
            continue
        files = "[" + ", ".join(quoted(f) for f in entry["files"]) + "]"
        columns = ", ".join('"' + c + '"' for c in entry["columns"])
        con.execute(f"CREATE TABLE {table} AS SELECT {columns} "
                    f"FROM read_parquet({files}, union_by_name = true)")
    for name, path in spec["derived"].items():
        con.execute(f"CREATE TABLE {name} AS SELECT * FROM read_parquet({quoted(path)})")
    load = time.perf_counter() - started
    con.execute("CHECKPOINT")
    metrics = {}
    started = time.perf_counter()
    for name, sql in spec["metrics"]:
        one = time.perf_counter()
        con.execute(f"CREATE TABLE {name} AS {sql.strip().rstrip(';')}")
        metrics[name] = time.perf_counter() - one
    total = time.perf_counter() - started
    con.close()
    print(json.dumps({"load_seconds": load, "sql_seconds": total, "metrics": metrics}))


if __name__ == "__main__":
    main()
