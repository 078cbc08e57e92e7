//! The fake GitHub's network faults, combined at random (seeded): many small fetches, each into
//! a fresh data directory, with a random mix of faults at a random rate. Every run must either
//! store exactly the rows of a fault-free fetch, or fail with a clear `error:` message (no
//! panic, no token) and then, on a re-run without faults, store exactly those rows.
//!
//! `TEAMLENS_FAULT_RUNS` (default 50) sets the number of runs, `TEAMLENS_FAULT_SEED` the seed;
//! the test prints the runs, the faults injected and how the runs ended (`--nocapture`).
//!
//! GraphQL partial errors (`Fault::PartialError`) are left out: they are not a network fault but
//! an answer GitHub gives with a field nulled, which the fetch keeps on purpose and says so
//! (tested in `github_fetch.rs`); they would make a run's rows differ by design.

mod support;

use std::collections::BTreeMap;

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use support::fake_github::{FakeGitHub, FaultKind, GitHubWorld, TOKEN};
use support::faults::{
    Dump, count_from_env, difference, dump, fetch_process, github_world, repositories, run,
    seed_from_env, workspace,
};

const KINDS: &[FaultKind] = &[
    FaultKind::SecondaryLimit,
    FaultKind::TooManyRequests,
    FaultKind::BadGateway,
    FaultKind::ConnectionReset,
    FaultKind::Truncated,
    FaultKind::MalformedJson,
    FaultKind::ExpiredToken,
    FaultKind::Latency,
];

/// Rows in one dump and not the other, or the other way round.
fn wrong_rows(want: &Dump, got: &Dump) -> usize {
    let empty = Vec::new();
    want.keys()
        .chain(got.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|table| {
            let (w, g) = (
                want.get(table).unwrap_or(&empty),
                got.get(table).unwrap_or(&empty),
            );
            w.iter().filter(|r| !g.contains(r)).count()
                + g.iter().filter(|r| !w.contains(r)).count()
        })
        .sum()
}

#[test]
fn random_combined_network_faults_never_store_a_wrong_row() {
    let world = github_world(51, 1, 2, 0.4);
    let repos = vec![repositories(&world)[0].clone()];
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world));
    let ws = workspace(5);
    let reference_dir = ws.dir.path().join("reference");
    let (ok, stderr) = run(&mut fetch_process(
        &fake,
        &reference_dir,
        &ws.config,
        &repos,
    ));
    assert!(ok, "{stderr}");
    let reference = dump(&reference_dir);
    let requests = fake.stats().requests;
    assert!(
        requests >= 4,
        "only {requests} requests: make the world bigger"
    );

    let runs = count_from_env("TEAMLENS_FAULT_RUNS", 50);
    let mut rng = ChaCha8Rng::seed_from_u64(seed_from_env(11));
    let mut endings: BTreeMap<&str, usize> = BTreeMap::new();
    let mut injected = 0;
    let mut wrong = 0;
    let mut problems = Vec::new();
    for index in 0..runs {
        let data = ws.dir.path().join(format!("run-{index}"));
        // Each fetch gets GitHub's full hourly budget, as if the runs were an hour apart: a
        // thousand runs would spend one budget many times over.
        fake.set_budget(5000);
        let count = rng.random_range(1..=KINDS.len());
        let kinds: Vec<FaultKind> = KINDS.choose_multiple(&mut rng, count).copied().collect();
        let probability = rng.random_range(0.05..0.4);
        fake.random_faults(rng.random(), probability, &kinds);
        let before = fake.stats().faults;
        let (ok, stderr) = run(fetch_process(&fake, &data, &ws.config, &repos).arg("-q"));
        fake.clear_faults();
        injected += fake.stats().faults - before;
        let label = format!("run {index} ({kinds:?} at {probability:.2})");
        if stderr.contains("panicked") || stderr.contains(TOKEN) {
            problems.push(format!("{label}: {stderr}"));
        }
        let got = dump(&data);
        if ok {
            *endings.entry("stored every row").or_default() += 1;
            let w = wrong_rows(&reference, &got);
            if w > 0 {
                wrong += w;
                problems.push(format!("{label}: {}", difference(&reference, &got)));
            }
        } else {
            *endings.entry("failed, then resumed").or_default() += 1;
            let message = stderr.lines().find(|l| l.starts_with("error: "));
            if message.is_none_or(|m| m.len() < 20) {
                problems.push(format!("{label}: no clear error: {stderr}"));
            }
            // What a failed fetch committed is correct as far as it goes.
            for (table, rows) in &got {
                let want = reference.get(table).cloned().unwrap_or_default();
                let extra = rows.iter().filter(|r| !want.contains(r)).count();
                if extra > 0 {
                    wrong += extra;
                    problems.push(format!(
                        "{label}: {extra} wrong rows in {table} after failing"
                    ));
                }
            }
            let (ok, stderr) = run(fetch_process(&fake, &data, &ws.config, &repos).arg("-q"));
            let resumed = dump(&data);
            if !ok {
                problems.push(format!("{label}: the re-run failed: {stderr}"));
            } else if resumed != reference {
                wrong += wrong_rows(&reference, &resumed);
                problems.push(format!(
                    "{label}: the re-run differs: {}",
                    difference(&reference, &resumed)
                ));
            }
        }
        std::fs::remove_dir_all(&data).ok();
    }
    let parts: Vec<String> = endings.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!(
        "network faults: {runs} runs, {injected} faults injected, {wrong} wrong rows, {} \
         problems; {}",
        problems.len(),
        parts.join(", ")
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(wrong, 0);
    assert!(injected as usize >= runs / 2, "too few faults: {injected}");
}
