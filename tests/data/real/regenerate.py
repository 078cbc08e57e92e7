#!/usr/bin/env python3
"""Regenerate the real-history corpus under tests/data/real/ from git clones.

Independent of teamlens: standard library only, shares no code with the Rust parser.
Trailers are taken from git itself (`%(trailers:only,unfold)`), never parsed here.

Usage:
  python3 tests/data/real/regenerate.py owner/name=/path/to/git-dir [...]
      regenerate every excerpt of the named repositories (and manifest.tsv, summary.md)
  python3 tests/data/real/regenerate.py --check-trailers owner/name=/path/to/git-dir [...]
      read whole clones and print commits and commits-with-trailers per repository, and the total
  python3 tests/data/real/regenerate.py --propose-identities DIR owner/name=/path [...]
      write identities.proposed.tsv per repository into DIR (a starting point for the
      hand-checked identities.tsv; never written over the committed file)

Deterministic: fixed seed, sorted output, the tip commit read is recorded in manifest.tsv.
Inputs that are hand-checked (read, never written): <repo>/identities.tsv, <repo>/never_merge.tsv,
and the NOT_A_PERSON / BOT_EXTRA tables below.
"""

import argparse
import collections
import datetime
import json
import os
import random
import re
import subprocess
import sys
import unicodedata

SEED = 20  # issue #20
MAX_TRAILER_COMMITS = 250
MAX_HARD_PER_CATEGORY = 12
MAX_MESSAGE_BYTES = 2500  # longer messages are skipped, never truncated
TOP_PEOPLE = 30
TOP_BOTS = 50
HERE = os.path.dirname(os.path.abspath(__file__))

# bors/homu r= tokens that name no one (hand-checked in rust-lang/cargo's history).
NOT_A_PERSON = {"me", "new", "update", "tinyfix", "the-whole-team"}

# Automation accounts recognised by pattern; the evidence column says which pattern matched.
BOT_PATTERNS = [
    (r"\[bot\]", "GitHub App account ([bot] suffix)"),
    (r"^bors$|^bors@|^bors <|\bbors\b", "bors merge bot"),
    (r"^homu$|\bhomu\b", "homu merge bot"),
    (r"dependabot", "dependabot"),
    (r"renovate", "renovate"),
    (r"github-actions", "GitHub Actions"),
    (r"facebook-github-bot", "Meta's GitHub sync bot"),
    (r"generatedunixname", "Meta generated automation unixname"),
    (r"open source bot", "Meta 'Open Source Bot' hash updater"),
    (r"gopher robot|gobot@golang\.org|gopherbot", "Go's Gerrit submit/CI bot"),
    (r"^noreply@github\.com$|^github$", "GitHub web-flow (committer of web merges/squashes)"),
    (r"gserviceaccount\.com", "Google Cloud service account (Go LUCI)"),
    (r"noreply-gerritcodereview", "Gerrit server account"),
    (r"(^|[^a-z])bot@|[-_.]bot$|^bot[-_.]", "'bot' in the address"),
    (r"robot", "'robot' in the name"),
]
# Organisation logins that own PR branches of many people (hand-checked): never a person's login.
ORG_LOGINS = {"rust-lang", "rust-lang-nursery", "tokio-rs", "integer32llc", "loongarch-rs", "tweag",
              "pallets", "golang", "facebook", "git"}

# Hand-checked additions: (repo, value lower-cased) -> evidence. Values are names, e-mails or logins.
BOT_EXTRA = {}

COMMON_KEYS = {
    "signed-off-by", "reviewed-by", "acked-by", "tested-by", "reported-by", "suggested-by",
    "helped-by", "co-authored-by", "change-id", "reviewed-on", "run-trybot", "trybot-result",
    "luci-trybot-result", "auto-submit", "commit-queue", "trust", "github-last-rev",
    "github-pull-request", "fbshipit-source-id", "mentored-by", "noticed-by", "cc", "fixes",
    "gopls-ci", "signature", "fb-gh-sync-id", "shipit-source-id", "original-commit-changeset",
    "tasks", "closes", "refs",
}

