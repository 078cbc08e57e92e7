//! The git source end to end: repositories built with the `git` CLI in temp dirs, read by
//! `teamlens fetch git`, the stored tables and truck factors checked.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::process::Command;

use polars::prelude::*;
use serde_json::Value;
use support::git_repo::{fast_import, git, git_env, imported_repository, init};
use support::{read_json, teamlens};
use teamlens::store::Store;

/// Commits everything in the work tree as `name <email>` at `date` (RFC 3339 with offset).
fn commit(dir: &Path, name: &str, email: &str, date: &str, message: &str) -> String {
    commit_as(dir, OsStr::new(name), email, date, message)
}

fn commit_as(dir: &Path, name: &OsStr, email: &str, date: &str, message: &str) -> String {
    git(dir, &["add", "-A"]);
    let date = OsStr::new(date);
    git_env(
        dir,
        &["commit", "-q", "--allow-empty", "-m", message],
        &[
            ("GIT_AUTHOR_NAME", name),
            ("GIT_AUTHOR_EMAIL", OsStr::new(email)),
            ("GIT_AUTHOR_DATE", date),
            ("GIT_COMMITTER_NAME", name),
            ("GIT_COMMITTER_EMAIL", OsStr::new(email)),
            ("GIT_COMMITTER_DATE", date),
        ],
    );
    git(dir, &["rev-parse", "HEAD"])
}

