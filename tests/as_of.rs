//! A report for a period says what the data said at the period's end: regenerated after more
//! data has arrived, it is the same, byte for byte (`src/asof.rs`).
//!
//! Each test builds the same history twice — once whole, once cut at the period's end as a
//! fetch on that day would have stored it — and compares every file of the two reports. The
//! cut is made by the data's own producer, not by teamlens's as-of code: the simulator records
//! its world up to a day (`simulate --recorded-until`), and git is reset to the last commit of
//! the branch's first-parent line before the end.

mod support;

use std::path::Path;

use support::git_repo::{commit, git, git_env, init};
use support::{assert_same_reports, teamlens};

fn report(data: &Path, period: &[&str], out: &Path) {
    teamlens()
        .arg("--data-dir")
        .arg(data)
        .args(["-q", "report"])
        .args(period)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

fn simulate(out: &Path, recorded_until: Option<&str>) {
    let mut command = teamlens();
    command
        .args([
            "-q", "simulate", "--teams", "6", "--months", "6", "--seed", "7",
        ])
        .arg("--out")
        .arg(out);
    if let Some(month) = recorded_until {
        command.args(["--recorded-until", month]);
    }
    command.assert().success();
}

#[test]
fn a_simulated_report_is_the_same_from_a_store_recorded_up_to_its_end() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    simulate(&whole, None);
    for (cut_month, period) in [
        ("2026-07", vec!["--month", "2026-07"]),
        ("2026-09", vec!["--quarter", "2026-Q3"]),
    ] {
        let cut = tmp.path().join(format!("cut-{cut_month}"));
        simulate(&cut, Some(cut_month));
        let (a, b) = (
            tmp.path().join(format!("report-whole-{cut_month}")),
            tmp.path().join(format!("report-cut-{cut_month}")),
        );
        report(&whole, &period, &a);
        report(&cut, &period, &b);
        assert_same_reports(&a, &b);
    }
}

#[test]
fn simulate_refuses_to_record_past_its_last_month() {
    let tmp = tempfile::tempdir().unwrap();
    let out = teamlens()
        .args([
            "-q",
            "simulate",
            "--until",
            "2026-06",
            "--recorded-until",
            "2026-07",
        ])
        .arg("--out")
        .arg(tmp.path().join("d"))
        .assert()
        .failure()
        .code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        stderr.contains("--recorded-until 2026-07 is after --until 2026-06"),
        "{stderr}"
    );
}

/// A merge of `branch` into the current branch at `date` (as the committer of the day).
fn merge(dir: &Path, branch: &str, date: &str, message: &str, unrelated: bool) {
    let env = [
        ("GIT_AUTHOR_DATE", date.as_ref()),
        ("GIT_COMMITTER_DATE", date.as_ref()),
    ];
    let mut args = vec!["merge", "-q", "--no-ff", "-m", message];
    if unrelated {
        args.push("--allow-unrelated-histories");
    }
    args.push(branch);
    git_env(dir, &args, &env);
}

const ANA: (&str, &str) = ("Ana Lima", "ana@example.com");
const BEN: (&str, &str) = ("Ben Ode", "ben@example.com");
const CAROL: (&str, &str) = ("Carol Iku", "carol@example.com");
const DAN: (&str, &str) = ("Dan Vey", "dan@example.com");