FIELDS = ["hash", "parents", "an", "ae", "at", "cn", "ce", "ct", "message", "trailers"]
FORMAT = "%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B%x00%(trailers:only,unfold)%x00"


def git(gitdir, *args):
    return subprocess.run(
        ["git", "--git-dir", gitdir, "-c", "i18n.logOutputEncoding=UTF-8", *args],
        check=True, stdout=subprocess.PIPE,
    ).stdout


class Commit:
    __slots__ = FIELDS + ["exact", "first_parent"]


def read_repo(gitdir):
    raw = git(gitdir, "log", "HEAD", "--no-mailmap", "-z", "--format=" + FORMAT)
    parts = raw.split(b"\x00")
    commits = []
    i = 0
    n = len(FIELDS)
    while i + n <= len(parts):
        rec = parts[i:i + n]
        i += n + 1  # the empty field from -z between records
        c = Commit()
        texts = []
        exact = True
        for b in rec:
            try:
                texts.append(b.decode("utf-8"))
            except UnicodeDecodeError:
                texts.append(b.decode("utf-8", "replace"))
                exact = False
        (c.hash, parents, c.an, c.ae, at, c.cn, c.ce, ct, c.message, tr) = texts
        c.hash = c.hash.strip()
        c.parents = parents.split()
        c.at, c.ct = int(at), int(ct)
        c.exact = exact
        c.trailers = []
        for line in tr.split("\n"):
            if not line.strip():
                continue
            key, sep, value = line.partition(":")
            c.trailers.append([key, value.strip()])
        commits.append(c)
    fp = set(git(gitdir, "rev-list", "--first-parent", "HEAD").decode().split())
    for c in commits:
        c.first_parent = c.hash in fp
    return commits


def utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)


def day(ts):
    return utc(ts).strftime("%Y-%m-%d")


def month(ts):
    return utc(ts).strftime("%Y-%m")


def norm_name(name):
    s = unicodedata.normalize("NFKD", name)
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", s.casefold()).split())


# ---------------------------------------------------------------- hand-checked identities

class Identities:
    """identities.tsv: person, kind (email|login|name), value, evidence."""

    def __init__(self, path):
        self.by_key = {}
        self.rows = []
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                for n, line in enumerate(f):
                    line = line.rstrip("\n")
                    if n == 0 or not line or line.startswith("#"):
                        continue
                    person, kind, value, evidence = line.split("\t")
                    self.rows.append((person, kind, value, evidence))
                    self.by_key[key_of(kind, value)] = person

    def person(self, key):
        return self.by_key.get(key, key)


def key_of(kind, value):
    if kind == "name":
        return "name:" + norm_name(value)
    return kind + ":" + value.strip().lower()


def parse_person(value):
    """'Name <email>' -> (name, key)."""
    m = re.match(r"^(.*?)\s*<([^<>]*)>", value)
    if m and "@" in m.group(2):
        return m.group(1).strip().strip('"'), "email:" + m.group(2).strip().lower()
    v = value.strip()
    if re.fullmatch(r"[^\s@<>]+@[^\s@<>]+", v):
        return v, "email:" + v.lower()
    return v, "name:" + norm_name(v)


# ---------------------------------------------------------------- bots

class Bots:
    def __init__(self, repo):
        self.repo = repo

    def evidence(self, *values):
        for v in values:
            if not v:
                continue
            lv = v.lower()
            if (self.repo, lv) in BOT_EXTRA:
                return BOT_EXTRA[(self.repo, lv)]
            for pat, why in BOT_PATTERNS:
                if re.search(pat, lv):
                    return "%s: %r" % (why, v)
        return None


# ---------------------------------------------------------------- conventions

BORS_RE = re.compile(r"^[Aa]uto merge of #(\d+)\s*[-:]\s*([A-Za-z0-9_.-]+)[:/]\S*?,?\s+r=(.*)$")
GH_MERGE_RE = re.compile(r"^Merge pull request #(\d+) from ([^/\s]+)/")
SQUASH_RE = re.compile(r"\(#(\d+)\)\s*$")
PHAB_REV_RE = re.compile(r"^Differential Revision:\s*(\S+)", re.M)
PHAB_BY_RE = re.compile(r"^Reviewed By:\s*(.+?)\s*$", re.M)
RIETVELD_CL_RE = re.compile(r"^https?://(?:golang\.org/cl|codereview\.appspot\.com)/(\d+)\s*$", re.M)
LGTM_RE = re.compile(r"^LGTM=(.+?)\s*$", re.M)


