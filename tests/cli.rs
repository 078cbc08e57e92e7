//! The command line end to end: what a user types, what they see, what is written.

mod support;

use std::path::{Path, PathBuf};

use polars::prelude::*;
use predicates::prelude::*;
use serde_json::Value;
use support::{findings_of, import, read_json, report, teamlens};

/// A temporary workspace holding the hand-made export folder, and the data directory to import
/// it into (not created yet).
fn hand_made_workspace() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("export");
    std::fs::create_dir(&folder).unwrap();
    hand_made_team(&folder);
    let data = work.path().join("data");
    (work, folder, data)
}

/// Writes a folder of CSV files: four people, ten merged PRs, one reviewer approving nine.
fn hand_made_team(dir: &Path) {
    std::fs::write(
        dir.join("people.csv"),
        "person,role,team,timezone\n\
         maya,manager,core,Europe/Berlin\n\
         ali,engineer,core,Europe/Berlin\n\
         bea,engineer,core,America/New_York\n\
         cem,engineer,core,Asia/Kolkata\n",
    )
    .unwrap();
    let mut prs = String::from("repo,number,author,created_at,merged_at,url,title\n");
    let mut reviews = String::from("repo,number,reviewer,state,submitted_at\n");
    let mut requests = String::from("repo,number,requested,requested_at\n");
    let authors = ["ali", "bea", "cem"];
    for n in 1..=10 {
        let author = authors[n % 3];
        prs.push_str(&format!(
            "acme/core,{n},{author},2026-10-{:02}T09:00:00Z,2026-10-{:02}T17:00:00Z,https://github.com/acme/core/pull/{n},Change {n}\n",
            n + 1,
            n + 2
        ));
        requests.push_str(&format!(
            "acme/core,{n},maya,2026-10-{:02}T09:05:00Z\n",
            n + 1
        ));
        let reviewer = if n == 10 {
            if author == "ali" { "bea" } else { "ali" }
        } else {
            "maya"
        };
        reviews.push_str(&format!(
            "acme/core,{n},{reviewer},approved,2026-10-{:02}T15:00:00Z\n",
            n + 2
        ));
    }
    std::fs::write(dir.join("pull_requests.csv"), prs).unwrap();
    std::fs::write(dir.join("reviews.csv"), reviews).unwrap();
    std::fs::write(dir.join("review_requests.csv"), requests).unwrap();
}

#[test]
fn an_imported_team_where_one_reviewer_approves_nine_of_ten_has_a_bottleneck() {
    let (work, folder, data) = hand_made_workspace();
    import(&data, &folder).stdout(predicate::str::contains("pull_requests 10"));
    let out = work.path().join("report");
    report(&data, "2026-10", &out);
    let report = read_json(&out.join("report.json"));
    assert_eq!(report["period"]["from"], "2026-10-01");
    assert_eq!(report["period"]["to"], "2026-10-31");
    let bottlenecks = findings_of(&report, "review_bottleneck");
    assert_eq!(bottlenecks.len(), 1, "{bottlenecks:#?}");
    let finding = &bottlenecks[0];
    assert_eq!(finding["subject"], "maya");
    assert_eq!(finding["evidence"]["figures"]["approved_prs"], 9);
    assert_eq!(finding["evidence"]["figures"]["approval_share"], 0.9);
    assert!(finding["question"].as_str().unwrap().ends_with('?'));
    assert!(["warn", "alert"].contains(&finding["severity"].as_str().unwrap()));
    assert!(
        finding["evidence"]["links"][0]
            .as_str()
            .unwrap()
            .starts_with("https://github.com/acme/core/pull/")
    );
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(markdown.contains("Review bottleneck"), "{markdown}");
    for chart in [
        "review_load_share",
        "reviewer_author_matrix",
        "cycle_phases_by_week",
        "output_outcome_by_month",
    ] {
        assert!(
            out.join("charts").join(format!("{chart}.svg")).exists(),
            "{chart}.svg"
        );
        assert!(
            out.join("charts").join(format!("{chart}.png")).exists(),
            "{chart}.png"
        );
    }
}

