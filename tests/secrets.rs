//! Tokens never leave the process except in the `Authorization` header they are meant for.
//!
//! Every fetch here runs at `-vv` (which logs every HTTP request and answer with its headers)
//! and again with `TEAMLENS_LOG=trace` (every crate's trace: octocrab, reqwest, hyper, rustls),
//! with a recognisable canary token, against the fake GitHub, Jira and Linear, through every
//! error path they can take: a wrong or expired token (401), forbidden (403), unknown
//! repository, project or team (404), server errors, dropped and truncated answers, rate
//! limits, malformed answers, partial errors, and success followed by a report. Then stdout,
//! stderr, every file of the data directory and of the report are searched for the canary in
//! every form it could take (as is, base64 for Jira's basic auth, and the GitHub App's private
//! key lines). A positive control checks the canary did reach the server in the header.
//!
//! `teamlens publish` goes through the same: the GitHub canary through every way publishing an
//! issue can fail, and canary webhook URLs (the URL is the credential: Slack's secret is in its
//! path, another webhook's may be in its query too) through Slack's refusals, retries, timeouts,
//! dropped connections, an unreachable host, and a server that echoes the URL in its error
//! page.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use teamlens::model::Dataset;
use teamlens::sources::simulate::{SimConfig, simulate};

use support::fake_github::{FakeGitHub, Fault as GitHubFault, GitHubWorld};
use support::fake_jira::{self, FakeJira, Fault as JiraFault, JiraWorld};
use support::fake_linear::{self, FakeLinear, Fault as LinearFault, LinearWorld};
use support::fake_webhooks::{FakeReceiver, FakeSlack, Scripted};
use support::proxy::{Exchange, Proxy, Tamper};
use support::teamlens;

const GITHUB_CANARY: &str = "ghp_TEAMLENS_CANARY_github_7f3a9c1e5b";
const JIRA_CANARY: &str = "TEAMLENS_CANARY_jira_4d8e2b6a0c";
const LINEAR_CANARY: &str = "lin_api_TEAMLENS_CANARY_linear_9b1f5d3e7a";
const JIRA_EMAIL: &str = "canary@acme.example";
/// The secret part of the Slack webhook's URL (its path's last segment, as Slack's are).
const SLACK_CANARY: &str = "TEAMLENS_CANARY_slack_3e9a7c1b5d";
/// A generic webhook's secrets: one in its path, one in its query.
const WEBHOOK_CANARY: &str = "TEAMLENS_CANARY_webhook_8c2f4a6e1d";
const WEBHOOK_QUERY_CANARY: &str = "TEAMLENS_CANARY_query_5b7d9f";

const APP_KEY_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/github-app-test-key.pem"
);
const APP_PUBLIC_KEY: &str = include_str!("data/github-app-test-key.pub.pem");

/// Base64 (standard alphabet, padded), as HTTP basic auth encodes `email:token`.
fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in input.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Every form a secret could leak in.
fn needles() -> Vec<String> {
    let mut needles = vec![
        GITHUB_CANARY.to_string(),
        JIRA_CANARY.to_string(),
        LINEAR_CANARY.to_string(),
        base64(format!("{JIRA_EMAIL}:{JIRA_CANARY}").as_bytes()),
        base64(JIRA_CANARY.as_bytes()),
        base64(GITHUB_CANARY.as_bytes()),
        "ghs_fake_installation_token".to_string(),
        SLACK_CANARY.to_string(),
        WEBHOOK_CANARY.to_string(),
        WEBHOOK_QUERY_CANARY.to_string(),
    ];
    // A few lines of the App's private key (each 64 characters of its base64 body).
    let key = std::fs::read_to_string(APP_KEY_PATH).unwrap();
    needles.extend(
        key.lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 40)
            .take(5)
            .map(str::to_string),
    );
    needles
}

/// One fetch to run and search.
struct Run {
    name: String,
    /// What the fetch and the report after it printed.
    output: std::process::Output,
    files: Vec<PathBuf>,
    _dir: tempfile::TempDir,
}

