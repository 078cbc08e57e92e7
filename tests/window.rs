//! A report reads the months it judges and looks back on, not every month stored
//! (`analysis::Window`, `asof::window`), and says the same as one that reads them all
//! (`TEAMLENS_WHOLE_HISTORY=1`): every file of the report (report.md, report.json, every CSV of
//! data/, the charts, the team pages) byte for byte, and the retro's. The stores hold more
//! months than any window: rows of months before it that are still alive in it (an open PR, a
//! ticket's history, a branch written long before it landed) must come with it.

mod support;

use std::path::Path;

use support::git_repo::{commit, git, git_env, init};
use support::{assert_same_reports, teamlens};

/// `teamlens report` over `data` for `period` into `out`, reading the window or (`whole`) every
/// stored month; what it logged at debug level.
fn report(data: &Path, period: &[&str], out: &Path, whole: bool) -> String {
    let mut command = teamlens();
    command
        .arg("--data-dir")
        .arg(data)
        .args(["-q", "report"])
        .args(period)
        .arg("--out")
        .arg(out)
        .env("TEAMLENS_LOG", "teamlens::analysis=debug");
    if whole {
        command.env("TEAMLENS_WHOLE_HISTORY", "1");
    }
    let output = command.assert().success();
    plain(&String::from_utf8_lossy(&output.get_output().stderr))
}

/// `text` without its terminal colours (`ESC [ … m`).
fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The window's report and the whole history's are the same, and the window's read fewer months
/// than the store holds.
fn same_from_window_and_whole(data: &Path, period: &[&str], reports: &Path, months_read: usize) {
    let name = period.join("");
    let (window, whole) = (
        reports.join(format!("window{name}")),
        reports.join(format!("whole{name}")),
    );
    let said = report(data, period, &window, false);
    report(data, period, &whole, true);
    assert!(
        said.contains("reading a window of the stored months"),
        "the report read every stored month: {said}"
    );
    let stored = said
        .split("stored_months=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<usize>().ok())
        .expect("the log says how many months the store holds");
    let first = said
        .split("first=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default();
    let last = said
        .split("last=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_default();
    let months = |m: &str| {
        let (y, n) = m.split_once('-').unwrap();
        y.parse::<usize>().unwrap() * 12 + n.parse::<usize>().unwrap()
    };
    assert_eq!(
        months(last) - months(first) + 1,
        months_read,
        "the window of {name}: {first} to {last}"
    );
    assert!(
        months_read < stored,
        "the store holds {stored} months, the window {months_read}: nothing left out to test"
    );
    assert_same_reports(&whole, &window);
}

/// The organisation most tests read: five teams over sixteen months.
const FIVE_TEAMS: &[&str] = &["--teams", "5", "--months", "16", "--seed", "11"];

/// A simulated store of the organisation `shape` (`simulate`'s arguments) in `out`.
fn simulate(out: &Path, shape: &[&str]) {
    teamlens()
        .args(["-q", "simulate"])
        .args(shape)
        .arg("--out")
        .arg(out)
        .assert()
        .success();
}

#[test]
fn a_month_quarter_and_past_month_read_from_their_window_are_the_whole_historys() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    simulate(&data, FIVE_TEAMS);
    // The default thresholds look back seven months (attrition's baseline and the month
    // before): a month's report reads eight.
    same_from_window_and_whole(&data, &["--month", "2026-10"], tmp.path(), 8);
    // Months after the window are stored too: the cut puts tickets back from their later
    // changes, and nothing of those months may reach the report.
    same_from_window_and_whole(&data, &["--month", "2026-07"], tmp.path(), 8);
    same_from_window_and_whole(&data, &["--quarter", "2026-Q3"], tmp.path(), 10);
}

#[test]
fn a_sparse_teams_month_read_from_its_window_is_the_whole_historys() {
    // One small team merging a PR every few weeks: the cycle-time chart once took the last
    // thirteen weeks that had a merge, reaching a year back, past the window (a June 2024
    // report of golang/text drew weeks of December 2022).
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    simulate(
        &data,
        &[
            "--teams", "1", "--months", "16", "--seed", "11", "--scale", "0.05",
        ],
    );
    same_from_window_and_whole(&data, &["--month", "2026-10"], tmp.path(), 8);
}

#[test]
fn a_retro_read_from_its_window_is_the_whole_historys() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    simulate(&data, FIVE_TEAMS);
    let retro = |whole: bool, out: &Path| {
        // Each retro keeps its state in its own copy of the store, so the second starts from
        // the same state as the first.
        let copy = tmp
            .path()
            .join(if whole { "whole-data" } else { "window-data" });
        copy_dir(&data, &copy);
        let mut command = teamlens();
        command
            .arg("--data-dir")
            .arg(&copy)
            .args(["-q", "retro", "--out"])
            .arg(out);
        if whole {
            command.env("TEAMLENS_WHOLE_HISTORY", "1");
        }
        command.assert().success();
    };
    let (window, whole) = (tmp.path().join("window"), tmp.path().join("whole"));
    retro(false, &window);
    retro(true, &whole);
    assert_same_reports(&whole, &window);
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn a_branch_written_before_the_window_and_merged_in_it_is_read_with_it() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    init(&repo);
    let ana = ("Ana Lima", "ana@example.com");
    let ben = ("Ben Ode", "ben@example.com");
    // Two years of reviewed changes on main, and a branch of Ben's written in the first
    // months and merged in the last.
    for month in 0..24 {
        let (year, m) = (2023 + month / 12, month % 12 + 1);
        for (i, (who, reviewer)) in [(ana, ben), (ben, ana), (ana, ben)].into_iter().enumerate() {
            let date = format!("{year}-{m:02}-{:02}T10:00:00+01:00", 3 + i * 9);
            let message = format!(
                "change {year}-{m}-{i}\n\nReviewed-by: {} <{}>",
                reviewer.0, reviewer.1
            );
            commit(&repo, who, &date, &format!("src/m{month}/{i}.rs"), &message);
        }
        if month == 2 {
            git(&repo, &["checkout", "-q", "-b", "ben/slow"]);
            commit(
                &repo,
                ben,
                "2023-03-20T21:00:00+01:00",
                "src/slow/1.rs",
                "slow part 1",
            );
            commit(
                &repo,
                ben,
                "2023-04-02T21:00:00+01:00",
                "src/slow/2.rs",
                "slow part 2",
            );
            git(&repo, &["checkout", "-q", "main"]);
        }
    }
    let env = [
        ("GIT_AUTHOR_DATE", "2024-12-20T10:00:00+01:00".as_ref()),
        ("GIT_COMMITTER_DATE", "2024-12-20T10:00:00+01:00".as_ref()),
    ];
    git_env(
        &repo,
        &[
            "merge",
            "-q",
            "--no-ff",
            "-m",
            "Merge branch 'ben/slow'\n\nReviewed-by: Ana Lima <ana@example.com>",
            "ben/slow",
        ],
        &env,
    );
    let data = tmp.path().join("data");
    support::fetch_git(&data, &repo);
    same_from_window_and_whole(&data, &["--month", "2024-12"], tmp.path(), 8);
    same_from_window_and_whole(&data, &["--month", "2024-06"], tmp.path(), 8);
}