def bors_tokens(text):
    out = []
    for tok in re.split(r"[,\s+]+", text):
        tok = re.sub(r"^[^A-Za-z0-9]+|[^A-Za-z0-9]+$", "", tok)
        if tok and tok.lower() not in NOT_A_PERSON and re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]*", tok):
            out.append(tok)
    return out


def repo_convention(commits):
    nonmerge = [c for c in commits if len(c.parents) < 2]
    keys = lambda c: {k.lower() for k, _ in c.trailers}
    gerrit = sum(1 for c in commits if "reviewed-on" in keys(c))
    sob = sum(1 for c in nonmerge if "signed-off-by" in keys(c))
    if gerrit >= 0.3 * len(commits):
        return "gerrit"
    if sob >= 0.5 * max(1, len(nonmerge)):
        return "kernel"
    return "github"


def classify(c, convention):
    """-> (kind, author_key, [(approver_key, shown)], records_approvals) or None if not a landed change."""
    subject = c.message.split("\n", 1)[0].strip()
    author = "email:" + c.ae.lower()
    m = BORS_RE.match(subject)
    if m and len(c.parents) == 2:
        return ("bors", "login:" + m.group(2).lower(),
                [("login:" + t.lower(), t) for t in bors_tokens(m.group(3))], True)
    if convention == "gerrit":
        tk = {k.lower() for k, _ in c.trailers}
        if "reviewed-on" in tk:
            apps = [parse_person(v) for k, v in c.trailers if k.lower() == "reviewed-by"]
            return ("gerrit", author, [(k, n) for n, k in apps], True)
        if RIETVELD_CL_RE.search(c.message):
            apps = []
            for line in LGTM_RE.findall(c.message):
                for tok in re.split(r"[,\s]+", line):
                    if tok:
                        apps.append(("email:" + tok.lower() if "@" in tok else "login:" + tok.lower(), tok))
            return ("rietveld", author, apps, True)
        return None
    if PHAB_REV_RE.search(c.message) or PHAB_BY_RE.search(c.message):
        apps = []
        for line in PHAB_BY_RE.findall(c.message):
            for tok in re.split(r"[,\s]+", line):
                tok = tok.lstrip("@")
                if tok:
                    apps.append(("email:" + tok.lower() if "@" in tok else "login:" + tok.lower(), tok))
        return ("phabricator", author, apps, True)
    if convention == "kernel":
        if len(c.parents) >= 2:
            return None
        apps = [parse_person(v) for k, v in c.trailers if k.lower() in ("reviewed-by", "acked-by")]
        return ("kernel", author, [(k, n) for n, k in apps], True)
    if not c.first_parent:
        return None
    m = GH_MERGE_RE.match(subject)
    if m and len(c.parents) == 2:
        return ("github-merge", "login:" + m.group(2).lower(), [], False)
    m = SQUASH_RE.search(subject)
    if m and len(c.parents) == 2:
        return ("merge-queue", author, [], False)
    if m and len(c.parents) == 1:
        return ("github-squash", author, [], False)
    return None


# ---------------------------------------------------------------- trailer excerpts

KV_RE = re.compile(r"^[A-Za-z0-9-]+\s*:")
SPACE_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]* [A-Za-z][A-Za-z0-9 -]*:\s")


def last_paragraph(message):
    lines = message.replace("\r\n", "\n").split("\n")
    while lines and not lines[-1].strip():
        lines.pop()
    start = len(lines)
    while start > 0 and lines[start - 1].strip():
        start -= 1
    if start == 0:
        return None  # the subject paragraph only
    return lines[start:]