/// A history whose later merges bring in earlier work: a feature branch written in February and
/// merged in May, and a subtree of another project whose own PR merges date from 2022, imported
/// in May. Until May none of it was on `main`.
fn history(dir: &Path) {
    init(dir);
    let mut day = 1;
    for month in 1..=3 {
        for (i, who) in [ANA, BEN, ANA, BEN, ANA].into_iter().enumerate() {
            let reviewer = if who == ANA { BEN } else { ANA };
            let message = format!(
                "change {month}-{i}\n\nReviewed-by: {} <{}>",
                reviewer.0, reviewer.1
            );
            let date = format!("2024-{month:02}-{:02}T10:00:00+01:00", (day % 27) + 1);
            commit(dir, who, &date, &format!("src/{month}_{i}.rs"), &message);
            day += 5;
        }
    }
    // Carol's branch, written in February, merged in May.
    git(dir, &["checkout", "-q", "-b", "carol/feature", "HEAD~10"]);
    commit(
        dir,
        CAROL,
        "2024-02-12T21:00:00+01:00",
        "feature.rs",
        "feature part 1",
    );
    commit(
        dir,
        CAROL,
        "2024-02-20T22:00:00+01:00",
        "feature.rs",
        "feature part 2",
    );
    // Another project, with its own PR merges of 2022.
    git(dir, &["checkout", "-q", "--orphan", "vendor"]);
    git(dir, &["rm", "-rq", "--cached", "."]);
    commit(
        dir,
        DAN,
        "2022-03-01T09:00:00+00:00",
        "vendor/lib.rs",
        "vendor base",
    );
    git(dir, &["checkout", "-q", "-b", "dan/fix"]);
    commit(
        dir,
        DAN,
        "2022-03-05T09:00:00+00:00",
        "vendor/fix.rs",
        "fix the vendor",
    );
    git(dir, &["checkout", "-q", "vendor"]);
    merge(
        dir,
        "dan/fix",
        "2022-03-06T09:00:00+00:00",
        "Merge pull request #3 from dan/fix\n\nFix the vendor",
        false,
    );
    git(dir, &["checkout", "-q", "-f", "main"]);
    git(dir, &["clean", "-qfdx"]);
    for (i, who) in [BEN, ANA].into_iter().enumerate() {
        let date = format!("2024-04-{:02}T11:00:00+02:00", 3 + i * 7);
        commit(
            dir,
            who,
            &date,
            &format!("src/4_{i}.rs"),
            &format!("april {i}"),
        );
    }
    merge(
        dir,
        "carol/feature",
        "2024-05-02T10:00:00+02:00",
        "Merge pull request #7 from carol/feature\n\nThe feature",
        false,
    );
    merge(
        dir,
        "vendor",
        "2024-05-09T10:00:00+02:00",
        "Import the vendored project",
        true,
    );
    commit(dir, BEN, "2024-05-20T10:00:00+02:00", "src/5.rs", "may");
}

#[test]
fn a_git_report_is_the_same_from_the_clone_cut_at_its_end() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("ledger");
    std::fs::create_dir_all(&whole).unwrap();
    history(&whole);
    for (month, end) in [("2024-03", "2024-04-01"), ("2024-04", "2024-05-01")] {
        // The clone as it stood: the last first-parent commit before the end.
        let cut = tmp.path().join(format!("cut-{month}/ledger"));
        std::fs::create_dir_all(cut.parent().unwrap()).unwrap();
        git(
            tmp.path(),
            &[
                "clone",
                "-q",
                whole.to_str().unwrap(),
                cut.to_str().unwrap(),
            ],
        );
        let before = format!("--before={end}T00:00:00+00:00");
        let tip = git(&cut, &["rev-list", "-1", "--first-parent", &before, "HEAD"]);
        git(&cut, &["reset", "-q", "--hard", &tip]);
        // Both stores name the clone alike, as the report shows its name.
        git(&cut, &["remote", "remove", "origin"]);
        let (whole_data, cut_data) = (
            tmp.path().join(format!("data-whole-{month}")),
            tmp.path().join(format!("data-cut-{month}")),
        );
        support::fetch_git(&whole_data, &whole);
        support::fetch_git(&cut_data, &cut);
        let (a, b) = (
            tmp.path().join(format!("report-whole-{month}")),
            tmp.path().join(format!("report-cut-{month}")),
        );
        report(&whole_data, &["--month", month], &a);
        report(&cut_data, &["--month", month], &b);
        assert_same_reports(&a, &b);
        // Carol's branch and the vendored project were not on main yet.
        let text = std::fs::read_to_string(a.join("report.json")).unwrap();
        assert!(
            !text.contains("carol"),
            "carol's unmerged work is in {month}"
        );
        assert!(!text.contains("dan@"), "the vendored project is in {month}");
    }
}
