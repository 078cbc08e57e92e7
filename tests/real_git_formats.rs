//! The git source's reading of landed changes on the real corpus (`tests/data/real`): for each
//! repository, the committed messages of `trailers.jsonl` (real commit messages, 250 per
//! repository) read by `git::message`, and the share of them recognised as a change of the
//! convention the corpus README gives for that repository, with its number, author and
//! approvers. Whole-clone figures are in `tests/data/real/NOTES.md` ("Fixed"), with the
//! command that measured them (`whole_clones_…` below, ignored: it needs the clones).
//!
//! What a message alone cannot tell is left to `normalize`'s and `git_source.rs`'s tests: the
//! merge queue (a `(#N)` subject on two parents, read with `parse_commit`) and the changes of
//! commits that name none (every other landed commit is one, by its sha).

use std::path::{Path, PathBuf};

use teamlens::sources::git::message::{self, MergeKind, MessageFacts};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/real")
}

/// `(commit, message)` of a repository's `trailers.jsonl` (`owner__name`).
fn messages(repo: &str) -> Vec<(String, String)> {
    let path = corpus().join(repo).join("trailers.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let row: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            (
                row["commit"].as_str().expect("commit").to_string(),
                row["message"].as_str().expect("message").to_string(),
            )
        })
        .collect()
}

/// Lines of the message (after the subject) that start with `prefix`.
fn body_lines<'a>(message: &'a str, prefix: &str) -> Vec<&'a str> {
    message
        .lines()
        .skip(1)
        .filter(|l| l.starts_with(prefix))
        .collect()
}

/// How many of the messages a predicate selects were read as expected; prints the misses.
struct Tally {
    what: String,
    selected: usize,
    read: usize,
    misses: Vec<String>,
}

impl Tally {
    fn new(what: &str) -> Tally {
        Tally {
            what: what.to_string(),
            selected: 0,
            read: 0,
            misses: Vec::new(),
        }
    }

    fn count(&mut self, commit: &str, ok: bool, facts: &MessageFacts) {
        self.selected += 1;
        if ok {
            self.read += 1;
        } else {
            self.misses.push(format!(
                "{} {:?} #{:?} by {:?}, approvers {:?}",
                &commit[..12],
                facts.merge_kind,
                facts.pr_number,
                facts.pr_author,
                facts.approvers
            ));
        }
    }

    fn report(&self) -> String {
        format!(
            "{}: {} of {} ({:.1} %)",
            self.what,
            self.read,
            self.selected,
            100.0 * self.read as f64 / self.selected.max(1) as f64
        )
    }
}