def categories(c):
    cats = []
    msg = c.message
    tr = c.trailers
    para = last_paragraph(msg)
    if "\r" in msg:
        cats.append("crlf")
    if "(cherry picked from" in msg:
        cats.append("cherry-pick")
    if re.search(r"^---(\s|$)", msg, re.M):
        cats.append("patch-divider")
    if re.search(r"^(Conflicts:|#)", msg, re.M):
        cats.append("conflicts-or-comment")
    if any(k.lower() not in COMMON_KEYS for k, _ in tr):
        cats.append("unusual-key")
    if any(k != k.strip() or re.search(r"[^A-Za-z0-9-]", k) for k, _ in tr):
        cats.append("odd-key-chars")
    if any(not v for _, v in tr):
        cats.append("empty-value")
    if para is None:
        if KV_RE.match(msg) and not tr:
            cats.append("subject-looks-like-trailer")
        return cats
    if any(l != l.rstrip() for l in para):
        cats.append("trailing-whitespace")
    if tr:
        if any(l.lstrip().startswith("[") for l in para):
            cats.append("bracket-note")
        if any(l[:1] in (" ", "\t") for l in para):
            cats.append("continuation")
        if any(not KV_RE.match(l) and l[:1] not in (" ", "\t") and not l.startswith("(cherry picked from")
               for l in para):
            cats.append("mixed-block")
        if len(tr) < sum(1 for l in para if KV_RE.match(l)):
            cats.append("fewer-trailers-than-kv-lines")
    else:
        if any(KV_RE.match(l) for l in para):
            cats.append("kv-lines-not-a-block")
        if any(SPACE_KEY_RE.match(l) for l in para):
            cats.append("key-with-space")
    # a trailer block that is not the message's last paragraph (git ignored what follows)
    if tr and para and not any(l.startswith(tr[-1][0]) for l in para):
        cats.append("block-not-last-paragraph")
    return cats


def select_trailer_commits(commits):
    rng = random.Random(SEED)
    eligible = [c for c in commits if c.exact and len(c.message.encode()) <= MAX_MESSAGE_BYTES]
    eligible.sort(key=lambda c: c.hash)
    by_cat = collections.defaultdict(list)
    for c in eligible:
        for cat in categories(c):
            by_cat[cat].append(c)
    chosen = {}
    # rarest categories first, so that a small category is never crowded out
    for cat in sorted(by_cat, key=lambda k: (len(by_cat[k]), k)):
        pool = by_cat[cat]
        for c in rng.sample(pool, min(len(pool), MAX_HARD_PER_CATEGORY)):
            chosen.setdefault(c.hash, (c, []))
    for h, (c, cats) in chosen.items():
        cats.extend(categories(c))
    rest = [c for c in eligible if c.hash not in chosen]
    room = MAX_TRAILER_COMMITS - len(chosen)
    if room > 0:
        for c in rng.sample(rest, min(room, len(rest))):
            chosen[c.hash] = (c, ["random"])
    return sorted(chosen.values(), key=lambda x: x[0].hash)


# ---------------------------------------------------------------- analysis

