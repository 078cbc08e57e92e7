//! The fuzz targets' seed corpus (`fuzz/corpus/<target>/seed-*`) run through the same entry
//! points on the stable toolchain: every seed must be accepted (so fuzzing starts from inputs
//! that reach deep into each parser, not from ones rejected at the first byte), and none may
//! panic. Inputs that once crashed a target belong here too, as `regression-*` files that must
//! simply not panic.

use std::path::Path;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name().to_string_lossy().to_string();
            (name.starts_with("seed-") || name.starts_with("regression-"))
                .then(|| (name, std::fs::read(entry.path()).unwrap()))
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no seeds for {target}");
    out
}

/// Runs `entry` over a target's corpus: seeds must be accepted, regressions only not panic.
fn check(target: &str, entry: fn(&[u8]) -> bool) {
    for (name, bytes) in seeds(target) {
        let accepted = entry(&bytes);
        assert!(
            accepted || name.starts_with("regression-"),
            "{target}/{name} was rejected"
        );
    }
}

#[test]
fn config_seeds() {
    let valid = |data: &[u8]| teamlens::fuzzing::config(data);
    for (name, bytes) in seeds("config") {
        // seed-2 is a deliberately invalid file (an unknown table), to start from an error path.
        let accepted = valid(&bytes);
        assert_eq!(accepted, name != "seed-2.toml", "config/{name}");
    }
}

#[test]
fn payload_seeds() {
    check("github_payload", teamlens::fuzzing::github_repository_page);
    check("jira_payload", teamlens::fuzzing::jira_search_page);
    check("linear_payload", teamlens::fuzzing::linear_team_issues);
}

#[test]
fn import_seeds() {
    check("import_file", teamlens::fuzzing::import_file);
}

#[test]
fn commit_message_seeds() {
    for (_, bytes) in seeds("git_trailers") {
        teamlens::fuzzing::git_message(&bytes);
    }
}
