#!/usr/bin/env python3
"""Measure the real corpus's distributions, for calibrating teamlens's simulator (issue #21, part 3).

Standard library only; shares no code with teamlens (it uses regenerate.py beside it, which reads
commits, identities, bots and landed changes). Writes tests/data/real/distributions.json:
101 quantiles (0 %, 1 %, ..., 100 %) of each quantity below, pooled over the repositories with
equal weight per repository (a history with 60,000 changes does not outvote one with 700), with
each repository's sample size and median.

Usage:
  python3 tests/data/real/distributions.py owner/name=/path/to/git-dir [...]

Window: changes landed (committer date, UTC) from 2019-01-01 to each repository's tip, so that
the figures describe how these projects work now, not in 2008.

Quantities (the test that compares them with the simulator uses the same definitions):
- reviewers_per_change: distinct approvers of a landed change (the author, their other
  addresses and bots left out), for conventions that record an approval on every change
  (bors r=, Gerrit Reviewed-by, Rietveld LGTM=, Phabricator Reviewed By). Kernel-style
  histories (git/git) are left out: a patch without Reviewed-by was not unreviewed, its review
  is on the mailing list; GitHub merges and squashes record no approver.
- top_reviewer_share: per repository-month with at least 10 changes that name an approver,
  the share of those changes the busiest approver approved.
- module_author_concentration: per repository, top-level directory and half-year with at least
  10 landed changes touching the directory, the share of those changes written by its most
  frequent author (loose files at the top level are no module).
- change_size_lines: lines added plus deleted by a landed change (for a merge, against its
  first parent), bots' changes left out.
- author_to_merge_hours: from the earliest author time of a change's commits to its landing,
  where the history records both: bors and GitHub merges (the commits the merge brought in) and
  Gerrit changes (the author date survives every patch set and rebase; the committer date is the
  submission). Squash merges, Phabricator exports and kernel-style patches are left out: their
  author date is rewritten at landing or says when the patch was mailed.
- after_hours_share: per person with at least 30 non-merge commits in the window, the share
  written outside 09:00-18:00 or on a Saturday or Sunday, in the UTC offset git recorded with
  each commit (the author's own clock).
- monthly_variation: per person and half-year with at least 12 landed changes authored, the
  coefficient of variation (standard deviation over mean) of their six monthly counts.
"""

import collections
import datetime
import json
import math
import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regenerate  # noqa: E402  (beside this script; standard library only)

SINCE = "2019-01-01"
SINCE_TS = int(datetime.datetime(2019, 1, 1, tzinfo=datetime.timezone.utc).timestamp())
OUT = os.path.join(regenerate.HERE, "distributions.json")
WORK_START, WORK_END = 9, 18


def numstats(gitdir):
    """hash -> (lines, {top-level dirs}) for non-merge commits and first-parent merges; lines is
    None when the snapshot lacks blobs to count them (its largest files may be absent), and the
    directories then come from the trees alone."""
    out = {}
    for args in (["--no-merges"], ["--merges", "--first-parent", "--diff-merges=first-parent"]):
        log = ["log", "HEAD", "--since=" + SINCE, "--format=%x01%H", *args]
        counted = True
        try:
            with open(os.devnull, "w") as quiet:
                raw = subprocess.run(["git", "--git-dir", gitdir, *log, "--numstat"], check=True,
                                     stdout=subprocess.PIPE, stderr=quiet).stdout
        except subprocess.CalledProcessError:
            print("  %s: blobs missing, directories only" % gitdir, file=sys.stderr)
            counted = False
            raw = regenerate.git(gitdir, *log, "--name-only")
        raw = raw.decode("utf-8", "replace")
        for block in raw.split("\x01")[1:]:
            lines = block.split("\n")
            sha = lines[0].strip()
            total, dirs = 0, set()
            for line in lines[1:]:
                parts = line.split("\t")
                if counted and len(parts) != 3 or not line.strip():
                    continue
                added, deleted, path = parts if counted else ("-", "-", line)
                if added.isdigit() and deleted.isdigit():
                    total += int(added) + int(deleted)
                if " => " in path:  # a rename: the directory it ends in
                    path = path.replace("{", "").replace("}", "").split(" => ")[-1]
                if "/" in path:
                    dirs.add(path.split("/", 1)[0])
            out[sha] = (total if counted else None, dirs)
    return out


def offsets(gitdir):
    """hash -> author's UTC offset in minutes, for non-merge commits."""
    raw = regenerate.git(gitdir, "log", "HEAD", "--no-merges", "--since=" + SINCE,
                         "--format=%H %ad", "--date=raw").decode()
    out = {}
    for line in raw.splitlines():
        sha, _, tz = line.split()
        sign = -1 if tz.startswith("-") else 1
        out[sha] = sign * (int(tz[1:3]) * 60 + int(tz[3:5]))
    return out


def half_year(ts):
    t = regenerate.utc(ts)
    return "%d-H%d" % (t.year, 1 if t.month <= 6 else 2)


def half_year_months(key):
    year, half = key.split("-H")
    first = 1 if half == "1" else 7
    return ["%s-%02d" % (year, m) for m in range(first, first + 6)]


