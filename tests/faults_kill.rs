//! SIGKILL at random points, by timing alone (no hook in the product): during a GitHub fetch,
//! during the store's writes (`teamlens simulate --out` replacing a dataset) and during report
//! writing. After every kill the data directory must hold exactly the old dataset or the new
//! one (every table dumped, sorted, compared with both), a report folder must be the old report,
//! the new one or absent (never part of one), and a re-run must end with exactly what an
//! uninterrupted run makes.
//!
//! `TEAMLENS_KILL_TRIALS` (default 20) sets the trials of each test, `TEAMLENS_FAULT_SEED` the
//! seed of the kill times; each test prints how its kills landed.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use teamlens::model::{Dataset, PullRequest, Review};

use support::fake_github::{FakeGitHub, GitHubWorld};
use support::faults::{
    Ending, binary, copy_dir, count_from_env, difference, dump, fetch_process, files, github_world,
    kill_when, run, seed_from_env, workspace,
};

fn trials() -> usize {
    count_from_env("TEAMLENS_KILL_TRIALS", 20)
}

/// Tallies where kills landed, printed at the end of a test (`--nocapture` shows it).
#[derive(Default)]
struct Tally(BTreeMap<&'static str, usize>);

impl Tally {
    fn add(&mut self, outcome: &'static str) {
        *self.0.entry(outcome).or_default() += 1;
    }

    fn print(&self, test: &str) {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k} {v}")).collect();
        println!("{test}: {}", parts.join(", "));
    }
}

/// The world after three PRs were retitled and reviewed again, and one new PR was opened: what
/// an incremental fetch must merge into the stored rows.
fn changed(world: &Dataset) -> Dataset {
    let mut next = world.clone();
    let when = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    let merged: Vec<usize> = (0..next.pull_requests.len())
        .filter(|&i| next.pull_requests[i].merged_at.is_some())
        .take(3)
        .collect();
    for (k, i) in merged.into_iter().enumerate() {
        let at = when + chrono::Duration::minutes(k as i64);
        let pr = &mut next.pull_requests[i];
        pr.updated_at = Some(at);
        pr.title = Some(format!(
            "{} (retitled)",
            pr.title.clone().unwrap_or_default()
        ));
        let (repo, number) = (pr.repo.clone(), pr.number);
        next.reviews.push(Review {
            source: "github".into(),
            repo,
            number,
            reviewer: "late-reviewer".into(),
            reviewer_name: None,
            state: "commented".into(),
            submitted_at: at,
            comment_count: Some(0),
        });
    }
    let template = next.pull_requests[0].clone();
    let number = next.pull_requests.iter().map(|p| p.number).max().unwrap() + 1;
    next.pull_requests.push(PullRequest {
        number,
        title: Some("opened after the first fetch".into()),
        created_at: when,
        ready_at: Some(when),
        first_commit_at: None,
        merged_at: None,
        closed_at: None,
        merged_by: None,
        state: Some("open".into()),
        updated_at: Some(when),
        url: template.url.as_ref().map(|u| {
            format!(
                "{}/{number}",
                u.rsplit_once('/').map_or(u.as_str(), |p| p.0)
            )
        }),
        ..template
    });
    next
}