fn world() -> Dataset {
    simulate(&SimConfig::default_org(11, 1, 1, 0.3)).dataset
}

fn first_repo(data: &Dataset) -> String {
    let mut repos: Vec<String> = data
        .pull_requests
        .iter()
        .filter(|p| p.source == "github")
        .map(|p| p.repo.clone())
        .collect();
    repos.sort();
    repos[0].clone()
}

fn first_project(data: &Dataset) -> String {
    let mut projects: Vec<String> = data
        .issues
        .iter()
        .filter(|i| i.source == "jira")
        .filter_map(|i| i.project.clone())
        .collect();
    projects.sort();
    projects[0].clone()
}

fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    format!("{scheme}://{}", rest.split('/').next().unwrap())
}

fn path_of(url: &str) -> String {
    let rest = url.split_once("://").unwrap().1;
    rest.find('/')
        .map(|i| rest[i..].to_string())
        .unwrap_or_default()
}

/// Short retries and waits, so every error path ends in seconds.
const CONFIG: &str = "[github]\nmax_attempts = 2\nretry_base_ms = 1\nsecondary_limit_wait_secs = 1\n\
                      [jira]\nmax_attempts = 2\nretry_base_ms = 1\n\
                      [linear]\nmax_attempts = 2\nretry_base_ms = 1\n\
                      [publish]\nmax_attempts = 2\nretry_base_ms = 1\nmax_retry_after_secs = 2\n\
                      timeout_secs = 1\n";

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every file under `dir`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    out
}

/// Runs `teamlens -vv <args>` (or with `TEAMLENS_LOG=trace`) in a fresh workspace, then a
/// report over what was stored; returns everything it wrote.
fn run(name: &str, trace: bool, env: &[(&str, String)], config_text: &str, args: &[String]) -> Run {
    run_in(name, trace, env, config_text, args, &|_: &Path| {})
}

/// [`run`] in a workspace `prepare` has set up first (a report folder to publish).
fn run_in(
    name: &str,
    trace: bool,
    env: &[(&str, String)],
    config_text: &str,
    args: &[String],
    prepare: &dyn Fn(&Path),
) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    prepare(&work);
    let data = work.join("data");
    let config = work.join("teamlens.toml");
    std::fs::write(&config, config_text).unwrap();
    let mut command = teamlens();
    command
        .current_dir(&work)
        // No `gh` on the PATH: the credential must come from where the test puts it.
        .env("PATH", &work)
        .env_remove("GITHUB_TOKEN")
        .env_remove("JIRA_API_TOKEN")
        .env_remove("LINEAR_API_KEY")
        .env_remove("SLACK_WEBHOOK_URL")
        .env_remove("TEAMLENS_WEBHOOK_URL")
        .env_remove("GITHUB_STEP_SUMMARY")
        .arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(&config);
    if trace {
        command.env("TEAMLENS_LOG", "trace");
    } else {
        command.arg("-vv");
    }
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let mut outputs = output.clone();
    if data.join("manifest.json").exists() {
        let report = teamlens()
            .current_dir(&work)
            .arg("--data-dir")
            .arg(&data)
            .args(["-vv", "report", "--out"])
            .arg(work.join("report"))
            .output()
            .unwrap();
        outputs.stdout.extend(report.stdout);
        outputs.stderr.extend(report.stderr);
    }
    Run {
        name: format!("{name}{}", if trace { " (trace)" } else { " (-vv)" }),
        output: outputs,
        files: files_under(&work),
        _dir: dir,
    }
}

