#!/usr/bin/env python3
"""teamlens's whole-repository truck factor at the snapshot of Avelino et al. (ICPC 2016).

Standard library only; it shares no code with teamlens (it runs the binary) nor with the
study's tool (it only reads the study's published list, `study.tsv`).

For each `study/name=MIRROR` given (the study's spelling of the repository, and a bare git
directory of it, e.g. /work/.mirror/expressjs+express/repo as the project's fetch tool brings
it), the script

1. clones the mirror into the work folder (`git clone --bare --shared`, nothing from the
   network) and points HEAD (branch `snapshot`) at the snapshot: the last commit on the default
   branch's first-parent line committed before `--date` (a bare clone reads the snapshot's
   `.mailmap`, as a checkout would);
2. runs `teamlens fetch git CLONE --data-dir DATA` (a fresh data directory, no roster, no
   config: what a new user gets) and reads the truck factors it prints;
3. with `--excerpt study/name`, writes `excerpts/<owner>__<name>.tsv`: per file at the
   snapshot, who made its first change and each person's changes and reviews, as teamlens kept
   them (`state/git/<name>.ownership.json`), so `tests/real_truck_factor.rs` can recompute the
   truck factor from them without the clone;

and writes `teamlens_truck_factors.tsv` (rows in the order given) and prints the agreement.

    python3 tests/data/real/truck_factor/regenerate_truck_factor.py \\
        --teamlens target/release/teamlens --work /tmp/tf-work \\
        alexreisner/geocoder=/work/.mirror/alexreisner+geocoder/repo ...

`--date` defaults to the study's snapshot as `README.md` dates it (2015-02-19).
`MIRROR@BRANCH` reads another branch than the mirror's HEAD (resque/resque: the branch that
was `master` in 2015). `--check-study-files TOOL_MIRROR` also prints, per repository, how many
of the paths the study's tool lists as filtered for it (`gittruckfactor/filtered-files.txt` of
the tool's first commit, 741544b, so existing in the study's clones) exist at the snapshot:
how the snapshot date and resque's branch were chosen.
"""

import argparse
import csv
import json
import math
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATE = "2015-02-19"
COLUMNS = [
    "repository",
    "mirror",
    "branch",
    "snapshot_commit",
    "snapshot_date",
    "commits",
    "study_tf",
    "teamlens_tf",
    "teamlens_tf_with_reviews",
    "files",
    "modules",
    "study_method_tf",
    "study_method_files",
    "study_method_code_tf",
    "study_method_code_files",
]
LINE = re.compile(
    r"truck factor (\d+) \((\d+) with review knowledge\) over (\d+) (?:code )?files; "
    r"per top-level directory: (.*)$"
)