#[test]
fn a_team_where_approvals_are_spread_has_no_bottleneck() {
    let (work, folder, data) = hand_made_workspace();
    // Spread the approvals: every PR approved by the next engineer, not the manager.
    let reviews: String = std::iter::once("repo,number,reviewer,state,submitted_at\n".to_string())
        .chain((1..=10).map(|n| {
            let reviewer = ["bea", "cem", "ali"][n % 3];
            format!(
                "acme/core,{n},{reviewer},approved,2026-10-{:02}T15:00:00Z\n",
                n + 2
            )
        }))
        .collect();
    std::fs::write(folder.join("reviews.csv"), reviews).unwrap();
    import(&data, &folder);
    let out = work.path().join("report");
    report(&data, "2026-10", &out);
    assert!(findings_of(&read_json(&out.join("report.json")), "review_bottleneck").is_empty());
}

#[test]
fn user_text_cannot_become_markup_in_the_report() {
    let (work, folder, data) = hand_made_workspace();
    let prs = std::fs::read_to_string(folder.join("pull_requests.csv")).unwrap();
    let hostile = prs.replace(
        "https://github.com/acme/core/pull/1,Change 1",
        "javascript:alert(1),\"</script><img src=x onerror=alert(1)> | pipe | [link](javascript:x)\"",
    );
    std::fs::write(folder.join("pull_requests.csv"), hostile).unwrap();
    let people = std::fs::read_to_string(folder.join("people.csv")).unwrap();
    std::fs::write(
        folder.join("people.csv"),
        people
            .replace("ali,engineer", "<b>ali</b>,engineer")
            .replace(",ali,", ",<b>ali</b>,"),
    )
    .unwrap();
    import(&data, &folder);
    let out = work.path().join("report");
    report(&data, "2026-10", &out);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<img src=x"), "raw tag in HTML");
    assert!(!html.contains("href=\"javascript:"), "script link in HTML");
    assert!(!html.contains("<b>ali</b>"), "raw name markup in HTML");
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        !markdown.contains("](javascript:"),
        "script link in Markdown"
    );
    assert!(
        !markdown.contains("<b>ali</b>"),
        "raw name markup in Markdown"
    );
}

/// `teamlens simulate --seed 7` into `work/data`: the organisation several tests read.
fn simulated_seed_7(work: &Path) -> PathBuf {
    let data = work.join("data");
    teamlens()
        .args([
            "-q",
            "simulate",
            "--out",
            data.to_str().unwrap(),
            "--seed",
            "7",
        ])
        .assert()
        .success();
    data
}

#[test]
fn the_demo_keeps_its_tables_in_a_new_data_dir_and_never_replaces_a_store() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("kept");
    let out = work.path().join("report");
    teamlens()
        .args(["--data-dir", data.to_str().unwrap(), "demo", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("the simulated tables are kept in"));
    assert!(out.join("report.md").exists());
    teamlens()
        .args(["--data-dir", data.to_str().unwrap(), "people"])
        .assert()
        .success()
        .stdout(predicate::str::contains("mira"));
    let manifest = std::fs::read(data.join("manifest.json")).unwrap();
    teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "demo",
            "--seed",
            "9",
            "--out",
        ])
        .arg(&out)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already holds a store"));
    assert_eq!(std::fs::read(data.join("manifest.json")).unwrap(), manifest);
}

#[test]
fn a_second_retro_with_nothing_new_says_so_in_one_plain_sentence() {
    let work = tempfile::tempdir().unwrap();
    let data = simulated_seed_7(work.path());
    let retro = || {
        let mut command = teamlens();
        command
            .args(["--data-dir", data.to_str().unwrap(), "-q", "retro", "--out"])
            .arg(work.path().join("retro"));
        command
    };
    retro().assert().success();
    let second = retro().assert().code(1);
    let stderr = String::from_utf8_lossy(&second.get_output().stderr).to_string();
    assert!(
        stderr.contains("after the last full month in the data (2026-10): fetch newer data first"),
        "{stderr}"
    );
    assert!(!stderr.contains("  "), "a run of spaces in: {stderr}");
}

#[test]
fn githubs_own_committer_is_not_an_unmatched_person() {
    // The simulator, like GitHub, records `web-flow` as the committer of web-interface merges.
    let work = tempfile::tempdir().unwrap();
    let data = simulated_seed_7(work.path());
    let store = teamlens::store::Store::open(&data).unwrap();
    let committers = store
        .scan("commits")
        .unwrap()
        .filter(col("committer").eq(lit("web-flow")))
        .collect()
        .unwrap();
    assert!(
        committers.height() > 0,
        "the simulation has no web-flow commits"
    );
    teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "people",
            "--unmatched",
        ])
        .assert()
        .success()
        .stdout("every account in the tables matches a person of the roster\n");
}

