//! What the fault tests (`tests/faults_*.rs`) share: a small GitHub world, a workspace whose
//! config keeps retries short, the fetch command against a fake, a canonical dump of a data
//! directory to compare states with, trial counts from the environment, and killing the binary.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use teamlens::model::{self, Dataset};
use teamlens::sources::simulate::{SimConfig, simulate};
use teamlens::store::{MANIFEST, Store};

use super::fake_github::{FakeGitHub, TOKEN};

/// A simulated organisation's GitHub rows only (its tickets are another source's).
pub fn github_world(seed: u64, teams: usize, months: u32, scale: f64) -> Dataset {
    let all = simulate(&SimConfig::default_org(seed, teams, months, scale)).dataset;
    fn github<T>(rows: Vec<T>, source: impl Fn(&T) -> &str) -> Vec<T> {
        rows.into_iter().filter(|r| source(r) == "github").collect()
    }
    Dataset {
        people: all.people,
        pull_requests: github(all.pull_requests, |r| &r.source),
        reviews: github(all.reviews, |r| &r.source),
        review_requests: github(all.review_requests, |r| &r.source),
        pr_events: github(all.pr_events, |r| &r.source),
        pr_commits: github(all.pr_commits, |r| &r.source),
        comments: github(all.comments, |r| &r.source),
        file_changes: github(all.file_changes, |r| &r.source),
        deployments: github(all.deployments, |r| &r.source),
        ..Dataset::default()
    }
}

/// The repositories of a world, sorted.
pub fn repositories(world: &Dataset) -> Vec<String> {
    let mut repos: Vec<String> = world.pull_requests.iter().map(|p| p.repo.clone()).collect();
    repos.sort();
    repos.dedup();
    repos
}

/// A folder with a data directory and a config that keeps GitHub's retries and waits short.
pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub config: PathBuf,
}

pub fn workspace(page_size: u32) -> Workspace {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("teamlens.toml");
    std::fs::write(
        &config,
        format!(
            "[github]\npage_size = {page_size}\nretry_base_ms = 20\nsecondary_limit_wait_secs = 1\n\
             max_attempts = 4\nmin_remaining_points = 0\n"
        ),
    )
    .unwrap();
    Workspace {
        data: dir.path().join("data"),
        config,
        dir,
    }
}

/// `teamlens --data-dir DATA --config CONFIG fetch github REPOS… --since 2020-01-01` against
/// the fake, as a plain process (so it can be killed).
pub fn fetch_process(fake: &FakeGitHub, data: &Path, config: &Path, repos: &[String]) -> Command {
    let env = [
        ("GITHUB_TOKEN", TOKEN.to_string()),
        ("GITHUB_GRAPHQL_URL", fake.graphql_url()),
        ("GITHUB_API_URL", fake.api_url()),
    ];
    source_fetch_process(&env, data, config, "github", repos)
}

/// `teamlens --data-dir DATA --config CONFIG fetch SOURCE SCOPES… --since 2020-01-01` with the
/// source's variables in `env` (credentials and the fake's address), as a plain process.
pub fn source_fetch_process(
    env: &[(&str, String)],
    data: &Path,
    config: &Path,
    source: &str,
    scopes: &[String],
) -> Command {
    let mut command = Command::new(binary());
    command.env_remove("TEAMLENS_LOG");
    for (name, value) in env {
        command.env(name, value);
    }
    command
        .arg("--data-dir")
        .arg(data)
        .arg("--config")
        .arg(config)
        .args(["fetch", source])
        .args(scopes)
        .args(["--since", "2020-01-01"]);
    command
}

/// The binary under test.
pub fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("teamlens")
}

