//! `teamlens fetch linear` end to end against the fake Linear of `tests/support/fake_linear`:
//! the real binary, the real client, Linear's wire format and error shapes.
//!
//! - round trip: simulate → serve the tickets as Linear issues → fetch → the stored `issues`,
//!   `issue_events` and `comments` equal the simulator's, row for row (with `source = linear`);
//! - incremental: a re-fetch with nothing new is one request per team; a changed issue is
//!   rewritten, not duplicated;
//! - killed at ten and more points and resumed: the same dataset as an uninterrupted fetch;
//! - faults, a refused key, and Linear's rate limit (stopped resumably, or waited out).

mod support;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use polars::prelude::*;
use teamlens::model::{Comment, Dataset, IssueEvent, Person, Table};
use teamlens::sources::simulate::{SimConfig, simulate};

use support::fake_linear::world::issue_url;
use support::fake_linear::{FakeLinear, Fault, KEY, LinearWorld};
use support::tables::{
    assert_same_tables, rows, simulated_sprints, stored_frame, stored_sprints, world_frame,
};
use support::teamlens;

/// A simulated organisation's tickets (the simulator writes them as Jira's) and its people.
fn tickets(seed: u64, teams: usize, months: u32, scale: f64) -> Dataset {
    let all = simulate(&SimConfig::default_org(seed, teams, months, scale)).dataset;
    let tracker = |source: &str| source == "jira";
    Dataset {
        people: all.people,
        issues: all
            .issues
            .into_iter()
            .filter(|r| tracker(&r.source))
            .collect(),
        issue_events: all
            .issue_events
            .into_iter()
            .filter(|r| tracker(&r.source))
            .collect(),
        comments: all
            .comments
            .into_iter()
            .filter(|r| tracker(&r.source) && r.target == "issue")
            .collect(),
        sprints: all.sprints,
        ..Dataset::default()
    }
}

/// What a fetch from Linear should store: the same rows, from `linear`, with Linear's URLs.
fn expected(world: &Dataset) -> Dataset {
    let mut want = world.clone();
    for issue in &mut want.issues {
        issue.source = "linear".into();
        issue.url = Some(issue_url(&issue.key));
    }
    for event in &mut want.issue_events {
        event.source = "linear".into();
    }
    for comment in &mut want.comments {
        comment.source = "linear".into();
    }
    want
}

fn teams(world: &Dataset) -> Vec<String> {
    let mut teams: Vec<String> = world
        .issues
        .iter()
        .filter_map(|i| i.project.clone())
        .collect();
    teams.sort();
    teams.dedup();
    teams
}

struct Workspace {
    _dir: tempfile::TempDir,
    data: PathBuf,
    config: PathBuf,
}

/// A data directory holding the roster (people, with their e-mail addresses as aliases), and a
/// config that keeps retries short.
fn workspace(world: &Dataset, page_size: u32) -> Workspace {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("teamlens.toml");
    std::fs::write(
        &config,
        format!(
            "[linear]\npage_size = {page_size}\nretry_base_ms = 20\nmax_attempts = 4\n\
             min_remaining_requests = 0\n"
        ),
    )
    .unwrap();
    let data = dir.path().join("data");
    let mut store = support::writable_store(&data);
    store
        .replace_tables(
            vec![(
                Person::NAME,
                Person::to_frame(world.people.clone()).unwrap(),
            )],
            None,
        )
        .unwrap();
    Workspace {
        data,
        config,
        _dir: dir,
    }
}

fn fetch_command(fake: &FakeLinear, ws: &Workspace, teams: &[String]) -> assert_cmd::Command {
    let mut command = teamlens();
    command
        .env("LINEAR_API_KEY", KEY)
        .env("LINEAR_API_URL", fake.url())
        .arg("--data-dir")
        .arg(&ws.data)
        .arg("--config")
        .arg(&ws.config)
        .args(["fetch", "linear"])
        .args(teams)
        .args(["--since", "2020-01-01"]);
    command
}

const TABLES: &[&str] = &["issues", "issue_events", "comments"];

/// Only this source's rows are compared: the tests' roster and other sources share the tables.
const SOURCE: Option<&str> = Some("linear");

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

fn stderr_of(result: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&result.get_output().stderr).to_string()
}

#[test]
fn a_fetch_stores_exactly_the_simulated_tickets() {
    let world = tickets(31, 2, 3, 0.6);
    assert!(world.issues.len() > 50, "too few tickets");
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 20);
    let result = fetch_command(&fake, &ws, &teams(&world)).assert().success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    assert!(stdout.contains("fetched 2 of 2 Linear teams"), "{stdout}");
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
    // Cycles with their dates (Linear's cycle here carries no completion time).
    let sprints = stored_sprints(&ws.data, "linear");
    assert!(sprints.len() > 5, "{sprints:?}");
    assert_eq!(sprints, simulated_sprints(&world, false));
    assert!(
        !ws.data
            .join("staging/linear")
            .join(&teams(&world)[0])
            .exists(),
        "the staging folder was left behind"
    );
    // The key is written nowhere.
    for entry in walk(&ws.data) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "{}",
            entry.display()
        );
    }
    // The two patterns the tickets must show: rewrites of others' tickets and sprint additions.
    let events = stored_frame(&ws.data, "issue_events", SOURCE);
    let fields = events.column("field").unwrap().str().unwrap().clone();
    for field in ["title", "description", "sprint", "assignee", "status"] {
        assert!(
            fields.iter().any(|f| f == Some(field)),
            "no {field} changes stored"
        );
    }
}