class Repo:
    def __init__(self, name, gitdir):
        self.name = name
        self.gitdir = gitdir
        self.dir = os.path.join(HERE, name.replace("/", "__"))
        self.commits = read_repo(gitdir)
        self.tip = git(gitdir, "rev-parse", "HEAD").decode().strip()
        self.tip_date = git(gitdir, "log", "-1", "--format=%cI", "HEAD").decode().strip()
        self.convention = repo_convention(self.commits)
        self.ids = Identities(os.path.join(self.dir, "identities.tsv"))
        self.bots = Bots(name)
        self.changes = []
        for c in self.commits:
            r = classify(c, self.convention)
            if r:
                self.changes.append((c,) + r)

    # raw identity activity: role -> key -> {names, count, first, last}
    def activity(self):
        act = {r: collections.defaultdict(lambda: {"names": collections.Counter(), "count": 0,
                                                   "first": None, "last": None})
               for r in ("author", "committer", "reviewer")}

        def add(role, key, name, ts):
            a = act[role][key]
            a["names"][name] += 1
            a["count"] += 1
            a["first"] = ts if a["first"] is None else min(a["first"], ts)
            a["last"] = ts if a["last"] is None else max(a["last"], ts)

        for c in self.commits:
            add("author", "email:" + c.ae.lower(), c.an, c.at)
            add("committer", "email:" + c.ce.lower(), c.cn, c.ct)
        for c, kind, author, apps, rec in self.changes:
            for k in dict.fromkeys(k for k, _ in apps):
                shown = next(n for kk, n in apps if kk == k)
                add("reviewer", k, shown, c.ct)
        return act

    def top_people(self, act, role, n=TOP_PEOPLE):
        persons = collections.defaultdict(lambda: {"count": 0, "keys": []})
        for key, a in act[role].items():
            p = persons[self.ids.person(key)]
            p["count"] += a["count"]
            p["keys"].append(key)
        ranked = sorted(persons.items(), key=lambda kv: (-kv[1]["count"], kv[0]))
        return ranked[:n]

    def pr_heads(self):
        """(login, email key) -> PRs: a PR merged by bors or the merge button, named by its author's
        login, whose head commit (the merge's second parent) was authored with that address."""
        pr_heads = collections.Counter()
        head_total = collections.Counter()
        bycommit = {c.hash: c for c in self.commits}
        for c, kind, author, apps, rec in self.changes:
            if author.startswith("login:") and len(c.parents) == 2 and c.parents[1] in bycommit:
                h = bycommit[c.parents[1]]
                pr_heads[(author, "email:" + h.ae.lower())] += 1
                head_total["email:" + h.ae.lower()] += 1
        return pr_heads, head_total

    def is_bot_key(self, key, act=None):
        names = []
        if act:
            for role in act:
                if key in act[role]:
                    names += list(act[role][key]["names"])
        return self.bots.evidence(key.split(":", 1)[1], *names)


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            f.write("\t".join(str(x).replace("\t", " ").replace("\n", " ") for x in r) + "\n")


def write_trailers(repo):
    path = os.path.join(repo.dir, "trailers.jsonl")
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for c, cats in select_trailer_commits(repo.commits):
            f.write(json.dumps({"commit": c.hash, "categories": sorted(set(cats)),
                                "message": c.message, "git_trailers": c.trailers},
                               ensure_ascii=False, sort_keys=False) + "\n")


def write_people(repo, act):
    rows = []
    for role in ("author", "reviewer"):
        for rank, (person, p) in enumerate(repo.top_people(act, role), 1):
            for key in sorted(p["keys"], key=lambda k: (-act[role][k]["count"], k)):
                a = act[role][key]
                kind, value = key.split(":", 1)
                rows.append((role, rank, person, p["count"], a["names"].most_common(1)[0][0],
                             kind, value, a["count"], day(a["first"]), day(a["last"])))
    write_tsv(os.path.join(repo.dir, "people.tsv"),
              ["role", "rank", "person", "person_count", "name", "kind", "value", "count", "first", "last"],
              rows)


def bot_rows(repo, act):
    rows = []
    for role in ("author", "committer", "reviewer"):
        ranked = sorted(act[role].items(), key=lambda kv: (-kv[1]["count"], kv[0]))[:TOP_BOTS]
        for rank, (key, a) in enumerate(ranked, 1):
            ev = repo.is_bot_key(key, act)
            if ev:
                kind, value = key.split(":", 1)
                rows.append((role, rank, a["names"].most_common(1)[0][0], kind, value, a["count"], ev))
    return rows