/// The approvers a Phabricator `Reviewed By:` or Rietveld `LGTM=` line names, as the corpus
/// README counts them (split at `,` and blanks, `@` dropped).
fn listed(lines: &[&str], prefix: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in lines {
        for name in line[prefix.len()..].split([',', ' ']) {
            let name = name.trim().trim_start_matches('@');
            if !name.is_empty() && !out.iter().any(|n| n == name) {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// folly: every message with a `Differential Revision: D…` line is a Phabricator change with
/// that number, and names exactly its `Reviewed By` approvers. A `Revert D123: …` commit
/// writes `Differential Revision:` alone with the reverted diff on the next line (folly
/// 140e8ccd92c6, 51f66818e540, 5f59d5fd44ef; 190 in the whole history): that number is the
/// reverted change's, so the revert is no revision of its own (it is a change by its sha).
#[test]
fn folly_phabricator_revisions_are_changes_with_their_reviewers() {
    let mut revisions = Tally::new("facebook/folly: Differential Revision → change");
    let mut reviewed = Tally::new("facebook/folly: Reviewed By → approvers");
    for (commit, text) in messages("facebook__folly") {
        let facts = message::parse(&text);
        let revision = body_lines(&text, "Differential Revision:");
        if let Some(line) = revision.first() {
            if line.trim_end() == "Differential Revision:" {
                assert_eq!(facts.pr_number, None, "{commit}: a revert's reverted diff");
                continue;
            }
            let number: Option<i64> = line
                .rsplit(['/', ' ', 'D'])
                .next()
                .and_then(|n| n.trim().parse().ok());
            let ok = facts.merge_kind == Some(MergeKind::Phabricator)
                && number.is_some()
                && facts.pr_number == number;
            revisions.count(&commit, ok, &facts);
        }
        let lines = body_lines(&text, "Reviewed By:");
        if !lines.is_empty() {
            let want = listed(&lines, "Reviewed By:");
            reviewed.count(&commit, !want.is_empty() && facts.approvers == want, &facts);
        }
    }
    println!("{}\n{}", revisions.report(), reviewed.report());
    assert!(revisions.selected >= 200, "{}", revisions.report());
    assert!(reviewed.selected >= 200, "{}", reviewed.report());
    assert_eq!(
        revisions.read, revisions.selected,
        "{:#?}",
        revisions.misses
    );
    assert_eq!(reviewed.read, reviewed.selected, "{:#?}", reviewed.misses);
}

/// rust-lang/cargo: every bors message (both subject forms, and bors-ng's `Merge #N`) has a PR
/// number, an author and at least one reviewer, except those whose `r=` names only a
/// placeholder (`r=new`, `r=update`, …), which have none.
#[test]
fn cargo_bors_merges_have_a_pr_an_author_and_reviewers() {
    let mut bors = Tally::new("rust-lang/cargo: bors merge → PR, author, reviewers");
    for (commit, text) in messages("rust-lang__cargo") {
        let subject = text.lines().next().unwrap_or("");
        let lower = subject.to_ascii_lowercase();
        if !lower.starts_with("auto merge of #") && !subject.starts_with("Merge #") {
            continue;
        }
        let facts = message::parse(&text);
        let placeholder_only = subject.rsplit("r=").next().is_some_and(|list| {
            list.split([',', '+', ' '])
                .filter(|t| !t.is_empty())
                .all(|t| ["me", "new", "update", "tinyfix", "the-whole-team"].contains(&t))
        });
        let ok = matches!(facts.merge_kind, Some(MergeKind::Bors | MergeKind::BorsNg))
            && facts.pr_number.is_some()
            && facts.pr_author.is_some()
            && (facts.approvers.is_empty() == placeholder_only);
        bors.count(&commit, ok, &facts);
    }
    println!("{}", bors.report());
    assert!(bors.selected >= 90, "{}", bors.report());
    assert_eq!(bors.read, bors.selected, "{:#?}", bors.misses);
}

/// The Go repositories: a `Reviewed-on:` message is a Gerrit change; a message ending in a
/// Rietveld CL line is a Rietveld change, approved by its `LGTM=` names (`R=` are requests).
#[test]
fn go_gerrit_and_rietveld_changes_are_read() {
    for repo in [
        "golang__crypto",
        "golang__net",
        "golang__sys",
        "golang__text",
        "golang__tools",
    ] {
        let mut gerrit = Tally::new(&format!("{repo}: Reviewed-on → Gerrit change"));
        let mut rietveld = Tally::new(&format!("{repo}: CL line → Rietveld change + LGTM"));
        for (commit, text) in messages(repo) {
            let facts = message::parse(&text);
            if facts
                .trailers
                .iter()
                .any(|t| t.key.eq_ignore_ascii_case("Reviewed-on"))
            {
                let ok = facts.merge_kind == Some(MergeKind::Gerrit)
                    && facts.pr_number.is_some()
                    && facts.url.is_some();
                gerrit.count(&commit, ok, &facts);
                continue;
            }
            let last = text.lines().rev().find(|l| !l.trim().is_empty());
            let cl = last.is_some_and(|l| {
                l.contains("golang.org/cl/") || l.contains("codereview.appspot.com/")
            });
            if cl {
                let want = listed(&body_lines(&text, "LGTM="), "LGTM=");
                let ok = facts.merge_kind == Some(MergeKind::Rietveld)
                    && facts.pr_number.is_some()
                    && facts.url.is_some()
                    && facts.approvers == want;
                rietveld.count(&commit, ok, &facts);
            }
        }
        println!("{}\n{}", gerrit.report(), rietveld.report());
        assert!(gerrit.selected >= 150, "{}", gerrit.report());
        assert!(rietveld.selected >= 15, "{}", rietveld.report());
        assert_eq!(gerrit.read, gerrit.selected, "{:#?}", gerrit.misses);
        assert_eq!(rietveld.read, rietveld.selected, "{:#?}", rietveld.misses);
    }
}

/// GitHub histories (flask, rustup, tokio): `Merge pull request #N from user/branch` names the
/// PR and its author; a `(#N)` subject names the PR (a squash on one parent, the merge queue on
/// two). git/git (kernel style) names no PR in any message: each commit is its own change.
#[test]
fn github_merges_and_squashes_name_their_pr_and_kernel_commits_none() {
    for repo in ["pallets__flask", "rust-lang__rustup", "tokio-rs__tokio"] {
        let mut merges = Tally::new(&format!("{repo}: Merge pull request → PR + author"));
        let mut squashes = Tally::new(&format!("{repo}: (#N) subject → PR"));
        for (commit, text) in messages(repo) {
            let facts = message::parse(&text);
            let subject = text.lines().next().unwrap_or("").trim();
            if subject.starts_with("Merge pull request #") {
                let ok = facts.merge_kind == Some(MergeKind::GitHubMerge)
                    && facts.pr_number.is_some()
                    && facts.pr_author.is_some();
                merges.count(&commit, ok, &facts);
            } else if subject.starts_with("Auto merge of") {
                continue;
            } else if let Some(open) = subject.rfind("(#")
                && subject.ends_with(')')
                && subject[open + 2..subject.len() - 1]
                    .chars()
                    .all(|c| c.is_ascii_digit())
            {
                let ok =
                    facts.merge_kind == Some(MergeKind::GitHubSquash) && facts.pr_number.is_some();
                squashes.count(&commit, ok, &facts);
            }
        }
        println!("{}\n{}", merges.report(), squashes.report());
        assert_eq!(merges.read, merges.selected, "{:#?}", merges.misses);
        assert_eq!(squashes.read, squashes.selected, "{:#?}", squashes.misses);
    }
    let tokio = messages("tokio-rs__tokio");
    let named = tokio
        .iter()
        .filter(|(_, t)| message::parse(t).pr_number.is_some())
        .count();
    assert!(named >= 200, "tokio: {named} of {} name a PR", tokio.len());
    let git = messages("git__git");
    let misread: Vec<&String> = git
        .iter()
        .filter(|(_, t)| message::parse(t).pr_number.is_some())
        .map(|(c, _)| c)
        .collect();
    assert!(
        misread.is_empty(),
        "git/git commits read as PRs: {misread:?}"
    );
}

/// The whole clones (not committed; `/work/.mirror/<owner>+<name>/repo`, or the directory
/// `TEAMLENS_REAL_MIRRORS` names), read by `git log` and turned into rows by the git source's
/// own `normalize::rows` (without line counts): per repository, the changes it makes by kind,
/// how many have an approver, and for the merge queue how many PR authors differ from the
/// merge's. The figures of NOTES.md ("Fixed") come from
/// `cargo test --test real_git_formats -- --ignored --nocapture`.
#[test]
#[ignore = "needs the clones of the corpus"]
fn whole_clones_every_landed_change_is_a_change() {
    use std::collections::{BTreeMap, HashMap};
    use teamlens::sources::git::normalize::{self, Links, People, ReviewRules};
    use teamlens::sources::git::read::RawCommit;
    use teamlens::sources::identities::Identities;

    let root = std::env::var_os("TEAMLENS_REAL_MIRRORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/.mirror"));
    let manifest = std::fs::read_to_string(corpus().join("manifest.tsv")).unwrap();
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        let (repo, tip) = (f[0], f[1]);
        let git_dir = root.join(repo.replace('/', "+")).join("repo");
        if !git_dir.is_dir() {
            println!("{repo}: no clone at {git_dir:?}");
            continue;
        }
        let out = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(&git_dir)
            .args([
                "log",
                "--format=%H%x00%P%x00%an%x00%ae%x00%at%x00%cn%x00%ce%x00%ct%x00%B%x1e",
                tip,
            ])
            .output()
            .expect("git log");
        let text = String::from_utf8_lossy(&out.stdout);
        let raw: Vec<RawCommit> = text
            .split('\x1e')
            .filter_map(|record| {
                let record = record.trim_start_matches('\n');
                let f: Vec<&str> = record.splitn(9, '\0').collect();
                (f.len() == 9).then(|| RawCommit {
                    sha: f[0].into(),
                    parents: f[1].split_whitespace().map(String::from).collect(),
                    author_name: f[2].into(),
                    author_email: f[3].into(),
                    author_time: f[4].parse().unwrap_or(0),
                    author_offset: 0,
                    committer_name: f[5].into(),
                    committer_email: f[6].into(),
                    committer_time: f[7].parse().unwrap_or(0),
                    message: f[8].into(),
                    files: None,
                    renames_not_detected: false,
                })
            })
            .collect();
        let commits = raw.len();
        let merges = raw.iter().filter(|c| c.parents.len() > 1).count();
        // Which commit is which: kinds and merge authors, before `rows` takes them.
        let facts: HashMap<String, (Option<MergeKind>, String)> = raw
            .iter()
            .map(|c| {
                let facts = message::parse_commit(&c.message, c.parents.len());
                (
                    c.sha.clone(),
                    (facts.merge_kind, c.author_email.to_lowercase()),
                )
            })
            .collect();
        let pr_sha: HashMap<i64, String> = raw
            .iter()
            .filter_map(|c| {
                message::parse_commit(&c.message, c.parents.len())
                    .pr_number
                    .map(|n| (n, c.sha.clone()))
            })
            .collect();
        let identities = Identities::from_people(&[]);
        let same = |n: &str, e: &str| (n.to_string(), e.to_string());
        let people = People::new(&identities, &same);
        let trailers = teamlens::config::default_review_trailers();
        let rules = ReviewRules {
            trailers: &trailers,
        };
        let links = Links {
            github: Some(format!("https://github.com/{repo}")),
        };
        let data = normalize::rows(repo, tip, raw, &people, &rules, &links);
        let approved: std::collections::BTreeSet<i64> = data
            .reviews
            .iter()
            .filter(|r| r.state == "approved")
            .map(|r| r.number)
            .collect();
        let mut kinds: BTreeMap<String, (usize, usize)> = BTreeMap::new();
        let mut queue_other_author = 0;
        for pr in &data.pull_requests {
            let kind = if pr.number < 0 {
                pr.labels.first().cloned().unwrap_or_default()
            } else {
                let (kind, merge_author) = pr_sha
                    .get(&pr.number)
                    .and_then(|sha| facts.get(sha))
                    .cloned()
                    .unwrap_or((None, String::new()));
                if kind == Some(MergeKind::MergeQueue) && pr.author != merge_author {
                    queue_other_author += 1;
                }
                format!("{kind:?}")
            };
            let entry = kinds.entry(kind).or_default();
            entry.0 += 1;
            entry.1 += usize::from(approved.contains(&pr.number));
        }
        let with_url = data
            .pull_requests
            .iter()
            .filter(|p| p.url.is_some())
            .count();
        println!(
            "{repo}: {commits} commits ({merges} merges), {} changes ({with_url} with a URL); \
             manifest: {}",
            data.pull_requests.len(),
            f[5]
        );
        for (kind, (n, with_approver)) in kinds {
            println!("    {kind}: {n} changes, {with_approver} with an approver");
        }
        if queue_other_author > 0 {
            println!(
                "    merge queue PRs authored by someone other than the merge's author: {queue_other_author}"
            );
        }
    }
}