#[test]
fn long_histories_and_many_comments_are_followed_to_the_end() {
    let mut world = tickets(32, 1, 2, 0.5);
    // One ticket with a history and comments far beyond the first pages.
    let key = world.issues[0].key.clone();
    let created = world.issues[0].created_at;
    let actor = world.issues[0].reporter.clone().unwrap();
    for n in 0..130 {
        let at = created + chrono::Duration::minutes(10 + n);
        world.issue_events.push(IssueEvent {
            source: "jira".into(),
            key: key.clone(),
            at,
            actor: actor.clone(),
            field: "description".into(),
            from: None,
            to: None,
        });
        world.comments.push(Comment {
            source: "jira".into(),
            target: "issue".into(),
            container: world.issues[0].project.clone().unwrap(),
            item: key.clone(),
            author: actor.clone(),
            created_at: at,
            is_review_thread: Some(false),
        });
    }
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 50);
    fetch_command(&fake, &ws, &teams(&world)).assert().success();
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
    let operations: Vec<String> = fake.stats().log.into_iter().map(|l| l.operation).collect();
    assert!(
        operations.iter().any(|o| o == "IssueHistory"),
        "{operations:?}"
    );
    assert!(
        operations.iter().any(|o| o == "IssueComments"),
        "{operations:?}"
    );
}

#[test]
fn a_refetch_reads_only_what_changed_and_rewrites_it_in_place() {
    let mut world = tickets(33, 1, 2, 0.5);
    let team = teams(&world);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    fetch_command(&fake, &ws, &team).assert().success();

    // Nothing new: one request for the team.
    fake.reset_stats();
    fetch_command(&fake, &ws, &team).assert().success();
    assert_eq!(fake.stats().requests, 1, "{:?}", fake.stats().log);

    // Two tickets are retitled now: only they are read, and they are replaced, not added.
    // Linear keeps milliseconds; the simulator's times are whole seconds.
    let now =
        chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0) - chrono::Duration::seconds(5);
    for n in [0, 1] {
        let issue = &mut world.issues[n];
        let old = issue.title.clone();
        issue.title = Some(format!("Renamed {n}"));
        world.issue_events.push(IssueEvent {
            source: "jira".into(),
            key: issue.key.clone(),
            at: now,
            actor: issue.reporter.clone().unwrap(),
            field: "title".into(),
            from: old,
            to: issue.title.clone(),
        });
    }
    fake.set_world(LinearWorld::from_dataset(&world));
    fake.reset_stats();
    fetch_command(&fake, &ws, &team).assert().success();
    let log = fake.stats().log;
    assert_eq!(log.len(), 1, "{log:?}");
    assert!(
        log[0].variables["filter"]["updatedAt"]["gt"].is_string(),
        "{:?}",
        log[0].variables
    );
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

#[test]
fn a_fetch_killed_at_many_points_resumes_to_the_same_dataset() {
    let world = tickets(34, 2, 3, 0.6);
    let team = teams(&world);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    fake.set_latency(Duration::from_millis(30));
    let ws = workspace(&world, 5);
    // Deterministic "random" kill points: after 1 to 4 more requests each time.
    let mut step: u64 = 7;
    let env = [
        ("LINEAR_API_KEY", KEY.to_string()),
        ("LINEAR_API_URL", fake.url()),
    ];
    let kills = support::faults::kill_fetch_until_it_finishes(
        || support::faults::source_fetch_process(&env, &ws.data, &ws.config, "linear", &team),
        || fake.stats().requests,
        || {
            step = (step * 31 + 17) % 4 + 1;
            step
        },
        12,
    );
    assert!(
        kills >= 10,
        "only {kills} kills before the fetch finished: make the world bigger"
    );
    fake.set_latency(Duration::ZERO);
    fetch_command(&fake, &ws, &team).assert().success();
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

#[test]
fn transient_faults_are_retried_and_the_data_is_whole() {
    let world = tickets(35, 1, 2, 0.5);
    for (fault, times) in [
        (Fault::Status(502), 2),
        (Fault::Status(503), 1),
        (Fault::ConnectionReset, 2),
        (Fault::Truncated, 2),
        (Fault::MalformedJson, 2),
    ] {
        let label = format!("{fault:?}");
        let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
        let ws = workspace(&world, 50);
        fake.inject(fault, times);
        let result = fetch_command(&fake, &ws, &teams(&world)).assert();
        let stderr = stderr_of(&result);
        result.success();
        assert!(fake.stats().faults >= times as u64, "{label}");
        assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
        assert!(!stderr.contains(KEY), "{label}: {stderr}");
    }
}

#[test]
fn a_server_that_keeps_failing_stops_resumably() {
    let world = tickets(36, 1, 2, 0.5);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws2 = workspace(&world, 10);
    // Every attempt fails: the fetch retries max_attempts times and stops with its checkpoint.
    fake.inject(Fault::Status(503), 40);
    let result = fetch_command(&fake, &ws2, &teams(&world)).assert();
    let stderr = stderr_of(&result);
    result.failure();
    assert!(stderr.contains("HTTP 503"), "{stderr}");
    assert!(
        stderr.contains("run the same command again to resume"),
        "{stderr}"
    );
    fake.clear_faults();
    fetch_command(&fake, &ws2, &teams(&world))
        .assert()
        .success();
    assert_same_tables(&ws2.data, &expected(&world), TABLES, SOURCE);
}

#[test]
fn a_refused_key_names_the_variable_and_is_never_shown() {
    let world = tickets(37, 1, 1, 0.5);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 10);
    let wrong = "lin_api_wrong_key_9876543210";
    let result = fetch_command(&fake, &ws, &teams(&world))
        .env("LINEAR_API_KEY", wrong)
        .args(["-vv"])
        .assert();
    let stderr = stderr_of(&result);
    result.failure();
    assert!(stderr.contains("LINEAR_API_KEY"), "{stderr}");
    assert!(stderr.contains("refused"), "{stderr}");
    assert!(!stderr.contains(wrong), "{stderr}");

    let result = fetch_command(&fake, &ws, &teams(&world))
        .env_remove("LINEAR_API_KEY")
        .assert();
    let stderr = stderr_of(&result);
    result.failure();
    assert!(stderr.contains("set LINEAR_API_KEY"), "{stderr}");
}