def measure(name, gitdir):
    repo = regenerate.Repo(name, gitdir)
    act = repo.activity()
    bots = {}

    def is_bot(key):
        if key not in bots:
            bots[key] = bool(repo.is_bot_key(key, act))
        return bots[key]

    stats = numstats(gitdir)
    tz = offsets(gitdir)
    by_hash = {c.hash: c for c in repo.commits}
    q = collections.defaultdict(list)

    changes = [ch for ch in repo.changes if ch[0].ct >= SINCE_TS]
    changes.sort(key=lambda ch: ch[0].ct)

    # reviewers per change, and the approvers of each repository-month
    month_approvals = collections.defaultdict(list)
    records = repo.convention != "kernel"
    for c, kind, author, apps, rec in changes:
        if not rec or not records:
            continue
        aperson = repo.ids.person(author)
        aname = regenerate.norm_name(c.an)
        approvers = set()
        for k, shown in apps:
            p = repo.ids.person(k)
            if p == aperson or k == author or is_bot(k):
                continue
            if kind == "gerrit" and len(aname.split()) >= 2 and regenerate.norm_name(shown) == aname:
                continue
            approvers.add(p)
        if is_bot(author):
            continue
        q["reviewers_per_change"].append(len(approvers))
        if approvers:
            month_approvals[regenerate.month(c.ct)].append(approvers)
    for month, sets in month_approvals.items():
        if len(sets) >= 10:
            counts = collections.Counter(p for s in sets for p in s)
            q["top_reviewer_share"].append(max(counts.values()) / len(sets))

    # sizes, modules, monthly work
    module_authors = collections.defaultdict(collections.Counter)
    monthly = collections.defaultdict(collections.Counter)
    for c, kind, author, apps, rec in changes:
        if is_bot(author):
            continue
        person = repo.ids.person(author)
        if c.hash in stats:
            lines, dirs = stats[c.hash]
            if lines is not None:
                q["change_size_lines"].append(lines)
            for d in dirs:
                module_authors[(d, half_year(c.ct))][person] += 1
        monthly[(person, half_year(c.ct))][regenerate.month(c.ct)] += 1
    for counts in module_authors.values():
        total = sum(counts.values())
        if total >= 10:
            q["module_author_concentration"].append(max(counts.values()) / total)
    for (person, half), counts in monthly.items():
        series = [counts.get(m, 0) for m in half_year_months(half)]
        if sum(series) >= 12:
            mean = sum(series) / 6
            q["monthly_variation"].append(statistics.pstdev(series) / mean)

    # author to merge
    # every change from the start, so that a 2019 merge does not walk into a 2015 branch
    claimed = set()
    for c, kind, author, apps, rec in sorted(repo.changes, key=lambda ch: ch[0].ct):
        window = c.ct >= SINCE_TS
        if kind in ("bors", "github-merge", "merge-queue") and len(c.parents) == 2:
            first = None
            stack = [c.parents[1]]
            seen = 0
            while stack and seen < 300:
                h = stack.pop()
                if h in claimed or h not in by_hash:
                    continue
                claimed.add(h)
                seen += 1
                commit = by_hash[h]
                if commit.first_parent:
                    continue
                first = commit.at if first is None else min(first, commit.at)
                stack.extend(commit.parents)
            if window and first is not None and c.ct >= first:
                q["author_to_merge_hours"].append((c.ct - first) / 3600)
        elif window and kind == "gerrit" and c.ct >= c.at:
            q["author_to_merge_hours"].append((c.ct - c.at) / 3600)

    # after-hours share per person, in the offset git recorded
    per_person = collections.defaultdict(lambda: [0, 0])
    for c in repo.commits:
        if c.hash not in tz or len(c.parents) > 1:
            continue
        key = "email:" + c.ae.lower()
        if is_bot(key):
            continue
        local = regenerate.utc(c.at) + datetime.timedelta(minutes=tz[c.hash])
        after = local.weekday() >= 5 or not (WORK_START <= local.hour < WORK_END)
        counts = per_person[repo.ids.person(key)]
        counts[0] += 1
        counts[1] += after
    for n, after in per_person.values():
        if n >= 30:
            q["after_hours_share"].append(after / n)
    print("measured %s: %s" % (name, ", ".join("%s %d" % (k, len(v)) for k, v in sorted(q.items()))),
          file=sys.stderr)
    return q


def weighted_quantiles(samples_by_repo, points=101):
    weighted = []
    for values in samples_by_repo.values():
        if values:
            weighted.extend((v, 1.0 / len(values)) for v in values)
    weighted.sort()
    total = sum(w for _, w in weighted)
    out = []
    i, acc = 0, 0.0
    for k in range(points):
        target = total * k / (points - 1)
        while i < len(weighted) - 1 and acc + weighted[i][1] < target - 1e-12:
            acc += weighted[i][1]
            i += 1
        out.append(round(weighted[i][0], 4))
    return out


def main():
    repos = []
    for spec in sys.argv[1:]:
        name, sep, gitdir = spec.partition("=")
        if not sep or "/" not in name:
            sys.exit("expected owner/name=/path/to/git-dir, got %r" % spec)
        repos.append((name, gitdir))
    if not repos:
        sys.exit(__doc__)
    measured = {name: measure(name, gitdir) for name, gitdir in sorted(repos)}
    quantities = {}
    names = sorted({k for q in measured.values() for k in q})
    for quantity in names:
        by_repo = {name: q.get(quantity, []) for name, q in measured.items()}
        by_repo = {name: v for name, v in by_repo.items() if len(v) >= 5}
        quantities[quantity] = {
            "repositories": {name: {"n": len(v), "median": round(statistics.median(v), 4)}
                             for name, v in sorted(by_repo.items())},
            "n": sum(len(v) for v in by_repo.values()),
            "quantiles": weighted_quantiles(by_repo),
        }
    doc = {
        "generated_by": "tests/data/real/distributions.py",
        "window": "landed from %s to each repository's tip (manifest.tsv)" % SINCE,
        "weighting": "each repository weighs the same; quantiles 0, 1, ..., 100 %",
        "definitions": "see distributions.py's docstring",
        "quantities": quantities,
    }
    with open(OUT, "w", encoding="utf-8", newline="\n") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    print("wrote %s" % OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
