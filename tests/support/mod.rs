//! What the end-to-end tests share: running the binary, importing a folder, reading a report.
//! (The fake GitHub, Jira and Linear servers will live beside this module.)

#![allow(dead_code)]

pub mod corpus;
pub mod fake_github;
pub mod fake_jira;
pub mod fake_linear;
pub mod fake_webhooks;
pub mod faults;
pub mod git_repo;
pub mod http;
pub mod other_engines;
pub mod proxy;
pub mod tables;

use std::path::Path;

use assert_cmd::Command;
use assert_cmd::assert::Assert;
use serde_json::Value;

/// The `teamlens` binary, with no log settings inherited from the environment.
pub fn teamlens() -> Command {
    let mut command = Command::cargo_bin("teamlens").unwrap();
    command.env_remove("TEAMLENS_LOG");
    command
}

/// The report `teamlens demo` writes for the default seed, written once per test binary into a
/// folder of the target's temporary directory (a static is never dropped, so the folder outlives
/// the run: those that earlier runs left more than an hour ago are removed first).
pub fn demo_report() -> &'static Path {
    static REPORT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    REPORT.get_or_init(|| {
        let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        for entry in std::fs::read_dir(tmp).into_iter().flatten().flatten() {
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < hour_ago);
            if stale
                && entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("demo-report-")
            {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = tempfile::Builder::new()
            .prefix("demo-report-")
            .tempdir_in(tmp)
            .unwrap()
            .keep();
        teamlens()
            .current_dir(&dir)
            .args(["-q", "demo", "--out", "report"])
            .assert()
            .success();
        dir.join("report")
    })
}

pub fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `teamlens import FOLDER` into a data directory; it must succeed.
pub fn import(data: &Path, folder: &Path) -> Assert {
    teamlens()
        .arg("--data-dir")
        .arg(data)
        .arg("import")
        .arg(folder)
        .assert()
        .success()
}

/// `teamlens fetch git REPO` into a data directory, quietly; it must succeed.
#[allow(dead_code)]
pub fn fetch_git(data: &Path, repo: &Path) -> Assert {
    teamlens()
        .arg("--data-dir")
        .arg(data)
        .args(["-q", "fetch", "git"])
        .arg(repo)
        .assert()
        .success()
}

/// `teamlens report --month MONTH --out OUT` over a data directory; returns `report.json`.
pub fn report(data: &Path, month: &str, out: &Path) -> Value {
    teamlens()
        .arg("--data-dir")
        .arg(data)
        .args(["-q", "report", "--month", month, "--out"])
        .arg(out)
        .assert()
        .success();
    read_json(&out.join("report.json"))
}

/// The findings of one kind in a `report.json`.
pub fn findings_of(report: &Value, kind: &str) -> Vec<Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == kind)
        .cloned()
        .collect()
}

/// A store opened for writing, as a command opens it: under the data directory's lock, held
/// as long as the store lives.
#[allow(dead_code)]
pub fn writable_store(dir: &Path) -> teamlens::store::Store {
    use teamlens::dir_lock::{Resource, Wait, WriteLock};
    let lock = WriteLock::acquire(dir, Resource::Store, "test", Wait::No, |_| {}).unwrap();
    teamlens::store::Store::open_or_create(dir, &lock).unwrap()
}

/// Every file under `dir`, by relative path, with its bytes.
pub fn files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let name = path.strip_prefix(dir).unwrap().display().to_string();
                out.insert(name, std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// The two report folders hold the same files with the same bytes; on a difference, says which
/// file and the first differing line (`whole` the one from the whole history, `cut` the
/// other).
pub fn assert_same_reports(whole: &Path, cut: &Path) {
    let (a, b) = (files(whole), files(cut));
    assert_eq!(
        a.keys().collect::<Vec<_>>(),
        b.keys().collect::<Vec<_>>(),
        "the two reports hold different files"
    );
    // Text first: its difference says more than a chart's.
    let mut names: Vec<&String> = a.keys().collect();
    names.sort_by_key(|n| (n.ends_with(".png"), n.to_string()));
    for name in names {
        let bytes = &a[name];
        if bytes != &b[name] {
            let (x, y) = (
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&b[name]),
            );
            let line = x
                .lines()
                .zip(y.lines())
                .find(|(p, q)| p != q)
                .filter(|_| !name.ends_with(".png"))
                .map(|(p, q)| format!("\n  whole: {p}\n  cut:   {q}"))
                .unwrap_or_default();
            panic!("{name} differs between the whole history and the cut one{line}");
        }
    }
}