#[test]
fn an_unknown_team_is_reported_and_the_others_are_fetched() {
    let world = tickets(38, 1, 2, 0.5);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 50);
    let mut names = teams(&world);
    names.insert(0, "NOPE".into());
    let result = fetch_command(&fake, &ws, &names).assert();
    let stderr = stderr_of(&result);
    result.failure();
    assert!(
        stderr.contains("NOPE") && stderr.contains("no team has this key"),
        "{stderr}"
    );
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

/// `--dry-run` counts the issues a fetch would read (ids only, under the fetch's own filter and
/// bound, in a document checked against the schema) and stores nothing; after a fetch it counts
/// only what changed since, and an unknown key is named.
#[test]
fn a_dry_run_counts_what_a_fetch_would_read_and_stores_nothing() {
    let mut world = tickets(40, 1, 6, 1.5);
    let team = teams(&world);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    let manifest = std::fs::read(ws.data.join("manifest.json")).unwrap();
    let count = world
        .issues
        .iter()
        .filter(|i| i.project.as_deref() == Some(team[0].as_str()))
        .count();
    assert!(count > 250, "{count}: more than one page of ids");
    let result = fetch_command(&fake, &ws, &team)
        .arg("--dry-run")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    let pages = count.div_ceil(25);
    assert!(
        stdout.contains(&format!("{} | {count} | {pages}", team[0])),
        "{stdout}"
    );
    let operations: Vec<String> = fake.stats().log.into_iter().map(|l| l.operation).collect();
    assert_eq!(
        operations,
        vec!["TeamLookup", "TeamIssueIds", "TeamIssueIds"],
        "{stdout}"
    );
    assert_eq!(
        std::fs::read(ws.data.join("manifest.json")).unwrap(),
        manifest
    );

    fetch_command(&fake, &ws, &team).assert().success();
    let now =
        chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0) - chrono::Duration::seconds(5);
    let issue = &mut world.issues[3];
    let old = issue.title.clone();
    issue.title = Some("Renamed".into());
    world.issue_events.push(IssueEvent {
        source: "jira".into(),
        key: issue.key.clone(),
        at: now,
        actor: issue.reporter.clone().unwrap(),
        field: "title".into(),
        from: old,
        to: issue.title.clone(),
    });
    fake.set_world(LinearWorld::from_dataset(&world));
    fake.reset_stats();
    let result = fetch_command(&fake, &ws, &team)
        .arg("--dry-run")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    assert!(
        stdout.contains(&format!("{} | 1 | 1 | no", team[0])),
        "no listing is due the day of the first fetch: {stdout}"
    );
    let log = fake.stats().log;
    assert!(
        log.iter()
            .all(|l| l.operation != "TeamLookup" || l.variables["key"] == team[0].as_str())
            && log[1].variables["filter"]["updatedAt"]["gt"].is_string(),
        "{log:?}"
    );

    // A week on, the listing of every id is due: the dry run counts its pages (all the team's
    // issues, 250 a request, from the team's own count) and adds them to the total.
    age_listing(&ws, &team[0]);
    let result = fetch_command(&fake, &ws, &team)
        .arg("--dry-run")
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    let listing = count.div_ceil(250);
    assert!(listing > 1, "{count}");
    assert!(
        stdout.contains(&format!("{} | 1 | 1 | yes, {listing} requests", team[0]))
            && stdout.contains(&format!("about {} requests", 1 + listing)),
        "{stdout}"
    );

    let result = fetch_command(&fake, &ws, &["NOPE".to_string()])
        .arg("--dry-run")
        .assert()
        .failure();
    let stderr = stderr_of(&result);
    assert!(
        stderr.contains("NOPE") && stderr.contains("no team has this key"),
        "{stderr}"
    );
}

