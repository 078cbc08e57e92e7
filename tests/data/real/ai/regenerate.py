#!/usr/bin/env python3
"""Regenerate the AI-assisted-work corpus under tests/data/real/ai/ from git clones (issue #26).

Independent of teamlens: standard library only, shares no code with the Rust classifier and no
rule with it. Trailers come from git's own parser (`%(trailers:only,unfold)`).

Usage:
  python3 tests/data/real/ai/regenerate.py owner/name=/path/to/git-dir [...]

  python3 tests/data/real/ai/regenerate.py --dump FILE owner/name=/path/to/git-dir [...]
      write every commit since SINCE, with this script's verdict, into FILE (not committed:
      the input of the ignored census in tests/real_ai.rs)

Writes, from the repositories given (pass all of them: the sample is drawn across them):
  manifest.tsv  tip read, its date, commits read, commits since SINCE
  labels.tsv    the hand-labelled sample: SAMPLE_HARD named hard cases (HARD below),
                SAMPLE_HINT commits carrying a broad hint and SAMPLE_RANDOM drawn at random, each with its excerpt (author, trailers, message).
                The columns `label`, `tool` and `reason` are the hand labels: read back from the
                existing file and kept; a row new to the sample gets label `?` (to be labelled).
  shares.tsv    per repository and month: commits and landed PRs, and how many carry explicit
                AI evidence by the rule of this script (EVIDENCE_* below, documented in README.md)
  labels_heldout.tsv  the held-out sample, same columns: HELDOUT_HINT hinted and HELDOUT_RANDOM
                random commits drawn with HELDOUT_SEED from the commits not in labels.tsv (no
                hard stratum); its labels are kept the same way
  labels_third.tsv  the third sample, same columns: THIRD_HINT hinted and THIRD_RANDOM random
                commits drawn with THIRD_SEED from the commits in neither labels.tsv nor
                labels_heldout.tsv (no hard stratum); its labels are kept the same way
  labels_fourth.tsv  the fourth sample, same columns: FOURTH_HINT hinted and FOURTH_RANDOM random
                commits drawn with FOURTH_SEED from the commits in none of labels.tsv,
                labels_heldout.tsv and labels_third.tsv (no hard stratum); its labels are kept
                the same way
  summary.md    the per-repository totals, and this script's rule scored against the hand labels
                (for labels_third.tsv and labels_fourth.tsv also its misses and the labels by
                stratum, repository, tool and the evidence each rests on, which the reasons name
                first)

Deterministic: fixed seed, sorted output; a second run over the same tips changes nothing.
"""

import collections
import datetime
import os
import random
import re
import subprocess
import sys

SEED = 26  # issue #26
# The held-out sample (labels_heldout.tsv): drawn after the first sample's misses chose the
# classifier's fixes, so that a figure can be reported on commits that tuned nothing. Another
# seed, no commit of labels.tsv, no hand-picked stratum (a probability sample: every row is the
# seed's draw from the hinted or the whole pool).
HELDOUT_SEED = 2604  # issue #26, item 4
HELDOUT_HINT = 100
HELDOUT_RANDOM = 100
# The third sample (labels_third.tsv): the held-out sample's misses are now choosing further fixes,
# so a figure on commits that tuned nothing needs commits drawn and labelled before those fixes are
# run on them. Another seed, no commit of either earlier sample, the held-out sample's strata (a
# probability sample, no hand-picked stratum).
THIRD_SEED = 2606  # issue #26, item 4
THIRD_HINT = 100
THIRD_RANDOM = 100
# The fourth sample (labels_fourth.tsv): the third sample has been measured and its disagreements
# chose one more change, so a figure on commits that tuned nothing needs commits drawn and labelled
# before the classifier as it now stands is run on them. Another seed, no commit of any earlier
# sample, the held-out sample's strata (a probability sample, no hand-picked stratum).
FOURTH_SEED = 2607  # issue #26, item 4
FOURTH_HINT = 100
FOURTH_RANDOM = 100
SINCE = "2024-01-01"  # the sample and the shares start here: before it, AI trailers are absent
SAMPLE_HARD = 10
SAMPLE_HINT = 90
SAMPLE_RANDOM = 100
MAX_MESSAGE_CHARS = 3000  # longer messages keep their head and tail (markers and trailers sit at the end)
HEAD_CHARS = 1600
TAIL_CHARS = 1200
ELISION = "\n[... elided by regenerate.py ...]\n"
HERE = os.path.dirname(os.path.abspath(__file__))

