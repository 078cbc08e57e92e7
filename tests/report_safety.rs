//! The report's safety and privacy, end to end: hostile titles, names and labels stay text in
//! HTML, Markdown and CSV; pseudonyms replace every name; a team audience sees health signals
//! only as counts; periods and the retro pack.

mod report_hostile;
mod support;

use std::path::Path;

use report_hostile::*;
use support::{read_json, teamlens};

fn report(data: &Path, out: &Path, extra: &[&str]) {
    teamlens()
        .arg("--data-dir")
        .arg(data)
        .args(["-q", "report", "--out"])
        .arg(out)
        .args(extra)
        .assert()
        .success();
}

/// Splits one line of our CSV into cells (quoted cells may hold commas and doubled quotes).
fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cell.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(std::mem::take(&mut cell)),
            (c, _) => cell.push(c),
        }
    }
    cells.push(cell);
    cells
}

fn every_file(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(every_file(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn hostile_titles_names_and_labels_stay_text_everywhere() {
    let (work, data) = workspace();
    let out = work.path().join("report");
    report(&data, &out, &["--month", "2026-10"]);

    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(!html.contains("<img"), "an <img> tag from data in the HTML");
    assert!(!html.contains("<script"), "a <script> tag in the HTML");
    assert!(
        !html.contains("<svg onload"),
        "a team name became an element"
    );
    assert!(
        !html.contains("href=\"javascript:"),
        "a script link in the HTML"
    );
    assert!(
        !html.contains("<b>Progress"),
        "a ticket status became markup"
    );
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "the hostile title is shown as text"
    );
    assert!(html.contains("| pipe | [link](javascript:alert(1))"));

    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        !markdown.replace("\\]", "").contains("](javascript:"),
        "a script link in Markdown"
    );
    let unescaped = markdown.replace("\\<", "");
    assert!(!unescaped.contains("<img"), "raw HTML in Markdown");
    assert!(!unescaped.contains("<svg"), "raw HTML in Markdown");
    assert!(markdown.contains("\\<img src=x onerror=alert(1)\\>"));
    assert!(markdown.contains("\\| pipe \\| \\[link\\](javascript:alert(1))"));
    // Every table row keeps its column count: a pipe in a title cannot add a cell.
    for block in markdown.split("\n\n") {
        let rows: Vec<&str> = block.lines().filter(|l| l.starts_with('|')).collect();
        if let Some(header) = rows.first() {
            let columns = header.matches('|').count();
            for row in &rows {
                let unescaped = row.replace("\\|", "");
                assert_eq!(unescaped.matches('|').count(), columns, "{row}");
            }
        }
    }

    let stuck = std::fs::read_to_string(out.join("data/stuck_prs.csv")).unwrap();
    assert!(stuck.contains("'=HYPERLINK"), "{stuck}");
    let tickets = std::fs::read_to_string(out.join("data/stuck_tickets.csv")).unwrap();
    assert!(
        tickets.contains("'@SUM") && tickets.contains("'-2+3"),
        "{tickets}"
    );
    for path in every_file(&out.join("data")) {
        let text = std::fs::read_to_string(&path).unwrap();
        for line in text.lines() {
            for cell in csv_cells(line) {
                let live = cell.starts_with(['=', '+', '@', '\t', '\r'])
                    || (cell.starts_with('-') && cell.parse::<f64>().is_err());
                assert!(!live, "{}: formula cell {cell:?}", path.display());
            }
        }
    }
    for path in every_file(&out.join("charts")) {
        if path.extension().is_some_and(|e| e == "svg") {
            let svg = std::fs::read_to_string(&path).unwrap();
            assert!(!svg.contains("<svg onload"), "{}", path.display());
        }
    }
}

#[test]
fn anonymized_reports_name_nobody_and_keep_pseudonyms_across_months() {
    let (work, data) = workspace();
    let october = work.path().join("october");
    let september = work.path().join("september");
    report(&data, &october, &["--month", "2026-10", "--anonymize"]);
    report(&data, &september, &["--month", "2026-09", "--anonymize"]);
    for dir in [&october, &september] {
        for path in every_file(dir) {
            if path.extension().is_some_and(|e| e == "png") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let words: Vec<&str> = text
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .collect();
            for person in ["maya", "ali", "bea", "cem"] {
                assert!(
                    !words.contains(&person),
                    "{} names {person}",
                    path.display()
                );
            }
        }
    }
    let key_text = std::fs::read_to_string(data.join("pseudonym.key")).unwrap();
    let key: Vec<u8> = (0..key_text.trim().len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&key_text[i..i + 2], 16).unwrap())
        .collect();
    let maya = teamlens::report::privacy::pseudonym(&key, "maya");
    for dir in [&october, &september] {
        let json = read_json(&dir.join("report.json"));
        assert_eq!(json["anonymized"], true);
        let reviewers: Vec<&str> = json["metrics"]["review_waits_by_reviewer"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|r| r["reviewer"].as_str())
            .collect();
        assert!(reviewers.contains(&maya.as_str()), "{reviewers:?}");
    }
}