#[test]
fn a_fetch_killed_at_random_times_leaves_the_old_or_the_new_dataset() {
    let world = github_world(41, 1, 2, 0.7);
    let repos = vec![support::faults::repositories(&world)[0].clone()];
    let old_fake = FakeGitHub::start(GitHubWorld::from_dataset(world.clone()));
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(changed(&world)));
    let ws = workspace(10);

    // The two states a trial starts from, and where each must end.
    let empty_dir = ws.dir.path().join("empty");
    let old_dir = ws.dir.path().join("old");
    let (ok, stderr) = run(&mut fetch_process(&old_fake, &old_dir, &ws.config, &repos));
    assert!(ok, "{stderr}");
    let old = dump(&old_dir);
    let new_dir = ws.dir.path().join("new");
    copy_dir(&old_dir, &new_dir);
    let started = Instant::now();
    let (ok, stderr) = run(&mut fetch_process(&fake, &new_dir, &ws.config, &repos));
    let incremental_time = started.elapsed();
    assert!(ok, "{stderr}");
    let new = dump(&new_dir);
    let fresh_dir = ws.dir.path().join("fresh");
    let started = Instant::now();
    let (ok, stderr) = run(&mut fetch_process(&fake, &fresh_dir, &ws.config, &repos));
    let fresh_time = started.elapsed();
    assert!(ok, "{stderr}");
    assert!(
        dump(&fresh_dir) == new,
        "an incremental fetch and a fresh one differ:\n{}",
        difference(&new, &dump(&fresh_dir))
    );
    assert!(old != new && !old.is_empty());

    let mut rng = ChaCha8Rng::seed_from_u64(seed_from_env(8));
    let mut tally = Tally::default();
    for trial in 0..trials() {
        let from_old = trial % 2 == 1;
        let data = ws.dir.path().join(format!("trial-{trial}"));
        let (start, start_dump, reference) = if from_old {
            copy_dir(&old_dir, &data);
            ("old", &old, incremental_time)
        } else {
            copy_dir(&empty_dir, &data);
            ("empty", &Default::default(), fresh_time)
        };
        // A third of the kills aim at the merge's commit: a moment after the manifest's
        // temporary file appears (it is renamed over the manifest next); the others at a
        // random time into the fetch.
        let at_commit = trial % 3 == 2;
        let delay = if at_commit {
            Duration::from_micros(rng.random_range(0..20_000))
        } else {
            reference.mul_f64(rng.random_range(0.0..1.2))
        };
        let child = fetch_process(&fake, &data, &ws.config, &repos)
            .arg("-q")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (ending, _) = if at_commit {
            let root = data.clone();
            kill_during_writes(child, move || hidden_in(&root) > 0, delay)
        } else {
            (kill_when(child, |elapsed| elapsed >= delay), None)
        };
        let after = dump(&data);
        let state = if &after == start_dump {
            "old state"
        } else if after == new {
            "new state"
        } else {
            panic!(
                "trial {trial} (from {start}, killed after {delay:?}): neither state:\n{}",
                difference(&new, &after)
            );
        };
        tally.add(match (ending, state) {
            (Ending::Finished, _) => "finished before the kill",
            (Ending::Killed, "old state") => "killed, old state kept",
            _ => "killed, new state committed",
        });
        if data.join("staging").exists() {
            tally.add("(a checkpoint left to resume)");
        }
        let (ok, stderr) = run(&mut fetch_process(&fake, &data, &ws.config, &repos));
        assert!(
            ok && !stderr.contains("panicked"),
            "trial {trial}: {stderr}"
        );
        let resumed = dump(&data);
        assert!(
            resumed == new,
            "trial {trial}: the re-run differs from an uninterrupted fetch:\n{}",
            difference(&new, &resumed)
        );
        std::fs::remove_dir_all(&data).unwrap();
    }
    tally.print("fetch kills");
}