/// Runs a command to its end; returns (success, stderr).
pub fn run(command: &mut Command) -> (bool, String) {
    let output = command
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A data directory's dataset, canonically: every table's rows as text, sorted. A directory
/// without a manifest dumps as empty, as does a table never written; the manifest's sync state
/// is left out (it holds run ids and times).
pub type Dump = BTreeMap<&'static str, Vec<String>>;

pub fn dump(data: &Path) -> Dump {
    let mut out = Dump::new();
    if !data.join(MANIFEST).exists() {
        return out;
    }
    let store = Store::open(data).unwrap_or_else(|e| panic!("{}: {e}", data.display()));
    for spec in model::TABLES {
        let frame = store
            .scan(spec.name)
            .unwrap_or_else(|e| panic!("{e}"))
            .collect()
            .unwrap();
        let mut rows: Vec<String> = (0..frame.height())
            .map(|i| format!("{:?}", frame.get_row(i).unwrap().0))
            .collect();
        rows.sort();
        if !rows.is_empty() {
            out.insert(spec.name, rows);
        }
    }
    out
}

/// Rows in one dump and not the other, a few per table: what an assertion shows.
pub fn difference(want: &Dump, got: &Dump) -> String {
    let mut lines = Vec::new();
    let empty = Vec::new();
    let tables: std::collections::BTreeSet<&&str> = want.keys().chain(got.keys()).collect();
    for table in tables {
        let (w, g) = (
            want.get(*table).unwrap_or(&empty),
            got.get(*table).unwrap_or(&empty),
        );
        if w != g {
            let missing: Vec<&String> = w.iter().filter(|r| !g.contains(r)).take(2).collect();
            let extra: Vec<&String> = g.iter().filter(|r| !w.contains(r)).take(2).collect();
            lines.push(format!(
                "{table}: {} rows, {} expected; missing {missing:?}; unexpected {extra:?}",
                g.len(),
                w.len()
            ));
        }
    }
    lines.join("\n")
}

/// A count from the environment (`TEAMLENS_KILL_TRIALS`, `TEAMLENS_FAULT_RUNS`), or the default
/// the normal test run uses.
pub fn count_from_env(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(text) => text
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text} is not a count")),
        Err(_) => default,
    }
}

/// The seed of a randomized test: `TEAMLENS_FAULT_SEED`, or a fixed default so a failure
/// reproduces.
pub fn seed_from_env(default: u64) -> u64 {
    std::env::var("TEAMLENS_FAULT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// How a killed run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// SIGKILL arrived while it ran.
    Killed,
    /// It finished before the kill was due.
    Finished,
}

/// Sends SIGKILL to `child` once `when` says so (polled every millisecond), or lets it finish;
/// the child is reaped either way. `when` gets the time since the start.
pub fn kill_when(mut child: Child, mut when: impl FnMut(Duration) -> bool) -> Ending {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "the run failed on its own: {status}");
            return Ending::Finished;
        }
        if when(started.elapsed()) {
            // Child::kill sends SIGKILL on Unix: no destructor, no flush, no cleanup runs.
            child.kill().unwrap();
            child.wait().unwrap();
            return Ending::Killed;
        }
        assert!(
            started.elapsed() < Duration::from_secs(300),
            "a run did not finish in five minutes"
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Runs a fetch again and again, each run killed once the fake server has answered `next_step()`
/// more requests (or after a minute), until a run finishes on its own; at most `most_kills`
/// kills. Returns how many runs were killed. `fetch` builds the command of one run; `requests`
/// reads the fake's request count.
pub fn kill_fetch_until_it_finishes(
    mut fetch: impl FnMut() -> Command,
    requests: impl Fn() -> u64,
    mut next_step: impl FnMut() -> u64,
    most_kills: usize,
) -> usize {
    let mut kills = 0;
    while kills < most_kills {
        let step = next_step();
        let before = requests();
        let child = fetch()
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let ending = kill_when(child, |elapsed| {
            requests() >= before + step || elapsed > Duration::from_secs(60)
        });
        match ending {
            Ending::Killed => kills += 1,
            Ending::Finished => break,
        }
    }
    kills
}

/// Every file under `dir` (relative path → bytes), for comparing report folders whole.
pub fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        let Ok(items) = std::fs::read_dir(&next) else {
            continue;
        };
        for item in items {
            let path = item.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Copies a folder tree (data directories are small in these tests).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for (relative, bytes) in files(from) {
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::write(target, bytes).unwrap();
    }
}