#[test]
fn a_simulated_organisation_reports_its_planted_bottleneck_and_spares_healthy_teams() {
    let work = tempfile::tempdir().unwrap();
    let data = simulated_seed_7(work.path());
    let truth = read_json(&data.join("ground_truth.json"));
    let out = work.path().join("report");
    teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "-q",
            "report",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let report = read_json(&out.join("report.json"));
    assert_eq!(
        report["period"]["from"], "2026-10-01",
        "default month is the last full one"
    );
    let planted: Vec<&str> = truth["plants"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "review_bottleneck")
        .map(|p| p["subject"].as_str().unwrap())
        .collect();
    let found: Vec<String> = findings_of(&report, "review_bottleneck")
        .iter()
        .map(|f| f["subject"].as_str().unwrap().to_string())
        .collect();
    assert!(!planted.is_empty());
    for subject in &planted {
        assert!(
            found.iter().any(|f| f == subject),
            "missed {subject}: {found:?}"
        );
    }
    let healthy: Vec<String> = truth["healthy_teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect();
    let people = teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "query",
            "SELECT person, team FROM people",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let people: Value = serde_json::from_slice(&people.stdout).unwrap();
    for finding in report["findings"].as_array().unwrap() {
        let subject = finding["subject"].as_str().unwrap();
        let team = people
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["person"] == subject)
            .map(|p| format!("team:{}", p["team"].as_str().unwrap()))
            .unwrap_or_else(|| subject.to_string());
        assert!(
            !healthy.contains(&team),
            "finding on healthy {team}: {finding:#}"
        );
    }
}

#[test]
fn query_runs_sql_over_tables_and_metrics() {
    let (work, folder, data) = hand_made_workspace();
    import(&data, &folder);
    teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "query",
            "SELECT COUNT(*) AS merged FROM pr_phases",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout("merged\n10\n");
    let sql = work.path().join("q.sql");
    std::fs::write(
        &sql,
        "SELECT reviewer, approved_prs FROM review_load ORDER BY approved_prs DESC LIMIT 1",
    )
    .unwrap();
    teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "query",
            sql.to_str().unwrap(),
            "--format",
            "json",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("\"reviewer\": \"maya\""));
    teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "query",
            "SELECT nonsense FROM nowhere",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error:"));
}