#[test]
fn a_spent_rate_limit_stops_resumably_and_the_next_run_resumes() {
    let world = tickets(39, 1, 2, 0.6);
    let team = teams(&world);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 5);
    fake.set_budget(4, Duration::from_secs(3600));
    let result = fetch_command(&fake, &ws, &team).assert();
    let stderr = stderr_of(&result);
    result.failure();
    assert!(
        stderr.contains("rate limit") && stderr.contains("resets at"),
        "{stderr}"
    );
    assert!(stderr.contains("--wait"), "{stderr}");
    assert!(fake.stats().rate_limited >= 1);
    assert!(
        ws.data.join("staging/linear").exists(),
        "no checkpoint was kept"
    );

    fake.set_budget(5000, Duration::from_secs(3600));
    fake.reset_stats();
    fetch_command(&fake, &ws, &team).assert().success();
    let first = fake.stats().log.into_iter().next().unwrap();
    assert_eq!(first.operation, "TeamIssues");
    assert!(
        first.variables["after"].is_string(),
        "the second run started over instead of resuming: {:?}",
        first.variables
    );
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

#[test]
fn with_wait_a_ratelimited_answer_is_waited_out() {
    let world = tickets(40, 1, 2, 0.5);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    fake.inject(Fault::RateLimited { reset_in_ms: 1500 }, 1);
    let started = Instant::now();
    let result = fetch_command(&fake, &ws, &teams(&world))
        .arg("--wait")
        .assert();
    let stderr = stderr_of(&result);
    result.success();
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "did not wait"
    );
    assert!(stderr.contains("waiting"), "{stderr}");
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

#[test]
fn a_plain_fetch_reads_the_teams_of_the_config() {
    let world = tickets(41, 1, 2, 0.5);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 50);
    let mut config = std::fs::read_to_string(&ws.config).unwrap();
    config.push_str(&format!("teams = {:?}\n", teams(&world)));
    std::fs::write(&ws.config, config).unwrap();
    teamlens()
        .env("LINEAR_API_KEY", KEY)
        .env("LINEAR_API_URL", fake.url())
        .arg("--data-dir")
        .arg(&ws.data)
        .arg("--config")
        .arg(&ws.config)
        .args(["fetch", "--since", "2020-01-01"])
        .assert()
        .success();
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

