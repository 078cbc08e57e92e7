//! A damaged data directory, end to end against the fake GitHub: every kind of damage makes the
//! commands that read the store fail with a message naming the file (relative to the data
//! directory), what is wrong, and `teamlens fetch --repair`; the repair then brings back exactly
//! the dataset of the undamaged directory, keeping every healthy file and the damaged one in
//! `damaged/`.

mod support;

use std::path::Path;

use serde_json::Value;

use support::fake_github::{FakeGitHub, GitHubWorld};
use support::faults::{
    Dump, copy_dir, difference, dump, fetch_process, github_world, repositories, run, workspace,
};
use support::teamlens;

/// A damage done to a data directory; returns the file it names (relative to the directory),
/// and what the error must say is wrong.
type Damager = fn(&Path) -> (String, &'static str);

fn manifest(data: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(data.join("manifest.json")).unwrap()).unwrap()
}

fn save_manifest(data: &Path, manifest: &Value) {
    std::fs::write(
        data.join("manifest.json"),
        serde_json::to_vec_pretty(manifest).unwrap(),
    )
    .unwrap();
}

/// The index of a table's file in a month partition, the middle one of the month-partitioned
/// files (or the only one of an unpartitioned table).
fn file_of(data: &Path, table: &str) -> (usize, String) {
    let manifest = manifest(data);
    let files = manifest["tables"][table]["files"].as_array().unwrap();
    assert!(!files.is_empty(), "no {table} files");
    let index = files.len() / 2;
    (index, files[index]["path"].as_str().unwrap().to_string())
}

fn truncate(data: &Path) -> (String, &'static str) {
    let (_, path) = file_of(data, "pull_requests");
    let bytes = std::fs::read(data.join(&path)).unwrap();
    std::fs::write(data.join(&path), &bytes[..bytes.len() / 3]).unwrap();
    (path, "bytes where the manifest says")
}

fn flip_a_byte(data: &Path) -> (String, &'static str) {
    let (_, path) = file_of(data, "reviews");
    let mut bytes = std::fs::read(data.join(&path)).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(data.join(&path), bytes).unwrap();
    (path, "fails its checksum")
}

fn delete(data: &Path) -> (String, &'static str) {
    let (_, path) = file_of(data, "comments");
    std::fs::remove_file(data.join(&path)).unwrap();
    (path, "listed in the manifest but missing")
}

fn manifest_checksum_disagrees(data: &Path) -> (String, &'static str) {
    let (index, path) = file_of(data, "pr_events");
    let mut m = manifest(data);
    m["tables"]["pr_events"]["files"][index]["sha256"] = "0".repeat(64).into();
    save_manifest(data, &m);
    (path, "fails its checksum")
}

fn manifest_rows_disagree(data: &Path) -> (String, &'static str) {
    let (index, path) = file_of(data, "review_requests");
    let mut m = manifest(data);
    let rows = m["tables"]["review_requests"]["files"][index]["rows"]
        .as_u64()
        .unwrap();
    m["tables"]["review_requests"]["files"][index]["rows"] = (rows + 5).into();
    save_manifest(data, &m);
    (path, "the manifest disagrees with the file")
}

fn unpartitioned_file_overwritten(data: &Path) -> (String, &'static str) {
    let (_, path) = file_of(data, "file_changes");
    assert!(!path.contains("month="), "file_changes is not partitioned");
    let size = std::fs::metadata(data.join(&path)).unwrap().len() as usize;
    std::fs::write(data.join(&path), vec![0u8; size]).unwrap();
    (path, "fails its checksum")
}

fn manifest_truncated(data: &Path) -> (String, &'static str) {
    let text = std::fs::read(data.join("manifest.json")).unwrap();
    std::fs::write(data.join("manifest.json"), &text[..text.len() / 2]).unwrap();
    ("manifest.json".into(), "the manifest cannot be read")
}

