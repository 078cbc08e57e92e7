//! teamlens's whole-repository truck factor against the published one of Avelino et al., "A
//! novel approach for estimating truck factors" (ICPC 2016), on the repositories of
//! `tests/data/real/truck_factor/` (its README says which, how they were chosen, and why the
//! figures differ where they do).
//!
//! Without the network or clones:
//! - the committed `teamlens_truck_factors.tsv` (written by `regenerate_truck_factor.py`) is
//!   consistent with the study's list and with the agreement the folder's README states;
//! - teamlens's own computation, from the per-file authorship excerpts committed for a few
//!   small repositories, gives the truck factors the TSV records for them.
//!
//! Ignored by default, `teamlens_at_the_snapshots_gives_the_committed_figures` reads each
//! repository at its snapshot commit from `TEAMLENS_CORPUS_CLONES` (default `/work/.mirror`,
//! `<owner>+<name>/repo` as the project's fetch tool brings them) and compares with the TSV:
//!
//!     cargo build --release && CARGO_BIN_EXE_teamlens=target/release/teamlens cargo test --test real_truck_factor -- --ignored --nocapture
//!
//! With a target directory other builds share, `target/<profile>/teamlens` may be another
//! checkout's binary by the time the test runs: name yours with
//! `CARGO_BIN_EXE_teamlens=/path/to/teamlens`, which the test's runner reads first.

mod support;

use std::collections::BTreeMap;
use std::path::PathBuf;

use support::corpus::{self, rows};
use support::{read_json, teamlens};
use teamlens::common::files::FileRules;
use teamlens::sources::git::ownership::Histories;

/// The review weight `fetch git` used for the committed figures (the default of
/// `thresholds.knowledge_silo.review_weight`).
const REVIEW_WEIGHT: f64 = 0.5;

fn folder() -> PathBuf {
    corpus::dir().join("truck_factor")
}

fn figures() -> Vec<BTreeMap<String, String>> {
    rows(&folder().join("teamlens_truck_factors.tsv"))
}

fn number(row: &BTreeMap<String, String>, column: &str) -> usize {
    row[column]
        .parse()
        .unwrap_or_else(|e| panic!("{}: {column} {:?}: {e}", row["repository"], row[column]))
}

/// Equal and within-one counts of a column against the study's figure.
fn agreement(rows: &[BTreeMap<String, String>], column: &str) -> (usize, usize) {
    let mut equal = 0;
    let mut within = 0;
    for row in rows {
        let (ours, theirs) = (number(row, column), number(row, "study_tf"));
        equal += usize::from(ours == theirs);
        within += usize::from(ours.abs_diff(theirs) <= 1);
    }
    (equal, within)
}

#[test]
fn the_committed_figures_are_the_studys_and_the_readme_states_their_agreement() {
    let study: BTreeMap<String, usize> = rows(&folder().join("study.tsv"))
        .into_iter()
        .map(|r| (r["repository"].clone(), r["study_tf"].parse().unwrap()))
        .collect();
    assert_eq!(study.len(), 133, "the study lists 133 repositories");
    assert_eq!(study.values().filter(|tf| **tf == 1).count(), 45);
    assert_eq!(study.values().filter(|tf| **tf == 2).count(), 42);

    let rows = figures();
    assert!(rows.len() >= 15, "{} repositories", rows.len());
    for row in &rows {
        let name = &row["repository"];
        assert_eq!(
            study.get(name),
            Some(&number(row, "study_tf")),
            "{name}: the study's truck factor"
        );
        assert_eq!(row["snapshot_commit"].len(), 40, "{name}");
        assert!(
            row["snapshot_date"].as_str() <= "2015-02-19",
            "{name}: snapshot after the study's date"
        );
        assert!(
            number(row, "teamlens_tf_with_reviews") >= number(row, "teamlens_tf"),
            "{name}: review knowledge never lowers the truck factor"
        );
        assert!(number(row, "teamlens_tf") <= number(row, "files"), "{name}");
    }

    let readme = std::fs::read_to_string(folder().join("README.md")).unwrap();
    let n = rows.len();
    for (column, label) in [
        ("teamlens_tf", "teamlens"),
        ("study_method_tf", "the study's rules, every file"),
        ("study_method_code_tf", "the study's rules, code files"),
    ] {
        let (equal, within) = agreement(&rows, column);
        let said = format!("{label}: equal on {equal} of {n}, within 1 on {within} of {n}");
        assert!(readme.contains(&said), "README should say: {said}");
    }
    // Counting code files only, as the study did, teamlens meets issue #21's goal: equal on at
    // least 80 % of the repositories, within one on all.
    let (equal, within) = agreement(&rows, "teamlens_tf");
    assert!(equal * 5 >= n * 4, "equal on {equal} of {n}");
    assert_eq!(within, n, "within one on {within} of {n}");
    // Every disagreement is listed, with its reason, under its own heading.
    let listed = readme
        .split("## Disagreements")
        .nth(1)
        .expect("README has a Disagreements section");
    for row in &rows {
        if number(row, "teamlens_tf") != number(row, "study_tf") {
            let name = format!("`{}`", row["repository"]);
            assert!(listed.contains(&name), "{name} is not explained in README");
        }
    }
}