/// `teamlens query SQL --format FORMAT` over a data directory; it must succeed.
fn query_output(data: &Path, sql: &str, format: &str) -> String {
    let output = teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "query",
            sql,
            "--format",
            format,
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The hand-made team with list columns filled: people in two teams with aliases, labelled PRs.
fn hand_made_team_with_lists(dir: &Path) {
    hand_made_team(dir);
    std::fs::write(
        dir.join("people.csv"),
        "person,role,team,teams,timezone,aliases\n\
         maya,manager,core,core;platform,Europe/Berlin,maya@acme.example;mschulz\n\
         ali,engineer,core,,Europe/Berlin,\n\
         bea,engineer,core,\"core;ux, web\",America/New_York,bea@acme.example\n\
         cem,engineer,core,,Asia/Kolkata,cem-gh\n",
    )
    .unwrap();
    let prs = std::fs::read_to_string(dir.join("pull_requests.csv")).unwrap();
    let mut labelled = String::new();
    for (i, line) in prs.lines().enumerate() {
        labelled.push_str(line);
        labelled.push_str(match i {
            0 => ",labels\n",
            1 => ",bug;ux\n",
            2 => ",perf\n",
            _ => ",\n",
        });
    }
    std::fs::write(dir.join("pull_requests.csv"), labelled).unwrap();
}

#[test]
fn query_json_writes_list_columns_as_arrays() {
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("export");
    std::fs::create_dir(&folder).unwrap();
    hand_made_team_with_lists(&folder);
    let data = work.path().join("data");
    import(&data, &folder);
    let people: Value = serde_json::from_str(&query_output(
        &data,
        "SELECT person, teams, aliases FROM people ORDER BY person",
        "json",
    ))
    .unwrap();
    let by_person = |p: &str| {
        people
            .as_array()
            .unwrap()
            .iter()
            .find(|row| row["person"] == p)
            .cloned()
            .unwrap()
    };
    let maya = by_person("maya");
    assert_eq!(maya["teams"], serde_json::json!(["core", "platform"]));
    assert_eq!(
        maya["aliases"],
        serde_json::json!(["maya@acme.example", "mschulz"])
    );
    assert_eq!(
        by_person("bea")["teams"],
        serde_json::json!(["core", "ux, web"])
    );
    assert_eq!(by_person("ali")["teams"], serde_json::json!([]));
    let labels: Value = serde_json::from_str(&query_output(
        &data,
        "SELECT number, labels FROM pull_requests ORDER BY number LIMIT 2",
        "json",
    ))
    .unwrap();
    assert_eq!(labels[0]["labels"], serde_json::json!(["bug", "ux"]));
    assert_eq!(labels[1]["labels"], serde_json::json!(["perf"]));
}

#[test]
fn query_csv_of_a_table_imports_back_to_the_same_rows() {
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("export");
    std::fs::create_dir(&folder).unwrap();
    hand_made_team_with_lists(&folder);
    let data = work.path().join("data");
    import(&data, &folder);
    let people_csv = query_output(&data, "SELECT * FROM people", "csv");
    assert!(
        people_csv.contains("core;platform") && people_csv.contains("maya@acme.example;mschulz"),
        "{people_csv}"
    );
    let again = work.path().join("again");
    std::fs::create_dir(&again).unwrap();
    for table in ["people", "pull_requests", "reviews", "review_requests"] {
        std::fs::write(
            again.join(format!("{table}.csv")),
            query_output(&data, &format!("SELECT * FROM {table}"), "csv"),
        )
        .unwrap();
    }
    let data_again = work.path().join("data-again");
    import(&data_again, &again);
    for sql in [
        "SELECT * FROM people ORDER BY person",
        "SELECT * FROM pull_requests ORDER BY number",
        "SELECT * FROM reviews ORDER BY number, reviewer",
        "SELECT * FROM review_requests ORDER BY number",
    ] {
        assert_eq!(
            query_output(&data_again, sql, "json"),
            query_output(&data, sql, "json"),
            "{sql}"
        );
    }
}

#[test]
fn no_data_says_how_to_get_some() {
    let work = tempfile::tempdir().unwrap();
    teamlens()
        .args([
            "--data-dir",
            work.path().join("nothing").to_str().unwrap(),
            "report",
            "--month",
            "2026-10",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("teamlens demo").and(predicate::str::contains("import")));
}

#[test]
fn a_bad_month_is_a_usage_error_with_the_format() {
    teamlens()
        .args(["report", "--month", "2026-13"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("YYYY-MM"));
}

#[test]
fn a_month_without_activity_gets_a_report_that_says_so() {
    let (work, folder, data) = hand_made_workspace();
    import(&data, &folder);
    let out = work.path().join("report");
    report(&data, "2025-03", &out);
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        markdown.contains("No activity was recorded in 2025-03"),
        "{markdown}"
    );
    assert_eq!(
        read_json(&out.join("report.json"))["findings"],
        serde_json::json!([])
    );
}

#[test]
fn a_bad_config_names_the_key() {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("teamlens.toml");
    std::fs::write(
        &config,
        "[thresholds.review_bottleneck]\napprovel_share = 0.5\n",
    )
    .unwrap();
    teamlens()
        .args(["--config", config.to_str().unwrap(), "report"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("approvel_share")
                .and(predicate::str::contains("approval_share")),
        );
}

#[test]
fn a_corrupted_store_names_the_file() {
    let (_work, folder, data) = hand_made_workspace();
    import(&data, &folder);
    let manifest = read_json(&data.join("manifest.json"));
    let file = manifest["tables"]["reviews"]["files"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    let path = data.join(&file);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    teamlens()
        .args([
            "--data-dir",
            data.to_str().unwrap(),
            "report",
            "--month",
            "2026-10",
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(file).and(predicate::str::contains("corrupted")));
}

#[test]
fn explain_prints_the_definition_and_the_thresholds_with_their_current_values() {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("teamlens.toml");
    std::fs::write(&config, "[thresholds.micromanagement]\nmin_signals = 4\n").unwrap();
    teamlens()
        .arg("--config")
        .arg(&config)
        .args(["explain", "micromanagement"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "Micromanagement (micromanagement)\n",
        ))
        .stdout(predicate::str::contains("Five signals per manager"))
        .stdout(predicate::str::contains("[thresholds.micromanagement]"))
        .stdout(predicate::str::contains("min_signals = 4"))
        .stdout(predicate::str::contains("review_share = 0.6"));
}

#[test]
fn explain_all_covers_every_finding_kind_and_an_unknown_kind_lists_the_valid_ones() {
    let all = teamlens().args(["explain", "all"]).assert().success();
    let text = String::from_utf8(all.get_output().stdout.clone()).unwrap();
    for kind in [
        "review_bottleneck",
        "micromanagement",
        "absentee_manager",
        "wont_let_go",
        "overload",
        "burnout_risk",
        "knowledge_silo",
        "attrition_risk",
        "output_outcome_divergence",
        "rubber_stamp_review",
        "ai_output_without_outcome",
    ] {
        assert!(text.contains(&format!("[thresholds.{kind}]")), "{kind}");
    }
    teamlens()
        .args(["explain", "micromanager"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "unknown finding kind `micromanager`",
        ))
        .stderr(predicate::str::contains("micromanagement"));
}

#[test]
fn output_cut_short_by_its_reader_ends_quietly() {
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("teamlens"))
        .args(["explain", "all"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before the output is written, as `| head -1` does once it has its line.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn ack_records_lists_and_removes_an_acknowledgement_beside_the_config() {
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("teamlens.toml");
    std::fs::write(&config, "").unwrap();
    let ack = |args: &[&str]| {
        let mut command = teamlens();
        command.arg("--config").arg(&config).arg("ack").args(args);
        command
    };
    ack(&[
        "review_bottleneck",
        "mira",
        "--until",
        "2099-12",
        "--reason",
        "required code owner of payments",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains(
        "acknowledged review_bottleneck for mira until 2099-12",
    ));
    let file = std::fs::read_to_string(work.path().join("teamlens.acks.toml")).unwrap();
    assert!(file.contains("required code owner of payments"), "{file}");
    ack(&["--list"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "review_bottleneck mira until 2099-12",
        ));
    // A reason is required, the kind must exist, and a month already past is refused.
    ack(&["review_bottleneck", "mira", "--until", "2099-12"])
        .assert()
        .code(2);
    ack(&["bottleneck", "mira", "--until", "2099-12", "--reason", "x"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "unknown finding kind `bottleneck`",
        ));
    ack(&[
        "overload", "payments", "--until", "2020-01", "--reason", "x",
    ])
    .assert()
    .code(1)
    .stderr(predicate::str::contains("has passed"));
    ack(&["review_bottleneck", "mira", "--remove"])
        .assert()
        .success();
    ack(&["review_bottleneck", "mira", "--remove"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nothing acknowledges"));
}

#[test]
fn an_acknowledged_finding_is_listed_apart_and_the_retro_names_it_as_it_expires() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    let config = work.path().join("teamlens.toml");
    std::fs::write(&config, "").unwrap();
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["-q", "demo", "--out"])
        .arg(work.path().join("demo"))
        .assert()
        .success();
    let demo = read_json(&work.path().join("demo/report.json"));
    let found = |report: &Value, kind: &str, subject: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == kind && f["subject"] == subject)
    };
    assert!(
        found(&demo, "review_bottleneck", "mira"),
        "the demo's bottleneck"
    );
    // `ack` refuses a month already past, so the file is written as a team would keep it.
    std::fs::write(
        work.path().join("teamlens.acks.toml"),
        "[[ack]]\nkind = \"review_bottleneck\"\nsubject = \"mira\"\nuntil = \"2026-10\"\n\
         reason = \"required code owner of payments\"\nadded = \"2026-09-01\"\n",
    )
    .unwrap();
    let report_dir = work.path().join("report");
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .args(["-q", "report", "--month", "2026-10", "--out"])
        .arg(&report_dir)
        .assert()
        .success();
    let report = read_json(&report_dir.join("report.json"));
    assert!(!found(&report, "review_bottleneck", "mira"));
    let acknowledged = report["acknowledged"].as_array().unwrap();
    assert_eq!(acknowledged.len(), 1, "{acknowledged:?}");
    assert_eq!(acknowledged[0]["reason"], "required code owner of payments");
    let markdown = std::fs::read_to_string(report_dir.join("report.md")).unwrap();
    assert!(markdown.contains("Acknowledged until 2026-10: required code owner of payments"));
    let retro_dir = work.path().join("retro");
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .args(["-q", "retro", "--since", "2026-10", "--out"])
        .arg(&retro_dir)
        .assert()
        .success();
    let retro = std::fs::read_to_string(retro_dir.join("retro.md")).unwrap();
    assert!(retro.contains("## Acknowledgements that expire"), "{retro}");
    assert!(
        retro.contains("until 2026-10: required code owner of payments"),
        "{retro}"
    );
}

/// The visible commands, as paths of names (`["fetch", "github"]`), from the clap definitions the
/// binary is built from: what completions and manual pages must cover.
fn visible_commands() -> Vec<Vec<String>> {
    fn walk(command: &clap::Command, path: &[String], out: &mut Vec<Vec<String>>) {
        for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
            let mut here = path.to_vec();
            here.push(sub.get_name().to_string());
            walk(sub, &here, out);
            out.push(here);
        }
    }
    let mut out = Vec::new();
    walk(
        &<teamlens::cli::Cli as clap::CommandFactory>::command(),
        &[],
        &mut out,
    );
    assert!(out.len() > 15, "{out:?}");
    out
}

/// The words of a script: runs of letters, digits, `-` and `_`.
fn words(text: &str) -> std::collections::BTreeSet<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn completions_for_every_shell_name_every_command_even_beside_a_broken_config() {
    let work = tempfile::tempdir().unwrap();
    // A shell may start where a teamlens.toml is being edited: completions do not read it.
    std::fs::write(work.path().join("teamlens.toml"), "[report\nbroken").unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = teamlens()
            .current_dir(work.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}: {output:?}");
        let script = String::from_utf8(output.stdout).unwrap();
        assert!(script.len() > 1000, "{shell}: {script}");
        let words = words(&script);
        for path in visible_commands() {
            let name = path.last().unwrap().as_str();
            assert!(
                words.contains(name),
                "{shell} completion lacks `{}`",
                path.join(" ")
            );
        }
        // Flags are completed too (fish names them without their dashes: `-l since`).
        for flag in ["--data-dir", "--audience", "--since", "--org"] {
            assert!(
                words.contains(flag) || (shell == "fish" && words.contains(&flag[2..])),
                "{shell} completion lacks {flag}"
            );
        }
    }
    teamlens()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bash").and(predicate::str::contains("elvish")));
}

#[test]
fn the_manual_page_lists_every_command_and_man_out_writes_a_page_for_each() {
    let output = teamlens().arg("man").output().unwrap();
    assert!(output.status.success(), "{output:?}");
    let page = String::from_utf8(output.stdout).unwrap();
    assert!(page.contains("\n.TH teamlens 1 "), "{page}");
    assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    for path in visible_commands().iter().filter(|path| path.len() == 1) {
        // roff escapes the dash: `teamlens\-fetch(1)`.
        let entry = format!("teamlens\\-{}(1)", path[0]);
        assert!(page.contains(&entry), "the page lacks {entry}:\n{page}");
    }
    assert!(
        !page.contains("teamlens\\-help(1)"),
        "no page is written for help"
    );

    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("man/man1");
    teamlens()
        .args(["man", "--out"])
        .arg(&dir)
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "{} manual pages in",
            visible_commands().len() + 1
        )));
    let mut expected: Vec<String> = visible_commands()
        .iter()
        .map(|path| format!("teamlens-{}.1", path.join("-")))
        .collect();
    expected.push("teamlens.1".into());
    expected.sort();
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, expected);
    // A file where the folder should be is refused, and left as it was.
    let file = work.path().join("pages");
    std::fs::write(&file, "mine").unwrap();
    teamlens()
        .args(["man", "--out"])
        .arg(&file)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a file: give --out a folder"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    let fetch_github = std::fs::read_to_string(dir.join("teamlens-fetch-github.1")).unwrap();
    assert!(
        fetch_github.contains(".TH teamlens-fetch-github 1"),
        "{fetch_github}"
    );
    // The flag's help as cli.rs writes it, once: the page is generated from it.
    assert!(
        fetch_github.contains("archived ones and forks left out"),
        "{fetch_github}"
    );
}