def git(repo, *args):
    return subprocess.run(
        ["git", "-C", repo, *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def study_list():
    with open(os.path.join(HERE, "study.tsv"), encoding="utf-8") as f:
        return {row["repository"]: int(row["study_tf"]) for row in csv.DictReader(f, delimiter="\t")}


def snapshot(mirror, clone, date, branch="HEAD"):
    """A clone of `mirror` whose HEAD is the last first-parent commit of `branch` before
    `date`."""
    if not os.path.isdir(clone):
        # Bare, as `git clone --bare` leaves a repository: git and teamlens then read the
        # snapshot's own `.mailmap` (HEAD:.mailmap), as the study's checked-out clones did.
        subprocess.run(
            ["git", "clone", "--quiet", "--bare", "--shared", mirror, clone], check=True
        )
    head = git(mirror, "rev-parse", branch)
    sha = git(clone, "rev-list", "-1", "--first-parent", f"--before={date}T00:00:00Z", head)
    if not sha:
        raise SystemExit(f"{mirror}: no commit before {date}")
    # HEAD at the snapshot without a checkout: teamlens and git log read commits and trees,
    # and a checkout would fail on a blob the snapshot lacks (prawn).
    git(clone, "update-ref", "refs/heads/snapshot", sha)
    git(clone, "symbolic-ref", "HEAD", "refs/heads/snapshot")
    day = git(clone, "show", "-s", "--format=%cs", sha)
    commits = git(clone, "rev-list", "--count", sha)
    return sha, day, int(commits)


# --- The study's rules, independently of teamlens -------------------------------------------
#
# Written from the paper and from reading the study's tool (aserg-ufmg/Truck-Factor,
# gittruckfactor/: scripts/commit_log_script.sh, task/DOACalculator.java, task/NewAliasHandler.java,
# model/authorship/AuthorshipInfo.java, truckfactor/GreedyTruckFactor.java), so a disagreement
# can be split into what the rules do and what the file set does:
#
# - history is `git log --name-status --find-renames` of HEAD (merges bring no files); only
#   A, M and R lines count; a file's history is every line that names its path as the new
#   name, plus, through each rename, the history of the old name (whenever it happened);
# - a person is the (mailmapped) author e-mail, case-insensitive; e-mails that share an author
#   name (case-insensitive) are one person;
# - the oldest add makes the first author (FA = 1); an add by someone else later makes them
#   an author with FA = 1 too; adds are not deliveries: DL counts a person's M and R lines,
#   AC everyone else's;
# - DOA = 3.293 + 1.098 FA + 0.164 DL - 0.321 ln(1 + AC); an author has DOA / best > 0.75 and
#   DOA >= 3.293 or FA = 1;
# - files are `git ls-files` at the snapshot with any history; the study also dropped what
#   GitHub's linguist calls vendored, documentation, generated or not code, and hand-listed
#   paths: `study_method_code_*` approximates that with CODE_EXTENSIONS and NOT_CODE below;
# - greedy: remove the author of the most files until fewer than half the files have one.

CODE_EXTENSIONS = set(
    "c cc cpp cxx h hh hpp hxx m mm java scala kt groovy js jsx ts coffee py rb rake php "
    "go rs cs swift pl pm sh bash lua erl ex exs clj cljs hs ml el vim r sql "
    "html htm xml css scss sass less styl haml erb mustache handlebars hbs jade twig".split()
)
NOT_CODE = re.compile(
    r"(^|/)(vendor|vendors|third[-_]party|node_modules|bower_components|deps|dist|build)/"
    r"|(^|/)(docs?|documentation|examples?|samples?|benchmarks?|site|guides)/"
    r"|(\.|-)min\.(js|css)$"
    r"|(^|/)(jquery|bootstrap)([-.][\d.]+)?(\.min)?\.js$"
)


def study_method(clone, sha):
    log = subprocess.run(
        ["git", "-C", clone, "-c", "diff.renameLimit=999999", "log", "--name-status",
         "--find-renames", "--format=@%H%x09%aN%x09%aE%x09%at", sha],
        check=True, capture_output=True, text=True, errors="replace",
    ).stdout
    who = {}
    lines = []  # (time, sha, email, status, old, new)
    current = None
    for line in log.splitlines():
        if line.startswith("@"):
            h, name, email, at = line[1:].split("\t")
            current = (int(at), h, email.lower())
            who.setdefault(email.lower(), set()).add(name.upper())
        elif line and current:
            parts = line.split("\t")
            if parts[0] in ("A", "M"):
                lines.append((*current, parts[0], None, parts[1]))
            elif re.fullmatch(r"R\d\d\d", parts[0]):
                lines.append((*current, "R", parts[1], parts[2]))
    # One person per group of e-mails sharing an author name.
    parent = {e: e for e in who}
    def root(e):
        while parent[e] != e:
            parent[e] = parent[parent[e]]
            e = parent[e]
        return e
    by_name = {}
    for email, names in who.items():
        for name in names:
            if name.strip():
                by_name.setdefault(name, []).append(email)
    for emails in by_name.values():
        for other in emails[1:]:
            parent[root(other)] = root(emails[0])
    by_path = {}
    for i, entry in enumerate(lines):
        by_path.setdefault(entry[5], []).append(i)
    live = [p for p in git(clone, "ls-tree", "-r", "-z", "--name-only", sha).split("\0") if p]

    def authors(path):
        seen, todo, done = set(by_path.get(path, [])), list(by_path.get(path, [])), set()
        while todo:
            i = todo.pop()
            if lines[i][3] == "R" and lines[i][4] not in done:
                done.add(lines[i][4])
                for j in by_path.get(lines[i][4], []):
                    if j not in seen:
                        seen.add(j)
                        todo.append(j)
        if not seen:
            return None
        entries = sorted(lines[i] for i in seen)
        fa, dl = set(), {}
        for at, h, email, status, old, new in entries:
            person = root(email)
            if status == "A":
                fa.add(person)
            else:
                dl[person] = dl.get(person, 0) + 1
        total = sum(dl.values())
        people = fa | set(dl)
        doa = {
            p: 3.293 + 1.098 * (p in fa) + 0.164 * dl.get(p, 0)
            - 0.321 * math.log(1 + total - dl.get(p, 0))
            for p in people
        }
        best = max(doa.values())
        return {p for p, v in doa.items() if v / best > 0.75 and (v >= 3.293 or p in fa)}

    def greedy(files):
        files = [a for a in files if a is not None]
        count = {}
        for a in files:
            for p in a:
                count[p] = count.get(p, 0) + 1
        order = sorted(count, key=lambda p: (-count[p], p))
        removed, tf = set(), 0
        while tf < len(order):
            covered = sum(1 for a in files if a - removed)
            if covered * 2 < len(files):
                break
            removed.add(order[tf])
            tf += 1
        return tf, len(files)

    every = {p: authors(p) for p in live}
    code = [a for p, a in every.items()
            if p.rsplit(".", 1)[-1].lower() in CODE_EXTENSIONS and "." in p and not NOT_CODE.search(p)]
    return (*greedy(every.values()), *greedy(code))


def set_of_files(clone, sha):
    return set(git(clone, "ls-tree", "-r", "-z", "--name-only", sha).split("\0"))


def study_filtered_paths(tool_mirror, name):
    text = git(tool_mirror, "show", "741544b:gittruckfactor/filtered-files.txt")
    return [line.split(";")[1] for line in text.splitlines() if line.startswith(name + ";")]


def run_teamlens(binary, clone, data):
    if os.path.isdir(data):
        shutil.rmtree(data)
    out = subprocess.run(
        [binary, "fetch", "git", clone, "--data-dir", data],
        check=True,
        capture_output=True,
        text=True,
    )
    for line in (out.stdout + out.stderr).splitlines():
        m = LINE.search(line)
        if m:
            return int(m[1]), int(m[2]), int(m[3]), m[4].strip()
    raise SystemExit(f"{clone}: teamlens printed no truck factor:\n{out.stdout}{out.stderr}")


def write_excerpt(study_name, clone, data, sha):
    """Per live file: first author, and each person's changes and reviews (teamlens's kept
    aggregates, which are what its truck factor is computed from)."""
    state = os.path.join(data, "state", "git")
    [name] = [f for f in os.listdir(state) if f.endswith(".ownership.json")]
    with open(os.path.join(state, name), encoding="utf-8") as f:
        kept = json.load(f)["histories"]["files"]
    live = set(git(clone, "ls-tree", "-r", "-z", "--name-only", sha).split("\0")) - {""}
    rows = []
    for path in sorted(p for p in kept if p in live):
        history = kept[path]
        first = history["first"][1] if history.get("first") else ""
        people = sorted(set(history["changes"]) | set(history["reviews"]))
        for person in people:
            rows.append(
                [
                    path,
                    person,
                    "1" if person == first else "0",
                    f'{history["changes"].get(person, 0):g}',
                    f'{history["reviews"].get(person, 0):g}',
                ]
            )
    os.makedirs(os.path.join(HERE, "excerpts"), exist_ok=True)
    out = os.path.join(HERE, "excerpts", study_name.replace("/", "__") + ".tsv")
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(["path", "person", "first", "changes", "reviews"])
        w.writerows(rows)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("pairs", nargs="+", metavar="study/name=MIRROR")
    ap.add_argument(
        "--teamlens",
        default=os.path.join(os.environ.get("CARGO_TARGET_DIR", "target"), "release", "teamlens"),
    )
    ap.add_argument("--work", default="/tmp/teamlens-truck-factor")
    ap.add_argument("--date", default=DEFAULT_DATE)
    ap.add_argument("--excerpt", action="append", default=[], metavar="study/name")
    ap.add_argument("--check-study-files", metavar="TOOL_MIRROR")
    ap.add_argument("--out", default=os.path.join(HERE, "teamlens_truck_factors.tsv"))
    args = ap.parse_args()
    study = study_list()
    rows = []
    for pair in args.pairs:
        name, mirror = pair.split("=", 1)
        mirror, _, branch = mirror.partition("@")
        if name not in study:
            raise SystemExit(f"{name} is not in study.tsv")
        slug = name.replace("/", "+")
        clone = os.path.join(args.work, slug, "clone.git")
        data = os.path.join(args.work, slug, "data")
        os.makedirs(os.path.dirname(clone), exist_ok=True)
        sha, day, commits = snapshot(mirror, clone, args.date, branch or "HEAD")
        try:
            tf, tf_reviews, files, modules = run_teamlens(args.teamlens, clone, data)
            method = study_method(clone, sha)
        except subprocess.CalledProcessError as e:
            # E.g. a blob the snapshot lacks (the fetch tool leaves out files of 4 MiB and more):
            # git cannot read that history either.
            print(f"{name}: SKIPPED: {' '.join(e.cmd[:3])}: {e.stderr.strip()[-300:]}", file=sys.stderr)
            continue
        mirror_name = os.path.basename(os.path.dirname(os.path.abspath(mirror))).replace("+", "/")
        rows.append(
            [name, mirror_name, branch or "HEAD", sha, day, commits, study[name], tf, tf_reviews, files, modules,
             *method]
        )
        print(
            f"{name}: study {study[name]}, teamlens {tf} ({tf_reviews}) over {files} files, "
            f"study's rules {method[0]} over {method[1]}, on code {method[2]} over {method[3]} "
            f"at {sha[:12]} {day}",
            file=sys.stderr,
        )
        if args.check_study_files:
            listed = study_filtered_paths(args.check_study_files, name)
            if listed:
                present = sum(1 for p in listed if p in set_of_files(clone, sha))
                print(f"  study's filtered paths present at the snapshot: {present} of {len(listed)}", file=sys.stderr)
        if name in args.excerpt:
            print(f"  excerpt {write_excerpt(name, clone, data, sha)}", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)
    equal = sum(1 for r in rows if r[6] == r[7])
    within = sum(1 for r in rows if abs(r[6] - r[7]) <= 1)
    print(f"equal on {equal} of {len(rows)}, within 1 on {within} of {len(rows)}")


if __name__ == "__main__":
    main()
