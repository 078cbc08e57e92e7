#!/usr/bin/env python3
"""A fixed sample of `teamlens validate`'s findings, with the facts a reviewer needs beside each.

    review_sample.py FINDINGS_TSV WORK TEAMLENS > sample.tsv

FINDINGS_TSV is what `validate --findings` wrote; WORK the folder of the stores (validate.sh's
WORK). Up to 20 findings per kind, drawn with a fixed seed, each with context read from its
store through `teamlens query`: for burnout_risk the person's commits, after-hours share and
UTC offsets in the month and the six before, and the team's after-hours share; for
attrition_risk the person's monthly counts around the month. The `judgement` column is filled
by hand (validation_review.tsv): the pattern, or the confounder that explains the finding.
"""
import csv
import random
import subprocess
import sys
from collections import defaultdict

findings_tsv, work, teamlens = sys.argv[1:4]
rows = list(csv.DictReader(open(findings_tsv), delimiter="\t"))
by_kind = defaultdict(list)
for row in rows:
    by_kind[row["kind"]].append(row)


def query(store, sql):
    out = subprocess.run(
        [teamlens, "-q", "--data-dir", f"{work}/{store}", "query", sql, "--format", "csv"],
        capture_output=True, text=True, check=True,
    ).stdout
    return list(csv.DictReader(out.splitlines()))


def months_before(month, n):
    y, m = map(int, month.split("-"))
    out = []
    for _ in range(n):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
        out.append(f"{y:04d}-{m:02d}")
    return out


def burnout_context(store, month, person):
    window = [month] + months_before(month, 6)
    names = ",".join(f"'{m}'" for m in window)
    mine = query(store, f"""
        SELECT month, COUNT(*) AS commits, AVG(CAST(after_hours AS DOUBLE)) AS after
        FROM activity_local WHERE person = '{person}' AND kind = 'commit' AND month IN ({names})
        GROUP BY month ORDER BY month""")
    offsets = query(store, f"""
        SELECT strftime(authored_at, '%Y-%m') AS month, author_tz_offset_minutes AS offset,
               COUNT(*) AS n
        FROM commits WHERE author = '{person}'
        GROUP BY 1, 2 ORDER BY 1, 3 DESC""")
    by_month = defaultdict(list)
    for o in offsets:
        if o["month"] in window:
            by_month[o["month"]].append(f"{int(o['offset']) // 60:+d}h×{o['n']}")
    everyone = query(store, f"""
        SELECT AVG(CAST(after_hours AS DOUBLE)) AS after FROM activity_local
        WHERE kind = 'commit' AND month = '{month}'""")
    parts = [
        f"{r['month']}: {r['commits']} commits, {float(r['after']):.0%} after hours, "
        f"offsets {' '.join(by_month.get(r['month'], []))}"
        for r in mine
    ]
    team = float(everyone[0]["after"]) if everyone and everyone[0]["after"] else 0
    return " | ".join(parts) + f" | everyone that month {team:.0%} after hours"


def attrition_context(store, month, person):
    rows = query(store, f"""
        SELECT strftime(authored_at, '%Y-%m') AS month, COUNT(*) AS n FROM commits
        WHERE author = '{person}' GROUP BY 1 ORDER BY 1""")
    counts = {r["month"]: r["n"] for r in rows}
    window = sorted(months_before(month, 6) + [month])
    after = []
    y, m = map(int, month.split("-"))
    for _ in range(6):
        m += 1
        if m == 13:
            y, m = y + 1, 1
        after.append(f"{y:04d}-{m:02d}")
    return " ".join(f"{w}:{counts.get(w, 0)}" for w in window) + " || " + " ".join(
        f"{w}:{counts.get(w, 0)}" for w in after
    )


rng = random.Random(21)
out = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
out.writerow(["history", "month", "kind", "subject", "headline", "context", "judgement"])
for kind in sorted(by_kind):
    sample = by_kind[kind] if len(by_kind[kind]) <= 20 else rng.sample(by_kind[kind], 20)
    for row in sorted(sample, key=lambda r: (r["history"], r["month"])):
        context = ""
        if kind == "burnout_risk":
            context = burnout_context(row["history"], row["month"], row["subject"])
        elif kind == "attrition_risk":
            context = attrition_context(row["history"], row["month"], row["subject"])
        out.writerow([row["history"], row["month"], kind, row["subject"], row["headline"], context, ""])