/// Every path under a folder.
fn listing(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(items) = std::fs::read_dir(&next) else {
            continue;
        };
        for item in items.flatten() {
            let path = item.path();
            if path.is_dir() {
                pending.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

/// Waits for `started_writing` (polled every millisecond) and kills the child a random time
/// `after` that; the first write is an observed moment, so the kills land in the write window
/// even when most of the run is computing. Returns the ending and when writing began.
fn kill_during_writes(
    child: std::process::Child,
    mut started_writing: impl FnMut() -> bool,
    after: Duration,
) -> (Ending, Option<Duration>) {
    let mut began: Option<Duration> = None;
    let ending = kill_when(child, |elapsed| {
        if began.is_none() && started_writing() {
            began = Some(elapsed);
        }
        began.is_some_and(|b| elapsed >= b + after)
    });
    (ending, began)
}

/// The hidden entries (`.tmp-…` files of a write in progress) directly in a folder.
fn hidden_in(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|items| {
            items
                .flatten()
                .filter(|i| i.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

fn simulate_into(dir: &Path, seed: u64) -> Command {
    let mut command = Command::new(binary());
    command
        .env_remove("TEAMLENS_LOG")
        .args(["-q", "simulate", "--teams", "3", "--months", "4", "--seed"])
        .arg(seed.to_string())
        .arg("--out")
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[test]
fn store_writes_killed_at_random_times_leave_the_old_or_the_new_dataset() {
    let dir = tempfile::tempdir().unwrap();
    let old_dir = dir.path().join("old");
    assert!(simulate_into(&old_dir, 1).status().unwrap().success());
    let old = dump(&old_dir);
    let old_files: Vec<PathBuf> = listing(&old_dir.join("tables"));

    // The reference run replaces the old dataset; it also measures how long writing takes.
    let new_dir = dir.path().join("new");
    copy_dir(&old_dir, &new_dir);
    let relative: Vec<PathBuf> = old_files
        .iter()
        .map(|p| p.strip_prefix(&old_dir).unwrap().to_path_buf())
        .collect();
    let written = |data: &Path| {
        let before: Vec<PathBuf> = relative.iter().map(|r| data.join(r)).collect();
        let tables = data.join("tables");
        move || listing(&tables).iter().any(|p| !before.contains(p))
    };
    let started = Instant::now();
    let (ending, began) = kill_during_writes(
        simulate_into(&new_dir, 2).spawn().unwrap(),
        written(&new_dir),
        Duration::from_secs(600),
    );
    assert_eq!(ending, Ending::Finished);
    let window = started.elapsed() - began.expect("the reference run wrote no file");
    let new = dump(&new_dir);
    assert!(old != new);

    let mut rng = ChaCha8Rng::seed_from_u64(seed_from_env(9));
    let mut tally = Tally::default();
    for trial in 0..trials() {
        let data = dir.path().join(format!("trial-{trial}"));
        copy_dir(&old_dir, &data);
        // Half the kills aim at the whole write, half at the commit itself: a moment after the
        // manifest's temporary file appears (it is renamed over the manifest next).
        let at_commit = trial % 2 == 1;
        let after = if at_commit {
            Duration::from_micros(rng.random_range(0..20_000))
        } else {
            window.mul_f64(rng.random_range(0.0..1.3))
        };
        let root = data.clone();
        let first_write = written(&data);
        let (ending, _) = kill_during_writes(
            simulate_into(&data, 2).spawn().unwrap(),
            move || {
                if at_commit {
                    hidden_in(&root) > 0
                } else {
                    first_write()
                }
            },
            after,
        );
        let state = dump(&data);
        tally.add(match ending {
            Ending::Finished => "finished before the kill",
            Ending::Killed if state == old => "killed, old state kept",
            Ending::Killed if state == new => "killed, new state committed",
            Ending::Killed => panic!(
                "trial {trial} (killed {after:?} into writing): neither state:\n{}",
                difference(&new, &state)
            ),
        });
        assert!(simulate_into(&data, 2).status().unwrap().success());
        assert!(dump(&data) == new, "trial {trial}: the re-run differs");
        // Files a killed write left are gone after the next commit.
        let listed = listing(&data.join("tables"))
            .into_iter()
            .filter(|p| p.is_file())
            .count();
        let reference = listing(&new_dir.join("tables"))
            .into_iter()
            .filter(|p| p.is_file())
            .count();
        assert_eq!(listed, reference, "trial {trial}: stray files");
        std::fs::remove_dir_all(&data).unwrap();
    }
    tally.print("store write kills");
}

fn report_into(data: &Path, month: &str, out: &Path) -> Command {
    let mut command = Command::new(binary());
    command
        .env_remove("TEAMLENS_LOG")
        .arg("--data-dir")
        .arg(data)
        .args(["-q", "report", "--month", month, "--out"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// The hidden folders in a folder: the report's staging folder (`.NAME.writing`), or the
/// fallback's `.report-old-…`.
fn staging_in(parent: &Path) -> usize {
    hidden_in(parent)
}

/// Two report folders are the same report: the same files, byte for byte, except that numbers
/// in `report.json` may differ in their last digit (a sum of floats over polars' threads is not
/// always added in the same order; this is about whole files, not arithmetic).
fn same_report(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> bool {
    fn close(a: &serde_json::Value, b: &serde_json::Value) -> bool {
        use serde_json::Value::*;
        match (a, b) {
            (Number(x), Number(y)) => {
                let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
                (x - y).abs() <= 1e-2 * x.abs().max(1.0)
            }
            (Array(x), Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| close(x, y)),
            (Object(x), Object(y)) => {
                x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| close(v, w)))
            }
            _ => a == b,
        }
    }
    a.len() == b.len()
        && a.iter().all(|(name, bytes)| match b.get(name) {
            None => false,
            Some(other) if name == "report.json" => {
                match (
                    serde_json::from_slice::<serde_json::Value>(bytes),
                    serde_json::from_slice::<serde_json::Value>(other),
                ) {
                    (Ok(x), Ok(y)) => close(&x, &y),
                    _ => false,
                }
            }
            Some(other) => bytes == other,
        })
}

#[test]
fn report_writing_killed_at_random_times_never_leaves_half_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    assert!(
        Command::new(binary())
            .args(["-q", "simulate", "--teams", "1", "--months", "3", "--out"])
            .arg(&data)
            .status()
            .unwrap()
            .success()
    );
    let old_out = dir.path().join("old-report");
    assert!(
        report_into(&data, "2026-09", &old_out)
            .status()
            .unwrap()
            .success()
    );
    let old = files(&old_out);
    let reference_parent = dir.path().join("reference");
    std::fs::create_dir_all(&reference_parent).unwrap();
    let new_out = reference_parent.join("report");
    let started = Instant::now();
    let (ending, began) = kill_during_writes(
        report_into(&data, "2026-10", &new_out).spawn().unwrap(),
        || staging_in(&reference_parent) > 0,
        Duration::from_secs(600),
    );
    assert_eq!(ending, Ending::Finished);
    let window = started.elapsed() - began.expect("no staging folder was seen");
    let new = files(&new_out);
    assert!(new.contains_key("report.json") && new.keys().any(|k| k.ends_with(".png")));
    assert!(old != new);

    let mut rng = ChaCha8Rng::seed_from_u64(seed_from_env(10));
    let mut tally = Tally::default();
    for trial in 0..trials() {
        let parent = dir.path().join(format!("trial-{trial}"));
        let out = parent.join("report");
        // Odd trials replace an earlier report, even ones write a first.
        let replacing = trial % 2 == 1;
        if replacing {
            copy_dir(&old_out, &out);
        } else {
            std::fs::create_dir_all(&parent).unwrap();
        }
        // Half the kills aim at the whole write, half at the swap into place: a moment after
        // report.json, the last file, appears in the staging folder.
        let at_swap = trial % 3 == 2;
        let after = if at_swap {
            Duration::from_micros(rng.random_range(0..20_000))
        } else {
            window.mul_f64(rng.random_range(0.0..1.3))
        };
        let staged_json = parent.join(".report.writing").join("report.json");
        let (ending, _) = kill_during_writes(
            report_into(&data, "2026-10", &out).spawn().unwrap(),
            || {
                if at_swap {
                    staged_json.exists()
                } else {
                    staging_in(&parent) > 0
                }
            },
            after,
        );
        let found = files(&out);
        tally.add(match ending {
            Ending::Finished => "finished before the kill",
            Ending::Killed if same_report(&found, &new) => "killed, new report in place",
            Ending::Killed if replacing && same_report(&found, &old) => "killed, old report kept",
            Ending::Killed if !out.exists() => "killed, no report folder",
            Ending::Killed => panic!(
                "trial {trial} (killed {after:?} into writing): {} holds part of a report: {:?}",
                out.display(),
                found.keys().collect::<Vec<_>>()
            ),
        });
        if ending == Ending::Killed && replacing && !out.exists() {
            panic!("trial {trial}: the earlier report was lost by a kill");
        }
        if staging_in(&parent) > 0 {
            tally.add("(staging folder left beside it)");
        }
        assert!(
            report_into(&data, "2026-10", &out)
                .status()
                .unwrap()
                .success()
        );
        assert!(
            same_report(&files(&out), &new),
            "trial {trial}: the re-run differs"
        );
        assert_eq!(
            staging_in(&parent),
            0,
            "trial {trial}: a staging folder stayed"
        );
        std::fs::remove_dir_all(&parent).unwrap();
    }
    tally.print("report kills");
}