# Broad hints for the stratified half of the sample: deliberately loose, so that the hard cases
# (a person called Claude, "copilot" in prose, review bots, dependabot, human co-authors) land in
# the sample beside the real AI-assisted commits. Matched, case-insensitively, on the author's and
# committer's name and address and on the whole message.
HINTS = [
    ("co-authored-by", r"^co-authored-by:"),
    ("bot-account", r"\[bot\]|\bbot@|-bot\b"),
    ("generated", r"\bgenerated\b"),
    ("agent", r"\bagents?\b"),
    ("copilot", r"copilot"),
    ("claude", r"claude|anthropic"),
    ("cursor", r"cursor"),
    ("codex", r"codex|openai|chatgpt|\bgpt"),
    ("aider", r"aider"),
    ("devin", r"devin"),
    ("gemini", r"gemini|jules"),
    ("other-tool", r"openhands|ampcode|\bamp\b|droid|ellipsis|coderabbit|\bllm\b|\bai\b"),
]

# Hard cases the broad hints rarely bring in at random, drawn on purpose (the `hard` stratum):
# a name with "Claude" in it that is not Anthropic's address, a review bot as author or
# co-author, and a revert of a commit that this script's rule (below) marks as AI.
REVIEW_BOTS = r"coderabbitai|gemini-code-assist|copilot-pull-request-reviewer|chatgpt-codex-connector|sourcery-ai|greptile"


def hard_kinds(c, by_sha):
    kinds = []
    people = [(c.author_name, c.author_email)]
    for key, value in c.trailers:
        if key.lower() == "co-authored-by":
            name, _, address = value.partition("<")
            people.append((name.strip(), address.rstrip(">").strip()))
    if any("claude" in n.lower() and "anthropic.com" not in a.lower() for n, a in people):
        kinds.append("named-claude")
    if any(re.search(REVIEW_BOTS, n + " " + a, re.I) for n, a in people):
        kinds.append("review-bot")
    m = re.search(r"This reverts commit ([0-9a-f]{7,40})", c.message)
    if c.message.startswith("Revert") and m:
        reverted = [by_sha[s] for s in by_sha if s.startswith(m.group(1))]
        if reverted and evidence(reverted[0]):
            kinds.append("revert-of-ai")
    return kinds


# This script's own rule for shares.tsv: explicit evidence only, written from the tools'
# documented identities (not from teamlens). Agent = the commit's author is an agent's account;
# assisted = a person's commit naming an assistant in a co-author trailer or a marker line.
EVIDENCE_AGENT_AUTHOR = [
    (r"copilot-swe-agent|^\d+\+copilot@users\.noreply\.github\.com$", "copilot"),
    (r"devin-ai-integration", "devin"),
    (r"google-labs-jules", "jules"),
    (r"openhands@all-hands\.dev|opendevin@all-hands\.dev|openhands-agent", "openhands"),
    (r"factory-droid", "factory"),
    (r"cursoragent@cursor\.com|^cursor\[bot\]|^\d+\+cursor\[bot\]@", "cursor"),
    (r"^claude\[bot\]|^\d+\+claude\[bot\]@|^noreply@anthropic\.com$", "claude"),
    (r"chatgpt-codex-connector", "codex"),
    (r"ellipsis-dev\[bot\]", "ellipsis"),
    (r"coderabbitai\[bot\]", "coderabbit"),
]
EVIDENCE_COAUTHOR = [
    (r"noreply@anthropic\.com|^claude\b", "claude"),
    (r"\+copilot@users\.noreply\.github\.com|copilot-swe-agent|^copilot\b", "copilot"),
    (r"cursoragent@cursor\.com", "cursor"),
    (r"amp@ampcode\.com", "amp"),
    (r"openhands@all-hands\.dev", "openhands"),
    (r"devin-ai-integration", "devin"),
    (r"google-labs-jules", "jules"),
    (r"factory-droid", "factory"),
    (r"codex@|noreply@openai\.com|^codex\b", "codex"),
    (r"aider@aider\.chat|^aider\b", "aider"),
    (r"gemini", "gemini"),
    (r"ellipsis-dev\[bot\]", "ellipsis"),
    (r"coderabbitai\[bot\]", "coderabbit"),
]
EVIDENCE_MARKER = [
    (r"generated with \[?claude code", "claude"),
    (r"generated with \[?devin", "devin"),
    (r"generated with \[?amp\b", "amp"),
    (r"^aider: ", "aider"),
    (r"^made-with: cursor$", "cursor"),  # added after the hand labels showed it (22aa847778)
]
EVIDENCE_AUTHOR_SUFFIX = [(r"\(aider\)$", "aider")]