fn merge(dir: &Path, branch: &str, date: &str, message: &str) -> String {
    let date = OsStr::new(date);
    git_env(
        dir,
        &["merge", "-q", "--no-ff", branch, "-m", message],
        &[
            ("GIT_AUTHOR_NAME", OsStr::new("bors")),
            ("GIT_AUTHOR_EMAIL", OsStr::new("bors@example.com")),
            ("GIT_AUTHOR_DATE", date),
            ("GIT_COMMITTER_NAME", OsStr::new("bors")),
            ("GIT_COMMITTER_EMAIL", OsStr::new("bors@example.com")),
            ("GIT_COMMITTER_DATE", date),
        ],
    );
    git(dir, &["rev-parse", "HEAD"])
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn fetch(data: &Path, repo: &Path) -> assert_cmd::assert::Assert {
    teamlens()
        .arg("--data-dir")
        .arg(data)
        .args(["fetch", "git"])
        .arg(repo)
        .assert()
}

/// `teamlens --config CONFIG --data-dir DATA fetch git REPO`.
fn configured_fetch(config: &Path, data: &Path, repo: &Path) -> assert_cmd::assert::Assert {
    teamlens()
        .arg("--config")
        .arg(config)
        .arg("--data-dir")
        .arg(data)
        .args(["fetch", "git"])
        .arg(repo)
        .assert()
}

fn table(data: &Path, name: &str) -> DataFrame {
    Store::open(data)
        .unwrap()
        .scan(name)
        .unwrap()
        .collect()
        .unwrap()
}

fn strs(frame: &DataFrame, column: &str) -> Vec<Option<String>> {
    frame
        .column(column)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn ints(frame: &DataFrame, column: &str) -> Vec<Option<i64>> {
    frame
        .column(column)
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect()
}

fn repo_state(data: &Path, name: &str) -> Value {
    read_json(&data.join("manifest.json"))["sources"]["git"]["repositories"][name].clone()
}

/// A history with every form the source reads: mailmap, offsets, a GitHub merge, a Gerrit
/// change, a bors merge, a rename, a malformed trailer and a non-UTF-8 author name.
fn rich_repository(dir: &Path) -> BTreeMap<&'static str, String> {
    init(dir);
    let mut shas = BTreeMap::new();
    write(dir, "src/a.rs", "one\ntwo\nthree\n");
    write(dir, "README.md", "hello\n");
    write(
        dir,
        ".mailmap",
        "Ana Lima <ana@example.com> <ana@old.example>\n",
    );
    shas.insert(
        "root",
        commit(
            dir,
            "ana",
            "ana@old.example",
            "2024-01-10T09:00:00+05:30",
            "Start",
        ),
    );
    git(dir, &["checkout", "-q", "-b", "feature"]);
    write(dir, "src/a.rs", "one\ntwo\nthree\nfour\n");
    shas.insert(
        "feature",
        commit(
            dir,
            "Leo",
            "leo@example.com",
            "2024-01-11T10:00:00-07:00",
            "Add four",
        ),
    );
    git(dir, &["checkout", "-q", "main"]);
    shas.insert(
        "github_merge",
        merge(
            dir,
            "feature",
            "2024-01-12T12:00:00+00:00",
            "Merge pull request #12 from leo/feature\n\nAdd the fourth line",
        ),
    );
    write(dir, "src/c.rs", "c\n");
    shas.insert(
        "gerrit",
        commit(
            dir,
            "Mei",
            "mei@example.com",
            "2024-01-13T08:00:00+09:00",
            "parser: fix\n\nLonger text.\n\nChange-Id: I0123\nReviewed-on: \
             https://go-review.googlesource.com/c/tools/+/4242\nReviewed-by: Ana Lima \
             <ana@old.example>\nAcked-by: Bo <bo@example.com>\n",
        ),
    );
    git(dir, &["checkout", "-q", "-b", "fix"]);
    write(dir, "src/c.rs", "c\nd\n");
    shas.insert(
        "bors_branch",
        commit(
            dir,
            "Ana Lima",
            "ana@example.com",
            "2024-01-14T09:00:00+01:00",
            "Fix c",
        ),
    );
    git(dir, &["checkout", "-q", "main"]);
    shas.insert(
        "bors",
        merge(
            dir,
            "fix",
            "2024-01-15T12:00:00+00:00",
            "Auto merge of #77 - ana:fix, r=mei,leo\n\nFix c\n",
        ),
    );
    git(dir, &["mv", "src/a.rs", "src/b.rs"]);
    shas.insert(
        "rename",
        commit(
            dir,
            "Leo",
            "leo@example.com",
            "2024-01-16T09:00:00-07:00",
            "Rename a to b",
        ),
    );
    write(dir, "notes.txt", "x\n");
    shas.insert(
        "malformed",
        commit(
            dir,
            "Leo",
            "leo@example.com",
            "2024-01-17T09:00:00-07:00",
            "Notes\n\nReviewed-by:\nnot a trailer: really\n",
        ),
    );
    write(dir, "latin.txt", "y\n");
    shas.insert(
        "latin1",
        commit_as(
            dir,
            OsStr::from_bytes(b"Jos\xe9"),
            "jose@example.com",
            "2024-01-18T09:00:00+02:00",
            "Latin-1 name",
        ),
    );
    shas
}

#[test]
fn commits_reviews_and_pull_requests_come_from_merges_trailers_and_the_mailmap() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("rich");
    std::fs::create_dir(&repo).unwrap();
    let shas = rich_repository(&repo);
    let data = tmp.path().join("data");
    fetch(&data, &repo).success();

    let commits = table(&data, "commits");
    assert_eq!(commits.height(), shas.len());
    let by_sha: BTreeMap<String, usize> = strs(&commits, "sha")
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s.unwrap(), i))
        .collect();
    let authors = strs(&commits, "author");
    let offsets = ints(&commits, "author_tz_offset_minutes");
    let prs = ints(&commits, "pr_number");
    let at = ints(&commits, "authored_at");
    let row = |key: &str| by_sha[&shas[key]];
    // .mailmap: the old address is Ana's canonical one.
    assert_eq!(authors[row("root")].as_deref(), Some("ana@example.com"));
    // UTC, with the author's own offset beside it.
    assert_eq!(offsets[row("root")], Some(330));
    assert_eq!(offsets[row("feature")], Some(-420));
    assert_eq!(
        at[row("root")],
        Some(
            chrono::DateTime::parse_from_rfc3339("2024-01-10T03:30:00Z")
                .unwrap()
                .timestamp_micros()
        )
    );
    // A merge owns the commits it brought in; Gerrit and bors name their changes.
    assert_eq!(prs[row("github_merge")], Some(12));
    assert_eq!(prs[row("feature")], Some(12));
    assert_eq!(prs[row("gerrit")], Some(4242));
    assert_eq!(prs[row("bors")], Some(77));
    assert_eq!(prs[row("bors_branch")], Some(77));
    // Every other landed commit is a change of its own, numbered from its sha.
    let own = |key: &str| Some(-i64::from_str_radix(&shas[key][..15], 16).unwrap() - 1);
    for key in ["root", "rename", "malformed", "latin1"] {
        assert_eq!(prs[row(key)], own(key), "{key}");
    }
    // A non-UTF-8 name is read (replaced bytes), and the person is their e-mail.
    assert_eq!(authors[row("latin1")].as_deref(), Some("jose@example.com"));
    // Merges carry no file statistics; others do.
    let files = ints(&commits, "files");
    assert_eq!(files[row("github_merge")], None);
    assert_eq!(files[row("root")], Some(3));

    let trailers = commits.column("trailers").unwrap().list().unwrap().clone();
    let trailers_of = |key: &str| -> Vec<String> {
        trailers
            .get_as_series(row(key))
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .flatten()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        trailers_of("gerrit"),
        vec![
            "Change-Id: I0123",
            "Reviewed-on: https://go-review.googlesource.com/c/tools/+/4242",
            "Reviewed-by: Ana Lima <ana@old.example>",
            "Acked-by: Bo <bo@example.com>",
        ]
    );
    assert!(trailers_of("malformed").is_empty());

    let reviews = table(&data, "reviews");
    let got: BTreeSet<(i64, String, String)> = ints(&reviews, "number")
        .into_iter()
        .zip(strs(&reviews, "reviewer"))
        .zip(strs(&reviews, "state"))
        .map(|((n, r), s)| (n.unwrap(), r.unwrap(), s.unwrap()))
        .collect();
    let want: BTreeSet<(i64, String, String)> = [
        (4242, "ana@example.com", "approved"),
        (4242, "bo@example.com", "commented"),
        (77, "mei", "approved"),
        (77, "leo", "approved"),
    ]
    .into_iter()
    .map(|(n, r, s)| (n, r.to_string(), s.to_string()))
    .collect();
    assert_eq!(got, want);

    let prs = table(&data, "pull_requests");
    let numbers: BTreeSet<i64> = ints(&prs, "number").into_iter().flatten().collect();
    let mut want: BTreeSet<i64> = [12, 77, 4242].into();
    want.extend(["root", "rename", "malformed", "latin1"].map(|k| own(k).unwrap()));
    assert_eq!(numbers, want);
    // Unreviewed, and labelled so; none of them links anywhere (no GitHub remote).
    let labels = prs.column("labels").unwrap().list().unwrap().clone();
    let label_of = |number: i64| -> Vec<String> {
        let i = ints(&prs, "number")
            .iter()
            .position(|n| *n == Some(number))
            .unwrap();
        let series = labels.get_as_series(i).unwrap();
        series
            .str()
            .unwrap()
            .iter()
            .flatten()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(label_of(own("root").unwrap()), ["git:commit"]);
    assert!(label_of(12).is_empty());
    let urls: BTreeMap<i64, Option<String>> = ints(&prs, "number")
        .into_iter()
        .zip(strs(&prs, "url"))
        .map(|(n, u)| (n.unwrap(), u))
        .collect();
    assert_eq!(
        urls[&4242].as_deref(),
        Some("https://go-review.googlesource.com/c/tools/+/4242")
    );
    assert_eq!(urls[&12], None);
    let pr_authors: BTreeMap<i64, String> = ints(&prs, "number")
        .into_iter()
        .zip(strs(&prs, "author"))
        .map(|(n, a)| (n.unwrap(), a.unwrap()))
        .collect();
    assert_eq!(pr_authors[&12], "leo");
    assert_eq!(pr_authors[&77], "ana");
    assert_eq!(pr_authors[&4242], "mei@example.com");

    // The rename is stored under the new path, and remembered for ownership.
    let changes = table(&data, "file_changes");
    let rename_paths: Vec<String> = strs(&changes, "sha")
        .into_iter()
        .zip(strs(&changes, "path"))
        .filter(|(s, _)| s.as_deref() == Some(shas["rename"].as_str()))
        .map(|(_, p)| p.unwrap())
        .collect();
    assert_eq!(rename_paths, vec!["src/b.rs"]);
    let state = repo_state(&data, "rich");
    assert_eq!(state["tip"], shas["latin1"].as_str());
    assert_eq!(
        state["renames"][0],
        serde_json::json!([shas["rename"], "src/a.rs", "src/b.rs"])
    );
}

#[test]
fn a_second_fetch_reads_only_new_commits_and_duplicates_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("inc");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    write(&repo, "a.txt", "1\n");
    commit(
        &repo,
        "Ana",
        "ana@example.com",
        "2024-02-01T09:00:00+00:00",
        "one",
    );
    let data = tmp.path().join("data");
    fetch(&data, &repo).success();
    assert_eq!(table(&data, "commits").height(), 1);
    fetch(&data, &repo)
        .success()
        .stdout(predicates::str::contains("0 commits"))
        .stdout(predicates::str::contains("up to date"));
    write(&repo, "a.txt", "1\n2\n");
    commit(
        &repo,
        "Ana",
        "ana@example.com",
        "2024-02-02T09:00:00+00:00",
        "two",
    );
    write(&repo, "b.txt", "b\n");
    let tip = commit(
        &repo,
        "Leo",
        "leo@example.com",
        "2024-02-03T09:00:00+00:00",
        "three",
    );
    fetch(&data, &repo)
        .success()
        .stdout(predicates::str::contains("inc: 2 commits"));
    let commits = table(&data, "commits");
    assert_eq!(commits.height(), 3);
    let unique: BTreeSet<_> = strs(&commits, "sha").into_iter().collect();
    assert_eq!(unique.len(), 3);
    assert_eq!(table(&data, "file_changes").height(), 3);
    assert_eq!(repo_state(&data, "inc")["tip"], tip.as_str());
}