def approvals(repo, act):
    """Per month: landed changes, approvals after identity grouping, minus self-votes and bots."""
    bot_cache = {}

    def is_bot(key):
        if key not in bot_cache:
            bot_cache[key] = bool(repo.is_bot_key(key, act))
        return bot_cache[key]

    months = collections.OrderedDict()
    per_change = []
    for c, kind, author, apps, rec in repo.changes:
        m = month(c.ct)
        ap = set()
        aperson = repo.ids.person(author)
        aname = norm_name(c.an)
        for k, shown in apps:
            p = repo.ids.person(k)
            if p == aperson or k == author or is_bot(k):
                continue
            if kind in ("gerrit", "kernel") and len(aname.split()) >= 2 and norm_name(shown) == aname:
                continue  # the author's own vote under another address
            ap.add(p)
        per_change.append((m, rec, ap))
    if not per_change:
        return []
    first = min(m for m, _, _ in per_change)
    last = max(m for m, _, _ in per_change)
    by_month = collections.defaultdict(list)
    for m, rec, ap in per_change:
        by_month[m].append((rec, ap))

    def stats(items):
        recorded = [ap for rec, ap in items if rec]
        if items and not recorded:
            return None  # every change landed by a way that records no approval
        with_app = [ap for ap in recorded if ap]
        n = len(with_app)
        cnt = collections.Counter(p for ap in with_app for p in ap)
        ranked = sorted(cnt.items(), key=lambda kv: (-kv[1], kv[0]))
        top, tshare = (ranked[0][0], ranked[0][1] / n) if ranked else ("", 0.0)
        rshare = ranked[1][1] / n if len(ranked) > 1 else 0.0
        ge15 = sum(1 for _, v in ranked if v / n >= 0.15) if n else 0
        return {"n": n, "top": top, "top_share": tshare, "runner": rshare, "ge15": ge15}

    ym = lambda s: (int(s[:4]), int(s[5:]))
    def add_months(s, k):
        y, mo = ym(s)
        t = y * 12 + (mo - 1) + k
        return "%04d-%02d" % (t // 12, t % 12 + 1)

    rows = []
    m = first
    while m <= last:
        items = by_month.get(m, [])
        window = [it for k in (-2, -1, 0) for it in by_month.get(add_months(m, k), [])]
        s, w = stats(items), stats(window)
        nr = "not recorded"
        fmt = lambda x: "%.3f" % x
        if w is None:
            dominant = shared = nr
        else:
            dominant = "yes" if (w["n"] >= 15 and w["top_share"] >= 0.70
                                 and w["runner"] <= w["top_share"] / 2) else "no"
            shared = "yes" if (w["n"] >= 15 and w["top_share"] <= 0.35 and w["ge15"] >= 3) else "no"
        rows.append((m, len(items),
                     nr if s is None else s["n"], nr if s is None else s["top"],
                     nr if s is None else fmt(s["top_share"]), nr if s is None else fmt(s["runner"]),
                     nr if s is None else s["ge15"],
                     nr if w is None else w["n"], nr if w is None else w["top"],
                     nr if w is None else fmt(w["top_share"]), nr if w is None else fmt(w["runner"]),
                     nr if w is None else w["ge15"], dominant, shared))
        m = add_months(m, 1)
    return rows


APPROVAL_HEADER = ["month", "landed_changes", "changes_with_approver", "top_approver", "top_share",
                   "runner_up_share", "approvers_ge15", "w3_changes_with_approver", "w3_top_approver",
                   "w3_top_share", "w3_runner_up_share", "w3_approvers_ge15", "dominant", "shared"]


def split_count(repo, act):
    persons = {}
    for role in ("author", "reviewer"):
        for person, p in repo.top_people(act, role):
            persons.setdefault(person, set()).update(p["keys"])
    split = sum(1 for keys in persons.values()
                if len({k for k in keys if not k.startswith("name:")}) >= 2)
    return len(persons), split


def regenerate(repos):
    manifest = []
    summary = []
    for name, gitdir in repos:
        repo = Repo(name, gitdir)
        os.makedirs(repo.dir, exist_ok=True)
        act = repo.activity()
        write_trailers(repo)
        write_people(repo, act)
        brows = bot_rows(repo, act)
        write_tsv(os.path.join(repo.dir, "bots.tsv"),
                  ["role", "rank", "name", "kind", "value", "count", "evidence"], brows)
        heads, _ = repo.pr_heads()
        write_tsv(os.path.join(repo.dir, "pr_heads.tsv"), ["login", "email", "prs"],
                  sorted((l[6:], e[6:], n) for (l, e), n in heads.items()))
        arows = approvals(repo, act)
        write_tsv(os.path.join(repo.dir, "approvals_monthly.tsv"), APPROVAL_HEADER, arows)
        kinds = collections.Counter(k for _, k, _, _, _ in repo.changes)
        conv = "+".join(k for k, v in kinds.most_common() if v >= 0.05 * len(repo.changes))
        with_tr = sum(1 for c in repo.commits if c.trailers)
        npersons, nsplit = split_count(repo, act)
        bots = sorted({(r[3], r[4]) for r in brows})
        dom = sum(1 for r in arows if r[12] == "yes")
        sha = sum(1 for r in arows if r[13] == "yes")
        manifest.append((name, repo.tip, repo.tip_date, len(repo.commits), conv,
                         " ".join("%s=%d" % kv for kv in sorted(kinds.items()))))
        summary.append((name, len(repo.commits), "%.1f" % (100 * with_tr / len(repo.commits)),
                        conv, len(repo.changes), len(bots), npersons, nsplit, dom, sha))
        print("read %s: %d commits, tip %s" % (name, len(repo.commits), repo.tip[:12]), file=sys.stderr)
    manifest.sort()
    summary.sort()
    write_tsv(os.path.join(HERE, "manifest.tsv"),
              ["repo", "tip", "tip_date", "commits", "convention", "landed_changes_by_kind"], manifest)
    lines = ["| repo | commits | % with git trailers | convention | landed changes | bots found "
             "| top-30 people | split identities | dominant months | shared months |",
             "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in summary:
        lines.append("| " + " | ".join(str(x) for x in r) + " |")
    total = sum(r[1] for r in summary)
    lines.append("| **total (%d repositories)** | **%d** | | | %d | %d | %d | %d | %d | %d |" % (
        len(summary), total, sum(r[4] for r in summary), sum(r[5] for r in summary),
        sum(r[6] for r in summary), sum(r[7] for r in summary), sum(r[8] for r in summary),
        sum(r[9] for r in summary)))
    text = "\n".join(lines) + "\n"
    with open(os.path.join(HERE, "summary.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(text)


def check_trailers(repos):
    total = total_tr = 0
    print("repo\tcommits\twith_git_trailers\ttip")
    for name, gitdir in sorted(repos):
        commits = read_repo(gitdir)
        tip = git(gitdir, "rev-parse", "HEAD").decode().strip()
        n_tr = sum(1 for c in commits if c.trailers)
        total += len(commits)
        total_tr += n_tr
        print("%s\t%d\t%d\t%s" % (name, len(commits), n_tr, tip))
    print("total\t%d\t%d\t%d repositories" % (total, total_tr, len(repos)))


# ---------------------------------------------------------------- identity proposals

def propose(repos, outdir):
    for name, gitdir in repos:
        repo = Repo(name, gitdir)
        act = repo.activity()
        parent = {}

        def find(x):
            parent.setdefault(x, x)
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        evidence = collections.defaultdict(list)

        def union(a, b, why):
            evidence[a].append(why)
            evidence[b].append(why)
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[rb] = ra

        names = collections.defaultdict(collections.Counter)
        for role in act:
            for key, a in act[role].items():
                find(key)
                for n, k in a["names"].items():
                    names[key][n] += k
        # 1. .mailmap of HEAD, as git itself reads it (git check-mailmap), per (name, e-mail) seen;
        #    an address that maps to different people (a shared address) is not merged.
        pairs = sorted((n, key[6:]) for key in names if key.startswith("email:") for n in names[key])
        try:
            git(gitdir, "cat-file", "-e", "HEAD:.mailmap")
            has_mailmap = True
        except subprocess.CalledProcessError:
            has_mailmap = False
        if has_mailmap and pairs:
            inp = "".join("%s <%s>\n" % (n.replace("<", "").replace(">", ""), e) for n, e in pairs)
            out = subprocess.run(["git", "--git-dir", gitdir, "-c", "mailmap.blob=HEAD:.mailmap",
                                  "check-mailmap", "--stdin"], input=inp.encode(), check=True,
                                 stdout=subprocess.PIPE).stdout.decode("utf-8", "replace").splitlines()
            canon = collections.defaultdict(set)
            for (n, e), line in zip(pairs, out):
                m = re.search(r"<([^<>]*)>\s*$", line)
                if m:
                    canon[e].add(m.group(1).lower())
            for e, cs in canon.items():
                if len(cs) == 1 and next(iter(cs)) != e:
                    union("email:" + e, "email:" + next(iter(cs)), ".mailmap maps %s to %s" % (e, next(iter(cs))))
                elif len(cs) > 1:
                    evidence["email:" + e].append("shared address: .mailmap maps it to %s" % ", ".join(sorted(cs)))
        # 2. same full name (two words or more) as the dominant name of several addresses
        by_name = collections.defaultdict(set)
        for key, ns in names.items():
            n, k = ns.most_common(1)[0]
            if k * 2 < sum(ns.values()):
                continue
            nn = norm_name(n)
            if len(nn.split()) >= 2 and key.startswith(("email:", "name:")):
                by_name[nn].add(key)
        for nn, keys in by_name.items():
            keys = sorted(keys)
            for k in keys[1:]:
                union(keys[0], k, "same name %r" % nn)
        # 3. logins: GitHub noreply addresses, bors/GitHub-merge PR heads, Phabricator unixnames
        logins = {k for role in act for k in act[role] if k.startswith("login:")}
        for key in list(names):
            if not key.startswith("email:"):
                continue
            email = key[6:]
            m = re.match(r"^(?:(\d+)\+)?([^@]+)@users\.noreply\.github\.com$", email)
            if m:
                union("login:" + m.group(2).lower(), key, "GitHub noreply address of %s" % m.group(2))
                if m.group(1):
                    union("github-id:" + m.group(1), key, "GitHub account id %s (renamed logins keep it)" % m.group(1))
            local, _, domain = email.partition("@")
            if ("login:" + local) in logins and domain in ("fb.com", "meta.com", "golang.org", "google.com"):
                union("login:" + local, key, "login %s = local part of %s" % (local, email))
        pr_heads, head_total = repo.pr_heads()
        login_total = collections.Counter()
        for (login, email), n in pr_heads.items():
            login_total[login] += n
        for (login, email), n in pr_heads.items():
            if login[6:] in ORG_LOGINS:
                continue
            if n >= 2 and n >= 0.8 * head_total[email] and n >= 0.5 * login_total[login]:
                union(login, email, "PR head commit of %d PRs by %s" % (n, login[6:]))
        tops = set()
        for role in ("author", "reviewer"):
            ranked = sorted(act[role].items(), key=lambda kv: (-kv[1]["count"], kv[0]))
            # take a margin: grouping moves people up
            for key, _ in ranked[:TOP_PEOPLE * 2]:
                tops.add(find(key))
        groups = collections.defaultdict(list)
        for key in parent:
            groups[find(key)].append(key)
        rows = []
        for root in sorted(tops):
            keys = sorted(groups[root])
            label_names = collections.Counter()
            for k in keys:
                if k.startswith("email:"):
                    label_names.update(names.get(k, {}))
            if not label_names:
                for k in keys:
                    label_names.update(names.get(k, {}))
            person = label_names.most_common(1)[0][0] if label_names else root
            for k in keys:
                if k.startswith("github-id:"):
                    continue
                kind, value = k.split(":", 1)
                ev = "; ".join(sorted(set(evidence.get(k, []))))[:300] or "only address"
                rows.append((person, kind, value, ev))
        os.makedirs(os.path.join(outdir, name.replace("/", "__")), exist_ok=True)
        write_tsv(os.path.join(outdir, name.replace("/", "__"), "identities.proposed.tsv"),
                  ["person", "kind", "value", "evidence"], rows)
        print("proposed %s: %d rows" % (name, len(rows)), file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check-trailers", action="store_true")
    ap.add_argument("--propose-identities", metavar="DIR")
    ap.add_argument("repos", nargs="+", metavar="owner/name=GITDIR")
    args = ap.parse_args()
    repos = []
    for spec in args.repos:
        name, sep, gitdir = spec.partition("=")
        if not sep or "/" not in name:
            ap.error("expected owner/name=/path/to/git-dir, got %r" % spec)
        repos.append((name, gitdir))
    if args.check_trailers:
        check_trailers(repos)
    elif args.propose_identities:
        propose(repos, args.propose_identities)
    else:
        regenerate(repos)


if __name__ == "__main__":
    main()