#[test]
fn a_query_linear_finds_too_complex_is_asked_again_with_fewer_issues() {
    let world = tickets(42, 1, 2, 0.5);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    fake.set_max_issues(Some(6));
    let ws = workspace(&world, 25);
    fetch_command(&fake, &ws, &teams(&world)).assert().success();
    let asked: Vec<i64> = fake
        .stats()
        .log
        .iter()
        .filter(|l| l.operation == "TeamIssues")
        .map(|l| l.variables["first"].as_i64().unwrap())
        .collect();
    assert!(asked.iter().all(|&n| n <= 6), "{asked:?}");
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

#[test]
fn errors_beside_the_data_keep_the_data_and_say_so() {
    let world = tickets(43, 1, 2, 0.5);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    // The first request is the team's lookup; the second, the first page of issues.
    fake.inject(Fault::PartialError, 2);
    let result = fetch_command(&fake, &ws, &teams(&world)).assert();
    let stderr = stderr_of(&result);
    result.success();
    assert!(stderr.contains("error(s) beside the data"), "{stderr}");
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

/// The text values of a column of a stored frame.
fn texts(frame: &DataFrame, column: &str) -> Vec<Option<String>> {
    frame
        .column(column)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

#[test]
fn the_micromanagers_rewrites_and_the_people_pleasers_sprint_additions_arrive() {
    use std::collections::HashMap;
    // Team 1 of the default organisation is micromanaged; team 3 is overloaded by a manager who
    // adds scope to running sprints.
    let world = tickets(44, 4, 2, 0.5);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    fetch_command(&fake, &ws, &teams(&world)).assert().success();

    let issues = stored_frame(&ws.data, "issues", SOURCE);
    let assignee_of: HashMap<String, Option<String>> = texts(&issues, "key")
        .into_iter()
        .map(Option::unwrap)
        .zip(texts(&issues, "assignee"))
        .collect();
    let project_of: HashMap<String, String> = texts(&issues, "key")
        .into_iter()
        .map(Option::unwrap)
        .zip(texts(&issues, "project").into_iter().map(Option::unwrap))
        .collect();
    let team_of_manager: HashMap<&str, &str> = world
        .people
        .iter()
        .filter(|p| p.role == "manager")
        .map(|p| (p.person.as_str(), p.team.as_str()))
        .collect();

    let events = stored_frame(&ws.data, "issue_events", SOURCE);
    let at: Vec<i64> = events
        .column("at")
        .unwrap()
        .cast(&DataType::Int64)
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .map(Option::unwrap)
        .collect();
    let (keys, actors, fields, tos) = (
        texts(&events, "key"),
        texts(&events, "actor"),
        texts(&events, "field"),
        texts(&events, "to"),
    );

    // Title rewrites of other people's tickets, by each manager's team.
    let mut rewrites: HashMap<&str, usize> = HashMap::new();
    // The first planning of each sprint, then additions more than a day after it, by project.
    let mut planned: HashMap<String, i64> = HashMap::new();
    for i in 0..events.height() {
        if fields[i].as_deref() == Some("sprint")
            && let Some(sprint) = &tos[i]
        {
            let first = planned.entry(sprint.clone()).or_insert(at[i]);
            *first = (*first).min(at[i]);
        }
    }
    let mut late_additions: HashMap<String, usize> = HashMap::new();
    for i in 0..events.height() {
        let key = keys[i].clone().unwrap();
        let actor = actors[i].clone().unwrap();
        match fields[i].as_deref() {
            Some("title") => {
                if let Some(team) = team_of_manager.get(actor.as_str())
                    && assignee_of[&key].as_deref() != Some(actor.as_str())
                {
                    *rewrites.entry(team).or_default() += 1;
                }
            }
            Some("sprint") => {
                let sprint = tos[i].clone().unwrap();
                if at[i] - planned[&sprint] > 24 * 3_600_000_000 {
                    *late_additions.entry(project_of[&key].clone()).or_default() += 1;
                }
            }
            _ => {}
        }
    }
    let micromanaged = world
        .people
        .iter()
        .find(|p| p.role == "manager" && rewrites.get(p.team.as_str()) == rewrites.values().max())
        .map(|p| p.team.clone());
    let names: Vec<&str> = {
        let mut teams: Vec<&str> = team_of_manager.values().copied().collect();
        teams.sort();
        teams
    };
    assert!(
        rewrites.values().max().copied().unwrap_or(0) >= 5,
        "too few rewrites: {rewrites:?}"
    );
    assert_eq!(
        micromanaged.as_deref(),
        Some(SimConfig::default_org(44, 4, 2, 0.5).teams[1].name.as_str()),
        "{rewrites:?} ({names:?})"
    );
    let most_added = late_additions
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(project, n)| (project.clone(), *n));
    let overloaded_issues: Vec<&String> = world
        .issues
        .iter()
        .filter(|i| i.labels.iter().any(|l| l == "added-mid-sprint"))
        .map(|i| i.project.as_ref().unwrap())
        .collect();
    assert!(!overloaded_issues.is_empty());
    assert_eq!(
        most_added.as_ref().map(|(p, _)| p),
        Some(overloaded_issues[0]),
        "{late_additions:?}"
    );
}

// Moved, trashed, archived issues. Linear keeps an issue's id when it moves to another team and
// gives it a new identifier (listing the old ones in `previousIdentifiers`, with a history entry
// of the move); a deleted issue goes to the trash (`trashed`, `archivedAt`) and is still served
// under `includeArchived`.

/// A time just before now, in whole seconds (the simulator's resolution), after every mark.
fn just_now() -> chrono::DateTime<chrono::Utc> {
    chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 0) - chrono::Duration::seconds(5)
}

/// The key of the `n`-th issue of `team`, taken out of any cycle (cycles are per team, and a
/// moved issue leaves its cycle, so the tickets that move are ones without one).
fn cycleless_issue(data: &mut Dataset, team: &str, n: usize) -> String {
    let issue = data
        .issues
        .iter_mut()
        .filter(|i| i.project.as_deref() == Some(team))
        .nth(n)
        .expect("enough issues in the team");
    issue.sprint = None;
    let key = issue.key.clone();
    data.issue_events
        .retain(|e| !(e.key == key && e.field == "sprint"));
    key
}

/// Moves an issue to team `to` at `at`, as Linear does: the next identifier of that team, the
/// same place in the world (so the same id), and a `team` history entry. Returns the new key.
fn move_issue(
    data: &mut Dataset,
    key: &str,
    to: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let prefix = format!("{to}-");
    let next = data
        .issues
        .iter()
        .filter_map(|i| i.key.strip_prefix(&prefix)?.parse::<u64>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let new_key = format!("{to}-{next}");
    let issue = data.issues.iter_mut().find(|i| i.key == key).unwrap();
    let from = issue.project.replace(to.to_string());
    issue.key = new_key.clone();
    let actor = issue.reporter.clone().unwrap();
    for event in data.issue_events.iter_mut().filter(|e| e.key == key) {
        event.key = new_key.clone();
    }
    for comment in data.comments.iter_mut().filter(|c| c.item == key) {
        comment.item = new_key.clone();
        comment.container = to.to_string();
    }
    data.issue_events.push(IssueEvent {
        source: "jira".into(),
        key: new_key.clone(),
        at,
        actor,
        field: "team".into(),
        from,
        to: Some(to.to_string()),
    });
    new_key
}

/// The dataset without the rows of `keys`.
fn without(data: &Dataset, keys: &[&str]) -> Dataset {
    let mut out = data.clone();
    out.issues.retain(|i| !keys.contains(&i.key.as_str()));
    out.issue_events.retain(|e| !keys.contains(&e.key.as_str()));
    out.comments.retain(|c| !keys.contains(&c.item.as_str()));
    out
}

/// The dataset's rows of `team`'s issues only.
fn only_team(data: &Dataset, team: &str) -> Dataset {
    let others: Vec<String> = data
        .issues
        .iter()
        .filter(|i| i.project.as_deref() != Some(team))
        .map(|i| i.key.clone())
        .collect();
    without(data, &others.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Makes the team's last listing of ids older than the default `linear.relist_days`, as if a
/// week had passed, so that the next fetch lists the team again.
fn age_listing(ws: &Workspace, team: &str) {
    let path = ws.data.join("manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let state = &mut manifest["sources"]["linear"]["teams"][team];
    assert!(state.is_object(), "{team} was never fetched");
    let relist_days = teamlens::config::LinearConfig::default().relist_days;
    let aged = chrono::Utc::now()
        - chrono::Duration::days(i64::from(relist_days))
        - chrono::Duration::hours(1);
    state["listed_at"] = serde_json::json!(aged);
    std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
}

fn stored_keys(data: &Path) -> Vec<String> {
    let frame = stored_frame(data, "issues", SOURCE);
    let mut keys: Vec<String> = frame
        .column("key")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .flatten()
        .map(str::to_string)
        .collect();
    keys.sort();
    keys
}

#[test]
fn an_issue_moved_between_fetched_teams_keeps_only_its_new_key() {
    let mut world = tickets(44, 2, 2, 0.5);
    let team = teams(&world);
    let old = cycleless_issue(&mut world, &team[0], 3);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    fetch_command(&fake, &ws, &team).assert().success();
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);

    // Moved from the first team to the second: read in the second team's fetch, which drops
    // the rows under the former key in the merge that writes the new ones.
    let new = move_issue(&mut world, &old, &team[1], just_now());
    let mut linear = LinearWorld::from_dataset(&world);
    linear.set_previous_identifiers(&new, &[&old]);
    fake.set_world(linear);
    fetch_command(&fake, &ws, &team).assert().success();
    let keys = stored_keys(&ws.data);
    assert!(
        keys.contains(&new) && !keys.contains(&old),
        "{old} → {new}: {keys:?}"
    );
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
    // The move itself is an event.
    let events = stored_frame(&ws.data, "issue_events", SOURCE);
    let moves = events
        .lazy()
        .filter(col("field").eq(lit("team")))
        .collect()
        .unwrap();
    assert_eq!(moves.height(), 1, "{moves}");
}

/// Moves the issue `old` to team `ZZQ`, which no test fetches, as Linear would: a new
/// identifier that lists the old one.
fn move_to_unfetched_team(world: &mut Dataset, fake: &FakeLinear, old: &str) {
    let new = move_issue(world, old, "ZZQ", just_now());
    let mut linear = LinearWorld::from_dataset(world);
    linear.set_previous_identifiers(&new, &[old]);
    fake.set_world(linear);
}

/// The fetch sent its search, then listed the team's ids, and nothing else.
fn assert_searched_then_listed(fake: &FakeLinear) {
    let operations: Vec<String> = fake.stats().log.into_iter().map(|l| l.operation).collect();
    assert_eq!(
        operations,
        vec!["TeamIssues", "TeamIssueIds"],
        "{operations:?}"
    );
}

#[test]
fn an_issue_moved_to_an_unfetched_team_goes_at_the_next_listing() {
    let mut world = tickets(45, 1, 2, 0.5);
    let team = teams(&world);
    let old = cycleless_issue(&mut world, &team[0], 2);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    fetch_command(&fake, &ws, &team).assert().success();

    move_to_unfetched_team(&mut world, &fake, &old);
    // The team's filter no longer matches the issue: until the listing is due, it stays.
    fake.reset_stats();
    fetch_command(&fake, &ws, &team).assert().success();
    assert_eq!(fake.stats().requests, 1, "{:?}", fake.stats().log);
    assert!(stored_keys(&ws.data).contains(&old));

    // The listing: ids only, and the issue the team no longer has is gone.
    age_listing(&ws, &team[0]);
    fake.reset_stats();
    fetch_command(&fake, &ws, &team).assert().success();
    assert_searched_then_listed(&fake);
    assert_same_tables(
        &ws.data,
        &expected(&only_team(&world, &team[0])),
        TABLES,
        SOURCE,
    );
    assert!(!stored_keys(&ws.data).contains(&old));

    // The listing was recorded: the next fetch with nothing new is one request again.
    fake.reset_stats();
    fetch_command(&fake, &ws, &team).assert().success();
    assert_eq!(fake.stats().requests, 1, "{:?}", fake.stats().log);
}

#[test]
fn relist_days_zero_lists_the_team_at_every_fetch() {
    let mut world = tickets(47, 1, 2, 0.5);
    let team = teams(&world);
    let old = cycleless_issue(&mut world, &team[0], 2);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    let config = std::fs::read_to_string(&ws.config).unwrap();
    std::fs::write(
        &ws.config,
        config.replacen("[linear]\n", "[linear]\nrelist_days = 0\n", 1),
    )
    .unwrap();
    fetch_command(&fake, &ws, &team).assert().success();

    // Straight after the first fetch, with no time passed, the next one lists the team's ids
    // and the issue moved out of it is gone.
    move_to_unfetched_team(&mut world, &fake, &old);
    fake.reset_stats();
    let result = fetch_command(&fake, &ws, &team).assert().success();
    assert_searched_then_listed(&fake);
    assert!(!stored_keys(&ws.data).contains(&old));
    assert_same_tables(
        &ws.data,
        &expected(&only_team(&world, &team[0])),
        TABLES,
        SOURCE,
    );
    // The progress line names the issue it removed.
    let output = result.get_output();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        said.contains(&format!(
            "1 issue removed (moved out of the team, or trashed): {old}"
        )),
        "{said}"
    );
}

#[test]
fn an_issue_moved_in_from_an_unfetched_team_appears_under_its_new_key() {
    let mut world = tickets(46, 2, 2, 0.5);
    let team = teams(&world);
    let (ours, theirs) = (&team[0], &team[1]);
    let first = cycleless_issue(&mut world, theirs, 1);
    let second = cycleless_issue(&mut world, theirs, 4);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 25);
    fetch_command(&fake, &ws, std::slice::from_ref(ours))
        .assert()
        .success();
    assert_same_tables(
        &ws.data,
        &expected(&only_team(&world, ours)),
        TABLES,
        SOURCE,
    );

    // A move that raises `updatedAt` is read by the next fetch.
    let moved = move_issue(&mut world, &first, ours, just_now());
    let mut linear = LinearWorld::from_dataset(&world);
    linear.set_previous_identifiers(&moved, &[&first]);
    fake.set_world(linear.clone());
    fetch_command(&fake, &ws, std::slice::from_ref(ours))
        .assert()
        .success();
    assert!(stored_keys(&ws.data).contains(&moved));
    assert_same_tables(
        &ws.data,
        &expected(&only_team(&world, ours)),
        TABLES,
        SOURCE,
    );

    // One that does not is found by the listing, and read by id.
    let before = linear
        .issues
        .iter()
        .find(|i| i.identifier == second)
        .unwrap()
        .updated_at;
    let moved_quietly = move_issue(&mut world, &second, ours, just_now());
    let mut linear = LinearWorld::from_dataset(&world);
    linear.set_previous_identifiers(&moved, &[&first]);
    linear.set_previous_identifiers(&moved_quietly, &[&second]);
    linear.set_updated_at(&moved_quietly, before);
    fake.set_world(linear);
    fetch_command(&fake, &ws, std::slice::from_ref(ours))
        .assert()
        .success();
    assert!(!stored_keys(&ws.data).contains(&moved_quietly));
    age_listing(&ws, ours);
    fake.reset_stats();
    fetch_command(&fake, &ws, std::slice::from_ref(ours))
        .assert()
        .success();
    let log = fake.stats().log;
    assert!(
        log.iter().any(|l| l.operation == "TeamIssues"
            && l.variables["filter"]["id"]["in"]
                .as_array()
                .is_some_and(|ids| ids.len() == 1)),
        "{log:?}"
    );
    assert_same_tables(
        &ws.data,
        &expected(&only_team(&world, ours)),
        TABLES,
        SOURCE,
    );
}

#[test]
fn a_trashed_issue_is_removed() {
    let world = tickets(47, 1, 2, 0.5);
    let team = teams(&world);
    let mut linear = LinearWorld::from_dataset(&world);
    let fake = FakeLinear::start(linear.clone());
    let ws = workspace(&world, 25);
    fetch_command(&fake, &ws, &team).assert().success();
    let (loud, quiet) = (world.issues[2].key.clone(), world.issues[5].key.clone());

    // Trashed with a newer `updatedAt`: the next fetch reads it with `trashed: true`.
    linear.trash(&loud, just_now(), true);
    fake.set_world(linear.clone());
    fetch_command(&fake, &ws, &team).assert().success();
    assert_same_tables(
        &ws.data,
        &expected(&without(&world, &[&loud])),
        TABLES,
        SOURCE,
    );

    // Trashed without one: the listing, which leaves trashed issues out, removes it.
    linear.trash(&quiet, just_now(), false);
    fake.set_world(linear);
    fetch_command(&fake, &ws, &team).assert().success();
    assert!(stored_keys(&ws.data).contains(&quiet));
    age_listing(&ws, &team[0]);
    fetch_command(&fake, &ws, &team).assert().success();
    assert_same_tables(
        &ws.data,
        &expected(&without(&world, &[&loud, &quiet])),
        TABLES,
        SOURCE,
    );
}

#[test]
fn an_archived_issue_is_kept() {
    let world = tickets(48, 1, 2, 0.5);
    let team = teams(&world);
    let mut linear = LinearWorld::from_dataset(&world);
    let fake = FakeLinear::start(linear.clone());
    let ws = workspace(&world, 25);
    fetch_command(&fake, &ws, &team).assert().success();

    // Archived (as Linear auto-archives closed issues), read again and listed: done work, kept.
    let archived = world
        .issues
        .iter()
        .find(|i| i.status_category.as_deref() == Some("done"))
        .unwrap()
        .key
        .clone();
    linear.archive(&archived, just_now());
    fake.set_world(linear);
    age_listing(&ws, &team[0]);
    fake.reset_stats();
    fetch_command(&fake, &ws, &team).assert().success();
    let log = fake.stats().log;
    assert!(log.iter().any(|l| l.operation == "TeamIssueIds"), "{log:?}");
    assert_eq!(
        log.iter().filter(|l| l.operation == "TeamIssues").count(),
        1,
        "{log:?}"
    );
    assert!(stored_keys(&ws.data).contains(&archived));
    assert_same_tables(&ws.data, &expected(&world), TABLES, SOURCE);
}

#[test]
fn a_refetch_after_moves_and_trash_is_idempotent() {
    let mut world = tickets(49, 2, 2, 0.5);
    let team = teams(&world);
    let across = cycleless_issue(&mut world, &team[0], 1);
    let away = cycleless_issue(&mut world, &team[1], 2);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 10);
    fetch_command(&fake, &ws, &team).assert().success();

    let now = just_now();
    let across_new = move_issue(&mut world, &across, &team[1], now);
    let away_new = move_issue(&mut world, &away, "ZZQ", now);
    let trashed = world
        .issues
        .iter()
        .find(|i| i.project.as_deref() == Some(team[0].as_str()) && i.key != across)
        .unwrap()
        .key
        .clone();
    let mut linear = LinearWorld::from_dataset(&world);
    linear.set_previous_identifiers(&across_new, &[&across]);
    linear.set_previous_identifiers(&away_new, &[&away]);
    linear.trash(&trashed, now, false);
    let archived = world
        .issues
        .iter()
        .find(|i| i.project.as_deref() == Some(team[1].as_str()) && i.key != across_new)
        .unwrap()
        .key
        .clone();
    linear.archive(&archived, now);
    fake.set_world(linear);
    let want = expected(&without(&world, &[&trashed, &away_new]));

    for round in 0..3 {
        for t in &team {
            age_listing(&ws, t);
        }
        fetch_command(&fake, &ws, &team).assert().success();
        assert_same_tables(&ws.data, &want, TABLES, SOURCE);
        let keys = stored_keys(&ws.data);
        let mut unique = keys.clone();
        unique.dedup();
        assert_eq!(keys, unique, "round {round}: an issue stored twice");
    }
    // Nothing new and no listing due: one request per team.
    fake.reset_stats();
    fetch_command(&fake, &ws, &team).assert().success();
    assert_eq!(fake.stats().requests, 2, "{:?}", fake.stats().log);
    assert_same_tables(&ws.data, &want, TABLES, SOURCE);
}

#[test]
fn a_fetch_killed_during_the_listing_leaves_the_old_rows_or_the_new_ones() {
    let mut world = tickets(50, 2, 2, 0.5);
    let team = teams(&world);
    let (ours, theirs) = (team[0].clone(), team[1].clone());
    let quiet: Vec<String> = (0..20)
        .map(|n| cycleless_issue(&mut world, &theirs, n))
        .collect();
    let away = cycleless_issue(&mut world, &ours, 2);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 2);
    fetch_command(&fake, &ws, std::slice::from_ref(&ours))
        .assert()
        .success();
    let before = rows(&stored_frame(&ws.data, "issues", SOURCE));

    // Twenty issues moved in (read by id, two a page) and one moved out, none with a newer
    // `updatedAt`; one trashed.
    let old_world = LinearWorld::from_dataset(&world);
    let updated = |key: &str| {
        old_world
            .issues
            .iter()
            .find(|i| i.identifier == key)
            .unwrap()
            .updated_at
    };
    let now = just_now();
    let moved: Vec<(String, String)> = quiet
        .iter()
        .map(|old| (old.clone(), move_issue(&mut world, old, &ours, now)))
        .collect();
    let away_new = move_issue(&mut world, &away, "ZZQ", now);
    let trashed = world
        .issues
        .iter()
        .find(|i| i.project.as_deref() == Some(ours.as_str()) && !i.key.starts_with("ZZQ"))
        .unwrap()
        .key
        .clone();
    let mut linear = LinearWorld::from_dataset(&world);
    for (old, new) in &moved {
        linear.set_previous_identifiers(new, &[old]);
        linear.set_updated_at(new, updated(old));
    }
    linear.set_previous_identifiers(&away_new, &[&away]);
    linear.set_updated_at(&away_new, updated(&away));
    linear.trash(&trashed, now, false);
    fake.set_world(linear);
    let want_world = without(&only_team(&world, &ours), &[&trashed]);
    let after = rows(&world_frame(&expected(&want_world), "issues"));
    assert_ne!(before, after);
    age_listing(&ws, &ours);

    fake.set_latency(Duration::from_millis(30));
    let binary = assert_cmd::cargo::cargo_bin("teamlens");
    let mut kills = 0;
    for step in 1..=12u64 {
        let start = fake.stats().requests;
        let mut child = std::process::Command::new(&binary)
            .env("LINEAR_API_KEY", KEY)
            .env("LINEAR_API_URL", fake.url())
            .arg("--data-dir")
            .arg(&ws.data)
            .arg("--config")
            .arg(&ws.config)
            .args(["-q", "fetch", "linear", &ours, "--since", "2020-01-01"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let finished = loop {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "fetch failed on its own");
                break true;
            }
            if fake.stats().requests >= start + step % 3 + 2 {
                child.kill().unwrap();
                child.wait().unwrap();
                kills += 1;
                break false;
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let now_stored = rows(&stored_frame(&ws.data, "issues", SOURCE));
        assert!(
            now_stored == before || now_stored == after,
            "after {kills} kills: neither the old rows nor the new ones"
        );
        if finished {
            break;
        }
    }
    assert!(kills >= 3, "only {kills} kills before the fetch finished");
    fake.set_latency(Duration::ZERO);
    fetch_command(&fake, &ws, std::slice::from_ref(&ours))
        .assert()
        .success();
    assert_same_tables(&ws.data, &expected(&want_world), TABLES, SOURCE);
}

/// A named Linear fetch writes teamlens.toml's roster first, as every other fetch does, so the
/// issues' users resolve against the aliases the user just added.
#[test]
fn a_named_linear_fetch_writes_the_roster_first() {
    let world = tickets(32, 1, 1, 0.3);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&world));
    let ws = workspace(&world, 50);
    let mut config = std::fs::read_to_string(&ws.config).unwrap();
    config.push_str(
        "\n[[people]]\nperson = \"ada\"\nteam = \"core\"\naliases = [\"ada@example.com\"]\n",
    );
    std::fs::write(&ws.config, config).unwrap();
    let result = fetch_command(&fake, &ws, &teams(&world)).assert().success();
    let stdout = String::from_utf8_lossy(&result.get_output().stdout).to_string();
    assert!(
        stdout.contains("roster: 1 person written to the people table"),
        "{stdout}"
    );
    let people = stored_frame(&ws.data, "people", None);
    assert_eq!(people.height(), 1, "{people}");
}