#[test]
fn truck_factors_count_code_files_of_the_repository_and_its_top_level_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("tf");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    // Code: Ana alone knows src/, Leo alone knows lib/, Mei wrote build.rs at the root.
    // Removing Ana leaves 3 of the 5 code files with an author, removing Leo too leaves 1: the
    // truck factor is 2.
    for i in 0..3 {
        write(&repo, "src/x.rs", &"x\n".repeat(i + 1));
        write(&repo, "src/y.rs", &"y\n".repeat(i + 1));
        commit(
            &repo,
            "Ana",
            "ana@example.com",
            &format!("2024-03-0{}T09:00:00+00:00", i + 1),
            "src",
        );
    }
    write(&repo, "lib/a.py", "a\n");
    write(&repo, "lib/b.py", "b\n");
    commit(
        &repo,
        "Leo",
        "leo@example.com",
        "2024-03-05T09:00:00+00:00",
        "lib",
    );
    // Not code (documentation, a lockfile), so not counted: were they, Mei would hold 6 of 10
    // files and the truck factor would be 1.
    write(&repo, "build.rs", "fn main() {}\n");
    for name in ["a", "b", "c", "d", "e"] {
        write(&repo, &format!("docs/{name}.md"), "doc\n");
    }
    write(&repo, "Cargo.lock", "# generated\n");
    commit(
        &repo,
        "Mei",
        "mei@example.com",
        "2024-03-06T09:00:00+00:00",
        "docs",
    );
    // A deleted file is nobody's knowledge: it does not count.
    write(&repo, "old.rs", "o\n");
    commit(
        &repo,
        "Mei",
        "mei@example.com",
        "2024-03-07T09:00:00+00:00",
        "old",
    );
    std::fs::remove_file(repo.join("old.rs")).unwrap();
    commit(
        &repo,
        "Mei",
        "mei@example.com",
        "2024-03-08T09:00:00+00:00",
        "gone",
    );
    let data = tmp.path().join("data");
    fetch(&data, &repo)
        .success()
        .stdout(predicates::str::contains("truck factor 2"))
        .stdout(predicates::str::contains("over 5 code files"));
    let state = repo_state(&data, "tf");
    assert_eq!(state["truck_factor"], 2);
    assert_eq!(state["truck_factor_with_reviews"], 2);
    assert_eq!(
        state["module_truck_factors"]["src"],
        serde_json::json!([1, 1])
    );
    assert_eq!(
        state["module_truck_factors"]["lib"],
        serde_json::json!([1, 1])
    );
    // Documentation is no module; a file at the root counts for the repository only.
    assert!(state["module_truck_factors"].get("docs").is_none());
    assert!(state["module_truck_factors"].get(".").is_none());

    // `[knowledge] include` counts the documentation as code: Mei now holds 6 of 10 files.
    let config = tmp.path().join("teamlens.toml");
    std::fs::write(&config, "[knowledge]\ninclude = [\"docs/**\"]\n").unwrap();
    let data = tmp.path().join("data-docs");
    configured_fetch(&config, &data, &repo)
        .success()
        .stdout(predicates::str::contains("truck factor 1"))
        .stdout(predicates::str::contains("over 10 code files"));
    let state = repo_state(&data, "tf");
    assert_eq!(
        state["module_truck_factors"]["docs"],
        serde_json::json!([1, 1])
    );
}

#[test]
fn review_knowledge_raises_the_truck_factor() {
    // Ana makes three changes to two files, each reviewed by Leo (Reviewed-by trailers, no PR);
    // Leo makes two. Without reviews Leo is no author (DOA 3.27); with them he is (3.51).
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("rk");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    let mut day = 1;
    for i in 0..3 {
        write(&repo, "lib/p.rs", &"p\n".repeat(i + 1));
        write(&repo, "lib/q.rs", &"q\n".repeat(i + 1));
        commit(
            &repo,
            "Ana",
            "ana@example.com",
            &format!("2024-04-0{day}T09:00:00+00:00"),
            "change\n\nReviewed-by: Leo <leo@example.com>\n",
        );
        day += 1;
    }
    for i in 0..2 {
        write(&repo, "lib/p.rs", &"P\n".repeat(i + 1));
        write(&repo, "lib/q.rs", &"Q\n".repeat(i + 1));
        commit(
            &repo,
            "Leo",
            "leo@example.com",
            &format!("2024-04-0{day}T09:00:00+00:00"),
            "mine",
        );
        day += 1;
    }
    let data = tmp.path().join("data");
    fetch(&data, &repo).success();
    let state = repo_state(&data, "rk");
    assert_eq!(state["truck_factor"], 1);
    assert_eq!(state["truck_factor_with_reviews"], 2);
}