/// `teamlens ARGS…` over a data directory: must fail, naming the file, the problem and the
/// repair, without panicking.
fn fails_naming(data: &Path, args: &[&str], path: &str, problem: &str) {
    let output = teamlens()
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{args:?} succeeded on damage");
    assert_eq!(output.status.code(), Some(1), "{args:?}: {stderr}");
    for needle in [path, problem, "teamlens fetch --repair"] {
        assert!(
            stderr.contains(needle),
            "{args:?}: no `{needle}` in {stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn every_kind_of_damage_is_named_and_repaired_to_the_undamaged_dataset() {
    let world = github_world(31, 2, 3, 0.5);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world));
    let ws = workspace(20);
    let (ok, stderr) = run(&mut fetch_process(&fake, &ws.data, &ws.config, &repos));
    assert!(ok, "{stderr}");
    let healthy: Dump = dump(&ws.data);
    assert!(healthy.contains_key("file_changes") && healthy.contains_key("comments"));

    let damages: [(&str, Damager); 7] = [
        ("truncated", truncate),
        ("a flipped byte", flip_a_byte),
        ("a deleted file", delete),
        (
            "a manifest checksum that disagrees",
            manifest_checksum_disagrees,
        ),
        (
            "a manifest row count that disagrees",
            manifest_rows_disagree,
        ),
        (
            "an unpartitioned file overwritten",
            unpartitioned_file_overwritten,
        ),
        ("a truncated manifest", manifest_truncated),
    ];
    for (label, damage) in damages {
        let case = tempfile::tempdir().unwrap();
        let data = case.path().join("data");
        copy_dir(&ws.data, &data);
        let (path, problem) = damage(&data);

        fails_naming(
            &data,
            &["query", "SELECT COUNT(*) AS n FROM reviews"],
            &path,
            problem,
        );
        let out = case.path().join("report");
        let out = out.to_str().unwrap();
        fails_naming(&data, &["report", "--out", out], &path, problem);
        assert!(!Path::new(out).exists(), "{label}: a report was written");

        let mut repair = fetch_process(&fake, &data, &ws.config, &repos);
        repair.args(["--repair", "-q"]);
        let output = repair.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{label}: {stderr}");
        let repaired = dump(&data);
        assert!(
            repaired == healthy,
            "{label}: the repair did not restore the dataset:\n{}",
            difference(&healthy, &repaired)
        );
        assert!(
            problem.contains("missing") || data.join("damaged").join(&path).exists(),
            "{label}: {path} was not kept in damaged/"
        );
        assert!(!stderr.contains("panicked"), "{label}: {stderr}");
        // -q: the repair's lines are for a terminal; the outcome is the dataset.
        assert!(stdout.is_empty(), "{label}: {stdout}");

        // Repaired means whole: a second repair finds nothing.
        let mut again = fetch_process(&fake, &data, &ws.config, &repos);
        again.arg("--repair");
        let output = again.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{label}");
        assert!(stdout.contains("every file of"), "{label}: {stdout}");
        assert!(
            dump(&data) == healthy,
            "{label}: the second repair changed data"
        );
    }
}

#[test]
fn a_repair_says_what_it_set_aside_and_what_it_reads_again() {
    let world = github_world(32, 1, 2, 0.4);
    let repos = repositories(&world);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(world));
    let ws = workspace(50);
    let (ok, stderr) = run(&mut fetch_process(&fake, &ws.data, &ws.config, &repos));
    assert!(ok, "{stderr}");
    let (path, _) = flip_a_byte(&ws.data);
    let month = path
        .split("month=")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut repair = fetch_process(&fake, &ws.data, &ws.config, &repos);
    repair.arg("--repair");
    let output = repair.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        stdout.contains(&format!("repair: {path} fails its checksum")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("github reads items updated since {month}-01")),
        "{stdout}"
    );
}

#[test]
fn damaged_simulated_data_is_set_aside_with_what_to_do_instead_of_a_fetch() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    teamlens()
        .args(["-q", "simulate", "--teams", "1", "--months", "2", "--out"])
        .arg(&data)
        .assert()
        .success();
    let (path, problem) = flip_a_byte(&data);
    fails_naming(
        &data,
        &["query", "SELECT 1 AS one FROM reviews"],
        &path,
        problem,
    );
    let output = teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["fetch", "--repair"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("teamlens simulate --out {}", data.display())),
        "{stderr}"
    );
    assert!(data.join("damaged").join(&path).exists());
    // The rest of the data is readable again.
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["query", "SELECT COUNT(*) AS n FROM pull_requests"])
        .assert()
        .success();
}

#[test]
fn a_damaged_jira_month_is_read_again_from_the_start_of_that_month() {
    use support::fake_jira::{EMAIL, FakeJira, JiraWorld, TOKEN};
    use teamlens::sources::simulate::{SimConfig, simulate};

    let world = simulate(&SimConfig::default_org(33, 1, 3, 0.5)).dataset;
    let mut projects: Vec<String> = world
        .issues
        .iter()
        .filter(|i| i.source == "jira")
        .filter_map(|i| i.project.clone())
        .collect();
    projects.sort();
    projects.dedup();
    let fake = FakeJira::start(JiraWorld::from_dataset(&world));
    let dir = tempfile::tempdir().unwrap();
    let (data, config) = (dir.path().join("data"), dir.path().join("teamlens.toml"));
    std::fs::write(&config, "[jira]\npage_size = 20\nretry_base_ms = 20\n").unwrap();
    let fetch = |repair: bool| {
        let mut command = teamlens();
        command
            .env("JIRA_BASE_URL", fake.base_url())
            .env("JIRA_EMAIL", EMAIL)
            .env("JIRA_API_TOKEN", TOKEN)
            .arg("--data-dir")
            .arg(&data)
            .arg("--config")
            .arg(&config)
            .args(["fetch", "jira"])
            .args(&projects)
            .args(["--since", "2020-01-01"]);
        if repair {
            command.arg("--repair");
        }
        command.assert().success()
    };
    fetch(false);
    let healthy = dump(&data);
    assert!(healthy.contains_key("issue_events"));

    // The earliest month of issue events: the repair must reach back to it.
    let m = manifest(&data);
    let path = m["tables"]["issue_events"]["files"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let bytes = std::fs::read(data.join(&path)).unwrap();
    std::fs::write(data.join(&path), &bytes[..bytes.len() - 7]).unwrap();
    fails_naming(
        &data,
        &["query", "SELECT 1 AS one FROM issue_events"],
        &path,
        "truncated",
    );

    let stdout = String::from_utf8_lossy(&fetch(true).get_output().stdout).to_string();
    assert!(
        stdout.contains("jira reads items updated since"),
        "{stdout}"
    );
    let repaired = dump(&data);
    assert!(
        repaired == healthy,
        "the repair did not restore the Jira dataset:\n{}",
        difference(&healthy, &repaired)
    );
}
