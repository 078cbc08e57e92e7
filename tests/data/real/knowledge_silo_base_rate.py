#!/usr/bin/env python3
"""knowledge_silo's base rate on the real corpus: findings per module-month judged.

Standard library only; it runs teamlens's binary and reads what it writes. For each repository
of `manifest.tsv` (or those named with `--only`), it

1. clones the mirror (`/work/.mirror/<owner>+<name>/repo`) bare and shared into the work
   folder and runs `teamlens fetch git CLONE --data-dir DATA` once (no roster; `[git]
   ownership = false`, which the detector does not read; the store is kept and reused);
2. for each `--binary LABEL=PATH`, runs `teamlens report --from FIRST --to LAST --data-dir DATA
   --out REPORT` over every month of `approvals_monthly.tsv` in one run, with
   `TEAMLENS_LOG=teamlens::detect::knowledge_silo=debug`, whose line
   `knowledge_silo YYYY-MM: N modules judged` gives the months' modules judged (the
   denominator), and counts the knowledge_silo findings of `report.json` and the modules they
   name (the numerator);
3. prints a Markdown table per binary and writes `findings-LABEL.jsonl` in the work folder: one
   line per module named by a finding (repository, month, module and its figures), from which
   `--sample N` draws N at random (seeded) for a hand review.

    python3 tests/data/real/knowledge_silo_base_rate.py --work /tmp/silo-corpus \\
        --binary before=/tmp/silo-bin/teamlens-before --binary after=/tmp/silo-bin/teamlens-after \\
        --sample 10
"""

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
JUDGED = re.compile(r"knowledge_silo (\d{4}-\d\d): (\d+) modules judged")


def rows(path):
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def run(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stderr[-2000:]}")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default="/tmp/teamlens-silo-corpus")
    ap.add_argument("--mirrors", default="/work/.mirror")
    ap.add_argument("--binary", action="append", required=True, metavar="LABEL=PATH")
    ap.add_argument("--only", default="", help="owner/name,… (default: every repository)")
    ap.add_argument("--sample", type=int, default=0)
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args()
    only = set(filter(None, args.only.split(",")))
    binaries = [b.split("=", 1) for b in args.binary]
    tables = {label: [] for label, _ in binaries}
    os.makedirs(args.work, exist_ok=True)
    for label, _ in binaries:
        path = os.path.join(args.work, f"findings-{label}.jsonl")
        if os.path.exists(path):
            os.remove(path)
    for entry in rows(os.path.join(HERE, "manifest.tsv")):
        name = entry["repo"]
        if only and name not in only:
            continue
        slug = name.replace("/", "+")
        months = rows(os.path.join(HERE, name.replace("/", "__"), "approvals_monthly.tsv"))
        first, last = months[0]["month"], months[-1]["month"]
        work = os.path.join(args.work, slug)
        clone, data = os.path.join(work, "clone.git"), os.path.join(work, "data")
        config = os.path.join(work, "teamlens.toml")
        os.makedirs(work, exist_ok=True)
        if not os.path.isdir(clone):
            run(["git", "clone", "-q", "--bare", "--shared",
                 os.path.join(args.mirrors, slug, "repo"), clone])
        with open(config, "w", encoding="utf-8") as f:
            f.write(f'[git]\nownership = false\n[git.names]\n"{clone}" = "{name}"\n')
        if not os.path.exists(os.path.join(data, "manifest.json")):
            started = time.time()
            run([binaries[0][1], "--config", config, "--data-dir", data, "-q", "fetch", "git", clone])
            print(f"{name}: fetched in {time.time() - started:.0f} s", file=sys.stderr)
        for label, binary in binaries:
            out_dir = os.path.join(work, f"report-{label}")
            env = dict(os.environ, TEAMLENS_LOG="teamlens::detect::knowledge_silo=debug")
            started = time.time()
            done = run([binary, "--config", config, "--data-dir", data, "report",
                        "--from", first, "--to", last, "--out", out_dir], env=env)
            judged = {m: int(n) for m, n in JUDGED.findall(done.stderr)}
            with open(os.path.join(out_dir, "report.json"), encoding="utf-8") as f:
                report = json.load(f)
            findings = [x for x in report["findings"] if x["kind"] == "knowledge_silo"]
            named = []
            for finding in findings:
                month = finding["period"]["from"][:7]
                for key, value in finding["evidence"]["figures"].items():
                    if isinstance(value, dict) and "truck_factor" in value:
                        named.append({"repo": name, "month": month, "module": key, **value})
            not_judged = [x for x in report.get("not_judged", []) if x["kind"] == "knowledge_silo"]
            with open(os.path.join(args.work, f"findings-{label}.jsonl"), "a", encoding="utf-8") as f:
                for n in named:
                    f.write(json.dumps(n) + "\n")
            months_firing = len({n["month"] for n in named})
            module_months = sum(judged.values())
            tables[label].append((name, len(judged), months_firing, len(findings), len(named),
                                  module_months, len(not_judged)))
            print(f"{name} [{label}]: {len(findings)} findings naming {len(named)} modules, "
                  f"{module_months} module-months judged over {len(judged)} months, "
                  f"{len(not_judged)} not judged, in {time.time() - started:.0f} s", file=sys.stderr)
    for label, table in tables.items():
        print(f"\n### {label}\n")
        print("| repository | months reported | months with a finding | findings (team-months) | "
              "modules named (module-months) | module-months judged | rate per module-month | "
              "not judged entries |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        totals = [0] * 6
        for name, months, firing, findings, named, judged, nj in table:
            rate = f"{named / judged:.1%}" if judged else "—"
            print(f"| {name} | {months} | {firing} | {findings} | {named} | {judged} | {rate} | {nj} |")
            for i, v in enumerate((months, firing, findings, named, judged, nj)):
                totals[i] += v
        rate = f"{totals[3] / totals[4]:.1%}" if totals[4] else "—"
        print(f"| **all** | {totals[0]} | {totals[1]} | {totals[2]} | {totals[3]} | {totals[4]} | "
              f"**{rate}** | {totals[5]} |")
    if args.sample:
        label = binaries[-1][0]
        with open(os.path.join(args.work, f"findings-{label}.jsonl"), encoding="utf-8") as f:
            named = [json.loads(line) for line in f]
        random.Random(args.seed).shuffle(named)
        print(f"\n### sample of {args.sample} modules named by [{label}] (seed {args.seed})\n")
        for n in named[: args.sample]:
            print(json.dumps(n))


if __name__ == "__main__":
    main()