/// The ownership aggregates kept between fetches: an incremental fetch extends them (the log
/// says so) and ends with the same aggregates, truck factors and report line as a full fetch of
/// the same history into an empty store; a rename newer than everything stored is extended too,
/// and a lost cache means one full computation, not a wrong one.
#[test]
fn incremental_ownership_equals_a_full_computation() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = imported_repository(tmp.path(), "own", 300, 0x5EED_0001);
    let data = tmp.path().join("data");
    let cache = data.join("state/git/own.ownership.json");
    let logged_fetch = |data: &Path| {
        let output = teamlens()
            .env("TEAMLENS_LOG", "teamlens=info")
            .arg("--data-dir")
            .arg(data)
            .args(["fetch", "git"])
            .arg(&repo)
            .assert()
            .success();
        let out = output.get_output();
        let truck_line = String::from_utf8_lossy(&out.stdout)
            .lines()
            .find(|l| l.contains("truck factor"))
            .unwrap_or_default()
            .to_string();
        (truck_line, String::from_utf8_lossy(&out.stderr).to_string())
    };
    let (_, log) = logged_fetch(&data);
    assert!(!log.contains("aggregates extended"), "{log}");
    assert!(cache.exists());

    let compare_with_full = |label: &str, truck_line: &str| {
        let fresh = tmp.path().join(format!("fresh-{label}"));
        let (fresh_line, fresh_log) = logged_fetch(&fresh);
        assert!(!fresh_log.contains("aggregates extended"), "{fresh_log}");
        assert_eq!(truck_line, fresh_line, "{label}");
        for key in [
            "truck_factor",
            "truck_factor_with_reviews",
            "module_truck_factors",
        ] {
            assert_eq!(
                repo_state(&data, "own")[key],
                repo_state(&fresh, "own")[key],
                "{label}: {key}"
            );
        }
        let histories =
            |d: &Path| read_json(&d.join("state/git/own.ownership.json"))["histories"].clone();
        assert_eq!(histories(&data), histories(&fresh), "{label}");
    };

    // 50 commits authored before the stored ones (fast_import's clock restarts): first authors
    // change, counts add up.
    fast_import(&repo, 50, 300, 0x5EED_0002);
    git(&repo, &["reset", "-q", "--hard", "main"]);
    let (line, log) = logged_fetch(&data);
    assert!(log.contains("own: ownership aggregates extended"), "{log}");
    assert!(line.contains("truck factor"), "{line}");
    compare_with_full("older", &line);

    // A rename after everything stored carries the file's aggregates to its new path.
    let renamed = "m03/sub0/f003.txt";
    git(&repo, &["mv", renamed, "m03/moved.txt"]);
    commit(
        &repo,
        "Mei",
        "mei@example.com",
        "2030-01-01T09:00:00+00:00",
        "move",
    );
    let (line, log) = logged_fetch(&data);
    assert!(log.contains("own: ownership aggregates extended"), "{log}");
    compare_with_full("renamed", &line);
    let histories = read_json(&cache)["histories"]["files"].clone();
    assert!(histories.get("m03/moved.txt").is_some() && histories.get(renamed).is_none());

    // Without its cache the next fetch computes from the stored history, to the same result.
    std::fs::remove_file(&cache).unwrap();
    write(&repo, "m03/moved.txt", "rewritten\n");
    commit(
        &repo,
        "Ana",
        "ana@example.com",
        "2030-01-02T09:00:00+00:00",
        "rewrite",
    );
    let (line, log) = logged_fetch(&data);
    assert!(!log.contains("aggregates extended"), "{log}");
    compare_with_full("uncached", &line);
}

/// Kernel style: a commit reviewed by mail (`Reviewed-by:`, `Acked-by:`, `Tested-by:`) and no
/// PR is its own change: a `pull_requests` row with a negative number from its sha and the
/// `git:reviewed-commit` label, with its reviews, so the review metrics see it. A commit whose
/// only trailer is its author's own, or that has none, is a change too, labelled `git:commit`
/// and without reviews: landed without review.
#[test]
fn a_reviewed_commit_without_a_pr_is_its_own_change() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("kernel");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    write(&repo, "mm/a.c", "a\n");
    commit(
        &repo,
        "Mei",
        "mei@example.com",
        "2024-05-01T09:00:00+00:00",
        "mm: init",
    );
    write(&repo, "mm/a.c", "a\nb\n");
    let reviewed = commit(
        &repo,
        "Ana",
        "ana@example.com",
        "2024-05-02T09:00:00+02:00",
        "mm: fix a leak\n\nSigned-off-by: Ana <ana@example.com>\nReviewed-by: Leo <leo@example.com>\n\
         Acked-by: Mei <mei@example.com>\nTested-by: Bo <bo@example.com>\n",
    );
    write(&repo, "mm/b.c", "b\n");
    commit(
        &repo,
        "Leo",
        "leo@example.com",
        "2024-05-03T09:00:00+00:00",
        "mm: self-tested\n\nTested-by: Leo <leo@example.com>\n",
    );
    let data = tmp.path().join("data");
    fetch(&data, &repo).success();

    let number = -i64::from_str_radix(&reviewed[..15], 16).unwrap() - 1;
    let prs = table(&data, "pull_requests");
    let i = ints(&prs, "number")
        .iter()
        .position(|n| *n == Some(number))
        .expect("the reviewed commit's change");
    assert_eq!(prs.height(), 3, "every landed commit is a change");
    assert_eq!(strs(&prs, "author")[i], Some("ana@example.com".into()));
    assert_eq!(strs(&prs, "title")[i], Some("mm: fix a leak".into()));
    assert_eq!(strs(&prs, "state")[i], Some("merged".into()));
    let label_lists = prs.column("labels").unwrap().list().unwrap().clone();
    let labels: Vec<(Option<String>, Vec<String>)> = (0..prs.height())
        .map(|row| {
            let series = label_lists.get_as_series(row).unwrap();
            let labels = series
                .str()
                .unwrap()
                .iter()
                .flatten()
                .map(str::to_string)
                .collect();
            (strs(&prs, "title")[row].clone(), labels)
        })
        .collect();
    let labels: BTreeMap<String, Vec<String>> =
        labels.into_iter().map(|(t, l)| (t.unwrap(), l)).collect();
    assert_eq!(labels["mm: fix a leak"], ["git:reviewed-commit"]);
    assert_eq!(labels["mm: init"], ["git:commit"]);
    assert_eq!(labels["mm: self-tested"], ["git:commit"]);
    let reviews = table(&data, "reviews")
        .sort(["reviewer"], Default::default())
        .unwrap();
    // Leo's own `Tested-by` is stored on his change, as every trailer is (the metrics leave
    // out self-reviews).
    let own_mask = reviews
        .column("number")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .equal(number);
    let reviews = reviews.filter(&own_mask).unwrap();
    assert_eq!(ints(&reviews, "number"), vec![Some(number); 3]);
    let pairs: Vec<(Option<String>, Option<String>)> = strs(&reviews, "reviewer")
        .into_iter()
        .zip(strs(&reviews, "state"))
        .collect();
    assert_eq!(
        pairs,
        vec![
            (Some("bo@example.com".into()), Some("commented".into())),
            (Some("leo@example.com".into()), Some("approved".into())),
            (Some("mei@example.com".into()), Some("commented".into())),
        ]
    );
    let commits = table(&data, "commits");
    let with_number: Vec<(Option<String>, Option<i64>)> = strs(&commits, "sha")
        .into_iter()
        .zip(ints(&commits, "pr_number"))
        .filter(|(_, n)| n.is_some())
        .collect();
    assert_eq!(with_number.len(), 3);
    assert!(with_number.contains(&(Some(reviewed.clone()), Some(number))));
    let files = table(&data, "file_changes");
    assert!(ints(&files, "number").contains(&Some(number)));

    // The review metrics see it: Leo approved one of the month's merged changes.
    let report = support::report(&data, "2024-05", &tmp.path().join("report"));
    let load = report["metrics"]["review_load"].as_array().unwrap();
    assert!(
        load.iter()
            .any(|r| r["reviewer"] == "leo@example.com" && r["approved_prs"] == 1),
        "{load:?}"
    );
}