FIELDS = "%H%x00%P%x00%an%x00%ae%x00%cn%x00%ce%x00%ct%x00%B%x00%(trailers:only,unfold)%x00"
LABEL_COLUMNS = ["label", "tool", "reason"]
COLUMNS = ["repo", "sha", "date_utc", "stratum", "hints"] + LABEL_COLUMNS + [
    "author_name", "author_email", "parents", "trailers", "message"]


def git(gitdir, *args):
    return subprocess.run(["git", "--git-dir", gitdir, *args], check=True,
                          stdout=subprocess.PIPE).stdout


Commit = collections.namedtuple(
    "Commit", "sha parents author_name author_email committer_name committer_email "
    "time message trailers")


def read_commits(gitdir):
    out = git(gitdir, "log", "-z", "--format=" + FIELDS, "HEAD").decode("utf-8", "replace")
    fields = out.split("\0")
    commits = []
    # `-z` puts a NUL between records, after the format's own trailing NUL: 10 fields a record.
    i = 0
    while i + 9 <= len(fields):
        sha, parents, an, ae, cn, ce, ct, body, trailers = fields[i:i + 9]
        sha = sha.lstrip("\n")
        if not sha:
            break
        pairs = []
        for line in trailers.splitlines():
            if ":" in line:
                key, value = line.split(":", 1)
                pairs.append((key.strip(), value.strip()))
        commits.append(Commit(sha, parents.split(), an, ae, cn, ce, int(ct), body, pairs))
        i += 10
    return commits