fn github_runs(trace: bool) -> (Vec<Run>, Vec<String>) {
    let data = world();
    let repo = first_repo(&data);
    let fake = FakeGitHub::start(GitHubWorld::from_dataset(data));
    let proxy = Proxy::start(
        &origin(&fake.graphql_url()),
        None,
        Box::new(|_: &Exchange| None),
    );
    let graphql = format!("{}{}", proxy.base, path_of(&fake.graphql_url()));
    let api = format!("{}{}", proxy.base, path_of(&fake.api_url()));
    let env = vec![
        ("GITHUB_TOKEN", GITHUB_CANARY.to_string()),
        ("GITHUB_GRAPHQL_URL", graphql.clone()),
        ("GITHUB_API_URL", api.clone()),
    ];
    let fetch = |target: &str| -> Vec<String> {
        ["fetch", "github", target, "--since", "2020-01-01"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let mut runs = Vec::new();
    fake.set_tokens(&["some-other-token"]);
    runs.push(run(
        "github: token not accepted (401)",
        trace,
        &env,
        CONFIG,
        &fetch(&repo),
    ));
    fake.set_tokens(&[GITHUB_CANARY]);
    let faults = [
        ("expired token", GitHubFault::ExpiredToken),
        (
            "secondary rate limit (403)",
            GitHubFault::SecondaryLimit {
                retry_after: Some(1),
            },
        ),
        (
            "too many requests (429)",
            GitHubFault::TooManyRequests { retry_after: 1 },
        ),
        ("bad gateway (502)", GitHubFault::BadGateway),
        ("connection reset", GitHubFault::ConnectionReset),
        ("truncated answer", GitHubFault::Truncated),
        ("malformed JSON", GitHubFault::MalformedJson),
        ("partial error", GitHubFault::PartialError),
    ];
    for (name, fault) in faults {
        fake.clear_faults();
        fake.inject(fault, 5);
        runs.push(run(
            &format!("github: {name}"),
            trace,
            &env,
            CONFIG,
            &fetch(&repo),
        ));
    }
    fake.clear_faults();
    runs.push(run(
        "github: unknown repository (404)",
        trace,
        &env,
        CONFIG,
        &fetch("acme/no-such-repo"),
    ));
    fake.set_budget(0);
    runs.push(run(
        "github: rate limit spent",
        trace,
        &env,
        CONFIG,
        &fetch(&repo),
    ));
    fake.set_budget(5000);
    runs.push(run(
        "github: success and report",
        trace,
        &env,
        CONFIG,
        &fetch(&repo),
    ));
    // The GitHub App: its private key signs a JWT, exchanged for installation tokens.
    let app_env = vec![("GITHUB_GRAPHQL_URL", graphql), ("GITHUB_API_URL", api)];
    let app_config = format!(
        "[github]\napp_id = 4242\ninstallation_id = 77\nprivate_key_path = {APP_KEY_PATH:?}\n\
         max_attempts = 2\nretry_base_ms = 1\n"
    );
    fake.set_tokens(&[]);
    runs.push(run(
        "github app: unknown app (401)",
        trace,
        &app_env,
        &app_config,
        &fetch(&repo),
    ));
    fake.enable_app(4242, APP_PUBLIC_KEY, Duration::from_secs(3600));
    fake.inject(GitHubFault::BadGateway, 1);
    runs.push(run(
        "github app: success after a 502",
        trace,
        &app_env,
        &app_config,
        &fetch(&repo),
    ));
    let sent = proxy.authorizations.lock().unwrap().clone();
    (runs, sent)
}

fn jira_runs(trace: bool) -> (Vec<Run>, Vec<String>) {
    let data = world();
    let project = first_project(&data);
    let fake = FakeJira::start(JiraWorld::from_dataset(&data));
    let accepted = fake_jira::basic(fake_jira::EMAIL, fake_jira::TOKEN);
    // The proxy swaps the canary's basic auth for the credentials the fake knows.
    let swapping = Proxy::start(
        &origin(&fake.base_url()),
        Some(accepted),
        Box::new(|_: &Exchange| None),
    );
    let honest = Proxy::start(
        &origin(&fake.base_url()),
        None,
        Box::new(|_: &Exchange| None),
    );
    let env = |proxy: &Proxy| {
        vec![
            (
                "JIRA_BASE_URL",
                format!("{}{}", proxy.base, path_of(&fake.base_url())),
            ),
            ("JIRA_EMAIL", JIRA_EMAIL.to_string()),
            ("JIRA_API_TOKEN", JIRA_CANARY.to_string()),
        ]
    };
    let fetch = |target: &str| -> Vec<String> {
        ["fetch", "jira", target, "--since", "2020-01-01"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let mut runs = vec![run(
        "jira: token not accepted (401)",
        trace,
        &env(&honest),
        CONFIG,
        &fetch(&project),
    )];
    let faults = [
        (
            "too many requests (429)",
            JiraFault::TooManyRequests { retry_after: 1 },
        ),
        ("unavailable (503)", JiraFault::Unavailable),
        ("connection dropped", JiraFault::Drop),
        ("truncated answer", JiraFault::Truncated),
    ];
    for (name, fault) in faults {
        fake.clear_faults();
        fake.inject(fault, 5);
        runs.push(run(
            &format!("jira: {name}"),
            trace,
            &env(&swapping),
            CONFIG,
            &fetch(&project),
        ));
    }
    fake.clear_faults();
    runs.push(run(
        "jira: unknown project",
        trace,
        &env(&swapping),
        CONFIG,
        &fetch("NOSUCHPROJECT"),
    ));
    let tampered = |tamper: Tamper| {
        Proxy::start(
            &origin(&fake.base_url()),
            Some(fake_jira::basic(fake_jira::EMAIL, fake_jira::TOKEN)),
            tamper,
        )
    };
    let forbidden = tampered(Box::new(|e: &Exchange| {
        e.target.starts_with("/rest/api/3/search").then(|| {
            (
                403,
                br#"{"errorMessages":["You do not have permission to browse this project."]}"#
                    .to_vec(),
            )
        })
    }));
    runs.push(run(
        "jira: forbidden (403)",
        trace,
        &env(&forbidden),
        CONFIG,
        &fetch(&project),
    ));
    let malformed = tampered(Box::new(|e: &Exchange| {
        e.target
            .starts_with("/rest/api/3/search")
            .then(|| (200, b"<html>not json</html>".to_vec()))
    }));
    runs.push(run(
        "jira: malformed answer",
        trace,
        &env(&malformed),
        CONFIG,
        &fetch(&project),
    ));
    runs.push(run(
        "jira: success and report",
        trace,
        &env(&swapping),
        CONFIG,
        &fetch(&project),
    ));
    let mut sent = swapping.authorizations.lock().unwrap().clone();
    sent.extend(honest.authorizations.lock().unwrap().iter().cloned());
    (runs, sent)
}

fn linear_runs(trace: bool) -> (Vec<Run>, Vec<String>) {
    let data = world();
    let team = first_project(&data);
    let fake = FakeLinear::start(LinearWorld::from_dataset(&data));
    let swapping = Proxy::start(
        &origin(&fake.url()),
        Some(fake_linear::KEY.to_string()),
        Box::new(|_: &Exchange| None),
    );
    let honest = Proxy::start(&origin(&fake.url()), None, Box::new(|_: &Exchange| None));
    let env = |proxy: &Proxy| {
        vec![
            (
                "LINEAR_API_URL",
                format!("{}{}", proxy.base, path_of(&fake.url())),
            ),
            ("LINEAR_API_KEY", LINEAR_CANARY.to_string()),
        ]
    };
    let fetch = |target: &str| -> Vec<String> {
        ["fetch", "linear", target, "--since", "2020-01-01"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    };
    let mut runs = vec![run(
        "linear: key not accepted (401)",
        trace,
        &env(&honest),
        CONFIG,
        &fetch(&team),
    )];
    let faults = [
        ("bad gateway (502)", LinearFault::Status(502)),
        ("forbidden (403)", LinearFault::Status(403)),
        ("connection reset", LinearFault::ConnectionReset),
        ("truncated answer", LinearFault::Truncated),
        ("malformed JSON", LinearFault::MalformedJson),
        (
            "rate limited",
            LinearFault::RateLimited { reset_in_ms: 500 },
        ),
        ("partial error", LinearFault::PartialError),
    ];
    for (name, fault) in faults {
        fake.clear_faults();
        fake.inject(fault, 5);
        runs.push(run(
            &format!("linear: {name}"),
            trace,
            &env(&swapping),
            CONFIG,
            &fetch(&team),
        ));
    }
    fake.clear_faults();
    runs.push(run(
        "linear: unknown team",
        trace,
        &env(&swapping),
        CONFIG,
        &fetch("NOPE"),
    ));
    runs.push(run(
        "linear: success and report",
        trace,
        &env(&swapping),
        CONFIG,
        &fetch(&team),
    ));
    let mut sent = swapping.authorizations.lock().unwrap().clone();
    sent.extend(honest.authorizations.lock().unwrap().iter().cloned());
    (runs, sent)
}

/// `teamlens publish <args> --report report` in a workspace holding a copy of the demo's report.
fn publish_run(name: &str, trace: bool, env: &[(&str, String)], args: &[&str]) -> Run {
    let mut args: Vec<String> = std::iter::once("publish")
        .chain(args.iter().copied())
        .map(str::to_string)
        .collect();
    args.extend(["--report".to_string(), "report".to_string()]);
    let prepare = |work: &Path| copy_dir(support::demo_report(), &work.join("report"));
    run_in(name, trace, env, CONFIG, &args, &prepare)
}

fn publish_github_runs(trace: bool) -> (Vec<Run>, Vec<String>) {
    let fake = FakeGitHub::start(GitHubWorld::default());
    fake.add_repository("acme/reports");
    let proxy = Proxy::start(
        &origin(&fake.graphql_url()),
        None,
        Box::new(|_: &Exchange| None),
    );
    let env = vec![
        ("GITHUB_TOKEN", GITHUB_CANARY.to_string()),
        (
            "GITHUB_GRAPHQL_URL",
            format!("{}{}", proxy.base, path_of(&fake.graphql_url())),
        ),
        (
            "GITHUB_API_URL",
            format!("{}{}", proxy.base, path_of(&fake.api_url())),
        ),
    ];
    let issue = [
        "github-issue",
        "acme/reports",
        "--link",
        "https://ci.example/run/1",
    ];
    let mut runs = Vec::new();
    fake.set_tokens(&["some-other-token"]);
    runs.push(publish_run(
        "publish github: token not accepted (401)",
        trace,
        &env,
        &issue,
    ));
    fake.set_tokens(&[GITHUB_CANARY]);
    fake.set_read_only_tokens(&[GITHUB_CANARY]);
    runs.push(publish_run(
        "publish github: may not write (403)",
        trace,
        &env,
        &issue,
    ));
    fake.set_read_only_tokens(&[]);
    runs.push(publish_run(
        "publish github: unknown repository (404)",
        trace,
        &env,
        &["github-issue", "acme/no-such-repo"],
    ));
    fake.with_tracker(|t| t.repo_mut("acme/reports").unwrap().issues_enabled = false);
    runs.push(publish_run(
        "publish github: issues off (410)",
        trace,
        &env,
        &issue,
    ));
    fake.with_tracker(|t| t.repo_mut("acme/reports").unwrap().issues_enabled = true);
    fake.inject(GitHubFault::BadGateway, 5);
    runs.push(publish_run(
        "publish github: bad gateway (502)",
        trace,
        &env,
        &issue,
    ));
    fake.clear_faults();
    fake.inject(
        GitHubFault::SecondaryLimit {
            retry_after: Some(1),
        },
        5,
    );
    runs.push(publish_run(
        "publish github: secondary rate limit",
        trace,
        &env,
        &issue,
    ));
    fake.clear_faults();
    fake.inject_where("POST", "/issues", GitHubFault::ActThenDrop, 1);
    runs.push(publish_run(
        "publish github: answer lost, then created",
        trace,
        &env,
        &issue,
    ));
    fake.clear_faults();
    runs.push(publish_run("publish github: updated", trace, &env, &issue));
    runs.push(publish_run(
        "publish github: dry run",
        trace,
        &env,
        &["github-issue", "acme/reports", "--dry-run"],
    ));
    let sent = proxy.authorizations.lock().unwrap().clone();
    (runs, sent)
}

/// Slack and generic webhook runs; true when the canary webhooks were reached.
fn publish_webhook_runs(trace: bool) -> (Vec<Run>, bool) {
    let slack = FakeSlack::start(SLACK_CANARY);
    let env = vec![("SLACK_WEBHOOK_URL", slack.url())];
    let mut runs = Vec::new();
    runs.push(publish_run(
        "publish slack: posted",
        trace,
        &env,
        &["slack"],
    ));
    let reached = slack.received().len() == 1;
    let refusals = [
        (
            "invalid_blocks (400)",
            Scripted::answer(400, "invalid_blocks"),
            1,
        ),
        ("no_service (404)", Scripted::answer(404, "no_service"), 1),
        (
            "channel_is_archived (410)",
            Scripted::answer(410, "channel_is_archived"),
            1,
        ),
        (
            "rate limited (429)",
            Scripted::Answer {
                status: 429,
                body: "rate_limited".into(),
                retry_after: Some(1),
            },
            2,
        ),
        (
            "rollup_error (500)",
            Scripted::answer(500, "rollup_error"),
            1,
        ),
        ("connection dropped", Scripted::Drop, 1),
        (
            "no answer in time",
            Scripted::Delay(Duration::from_secs(3)),
            1,
        ),
    ];
    for (name, answer, times) in refusals {
        slack.script(answer, times);
        runs.push(publish_run(
            &format!("publish slack: {name}"),
            trace,
            &env,
            &["slack"],
        ));
    }
    slack.script(Scripted::answer(403, "action_prohibited"), 1);
    let url = slack.url();
    runs.push(publish_run(
        "publish slack: URL on the command line, refused (403)",
        trace,
        &[],
        &["slack", &url],
    ));
    let unreachable = vec![(
        "SLACK_WEBHOOK_URL",
        format!("http://127.0.0.1:9/services/T0/B0/{SLACK_CANARY}"),
    )];
    runs.push(publish_run(
        "publish slack: unreachable",
        trace,
        &unreachable,
        &["slack"],
    ));
    runs.push(publish_run(
        "publish slack: dry run",
        trace,
        &env,
        &["slack", "--dry-run"],
    ));

    let receiver = FakeReceiver::start();
    let path = format!("/hooks/{WEBHOOK_CANARY}?token={WEBHOOK_QUERY_CANARY}");
    let env = vec![("TEAMLENS_WEBHOOK_URL", receiver.url(&path))];
    runs.push(publish_run(
        "publish webhook: posted",
        trace,
        &env,
        &["webhook"],
    ));
    let reached = reached && receiver.received().len() == 1;
    let echoes = [
        (
            "404 echoing the path",
            Scripted::answer(404, &format!("Cannot POST {path}")),
        ),
        (
            "500 echoing the URL",
            Scripted::answer(500, &format!("error at {}", receiver.url(&path))),
        ),
        ("no answer in time", Scripted::Delay(Duration::from_secs(3))),
    ];
    for (name, answer) in echoes {
        receiver.script(answer, 1);
        runs.push(publish_run(
            &format!("publish webhook: {name}"),
            trace,
            &env,
            &["webhook"],
        ));
    }
    receiver.script(Scripted::answer(503, &path), 2);
    runs.push(publish_run(
        "publish webhook: 503 twice",
        trace,
        &env,
        &["webhook"],
    ));
    runs.push(publish_run(
        "publish webhook: dry run",
        trace,
        &env,
        &["webhook", "--dry-run"],
    ));
    (runs, reached)
}

/// Searches a run's output and files for every needle; returns what leaked where.
fn leaks(run: &Run, needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    let mut places: Vec<(String, Vec<u8>)> = vec![
        ("stdout".into(), run.output.stdout.clone()),
        ("stderr".into(), run.output.stderr.clone()),
    ];
    for file in &run.files {
        if file.ends_with("teamlens.toml") {
            continue;
        }
        places.push((
            file.display().to_string(),
            std::fs::read(file).unwrap_or_default(),
        ));
    }
    for (place, bytes) in places {
        for needle in needles {
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(format!("{}: `{needle}` in {place}", run.name));
            }
        }
    }
    found
}

fn check(source: &str, runs: Vec<Run>, sent: Vec<String>, canary: &str) {
    let needles = needles();
    let mut problems = Vec::new();
    let mut redacted_lines = 0;
    for run in &runs {
        let stderr = String::from_utf8_lossy(&run.output.stderr);
        if stderr.contains("panicked") {
            problems.push(format!("{}: panicked", run.name));
        }
        redacted_lines += stderr.matches("authorization: <redacted>").count();
        let outcome = stderr
            .lines()
            .rfind(|l| l.starts_with("error:"))
            .unwrap_or("(succeeded)");
        println!(
            "{}: exit {:?}: {}",
            run.name,
            run.output.status.code(),
            outcome.chars().take(160).collect::<String>()
        );
        problems.extend(leaks(run, &needles));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Positive controls: the canary reached the server, and the log did show request headers.
    assert!(
        sent.iter().any(|h| h.contains(canary)
            || h.contains(&base64(format!("{JIRA_EMAIL}:{canary}").as_bytes()))),
        "{source}: the canary never reached the server: {sent:?}"
    );
    assert!(
        redacted_lines >= runs.len(),
        "{source}: only {redacted_lines} logged requests with a redacted authorization in {} runs",
        runs.len()
    );
    println!(
        "{source}: {} runs searched, {} files, no leak",
        runs.len(),
        runs.iter().map(|r| r.files.len()).sum::<usize>()
    );
}

#[test]
fn publishing_shows_neither_the_token_nor_a_webhook_url() {
    for trace in [false, true] {
        let (runs, sent) = publish_github_runs(trace);
        check("publish github", runs, sent, GITHUB_CANARY);
        let (runs, reached) = publish_webhook_runs(trace);
        assert!(reached, "the canary webhooks were never reached");
        let needles = needles();
        let mut problems = Vec::new();
        for run in &runs {
            let stderr = String::from_utf8_lossy(&run.output.stderr);
            if stderr.contains("panicked") {
                problems.push(format!("{}: panicked", run.name));
            }
            // Positive control: the exchange was logged, with the URL replaced.
            if !run.name.contains("dry run") && !stderr.contains("POST <webhook URL>") {
                problems.push(format!("{}: no request logged: {stderr}", run.name));
            }
            let outcome = stderr
                .lines()
                .rfind(|l| l.starts_with("error:"))
                .unwrap_or("(succeeded)");
            println!(
                "{}: exit {:?}: {}",
                run.name,
                run.output.status.code(),
                outcome.chars().take(160).collect::<String>()
            );
            problems.extend(leaks(run, &needles));
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        println!("publish webhooks: {} runs searched, no leak", runs.len());
    }
}

#[test]
fn the_github_token_and_app_key_appear_nowhere() {
    for trace in [false, true] {
        let (runs, sent) = github_runs(trace);
        check("github", runs, sent, GITHUB_CANARY);
    }
}

#[test]
fn the_jira_token_appears_nowhere() {
    for trace in [false, true] {
        let (runs, sent) = jira_runs(trace);
        check("jira", runs, sent, JIRA_CANARY);
    }
}

#[test]
fn the_linear_key_appears_nowhere() {
    for trace in [false, true] {
        let (runs, sent) = linear_runs(trace);
        check("linear", runs, sent, LINEAR_CANARY);
    }
}