/// Rows are named after the `origin` remote's owner/name, so they meet the same repository's
/// GitHub rows; `[git] names` overrides it; without a remote the directory names it.
#[test]
fn the_repository_is_named_by_its_origin_remote_or_the_config() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("checkout");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    write(&repo, "a.txt", "a\n");
    commit(
        &repo,
        "Ana",
        "ana@example.com",
        "2024-06-01T09:00:00+00:00",
        "one (#5)",
    );
    let names = |data: &Path| {
        let mut names: Vec<Option<String>> = strs(&table(data, "commits"), "repo");
        names.dedup();
        names
    };
    let plain = tmp.path().join("plain");
    fetch(&plain, &repo).success();
    assert_eq!(names(&plain), vec![Some("checkout".to_string())]);
    // A squashed PR links to its page only where the origin is on GitHub.
    let urls = |data: &Path| strs(&table(data, "pull_requests"), "url");
    assert_eq!(urls(&plain), vec![None]);

    git(
        &repo,
        &[
            "remote",
            "add",
            "origin",
            "git@github.com:acme/payments.git",
        ],
    );
    let remote = tmp.path().join("remote");
    fetch(&remote, &repo)
        .success()
        .stdout(predicates::str::contains("acme/payments: 1 commits"));
    assert_eq!(names(&remote), vec![Some("acme/payments".to_string())]);
    assert!(repo_state(&remote, "acme/payments")["tip"].is_string());
    assert_eq!(
        urls(&remote),
        vec![Some("https://github.com/acme/payments/pull/5".to_string())]
    );

    let config = tmp.path().join("teamlens.toml");
    std::fs::write(
        &config,
        format!(
            "[git]\nrepositories = [{path:?}]\n\n[git.names]\n{path:?} = \"acme/ledger\"\n",
            path = repo.display().to_string()
        ),
    )
    .unwrap();
    let configured = tmp.path().join("configured");
    teamlens()
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&configured)
        .arg("fetch")
        .assert()
        .success();
    assert_eq!(names(&configured), vec![Some("acme/ledger".to_string())]);
    // The rows' name is the config's; the link is the origin's.
    assert_eq!(
        urls(&configured),
        vec![Some("https://github.com/acme/payments/pull/5".to_string())]
    );
}

#[test]
fn bad_paths_empty_and_shallow_repositories_get_a_clear_answer() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let plain = tmp.path().join("plain");
    std::fs::create_dir(&plain).unwrap();
    fetch(&data, &plain)
        .failure()
        .code(1)
        .stderr(predicates::str::contains("is not a git repository"));
    fetch(&data, &tmp.path().join("missing"))
        .failure()
        .stderr(predicates::str::contains("no such file or directory"));

    let empty = tmp.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    init(&empty);
    fetch(&data, &empty)
        .success()
        .stdout(predicates::str::contains("no commits yet"));

    let full = tmp.path().join("full");
    std::fs::create_dir(&full).unwrap();
    init(&full);
    for i in 0..5 {
        write(&full, "f.txt", &"l\n".repeat(i + 1));
        commit(
            &full,
            "Ana",
            "ana@example.com",
            &format!("2024-05-0{}T09:00:00+00:00", i + 1),
            "c",
        );
    }
    let shallow = tmp.path().join("shallow");
    let url = format!("file://{}", full.display());
    git(
        tmp.path(),
        &[
            "clone",
            "-q",
            "--depth",
            "2",
            &url,
            shallow.to_str().unwrap(),
        ],
    );
    fetch(&data, &shallow)
        .success()
        .stdout(predicates::str::contains("shallow clone"));
    let commits = table(&data, "commits");
    let from_shallow = strs(&commits, "repo")
        .into_iter()
        .filter(|r| r.as_deref() == Some("shallow"))
        .count();
    assert_eq!(from_shallow, 2);

    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["fetch", "git", "--branch", "nope"])
        .arg(&full)
        .assert()
        .failure()
        .stderr(predicates::str::contains("`nope` not found"));
}

/// A copy of a repository without some of its blobs (a snapshot that leaves out its largest
/// files, a partial clone) cannot compare a renamed file's contents. The fetch reads those
/// commits without rename detection, says how many, and reads the rest whole.
#[test]
fn a_commit_whose_renamed_blob_is_missing_is_read_without_rename_detection() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let data = tmp.path().join("data");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    let text: String = (0..200).map(|i| format!("line {i}\n")).collect();
    write(&repo, "src/big.rs", &text);
    write(&repo, "src/keep.rs", "fn keep() {}\n");
    commit(
        &repo,
        "Ana",
        "ana@example.com",
        "2024-05-01T09:00:00+00:00",
        "add",
    );
    let blob = git(&repo, &["rev-parse", "HEAD:src/big.rs"]);
    git(&repo, &["mv", "src/big.rs", "src/moved.rs"]);
    write(&repo, "src/moved.rs", &format!("{text}one more\n"));
    let renamed = commit(
        &repo,
        "Ana",
        "ana@example.com",
        "2024-05-02T09:00:00+00:00",
        "move",
    );
    write(&repo, "src/keep.rs", "fn keep() { }\n");
    commit(
        &repo,
        "Bo",
        "bo@example.com",
        "2024-05-03T09:00:00+00:00",
        "edit",
    );
    // The old version of the renamed file leaves the object database.
    let loose = repo.join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    std::fs::remove_file(&loose).unwrap();

    fetch(&data, &repo)
        .success()
        .stdout(predicates::str::contains(
            "1 commit(s) read without rename detection",
        ));
    let changes = table(&data, "file_changes");
    let of_rename: BTreeSet<String> = strs(&changes, "sha")
        .into_iter()
        .zip(strs(&changes, "path"))
        .filter(|(sha, _)| sha.as_deref() == Some(renamed.as_str()))
        .filter_map(|(_, path)| path)
        .collect();
    // Without rename detection the rename is a deletion and an addition.
    assert_eq!(
        of_rename,
        BTreeSet::from(["src/big.rs".to_string(), "src/moved.rs".to_string()])
    );
    assert_eq!(table(&data, "commits").height(), 3);
}

/// A change as the excerpts of `tests/data/` give it: date, offset, author and its reviewers.
type ExcerptChange = (String, String, String, Vec<String>);

/// The changes of the first `lines` lines of a review excerpt (TSV: date, offset, change id,
/// author, reviewer; one line per review), by change id.
fn review_excerpt(text: &str, lines: usize) -> BTreeMap<i64, ExcerptChange> {
    let mut changes: BTreeMap<i64, ExcerptChange> = BTreeMap::new();
    for line in text.lines().skip(1).take(lines) {
        let f: Vec<&str> = line.split('\t').collect();
        let id: i64 = f[2].parse().unwrap();
        let entry = changes.entry(id).or_insert_with(|| {
            (
                f[0].to_string(),
                f[1].to_string(),
                f[3].to_string(),
                Vec::new(),
            )
        });
        entry.3.push(f[4].to_string());
    }
    changes
}

