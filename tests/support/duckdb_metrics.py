"""Runs teamlens's metric SQL files in DuckDB over a teamlens store, as a distributed engine would.

Usage: duckdb_metrics.py DATA_DIR DERIVED_DIR OUT_DIR SQL_FILE...

Every table of DATA_DIR/tables/ becomes a view of the same name over its Hive-style Parquet files
(read_parquet with hive_partitioning, the partition column left out as the product does); the
derived tables teamlens computes before the SQL (bots, pr_failures, pr_deploys, memberships, activity_local, person_monthly,
person_calendars, working_time, status_categories, status_moves, production_deploys, deploy_prs,
deployed_pr_authors, incident_links, hotfix_links) come from
DERIVED_DIR/<name>.parquet. Each SQL file then runs in file-name order, unchanged, and its result
becomes a view named like the file without its numeric prefix (so later files read earlier ones)
and is written to OUT_DIR/<name>.parquet.

Exit status 3 when DuckDB is not installed, so the caller can tell "unavailable" from "failed".
"""

import os
import sys

try:
    import duckdb
except ImportError:
    print("duckdb is not installed: pip install duckdb", file=sys.stderr)
    sys.exit(3)


def metric_name(path):
    stem = os.path.splitext(os.path.basename(path))[0]
    prefix, _, rest = stem.partition("_")
    return rest if prefix.isdigit() and rest else stem


def quoted(text):
    return "'" + text.replace("'", "''") + "'"


def main():
    data_dir, derived_dir, out_dir, *sql_files = sys.argv[1:]
    con = duckdb.connect()
    tables_dir = os.path.join(data_dir, "tables")
    for table in sorted(os.listdir(tables_dir)):
        pattern = os.path.join(tables_dir, table, "**", "*.parquet")
        # The store partitions by month=YYYY-MM directories; DuckDB would add that as a column the
        # product's schema does not have, so it is read and then left out.
        partitioned = any(
            entry.startswith("month=") for entry in os.listdir(os.path.join(tables_dir, table))
        )
        columns = "* EXCLUDE (month)" if partitioned else "*"
        con.execute(
            f"CREATE VIEW {table} AS SELECT {columns} "
            f"FROM read_parquet({quoted(pattern)}, hive_partitioning = true)"
        )
    for file in sorted(os.listdir(derived_dir)):
        name, extension = os.path.splitext(file)
        if extension == ".parquet":
            path = os.path.join(derived_dir, file)
            con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({quoted(path)})")
    os.makedirs(out_dir, exist_ok=True)
    for sql_file in sorted(sql_files, key=os.path.basename):
        name = metric_name(sql_file)
        with open(sql_file, encoding="utf-8") as handle:
            sql = handle.read().strip().rstrip(";")
        try:
            con.execute(f"CREATE TABLE {name} AS {sql}")
        except duckdb.Error as error:
            print(f"metric {name} ({sql_file}) fails in DuckDB: {error}", file=sys.stderr)
            sys.exit(1)
        out = os.path.join(out_dir, f"{name}.parquet")
        con.execute(f"COPY {name} TO {quoted(out)} (FORMAT parquet)")
        rows = con.execute(f"SELECT COUNT(*) FROM {name}").fetchone()[0]
        print(f"{name} {rows}")


if __name__ == "__main__":
    main()