#[test]
fn periods_quarters_and_their_mistakes() {
    let (work, data) = workspace();
    let out = work.path().join("q");
    report(&data, &out, &["--quarter", "2026-Q4"]);
    let json = read_json(&out.join("report.json"));
    assert_eq!(
        json["months"],
        serde_json::json!(["2026-10", "2026-11", "2026-12"])
    );
    assert_eq!(json["period"]["to"], "2026-12-31");
    let out = work.path().join("range");
    report(&data, &out, &["--from", "2026-09", "--to", "2026-10"]);
    let json = read_json(&out.join("report.json"));
    assert_eq!(json["label"], "2026-09 to 2026-10");
    let months: Vec<&str> = json["metrics"]["outcome_by_team"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["month"].as_str())
        .collect();
    assert!(months.contains(&"2026-09") && months.contains(&"2026-10"));

    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["report", "--from", "2026-10", "--to", "2026-09"])
        .assert()
        .failure()
        .stderr(predicates::str::contains("is after --to"));
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["report", "--quarter", "2026-Q5"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("YYYY-QN"));
}

/// The demo organisation plants burnout and attrition risk (people) and micromanagement (a
/// manager): the team sees the first two only as counts, the third as it is.
#[test]
fn a_team_audience_sees_health_signals_only_as_team_counts_and_the_retro_compares() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    teamlens()
        .args(["-q", "simulate", "--out"])
        .arg(&data)
        .assert()
        .success();
    let manager = work.path().join("manager");
    report(&data, &manager, &["--month", "2026-10"]);
    let team = work.path().join("team");
    report(&data, &team, &["--month", "2026-10", "--audience", "team"]);

    let kinds = |json: &serde_json::Value| -> Vec<(String, String)> {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["kind"].as_str().unwrap().to_string(),
                    f["subject"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let for_manager = kinds(&read_json(&manager.join("report.json")));
    let team_json = read_json(&team.join("report.json"));
    let for_team = kinds(&team_json);
    let personal = |(kind, subject): &(String, String)| {
        (kind == "burnout_risk" || kind == "attrition_risk") && !subject.starts_with("team:")
    };
    let hidden: Vec<_> = for_manager.iter().filter(|f| personal(f)).collect();
    assert!(
        !hidden.is_empty(),
        "the demo plants per-person health findings"
    );
    assert!(!for_team.iter().any(personal), "{for_team:?}");
    assert!(for_team.iter().any(|(k, _)| k == "micromanagement"));
    let counted: usize = team_json["team_signals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["people"].as_u64().unwrap() as usize)
        .sum();
    assert_eq!(counted, hidden.len());
    let markdown = std::fs::read_to_string(team.join("report.md")).unwrap();
    assert!(markdown.contains("Health signals, counted per team"));
    // No heading and no summary point names them (their names are in the report's tables of
    // work, as everyone's are; never beside a health signal).
    let headings_naming = |markdown: &str, person: &str| -> Vec<String> {
        markdown
            .lines()
            .filter(|l| l.starts_with('#') || l.starts_with(|c: char| c.is_ascii_digit()))
            .filter(|l| l.split(|c: char| !c.is_alphanumeric()).any(|w| w == person))
            .map(String::from)
            .collect()
    };
    let for_the_manager = std::fs::read_to_string(manager.join("report.md")).unwrap();
    for (_, person) in &hidden {
        assert!(!headings_naming(&for_the_manager, person).is_empty());
        let named = headings_naming(&markdown, person);
        assert!(named.is_empty(), "{person} is named: {named:?}");
    }

    // A retro against an earlier retro's state: what it saw then is compared with now.
    std::fs::write(
        data.join("retro_state.json"),
        r#"{"written": "2026-09-01", "last_month": "2026-08",
            "figures": {"cycle_p50_h": 900.0, "pickup_p50_wh": 0.5},
            "findings": [{"kind": "knowledge_silo", "subject": "team:nowhere"}]}"#,
    )
    .unwrap();
    let retro = work.path().join("retro");
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["-q", "retro", "--out"])
        .arg(&retro)
        .assert()
        .success();
    let text = std::fs::read_to_string(retro.join("retro.md")).unwrap();
    assert!(text.contains("# Retro — 2026-09 to 2026-10"), "{text}");
    let points = text.lines().filter(|l| l.starts_with("### ")).count();
    assert!(
        (3..=5).contains(&points),
        "{points} talking points:\n{text}"
    );
    let improved = &text[text.find("## What improved since the last retro").unwrap()..];
    let improved = &improved[..improved.find("## What to watch").unwrap()];
    assert!(improved.contains("Cycle time p50: 900.0 h →"), "{improved}");
    assert!(
        improved.contains("Knowledge silo: raised 1 time"),
        "{improved}"
    );
    // Its evidence in the report's words: labels, units, thresholds, never a raw key.
    let points = &text[..text.find("## What improved").unwrap()];
    assert!(points.contains("(threshold "), "{points}");
    for raw in ["gini", "_share", "over threshold", "team normal"] {
        assert!(!points.contains(raw), "`{raw}` in the retro:\n{points}");
    }
    let watch = &text[text.find("## What to watch").unwrap()..];
    assert!(
        watch.contains("Review pickup p50 (working hours) went from 0.5 h"),
        "{watch}"
    );
    for (_, person) in &hidden {
        assert!(
            !text.contains(&format!("— {person}")),
            "{person} named in the retro"
        );
    }
    let state = read_json(&data.join("retro_state.json"));
    assert_eq!(state["last_month"], "2026-10");
    // With nothing newer than the last retro, a retro says so instead of repeating itself.
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["retro", "--out"])
        .arg(&retro)
        .assert()
        .failure()
        .stderr(predicates::str::contains("after the last full month"));
}