/// rust-lang/cargo's first bors merges, replayed: every `r=` becomes an approval by that login.
#[test]
fn cargo_bors_history_replayed_gives_its_approvers() {
    let text = include_str!("data/cargo_bors_reviews_2014_excerpt.tsv");
    let changes = review_excerpt(text, 40);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("cargo");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    write(&repo, "README.md", "cargo\n");
    commit(
        &repo,
        "bors",
        "bors@example.com",
        "2014-06-01T00:00:00+00:00",
        "root",
    );
    let mut ordered: Vec<_> = changes.iter().collect();
    ordered.sort_by(|a, b| a.1.0.cmp(&b.1.0));
    for (id, (date, offset, author, reviewers)) in &ordered {
        let branch = format!("pr{id}");
        git(&repo, &["checkout", "-q", "-b", &branch]);
        write(&repo, &format!("src/{id}.rs"), "x\n");
        let local = date.replace('Z', offset);
        commit(
            &repo,
            author,
            &format!("{author}@example.com"),
            &local,
            "work",
        );
        git(&repo, &["checkout", "-q", "main"]);
        merge(
            &repo,
            &branch,
            date,
            &format!(
                "Auto merge of #{id} - {author}:{branch}, r={}\n\nWork",
                reviewers.join(",")
            ),
        );
    }
    let data = tmp.path().join("data");
    fetch(&data, &repo).success();
    let reviews = table(&data, "reviews");
    let got: BTreeSet<(i64, String)> = ints(&reviews, "number")
        .into_iter()
        .zip(strs(&reviews, "reviewer"))
        .map(|(n, r)| (n.unwrap(), r.unwrap()))
        .collect();
    // `r=update` (#131) and `r=tinyfix` (#162) are placeholders, not logins.
    let want: BTreeSet<(i64, String)> = changes
        .iter()
        .flat_map(|(id, c)| c.3.iter().map(move |r| (*id, r.clone())))
        .filter(|(_, r)| r != "update" && r != "tinyfix")
        .collect();
    assert_eq!(got, want);
    // One PR per merge, and the root commit, pushed to the branch, a change of its own.
    let prs = table(&data, "pull_requests");
    let numbers = ints(&prs, "number");
    assert_eq!(
        numbers.iter().filter(|n| n.is_some_and(|n| n > 0)).count(),
        changes.len()
    );
    assert_eq!(prs.height(), changes.len() + 1);
}

/// A deterministic xorshift, so the benchmark repository is the same on every run.
fn seconds(start: std::time::Instant) -> f64 {
    start.elapsed().as_secs_f64()
}