def month(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m")


def iso(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def since_ts():
    return int(datetime.datetime.fromisoformat(SINCE).replace(tzinfo=datetime.timezone.utc).timestamp())


def hints_of(c):
    who = "\n".join([c.author_name, c.author_email, c.committer_name, c.committer_email])
    found = []
    for name, pattern in HINTS:
        if name == "co-authored-by":
            hit = re.search(pattern, c.message, re.I | re.M)
        else:
            hit = re.search(pattern, who, re.I) or re.search(pattern, c.message, re.I)
        if hit:
            found.append(name)
    return found


def evidence(c):
    """This script's explicit-evidence rule: (level, tool) or None."""
    author = [c.author_name.strip().lower(), c.author_email.strip().lower()]
    for pattern, tool in EVIDENCE_AGENT_AUTHOR:
        if any(re.search(pattern, a) for a in author):
            return ("agent", tool)
    for key, value in c.trailers:
        if key.lower() != "co-authored-by":
            continue
        value = value.lower()
        name = value.split("<")[0].strip()
        address = value.split("<")[1].rstrip(">").strip() if "<" in value else ""
        for pattern, tool in EVIDENCE_COAUTHOR:
            if re.search(pattern, address) or re.search(pattern, name):
                return ("assisted", tool)
    for pattern, tool in EVIDENCE_MARKER:
        if re.search(pattern, c.message, re.I | re.M):
            return ("assisted", tool)
    for pattern, tool in EVIDENCE_AUTHOR_SUFFIX:
        if re.search(pattern, c.author_name.strip(), re.I):
            return ("assisted", tool)
    return None


def escape(text):
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\r", "\\r").replace("\n", "\\n")


def unescape(text):
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append({"n": "\n", "t": "\t", "r": "\r", "\\": "\\"}[text[i + 1]])
            i += 2
        else:
            out.append(ch)
            i += 1
    return "".join(out)


def excerpt_message(message):
    message = message.rstrip("\n")
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[:HEAD_CHARS] + ELISION + message[-TAIL_CHARS:]


def read_labels(path):
    labels = {}
    if not os.path.exists(path):
        return labels
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            labels[(row["repo"], row["sha"])] = {k: unescape(row[k]) for k in LABEL_COLUMNS}
    return labels


def draw(repos, seed, n_hard, n_hint, n_random, exclude=frozenset()):
    """A sample: (repo, commit, stratum) rows, drawn with the fixed `seed`; no (repo, sha) of
    `exclude` is drawn. `n_hard` named hard cases, `n_hint` hinted, `n_random` at random.

    Both halves are spread evenly over the repositories (round robin, each repository in the
    order given), so that no single large history dominates. The hint half takes, within a
    repository, its hint categories in turn, rarest first, so that every kind of hint is seen.
    """
    rng = {name: random.Random(f"{seed}:{name}") for name, _ in repos}
    pools = {}
    for name, commits in repos:
        recent = [c for c in commits if c.time >= since_ts() and (name, c.sha) not in exclude]
        recent.sort(key=lambda c: c.sha)
        by_hint = collections.defaultdict(list)
        for c in recent:
            for h in hints_of(c):
                by_hint[h].append(c)
        for h in by_hint:
            rng[name].shuffle(by_hint[h])
        shuffled = list(recent)
        rng[name].shuffle(shuffled)
        order = sorted(by_hint, key=lambda h: (len(by_hint[h]), h))
        pools[name] = {"by_hint": by_hint, "order": order, "turn": 0, "random": shuffled}
    picked = {}
    hard = collections.defaultdict(list)
    for name, commits in repos:
        by_sha = {c.sha: c for c in commits}
        for c in sorted(commits, key=lambda c: c.sha):
            if n_hard and c.time >= since_ts() and (name, c.sha) not in exclude:
                for kind in hard_kinds(c, by_sha):
                    hard[kind].append((name, c))
    hard_rng = random.Random(f"{seed}:hard")
    for kind in sorted(hard):
        hard_rng.shuffle(hard[kind])
    taken, progress = 0, True
    authors = set()  # one commit per author and kind, so that one person does not fill a kind
    while taken < n_hard and progress:
        progress = False
        for kind in sorted(hard):
            while taken < n_hard and hard[kind]:
                name, c = hard[kind].pop()
                if (name, c.sha) not in picked and (kind, c.author_name) not in authors:
                    authors.add((kind, c.author_name))
                    picked[(name, c.sha)] = (name, c, "hard")
                    taken += 1
                    progress = True
                    break

    def take_hint(name):
        pool = pools[name]
        for _ in range(len(pool["order"])):
            if not pool["order"]:
                return False
            h = pool["order"][pool["turn"] % len(pool["order"])]
            pool["turn"] += 1
            while pool["by_hint"][h]:
                c = pool["by_hint"][h].pop()
                if (name, c.sha) not in picked:
                    picked[(name, c.sha)] = (name, c, "hint")
                    return True
        return False

    def take_random(name):
        pool = pools[name]["random"]
        while pool:
            c = pool.pop()
            if (name, c.sha) not in picked:
                picked[(name, c.sha)] = (name, c, "random")
                return True
        return False

    for take, quota in ((take_hint, n_hint), (take_random, n_random)):
        taken, progress = 0, True
        while taken < quota and progress:
            progress = False
            for name, _ in repos:
                if taken < quota and take(name):
                    taken += 1
                    progress = True
    return list(picked.values())


def landed_prs(gitdir, commits):
    """PRs landed on the first-parent line: `Merge pull request #N`, bors `Auto merge of #N` and
    merge-queue `title (#N)` merges (their commits are the second parent's side) and one-parent
    `title (#N)` squash commits. Gerrit histories land no PR: their columns stay empty."""
    by_sha = {c.sha: c for c in commits}
    first_parent = git(gitdir, "rev-list", "--first-parent", "HEAD").decode().split()
    prs = []
    for sha in first_parent:
        c = by_sha[sha]
        subject = c.message.split("\n", 1)[0]
        merge = (re.match(r"Merge pull request #\d+|Auto merge of #\d+", subject)
                 or re.search(r"\(#\d+\)\s*$", subject))
        if len(c.parents) == 2 and merge:
            side = git(gitdir, "rev-list", f"{c.parents[0]}..{c.parents[1]}").decode().split()
            prs.append((c, [by_sha[s] for s in side if s in by_sha]))
        elif len(c.parents) == 1 and re.search(r"\(#\d+\)\s*$", subject):
            prs.append((c, [c]))
    return prs


def level_of(commits):
    levels = [evidence(c) for c in commits]
    if any(e and e[0] == "agent" for e in levels):
        return "agent"
    if any(e for e in levels):
        return "assisted"
    return None


def dump(path, argv):
    """Every commit since SINCE of the repositories given, as `tests/real_ai.rs`'s ignored
    census reads them: the excerpt columns of labels.tsv and this script's verdict."""
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(["repo", "sha", "author_name", "author_email", "trailers", "message",
                           "script"]) + "\n")
        for arg in argv:
            name, gitdir = arg.split("=", 1)
            for c in read_commits(gitdir):
                if c.time < since_ts():
                    continue
                e = evidence(c)
                trailers = "\n".join(f"{k}: {v}" for k, v in c.trailers)
                row = [name, c.sha, c.author_name, c.author_email, trailers,
                       c.message.rstrip("\n"), f"{e[0]}:{e[1]}" if e else "none"]
                f.write("\t".join(escape(v) for v in row) + "\n")


def main(argv):
    if argv[:1] == ["--dump"] and len(argv) > 2 and all("=" in a for a in argv[2:]):
        return dump(argv[1], argv[2:])
    if not argv or any("=" not in a for a in argv):
        sys.exit(__doc__)
    repos = []
    manifest = []
    shares = []
    for arg in argv:
        name, gitdir = arg.split("=", 1)
        commits = read_commits(gitdir)
        repos.append((name, commits))
        tip = commits[0]
        recent = [c for c in commits if c.time >= since_ts()]
        manifest.append([name, tip.sha, iso(tip.time)[:10], str(len(commits)), str(len(recent))])
        rows = collections.defaultdict(lambda: collections.Counter())
        for c in recent:
            if len(c.parents) > 1:
                continue
            m = rows[month(c.time)]
            m["commits"] += 1
            e = evidence(c)
            if e:
                m[e[0]] += 1
        for merge, side in landed_prs(gitdir, commits):
            if merge.time < since_ts():
                continue
            m = rows[month(merge.time)]
            m["prs"] += 1
            level = level_of(side)
            if level:
                m["pr_" + level] += 1
        for mo in sorted(rows):
            m = rows[mo]
            ai = m["assisted"] + m["agent"]
            pr_ai = m["pr_assisted"] + m["pr_agent"]
            shares.append([name, mo, m["commits"], m["assisted"], m["agent"],
                           share(ai, m["commits"]), m["prs"], m["pr_assisted"], m["pr_agent"],
                           share(pr_ai, m["prs"])])
        print(f"{name}: {len(commits)} commits, {len(recent)} since {SINCE}", file=sys.stderr)

    write_tsv("manifest.tsv", ["repo", "tip", "tip_date", "commits", "commits_since_" + SINCE],
              manifest)
    write_tsv("shares.tsv", ["repo", "month", "commits", "assisted", "agent", "ai_share", "prs",
                             "pr_assisted", "pr_agent", "pr_ai_share"], shares)

    # The rows each sample's file lists before this run rewrites it: a commit listed there stays
    # out of the later samples even if this run no longer draws it (another tip).
    listed = {f: set(read_labels(os.path.join(HERE, f)))
              for f in ("labels.tsv", "labels_heldout.tsv", "labels_third.tsv")}
    sample = draw(repos, SEED, SAMPLE_HARD, SAMPLE_HINT, SAMPLE_RANDOM)
    rows = write_sample("labels.tsv", repos, sample)
    # Every commit of the first sample stays out of the held-out one.
    first = {(r[0], r[1]) for r in rows} | listed["labels.tsv"]
    heldout = draw(repos, HELDOUT_SEED, 0, HELDOUT_HINT, HELDOUT_RANDOM, exclude=first)
    heldout_rows = write_sample("labels_heldout.tsv", repos, heldout)
    # Every commit of either earlier sample stays out of the third.
    earlier = first | {(r[0], r[1]) for r in heldout_rows} | listed["labels_heldout.tsv"]
    third = draw(repos, THIRD_SEED, 0, THIRD_HINT, THIRD_RANDOM, exclude=earlier)
    third_rows = write_sample("labels_third.tsv", repos, third)
    # Every commit of the three earlier samples stays out of the fourth.
    earlier |= {(r[0], r[1]) for r in third_rows} | listed["labels_third.tsv"]
    fourth = draw(repos, FOURTH_SEED, 0, FOURTH_HINT, FOURTH_RANDOM, exclude=earlier)
    fourth_rows = write_sample("labels_fourth.tsv", repos, fourth)
    write_summary(repos, manifest, shares, [("labels.tsv", rows, sample),
                                            ("labels_heldout.tsv", heldout_rows, heldout),
                                            ("labels_third.tsv", third_rows, third),
                                            ("labels_fourth.tsv", fourth_rows, fourth)])


def write_sample(filename, repos, sample):
    """Write a sample's rows into `filename`, keeping the hand labels it already holds."""
    path = os.path.join(HERE, filename)
    old = read_labels(path)
    sample.sort(key=lambda r: (r[0], r[2], r[1].time, r[1].sha))
    rows = []
    by_sha_of = {name: {c.sha: c for c in commits} for name, commits in repos}
    for name, c, stratum in sample:
        label = old.get((name, c.sha), {"label": "?", "tool": "-", "reason": "-"})
        trailers = "\n".join(f"{k}: {v}" for k, v in c.trailers)
        kinds = hard_kinds(c, by_sha_of[name]) if stratum == "hard" else []
        rows.append([name, c.sha, iso(c.time), stratum, ",".join(kinds + hints_of(c)) or "-",
                     label["label"], label["tool"], label["reason"], c.author_name,
                     c.author_email, str(len(c.parents)), trailers, excerpt_message(c.message)])
    write_tsv(filename, COLUMNS, rows)
    dropped = set(old) - {(r[0], r[1]) for r in rows}
    if dropped:
        print(f"note: {filename}: {len(dropped)} labelled rows are no longer drawn (other tips?)",
              file=sys.stderr)
    return rows


# The evidence an AI label rests on, as the third and fourth samples' reasons name it first (after an
# optional "unclear: "): the share resting on prose alone is how much of the truth no trailer,
# account or marker carries. Read from the hand labels, not decided by this script.
BASES = ["trailer", "co-author line", "account", "author", "marker", "prose"]


def basis_of(reason):
    reason = reason[len("unclear: "):] if reason.startswith("unclear: ") else reason
    return next((b for b in BASES if reason.startswith(b + ":")), "(none named)")


def score_rule(filename, rows, sample, breakdown=False):
    """The sample's strata and hand labels, and this script's rule scored against them; with
    `breakdown`, the labels by stratum, repository, tool and evidence basis, the `unclear:`
    rows and the rule's misses as well."""
    lines = []
    by_sha = {(name, c.sha): c for name, c, _ in sample}
    labelled = [r for r in rows if r[5] != "?"]
    tp = fp = fn = tn = level_ok = 0
    misses = []
    for r in labelled:
        truth = r[5] != "none"
        e = evidence(by_sha[(r[0], r[1])])
        if e and truth:
            tp += 1
            level_ok += e[0] == r[5]
        elif e:
            fp += 1
            misses.append(f"{r[0]} {r[1][:12]} (FP: {e[0]}, {e[1]})")
        elif truth:
            fn += 1
            misses.append(f"{r[0]} {r[1][:12]} (FN: {r[5]}, {r[6]})")
        else:
            tn += 1
    counts = collections.Counter(r[5] for r in rows)
    lines += [f"`{filename}`: {len(rows)} commits ({sum(r[3] == 'hard' for r in rows)} hard, "
              f"{sum(r[3] == 'hint' for r in rows)} hint, "
              f"{sum(r[3] == 'random' for r in rows)} random); hand labels: "
              + ", ".join(f"{k} {counts[k]}" for k in sorted(counts)) + ".", ""]
    if labelled:
        lines.append(f"This script's evidence rule against the hand labels ({len(labelled)} rows): "
                     f"TP {tp}, FP {fp}, FN {fn}, TN {tn}; precision {share(tp, tp + fp)}, "
                     f"recall {share(tp, tp + fn)}; level right on {level_ok} of {tp}.")
    if breakdown and labelled:
        lines += ["", f"Its misses: {'; '.join(misses) or 'none'}."] + label_breakdown(labelled)
    return lines


def label_breakdown(labelled):
    """The hand labels of a sample by stratum, repository, tool and evidence basis."""
    levels = ["none", "assisted", "agent"]

    def counts(subset):
        c = collections.Counter(r[5] for r in subset)
        return " / ".join(str(c[k]) for k in levels)

    ai = [r for r in labelled if r[5] != "none"]
    lines = ["", "Hand labels (none / assisted / agent) by stratum: "
             + "; ".join(f"{s} {counts([r for r in labelled if r[3] == s])}"
                         for s in ("hint", "random") if any(r[3] == s for r in labelled)) + ".",
             "", "| repo | none | assisted | agent |", "|---|---:|---:|---:|"]
    for repo in dict.fromkeys(r[0] for r in labelled):  # in the file's order
        c = collections.Counter(r[5] for r in labelled if r[0] == repo)
        lines.append(f"| {repo} | " + " | ".join(str(c[k]) for k in levels) + " |")
    tools = collections.Counter(r[6] for r in ai)
    bases = collections.Counter(basis_of(r[7]) for r in ai)
    prose = [r for r in ai if basis_of(r[7]) == "prose"]
    unclear = [r for r in labelled if r[7].startswith("unclear:")]
    lines += ["", f"Tools among the {len(ai)}: "
              + ", ".join(f"{t} {n}" for t, n in sorted(tools.items(), key=lambda x: (-x[1], x[0])))
              + ".", "",
              f"Evidence the {len(ai)} rest on (the reason's first word): "
              + ", ".join(f"{b} {bases[b]}" for b in BASES + ["(none named)"] if bases[b]) + ".",
              "",
              f"Labelled from prose alone (no trailer, no agent account, no tool-written marker "
              f"line): {len(prose)} of {len(ai)} AI rows, {len(prose)} of {len(labelled)} rows"
              + (": " + "; ".join(f"{r[0]} {r[1][:12]}" for r in prose) if prose else "") + ".",
              "",
              f"Rows whose reason starts `unclear:`: {len(unclear)}"
              + (": " + "; ".join(f"{r[0]} {r[1][:12]} ({r[5]})" for r in unclear) if unclear
                 else "") + "."]
    return lines


def share(part, whole):
    return f"{part / whole:.3f}" if whole else "-"


def write_tsv(filename, header, rows):
    with open(os.path.join(HERE, filename), "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for row in rows:
            f.write("\t".join(escape(str(v)) for v in row) + "\n")


def write_summary(repos, manifest, shares, samples):
    lines = ["| repo | tip date | commits since " + SINCE + " | AI commits (assisted / agent) | share |"
             " landed PRs | AI PRs (assisted / agent) | share |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for name, tip, date, _, _ in manifest:
        mine = [s for s in shares if s[0] == name]
        t = [sum(s[i] for s in mine) for i in (2, 3, 4, 6, 7, 8)]
        lines.append(f"| {name} | {date} | {t[0]} | {t[1] + t[2]} ({t[1]} / {t[2]}) | "
                     f"{share(t[1] + t[2], t[0])} | {t[3]} | {t[4] + t[5]} ({t[4]} / {t[5]}) | "
                     f"{share(t[4] + t[5], t[3])} |")
    # Over time: each repository's share of commits with explicit AI evidence, by half-year.
    halves = sorted({s[1][:4] + ("-H1" if s[1][5:] <= "06" else "-H2") for s in shares})
    lines += ["", "Share of commits with explicit AI evidence (assisted + agent), by half-year "
              "(commits in brackets):", "", "| repo | " + " | ".join(halves) + " |",
              "|---|" + "---:|" * len(halves)]
    for name, *_ in manifest:
        cells = []
        for h in halves:
            mine = [s for s in shares if s[0] == name
                    and s[1][:4] + ("-H1" if s[1][5:] <= "06" else "-H2") == h]
            n = sum(s[2] for s in mine)
            ai = sum(s[3] + s[4] for s in mine)
            cells.append(f"{100 * ai / n:.0f} % ({n})" if n else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for filename, rows, sample in samples:
        lines += [""] + score_rule(filename, rows, sample, breakdown=filename in ("labels_third.tsv", "labels_fourth.tsv"))
    with open(os.path.join(HERE, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