/// A user's metric of many rows: report.json carries the first thousand, its CSV file all.
#[test]
fn a_large_user_metric_is_cut_in_report_json_and_whole_in_its_csv() {
    let (work, data) = workspace();
    let metrics = work.path().join("my-metrics");
    std::fs::create_dir_all(&metrics).unwrap();
    std::fs::write(
        metrics.join("90_pairs.sql"),
        "SELECT a.number AS first, b.number AS second, c.number AS third \
         FROM pull_requests AS a CROSS JOIN pull_requests AS b CROSS JOIN pull_requests AS c",
    )
    .unwrap();
    let out = work.path().join("mine");
    report(
        &data,
        &out,
        &["--month", "2026-10", "--metrics", metrics.to_str().unwrap()],
    );
    let json = read_json(&out.join("report.json"));
    let entry = &json["metrics"]["user:pairs"];
    let rows = std::fs::read_to_string(out.join("data/user_pairs.csv"))
        .unwrap()
        .lines()
        .count()
        - 1;
    assert!(
        rows > 1_000,
        "the store is too small for the check: {rows} rows"
    );
    assert_eq!(entry.as_array().unwrap().len(), 1_000);
    let markdown = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        markdown.contains(&format!(
            "`pairs`: {rows} rows (the first 1000 in report.json, all in [data/user_pairs.csv]"
        )),
        "{}",
        markdown
            .lines()
            .filter(|l| l.contains("pairs"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// `--team`: a team's report holds only its findings, health signals, stuck items and metric
/// rows, and goes to `reports/<month>-<team>`; an unknown team is refused with the teams there
/// are; the organisation report's table lists every team, each linked to its own HTML page.
#[test]
fn a_team_report_shows_only_that_team_and_the_organisation_report_links_every_team() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    teamlens()
        .args(["-q", "simulate", "--out"])
        .arg(&data)
        .assert()
        .success();
    let org = work.path().join("org");
    report(&data, &org, &["--month", "2026-10"]);
    let org_json = read_json(&org.join("report.json"));
    let teams: Vec<String> = org_json["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["team"].as_str().unwrap().to_string())
        .collect();
    let mut every_team: Vec<String> = org_json["metrics"]["team_health_trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["team"].as_str().unwrap().to_string())
        .collect();
    every_team.sort();
    every_team.dedup();
    assert_eq!(teams, every_team);
    let html = std::fs::read_to_string(org.join("report.html")).unwrap();
    let markdown = std::fs::read_to_string(org.join("report.md")).unwrap();
    for row in org_json["teams"].as_array().unwrap() {
        let (team, page) = (row["team"].as_str().unwrap(), row["page"].as_str().unwrap());
        assert_eq!(page, format!("teams/{team}.html"));
        assert!(
            // minijinja escapes the `/` of an attribute as `&#x2f;`, which the browser reads back.
            html.contains(&format!(
                "<a href=\"{}\">{team}</a>",
                page.replace('/', "&#x2f;")
            )),
            "{team}"
        );
        assert!(markdown.contains(&format!("\n| {team} | ")), "{team}");
        let findings = org_json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["team"] == team)
            .count();
        assert_eq!(row["findings"].as_u64().unwrap() as usize, findings);
        // The team's page: its findings, none of another team's, and no script.
        let view = std::fs::read_to_string(org.join(page)).unwrap();
        assert!(view.contains(&format!("Engineering report — 2026-10 — {team}</h1>")));
        assert!(view.contains("href=\"..&#x2f;report.html\""));
        assert!(!view.contains("<script"));
        for f in org_json["findings"].as_array().unwrap() {
            let heading = f["title"].as_str().unwrap().replace('\'', "&#x27;");
            assert_eq!(
                view.contains(&heading),
                f["team"] == team,
                "{team}'s page and {heading}"
            );
        }
    }

    let team = &teams[teams.len() - 1];
    let other = &teams[0];
    teamlens()
        .current_dir(work.path())
        .arg("--data-dir")
        .arg(&data)
        .args(["-q", "report", "--month", "2026-10", "--team", team])
        .assert()
        .success();
    let scoped = work.path().join(format!("reports/2026-10-{team}"));
    let json = read_json(&scoped.join("report.json"));
    assert_eq!(json["scope"], serde_json::json!([team]));
    assert_eq!(json["teams"], serde_json::json!([]));
    let findings = json["findings"].as_array().unwrap();
    assert!(!findings.is_empty());
    assert!(findings.iter().all(|f| f["team"] == team.as_str()));
    for list in ["prs", "tickets"] {
        let items = json["stuck"][list].as_array().unwrap();
        assert!(!items.is_empty(), "{list}");
        assert!(items.iter().all(|i| i["team"] == team.as_str()), "{list}");
    }
    for metric in [
        "outcome_by_team",
        "review_waits_by_reviewer",
        "team_health_trend",
    ] {
        let rows = json["metrics"][metric].as_array().unwrap();
        assert!(!rows.is_empty(), "{metric}");
        assert!(rows.iter().all(|r| r["team"] == team.as_str()), "{metric}");
    }
    // The team's own trends: each headline figure is its row of the team's metrics, not the
    // organisation's.
    assert_eq!(org_json["trends_of"], "organisation");
    assert_eq!(json["trends_of"], team.as_str());
    let trend = |json: &serde_json::Value, metric: &str| -> serde_json::Value {
        json["trends"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["metric"] == metric)
            .unwrap_or_else(|| panic!("no {metric} trend"))["current"]
            .clone()
    };
    let own = json["metrics"]["outcome_by_team"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["month"] == "2026-10")
        .unwrap();
    for metric in [
        "prs_merged",
        "cycle_p50_h",
        "cycle_p90_h",
        "lead_time_p50_h",
    ] {
        let (trend, own) = (trend(&json, metric).as_f64(), own[metric].as_f64());
        assert!(
            (trend.unwrap() - own.unwrap()).abs() < 0.001,
            "{metric}: {trend:?} against {own:?}"
        );
    }
    assert_ne!(trend(&json, "prs_merged"), trend(&org_json, "prs_merged"));
    let text = std::fs::read_to_string(scoped.join("report.md")).unwrap();
    let possessive = if team.ends_with('s') {
        format!("{team}'")
    } else {
        format!("{team}'s")
    };
    assert!(
        text.contains(&format!("months, {possessive} own, with the change")),
        "{text}"
    );
    assert!(text.starts_with(&format!("# Engineering report — 2026-10 — {team}\n")));
    assert!(
        !text.contains(&format!("| {other} |")),
        "{other} in {team}'s report"
    );

    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["-q", "report", "--team", "nosuch", "--out"])
        .arg(work.path().join("nosuch"))
        .assert()
        .failure()
        .stderr(predicates::str::contains(format!(
            "no team is called `nosuch`: the teams are {}",
            teams.join(", ")
        )));
}

/// A team audience sees a team's count of a per-person health signal only when the team has
/// `[report] min_group_size` active people; the retro never makes one a talking point (nor says
/// one was resolved), and a team's retro asks only about that team. The manager's retro keeps
/// the signals, as check-ins.
#[test]
fn health_signals_reach_a_team_only_over_the_minimum_group_and_never_in_its_retro() {
    let work = tempfile::tempdir().unwrap();
    let data = work.path().join("data");
    teamlens()
        .args(["-q", "simulate", "--out"])
        .arg(&data)
        .assert()
        .success();
    let signals = |config: &str, name: &str| -> Vec<serde_json::Value> {
        let path = work.path().join(format!("{name}.toml"));
        std::fs::write(&path, config).unwrap();
        let out = work.path().join(name);
        teamlens()
            .arg("--data-dir")
            .arg(&data)
            .arg("--config")
            .arg(&path)
            .args([
                "-q",
                "report",
                "--month",
                "2026-10",
                "--audience",
                "team",
                "--out",
            ])
            .arg(&out)
            .assert()
            .success();
        let json = read_json(&out.join("report.json"));
        let sizes: std::collections::BTreeMap<String, u64> = json["metrics"]["team_health_trend"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["month"] == "2026-10")
            .map(|r| {
                (
                    r["team"].as_str().unwrap().to_string(),
                    r["people_active"].as_u64().unwrap(),
                )
            })
            .collect();
        let signals = json["team_signals"].as_array().unwrap().clone();
        for s in &signals {
            let size = sizes[s["team"].as_str().unwrap()];
            assert!(size >= 5, "{s} from a team of {size}");
        }
        signals
    };
    assert!(
        !signals("", "default").is_empty(),
        "the demo's teams have 6 or 7 people"
    );
    let strict = signals("[report]\nmin_group_size = 8\n", "strict");
    assert!(strict.is_empty(), "{strict:?}");
    std::fs::write(
        work.path().join("bad.toml"),
        "[report]\nmin_group_sise = 8\n",
    )
    .unwrap();
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(work.path().join("bad.toml"))
        .args(["-q", "report", "--out"])
        .arg(work.path().join("bad"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("min_group_size"));

    let retro = |out: &str, extra: &[&str]| -> String {
        let dir = work.path().join(out);
        teamlens()
            .arg("--data-dir")
            .arg(&data)
            .args(["-q", "retro", "--since", "2026-10-01", "--out"])
            .arg(&dir)
            .args(extra)
            .assert()
            .success();
        std::fs::read_to_string(dir.join("retro.md")).unwrap()
    };
    let for_team = retro("retro-team", &[]);
    for word in [
        "counted, not named",
        "Burnout",
        "Attrition",
        "burnout",
        "attrition",
    ] {
        assert!(
            !for_team.contains(word),
            "`{word}` in the team's retro:\n{for_team}"
        );
    }
    let for_manager = retro("retro-manager", &["--audience", "manager"]);
    assert!(
        for_manager.contains("### 3. Check in with") || for_manager.contains("Check in with"),
        "{for_manager}"
    );
    assert!(!for_manager.contains("counted, not named"));

    let search = retro("retro-search", &["--team", "search"]);
    assert!(
        search.starts_with("# Retro — 2026-10 — search\n"),
        "{search}"
    );
    let points = &search[..search.find("## What improved").unwrap()];
    for other in ["mobile", "payments", "platform"] {
        assert!(
            !points.contains(other),
            "{other} in search's retro:\n{points}"
        );
    }
    assert!(points.contains("manager of search"), "{points}");
    assert!(
        search.contains("## The headline metrics, last 6 months, search's own"),
        "{search}"
    );
    assert!(data.join("retro_state.search.json").exists());
    teamlens()
        .arg("--data-dir")
        .arg(&data)
        .args(["-q", "retro", "--team", "nosuch", "--out"])
        .arg(work.path().join("retro-nosuch"))
        .assert()
        .failure()
        .stderr(predicates::str::contains("no team is called `nosuch`"));
}