/// The benchmark (not a timed test): `cargo test --test git_source -- --ignored --nocapture
/// benchmark`. Builds a repository of TEAMLENS_GIT_BENCH_COMMITS commits (default 100,000),
/// times `git log --numstat --no-renames` and a full `teamlens fetch git` on it, then 100 new
/// commits and an incremental fetch, and prints the figures.
#[test]
#[ignore]
fn benchmark_full_and_incremental_ingest_against_git_log() {
    let count: usize = std::env::var("TEAMLENS_GIT_BENCH_COMMITS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let tmp = tempfile::tempdir().unwrap();
    // TEAMLENS_GIT_BENCH_DIR keeps the repository there, to look at or profile afterwards.
    let repo = match std::env::var_os("TEAMLENS_GIT_BENCH_DIR") {
        Some(dir) => std::path::PathBuf::from(dir),
        None => tmp.path().join("bench"),
    };
    std::fs::create_dir_all(&repo).unwrap();
    init(&repo);
    let started = std::time::Instant::now();
    fast_import(&repo, count, 0, 0x9E37_79B9_7F4A_7C15);
    git(&repo, &["reset", "-q", "--hard", "main"]);
    let total = git(&repo, &["rev-list", "--count", "HEAD"]);
    println!(
        "built {total} commits with git fast-import in {:.1} s",
        seconds(started)
    );

    let started = std::time::Instant::now();
    let log = Command::new("git")
        .current_dir(&repo)
        .args([
            "log",
            "--numstat",
            "--no-renames",
            "--format=%H %an %ae %at",
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(log.success());
    let baseline = seconds(started);
    println!("git log --numstat --no-renames: {baseline:.2} s");

    let fetch_with = |config: &Path, data: &Path| {
        let started = std::time::Instant::now();
        configured_fetch(config, data, &repo).success();
        seconds(started)
    };
    let no_renames = tmp.path().join("no-renames.toml");
    std::fs::write(&no_renames, "[git]\nrenames = false\n").unwrap();
    let renames = tmp.path().join("renames.toml");
    std::fs::write(&renames, "[git]\nrenames = true\n").unwrap();
    let full_plain = fetch_with(&no_renames, &tmp.path().join("data-plain"));
    println!(
        "teamlens fetch git, full, renames off: {full_plain:.2} s ({:.2}× git log)",
        full_plain / baseline
    );
    let data = tmp.path().join("data");
    let full = fetch_with(&renames, &data);
    println!(
        "teamlens fetch git, full, renames on (default): {full:.2} s ({:.2}× git log)",
        full / baseline
    );
    let stored = table(&data, "commits").height();
    println!(
        "stored {stored} commits, {} file changes",
        table(&data, "file_changes").height()
    );

    // The same increment three ways, side by side: ownership from the kept aggregates (the
    // default), ownership recomputed over the whole stored history (its cache removed), and no
    // ownership at all.
    // The first increment after a full ingest has been measured slower than later ones (one-off
    // costs of the fresh store); it is timed and shown apart, then the steady state.
    fast_import(&repo, 100, count, 0x1234_5678_9ABC_DEF1);
    let first = fetch_with(&renames, &data);
    println!(
        "teamlens fetch git, first incremental after the full ingest, 100 new commits \
         (+10 merges): {first:.2} s"
    );
    assert_eq!(table(&data, "commits").height(), stored + 110);
    fast_import(&repo, 100, count + 100, 0x2468_ACE0_1357_9BDF);
    let incremental = fetch_with(&renames, &data);
    println!(
        "teamlens fetch git, incremental, 100 new commits (+10 merges), ownership from the kept \
         aggregates: {incremental:.2} s"
    );
    assert_eq!(table(&data, "commits").height(), stored + 220);
    fast_import(&repo, 100, count + 200, 0x0F1E_2D3C_4B5A_6978);
    // The clone's name is its directory's (the repository has no `origin`).
    let name = repo.file_name().unwrap().to_string_lossy().into_owned();
    std::fs::remove_file(data.join(format!("state/git/{name}.ownership.json"))).unwrap();
    let recomputed = fetch_with(&renames, &data);
    println!(
        "teamlens fetch git, incremental, 100 new commits (+10 merges), ownership recomputed \
         over the whole history: {recomputed:.2} s ({:.1}× the kept aggregates)",
        recomputed / incremental
    );
    assert_eq!(table(&data, "commits").height(), stored + 330);
    let no_ownership = tmp.path().join("no-ownership.toml");
    std::fs::write(&no_ownership, "[git]\nownership = false\n").unwrap();
    fast_import(&repo, 100, count + 300, 0x7A6B_5C4D_3E2F_1001);
    let plain = fetch_with(&no_ownership, &data);
    println!(
        "teamlens fetch git, incremental, 100 new commits (+10 merges), ownership = false: \
         {plain:.2} s"
    );
    assert_eq!(table(&data, "commits").height(), stored + 440);
}

#[test]
fn since_limits_a_first_fetch() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("since");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    for (i, day) in ["2023-12-30", "2024-01-02", "2024-01-05"]
        .iter()
        .enumerate()
    {
        write(&repo, "a.txt", &"a\n".repeat(i + 1));
        commit(
            &repo,
            "Ana",
            "ana@example.com",
            &format!("{day}T12:00:00+00:00"),
            "c",
        );
    }
    let data = tmp.path().join("data");
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["fetch", "git", "--since", "2024-01-01"])
        .arg(&repo)
        .assert()
        .success();
    assert_eq!(table(&data, "commits").height(), 2);
}

/// A fetch killed part-way leaves the tables as they were and a checkpoint; the same command
/// continues from it and ends with exactly what an uninterrupted fetch stores.
#[test]
fn a_killed_fetch_resumes_from_its_checkpoint() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = imported_repository(tmp.path(), "resume", 600, 42);
    let config = tmp.path().join("teamlens.toml");
    // One commit per chunk, one reading thread: many checkpoints, a slow enough fetch to kill.
    std::fs::write(&config, "[git]\nchunk = 1\nthreads = 1\n").unwrap();
    let data = tmp.path().join("data");
    let checkpoint = data.join("staging/git/resume/checkpoint.json");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("teamlens"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .args(["-q", "fetch", "git"])
        .arg(&repo)
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while !checkpoint.exists() && started.elapsed() < std::time::Duration::from_secs(60) {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    std::thread::sleep(std::time::Duration::from_millis(50));
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        !status.success(),
        "the fetch ended before it could be killed"
    );
    let done: Value = read_json(&checkpoint);
    assert!(done["done"].as_u64().unwrap() > 0);
    // Nothing reached the tables.
    assert_eq!(
        Store::open(&data)
            .map(|s| s.manifest().rows("commits"))
            .unwrap_or(0),
        0
    );
    configured_fetch(&config, &data, &repo)
        .success()
        .stderr(predicates::str::contains("resuming an interrupted read"));
    assert!(!checkpoint.exists());
    let resumed = table(&data, "commits");
    let fresh = tmp.path().join("fresh");
    fetch(&fresh, &repo).success();
    let whole = table(&fresh, "commits");
    assert_eq!(resumed.height(), 660);
    let sorted = |f: &DataFrame| {
        f.clone()
            .lazy()
            .sort(["sha"], Default::default())
            .collect()
            .unwrap()
    };
    assert!(sorted(&resumed).equals_missing(&sorted(&whole)));
    let changes = |d: &Path| {
        table(d, "file_changes")
            .lazy()
            .sort(["sha", "path"], Default::default())
            .collect()
            .unwrap()
    };
    assert!(changes(&data).equals_missing(&changes(&fresh)));
}

/// Reading threads take contiguous runs oldest first (for the delta-base cache) and the rows
/// are put back in order: several threads over a repository repacked with deep delta chains
/// store exactly what one thread stores, and the line counts are `git log --numstat`'s.
#[test]
fn several_reading_threads_store_what_one_thread_stores_with_gits_line_counts() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = imported_repository(tmp.path(), "threads", 700, 7);
    git(&repo, &["repack", "-adfq", "--depth=50", "--window=50"]);
    let fetch_with = |threads: usize| {
        let config = tmp.path().join(format!("threads{threads}.toml"));
        // Chunks of 300: a chunk boundary falls inside the history, and the last chunk is short.
        std::fs::write(
            &config,
            format!("[git]\nchunk = 300\nthreads = {threads}\n"),
        )
        .unwrap();
        let data = tmp.path().join(format!("data{threads}"));
        configured_fetch(&config, &data, &repo).success();
        data
    };
    // The reader itself gives the commits in the order asked, whatever the threads.
    let reader = teamlens::sources::git::read::GitRepo::open(&repo).unwrap();
    let tip = reader.tip(None).unwrap().unwrap();
    let ids = reader.new_commits(tip, None, None).unwrap();
    for threads in [1, 3] {
        let read = reader.read_commits(&ids, false, threads).unwrap();
        let shas: Vec<String> = read.into_iter().map(|c| c.sha).collect();
        let asked: Vec<String> = ids.iter().map(ToString::to_string).collect();
        assert_eq!(shas, asked, "{threads} threads changed the order");
    }
    let one = fetch_with(1);
    let three = fetch_with(3);
    let sorted = |d: &Path, name: &str, by: &[&str]| {
        table(d, name)
            .lazy()
            .sort(by.to_vec(), Default::default())
            .collect()
            .unwrap()
    };
    for (name, by) in [
        ("commits", &["sha"][..]),
        ("file_changes", &["sha", "path"][..]),
        ("pull_requests", &["number"][..]),
        ("reviews", &["number", "reviewer"][..]),
    ] {
        let (a, b) = (sorted(&one, name, by), sorted(&three, name, by));
        assert!(a.height() > 0, "{name} is empty");
        assert!(
            a.equals_missing(&b),
            "{name} differs between 1 and 3 threads"
        );
    }
    // git's own totals over the non-merge commits.
    let numstat = git(&repo, &["log", "--numstat", "--no-renames", "--format="]);
    let (mut added, mut deleted) = (0i64, 0i64);
    for line in numstat.lines().filter(|l| !l.is_empty()) {
        let mut parts = line.split('\t');
        added += parts.next().unwrap().parse::<i64>().unwrap();
        deleted += parts.next().unwrap().parse::<i64>().unwrap();
    }
    let changes = table(&three, "file_changes");
    let sum = |column: &str| ints(&changes, column).into_iter().flatten().sum::<i64>();
    assert_eq!((sum("additions"), sum("deletions")), (added, deleted));
}

