//! A small team whose titles, names and labels are hostile, for the report's safety tests and
//! the browser test: markup, script URLs, Markdown table breakers and spreadsheet formulas.

use std::path::{Path, PathBuf};

/// A PR title that closes a script element and injects an image whose error handler runs code.
pub const SCRIPT_TITLE: &str = "</script><img src=x onerror=alert(1)>";
/// A title that would break a Markdown table and hide a script link.
pub const PIPE_TITLE: &str = "| pipe | [link](javascript:alert(1))";
/// A title a spreadsheet would run as a formula.
pub const FORMULA_TITLE: &str = "=HYPERLINK(\"https://evil.example\",\"click\")";
/// A ticket title starting with `@`, `+` and `-` forms.
pub const AT_TITLE: &str = "@SUM(1+1)*cmd|' /C calc'!A0";
pub const MINUS_TITLE: &str = "-2+3+cmd|' /C calc'!A0";
/// A team name that is an SVG element with an onload handler (it ends up in chart labels).
pub const HOSTILE_TEAM: &str = "<svg onload=alert(2)>";

/// Writes the folder of CSV files, imports it and returns (workdir, data dir).
pub fn workspace() -> (tempfile::TempDir, PathBuf) {
    let work = tempfile::tempdir().unwrap();
    let folder = work.path().join("export");
    std::fs::create_dir(&folder).unwrap();
    write_team(&folder);
    let data = work.path().join("data");
    assert_cmd::Command::cargo_bin("teamlens")
        .unwrap()
        .arg("--data-dir")
        .arg(&data)
        .arg("import")
        .arg(&folder)
        .assert()
        .success();
    (work, data)
}

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

fn write_team(dir: &Path) {
    std::fs::write(
        dir.join("people.csv"),
        format!(
            "person,role,team,timezone\n\
             maya,manager,core,Europe/Berlin\n\
             ali,engineer,core,Europe/Berlin\n\
             bea,engineer,core,America/New_York\n\
             cem,engineer,{},Asia/Kolkata\n",
            quote(HOSTILE_TEAM)
        ),
    )
    .unwrap();
    let titles = [SCRIPT_TITLE, PIPE_TITLE, FORMULA_TITLE];
    let mut prs = String::from("repo,number,author,created_at,merged_at,url,title\n");
    let mut reviews = String::from("repo,number,reviewer,state,submitted_at\n");
    let mut requests = String::from("repo,number,requested,requested_at\n");
    let authors = ["ali", "bea", "cem"];
    for month in [9, 10] {
        for n in 1..=12 {
            let number = month * 100 + n;
            let author = authors[n % 3];
            let title = titles[n % 3];
            // The last three PRs of October stay open: they are the stuck items.
            let merged = if month == 10 && n > 9 {
                String::new()
            } else {
                format!("2026-{month:02}-{:02}T17:00:00Z", n + 2)
            };
            let url = if n == 4 {
                "javascript:alert(3)".to_string()
            } else {
                format!("https://github.com/acme/core/pull/{number}")
            };
            prs.push_str(&format!(
                "acme/core,{number},{author},2026-{month:02}-{:02}T09:00:00Z,{merged},{url},{}\n",
                n + 1,
                quote(title)
            ));
            requests.push_str(&format!(
                "acme/core,{number},maya,2026-{month:02}-{:02}T09:05:00Z\n",
                n + 1
            ));
            if !merged.is_empty() {
                let reviewer = if n % 4 == 0 { "ali" } else { "maya" };
                let reviewer = if reviewer == author { "bea" } else { reviewer };
                reviews.push_str(&format!(
                    "acme/core,{number},{reviewer},approved,2026-{month:02}-{:02}T15:00:00Z\n",
                    n + 2
                ));
            }
        }
    }
    std::fs::write(dir.join("pull_requests.csv"), prs).unwrap();
    std::fs::write(dir.join("reviews.csv"), reviews).unwrap();
    std::fs::write(dir.join("review_requests.csv"), requests).unwrap();
    let mut issues =
        String::from("source,key,created_at,started_at,resolved_at,assignee,title,status,url\n");
    let ticket_titles = [AT_TITLE, MINUS_TITLE, SCRIPT_TITLE, PIPE_TITLE];
    for n in 1..=8 {
        let resolved = if n <= 4 {
            format!("2026-10-{:02}T12:00:00Z", n + 10)
        } else {
            String::new()
        };
        issues.push_str(&format!(
            "jira,CORE-{n},2026-09-{:02}T09:00:00Z,2026-09-{:02}T10:00:00Z,{resolved},{},{},{},https://acme.atlassian.net/browse/CORE-{n}\n",
            n + 1,
            n + 2,
            authors[n % 3],
            quote(ticket_titles[n % 4]),
            quote(if resolved.is_empty() { "In <b>Progress</b>" } else { "Done" }),
        ));
    }
    std::fs::write(dir.join("issues.csv"), issues).unwrap();
}