#[test]
fn excerpts_give_the_committed_truck_factors() {
    let figures: BTreeMap<String, BTreeMap<String, String>> = figures()
        .into_iter()
        .map(|r| (r["repository"].replace('/', "__"), r))
        .collect();
    let mut checked = 0;
    for entry in std::fs::read_dir(folder().join("excerpts")).unwrap() {
        let path = entry.unwrap().path();
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        let row = figures
            .get(&stem)
            .unwrap_or_else(|| panic!("{stem}: no row in teamlens_truck_factors.tsv"));
        // The per-file aggregates `fetch git` kept, as its own `Histories` holds them.
        let mut files: BTreeMap<String, serde_json::Value> = BTreeMap::new();
        for r in rows(&path) {
            let file = files.entry(r["path"].clone()).or_insert_with(
                || serde_json::json!({"first": null, "last": null, "changes": {}, "reviews": {}}),
            );
            if r["first"] == "1" {
                file["first"] = serde_json::json!([[0, ""], r["person"]]);
            }
            for column in ["changes", "reviews"] {
                let n: f64 = r[column].parse().unwrap();
                if n > 0.0 {
                    file[column][&r["person"]] = serde_json::json!(n);
                }
            }
        }
        let histories: Histories =
            serde_json::from_value(serde_json::json!({"files": files, "renamed_at": {}})).unwrap();
        let ownership = histories.ownership(None, REVIEW_WEIGHT, &FileRules::default());
        let repository = &ownership.repository;
        assert_eq!(
            (
                repository.files,
                repository.truck_factor,
                repository.truck_factor_with_reviews
            ),
            (
                number(row, "files"),
                number(row, "teamlens_tf"),
                number(row, "teamlens_tf_with_reviews")
            ),
            "{stem}: files, truck factor and with reviews"
        );
        checked += 1;
    }
    assert!(checked >= 2, "{checked} excerpts");
}

#[test]
#[ignore = "reads the repositories at their snapshots; see the module doc"]
fn teamlens_at_the_snapshots_gives_the_committed_figures() {
    let clones = PathBuf::from(
        std::env::var("TEAMLENS_CORPUS_CLONES").unwrap_or_else(|_| "/work/.mirror".into()),
    );
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    let mut differences = Vec::new();
    for row in figures() {
        let name = &row["repository"];
        let mirror = clones.join(row["mirror"].replace('/', "+")).join("repo");
        assert!(
            mirror.exists(),
            "{} is missing: bring it with the fetch tool (github:{})",
            mirror.display(),
            row["mirror"]
        );
        let work = tempfile::tempdir().unwrap();
        // A bare clone sharing the mirror's objects, HEAD at the snapshot.
        let clone = work.path().join("clone.git");
        let clone_arg = clone.to_str().unwrap();
        git(&[
            "clone",
            "-q",
            "--bare",
            "--shared",
            mirror.to_str().unwrap(),
            clone_arg,
        ]);
        git(&[
            "--git-dir",
            clone_arg,
            "update-ref",
            "refs/heads/snapshot",
            &row["snapshot_commit"],
        ]);
        git(&[
            "--git-dir",
            clone_arg,
            "symbolic-ref",
            "HEAD",
            "refs/heads/snapshot",
        ]);
        let config = work.path().join("teamlens.toml");
        std::fs::write(
            &config,
            format!("[git.names]\n\"{clone_arg}\" = \"{name}\"\n"),
        )
        .unwrap();
        let data = work.path().join("data");
        teamlens()
            .arg("--config")
            .arg(&config)
            .arg("--data-dir")
            .arg(&data)
            .args(["-q", "fetch", "git"])
            .arg(&clone)
            .timeout(std::time::Duration::from_secs(1800))
            .assert()
            .success();
        let state =
            read_json(&data.join("manifest.json"))["sources"]["git"]["repositories"][name].clone();
        let modules: Vec<String> = state["module_truck_factors"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(module, tf)| format!("{module} {} ({})", tf[0], tf[1]))
            .collect();
        let got = (
            state["truck_factor"].as_u64().unwrap() as usize,
            state["truck_factor_with_reviews"].as_u64().unwrap() as usize,
            modules.join(", "),
        );
        let committed = (
            number(&row, "teamlens_tf"),
            number(&row, "teamlens_tf_with_reviews"),
            row["modules"].clone(),
        );
        eprintln!(
            "{name}: teamlens {} ({}), committed {} ({}), study {}",
            got.0, got.1, committed.0, committed.1, row["study_tf"]
        );
        if got != committed {
            differences.push(format!("{name}: {got:?} != committed {committed:?}"));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
}