/// The knowledge_silo detector reads a git-only dataset as it reads GitHub's: the squash-merged
/// PRs become `pull_requests`, their files `file_changes` with the PR number.
#[test]
fn knowledge_silo_fires_on_a_git_history() {
    let tmp = tempfile::tempdir().unwrap();
    let roster = tmp.path().join("roster");
    std::fs::create_dir(&roster).unwrap();
    std::fs::write(
        roster.join("people.csv"),
        "person,role,team,timezone,aliases\n\
         ana,engineer,core,UTC,ana@example.com\n\
         leo,engineer,core,UTC,leo@example.com\n\
         mei,engineer,core,UTC,mei@example.com\n",
    )
    .unwrap();
    let data = tmp.path().join("data");
    support::import(&data, &roster);

    let repo = tmp.path().join("silo");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    // Ana alone writes src/jobs in 13 squash-merged PRs; Leo and Mei share src/web.
    for n in 1..=13 {
        for file in ["a", "b", "c"] {
            write(
                &repo,
                &format!("src/jobs/{file}.rs"),
                &format!("{n}\n").repeat(n),
            );
        }
        commit(
            &repo,
            "Ana",
            "ana@example.com",
            &format!("2024-03-{:02}T10:00:00+00:00", n + 1),
            &format!("Jobs change {n} (#{n})"),
        );
        let who = if n % 2 == 0 {
            ("Leo", "leo@example.com")
        } else {
            ("Mei", "mei@example.com")
        };
        write(&repo, "src/web/page.rs", &format!("{n}\n").repeat(n));
        commit(
            &repo,
            who.0,
            who.1,
            &format!("2024-03-{:02}T15:00:00+00:00", n + 1),
            &format!("Web change {n} (#{})", 100 + n),
        );
    }
    fetch(&data, &repo).success();
    let report = support::report(&data, "2024-03", &tmp.path().join("out"));
    let silos = support::findings_of(&report, "knowledge_silo");
    assert_eq!(silos.len(), 1, "{silos:#?}");
    assert_eq!(silos[0]["subject"], "team:core");
    let headline = silos[0]["headline"].as_str().unwrap();
    assert!(
        headline.contains("src/jobs") && headline.contains("ana"),
        "{headline}"
    );
    assert!(!headline.contains("src/web"), "{headline}");
}

#[test]
fn a_plain_fetch_reads_the_clones_in_the_config_with_its_review_trailers() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("configured");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    write(&repo, "a.txt", "a\n");
    commit(
        &repo,
        "Ana",
        "ana@example.com",
        "2024-06-01T10:00:00+00:00",
        "Change (#5)\n\nReviewed-by: Leo <leo@example.com>\nSuggested-by: Mei <mei@example.com>\n",
    );
    let config = tmp.path().join("teamlens.toml");
    std::fs::write(
        &config,
        format!(
            "[git]\nrepositories = [{:?}]\n\n[git.review_trailers]\nSuggested-by = \"commented\"\n",
            repo.display().to_string()
        ),
    )
    .unwrap();
    let data = tmp.path().join("data");
    teamlens()
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .arg("fetch")
        .assert()
        .success()
        .stdout(predicates::str::contains("configured: 1 commits"));
    let reviews = table(&data, "reviews");
    let got: Vec<(String, String)> = strs(&reviews, "reviewer")
        .into_iter()
        .zip(strs(&reviews, "state"))
        .map(|(r, s)| (r.unwrap(), s.unwrap()))
        .collect();
    // The configured list replaces the default one: Reviewed-by is no longer a review.
    assert_eq!(
        got,
        vec![("mei@example.com".to_string(), "commented".to_string())]
    );

    std::fs::write(&config, "[git.review_trailers]\nReviewed-by = \"lgtm\"\n").unwrap();
    teamlens()
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .args(["fetch", "git"])
        .arg(&repo)
        .assert()
        .failure()
        .code(1)
        .stderr(predicates::str::contains("git.review_trailers.Reviewed-by"));
}

/// golang/tools' first Gerrit changes, replayed: `Reviewed-on` numbers the change and every
/// `Reviewed-by` becomes an approval by that address.
#[test]
fn golang_tools_gerrit_history_replayed_gives_its_reviewers() {
    let text = include_str!("data/golang_tools_gerrit_reviews_excerpt.tsv");
    let changes = review_excerpt(text, 60);
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("tools");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    let mut ordered: Vec<_> = changes.iter().collect();
    ordered.sort_by(|a, b| a.1.0.cmp(&b.1.0).then(a.0.cmp(b.0)));
    for (id, (date, offset, author, reviewers)) in &ordered {
        write(&repo, &format!("go/{id}.go"), "package x\n");
        let local = date.replace('Z', offset);
        let trailers: Vec<String> = reviewers
            .iter()
            .map(|r| format!("Reviewed-by: {} <{r}>", r.split('@').next().unwrap()))
            .collect();
        let message = format!(
            "go: change {id}\n\nChange-Id: I{id:040}\nReviewed-on: \
             https://go-review.googlesource.com/{id}\n{}\n",
            trailers.join("\n")
        );
        commit(
            &repo,
            author.split('@').next().unwrap(),
            author,
            &local,
            &message,
        );
    }
    let data = tmp.path().join("data");
    fetch(&data, &repo).success();
    let reviews = table(&data, "reviews");
    let got: BTreeSet<(i64, String, String)> = ints(&reviews, "number")
        .into_iter()
        .zip(strs(&reviews, "reviewer"))
        .zip(strs(&reviews, "state"))
        .map(|((n, r), s)| (n.unwrap(), r.unwrap(), s.unwrap()))
        .collect();
    let want: BTreeSet<(i64, String, String)> = changes
        .iter()
        .flat_map(|(id, c)| {
            c.3.iter()
                .map(move |r| (*id, r.clone(), "approved".to_string()))
        })
        .collect();
    assert_eq!(got, want);
    // Authors keep their own offset: the first change was written at +11:00.
    let commits = table(&data, "commits");
    let offsets: BTreeSet<i64> = ints(&commits, "author_tz_offset_minutes")
        .into_iter()
        .flatten()
        .collect();
    assert!(offsets.contains(&660), "{offsets:?}");
}

/// `fetch git PATH` writes the roster of teamlens.toml first, as every other fetch does, so its
/// aliases name the commits' people on the first fetch (it used to return before the roster
/// was written: aliases applied only once a plain `fetch` had run).
#[test]
fn fetch_git_applies_the_roster_of_teamlens_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    init(&repo);
    write(&repo, "a.txt", "one\n");
    commit(
        &repo,
        "Ann Example",
        "ann.work@example.com",
        "2024-05-02T10:00:00+02:00",
        "First",
    );
    let config = tmp.path().join("teamlens.toml");
    std::fs::write(
        &config,
        "[[people]]\nperson = \"ann\"\nteam = \"core\"\naliases = [\"ann.work@example.com\"]\n",
    )
    .unwrap();
    let data = tmp.path().join("data");
    configured_fetch(&config, &data, &repo).success();
    assert_eq!(
        strs(&table(&data, "commits"), "author"),
        [Some("ann".into())]
    );
    assert_eq!(
        strs(&table(&data, "people"), "person"),
        [Some("ann".into())]
    );
}
