//! `teamlens publish` end to end: the binary sends a report `teamlens demo` wrote (once for this
//! test binary) to the fake GitHub's issue tracker, a file standing for the step summary, the
//! fake Slack and a fake webhook receiver, and every error path ends in a clear message and a
//! non-zero exit. After every command, success or failure, the report folder is byte for byte
//! what it was: publishing never writes there.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use serde_json::{Value, json};

use support::fake_github::issues::{Label, TrackedIssue, TrackedRepo};
use support::fake_github::{self, FakeGitHub, Fault, GitHubWorld};
use support::fake_webhooks::{FakeReceiver, FakeSlack, Scripted};
use support::teamlens;

const REPO: &str = "acme/reports";
const LABEL: &str = "teamlens-report";
const LINK: &str = "https://github.com/acme/reports/actions/runs/42";
const CONTINUATION: &str = "<!-- teamlens:continuation ";
const END_OF_PART: &str = "<!-- teamlens:end of part -->";
/// GitHub's limit on a body, in characters.
const LIMIT: usize = 65_536;

/// Short retries and waits, so every error path ends in seconds.
const QUICK: &str = "[github]\nmax_attempts = 2\nretry_base_ms = 1\nsecondary_limit_wait_secs = 1\n\
                     [publish]\nmax_attempts = 3\nretry_base_ms = 1\nmax_retry_after_secs = 5\n\
                     timeout_secs = 2\n";

/// A workspace: a copy of the demo's report, a configuration with quick retries, no `gh`.
struct Work {
    dir: tempfile::TempDir,
    report: PathBuf,
}

impl Work {
    fn new() -> Work {
        let dir = tempfile::tempdir().unwrap();
        let report = dir.path().join("report");
        copy_dir(support::demo_report(), &report);
        std::fs::write(dir.path().join("teamlens.toml"), QUICK).unwrap();
        Work { dir, report }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `teamlens publish <args> --report REPORT` with `env` and nothing else of ours in the
    /// environment; the report folder must be untouched afterwards, whatever happened.
    fn publish(&self, env: &[(&str, String)], args: &[&str]) -> Output {
        self.publish_report(&self.report, env, args)
    }

    fn publish_report(&self, report: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
        let before = snapshot(report);
        let mut command = teamlens();
        command
            .current_dir(self.path())
            .env("PATH", self.path())
            .env("HOME", self.path())
            .env_remove("GITHUB_TOKEN")
            .env_remove("GITHUB_API_URL")
            .env_remove("GITHUB_GRAPHQL_URL")
            .env_remove("GITHUB_STEP_SUMMARY")
            .env_remove("SLACK_WEBHOOK_URL")
            .env_remove("TEAMLENS_WEBHOOK_URL")
            .args(["--config", "teamlens.toml", "publish"])
            .args(args)
            .arg("--report")
            .arg(report);
        for (key, value) in env {
            command.env(key, value);
        }
        let output = command.timeout(Duration::from_secs(120)).output().unwrap();
        assert!(
            snapshot(report) == before,
            "publish {args:?} changed the report folder"
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
        output
    }
}

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

/// Every file under `dir` with its bytes (and every folder, with none).
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.insert(path.clone(), None);
                stack.push(path);
            } else {
                out.insert(path.clone(), Some(std::fs::read(&path).unwrap()));
            }
        }
    }
    out
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).to_string()
}

/// Succeeded; its stdout.
fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        output.status.code(),
        stdout(output),
        stderr(output)
    );
    stdout(output)
}

/// Failed with exit 1; its `error:` line.
fn failed(output: &Output) -> String {
    assert_eq!(
        output.status.code(),
        Some(1),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    let err = stderr(output);
    err.lines()
        .rfind(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("no error line: {err}"))
        .to_string()
}

/// The fake GitHub with `acme/reports` (issues on, no labels, no issues) and its environment.
fn github() -> (FakeGitHub, Vec<(&'static str, String)>) {
    let fake = FakeGitHub::start(GitHubWorld::default());
    fake.add_repository(REPO);
    let env = vec![
        ("GITHUB_TOKEN", fake_github::TOKEN.to_string()),
        ("GITHUB_API_URL", fake.api_url()),
        ("GITHUB_GRAPHQL_URL", fake.graphql_url()),
    ];
    (fake, env)
}

fn repo(fake: &FakeGitHub) -> TrackedRepo {
    fake.with_tracker(|t| t.repo(REPO).unwrap().clone())
}

/// The report's Markdown as a reader of the issue gets it back: the body's part, then each of
/// teamlens's comments' parts, each what comes before its last end-of-part line.
fn read_back(issue: &TrackedIssue) -> String {
    let part = |text: &str| {
        let end = text
            .rfind(&format!("\n\n{END_OF_PART}"))
            .unwrap_or_else(|| panic!("no end of part in {}", &text[..text.len().min(200)]));
        text[..end].to_string()
    };
    let mut out = part(&issue.body);
    for comment in ours(issue) {
        let first_line = comment.body.find('\n').unwrap();
        out.push_str(&part(&comment.body[first_line + 1..]));
    }
    out
}

fn ours(issue: &TrackedIssue) -> Vec<&support::fake_github::issues::TrackedComment> {
    issue
        .comments
        .iter()
        .filter(|c| c.body.starts_with(CONTINUATION))
        .collect()
}

/// report.md with each chart embedded by a relative path named instead, as GitHub can show it.
fn as_github_shows(markdown: &str) -> String {
    markdown
        .split_inclusive('\n')
        .map(|line| {
            let Some(rest) = line.strip_prefix("![") else {
                return line.to_string();
            };
            let (alt, rest) = rest.split_once("](").unwrap();
            let (path, rest) = rest.split_once(')').unwrap();
            assert!(path.starts_with("charts/"), "{line}");
            format!("_Chart “{alt}”: {path} in the full report._{rest}")
        })
        .collect()
}

/// A report.md of more than 200 kB that GitHub could only take in several comments: thousands
/// of sections with tables, non-ASCII text, teamlens's own markers inside lines, and one line
/// of 100,000 characters.
fn big_markdown(findings: usize) -> String {
    let mut text = String::from(
        "# Engineering report — 2026-10\n_Period 2026-10-01 to 2026-10-31._\n\n## Summary\n\
         1. **Everything at once** · _alert_\n\n## Findings\n",
    );
    for i in 0..findings {
        text.push_str(&format!(
            "### <a id=\"finding-{i}\"></a>Finding {i}: ü — ✓ 😀 {END_OF_PART} \
             `{CONTINUATION}1 of 2 -->`\n\n| Evidence | Value |\n|---|---:|\n| share | {i} % |\n\n"
        ));
        if i == findings / 2 {
            text.push_str(&"long line ✓ ".repeat(100_000 / 12));
            text.push('\n');
        }
    }
    text.push_str("## Appendix\nThe end.\n");
    text
}

#[test]
fn the_issue_is_created_once_then_updated_in_place() {
    let work = Work::new();
    let (fake, env) = github();
    let args = ["github-issue", REPO, "--link", LINK];
    let out = ok(&work.publish(&env, &args));
    assert!(
        out.contains("created issue #1 in acme/reports: https://github.com/acme/reports/issues/1"),
        "{out}"
    );
    let repo_after_first = repo(&fake);
    assert_eq!(repo_after_first.issues.len(), 1);
    let issue = &repo_after_first.issues[0];
    assert_eq!(issue.title, "Engineering report 2026-10");
    assert_eq!(issue.labels, [LABEL]);
    assert_eq!(issue.state, "open");
    let label = &repo_after_first.labels[0];
    assert_eq!(
        (label.name.as_str(), label.color.as_str()),
        (LABEL, "5319e7"),
        "the label was created by teamlens, not implicitly"
    );
    assert!(issue.body.contains(&format!("({LINK})")), "{}", issue.body);
    assert!(issue.comments.is_empty(), "the demo's report fits the body");
    let markdown = std::fs::read_to_string(work.report.join("report.md")).unwrap();
    assert_eq!(read_back(issue), as_github_shows(&markdown));
    assert!(
        markdown.contains("](charts/"),
        "the demo embeds charts, which the issue names instead"
    );
    let writes = fake.stats().writes;

    // Again, unchanged: nothing written, the same single issue.
    let out = ok(&work.publish(&env, &args));
    assert!(
        out.contains("issue #1 in acme/reports is already up to date"),
        "{out}"
    );
    assert_eq!(fake.stats().writes, writes, "{:?}", fake.stats().log);
    assert_eq!(repo(&fake), repo_after_first);

    // A report written again with a change: the same issue's body is edited.
    let edited = format!("{markdown}\nA line added by a second report.\n");
    std::fs::write(work.report.join("report.md"), &edited).unwrap();
    let out = ok(&work.publish(&env, &args));
    assert!(out.contains("updated issue #1 in acme/reports"), "{out}");
    assert!(out.contains("the body"), "{out}");
    let after = repo(&fake);
    assert_eq!(after.issues.len(), 1);
    assert_eq!(read_back(&after.issues[0]), as_github_shows(&edited));
}

#[test]
fn a_huge_report_continues_in_comments_and_nothing_is_lost() {
    let work = Work::new();
    let (fake, env) = github();
    let big = big_markdown(4000);
    assert!(big.len() > 200_000, "{}", big.len());
    std::fs::write(work.report.join("report.md"), &big).unwrap();
    let args = ["github-issue", REPO];
    let out = ok(&work.publish(&env, &args));
    let issue = repo(&fake).issues[0].clone();
    let n = ours(&issue).len();
    assert!(n >= 3, "{n} comments for {} bytes", big.len());
    assert!(out.contains(&format!("{n} continuation comments")), "{out}");
    assert!(
        issue
            .body
            .contains(&format!("_Continued in {n} comments below._"))
    );
    for text in std::iter::once(&issue.body).chain(issue.comments.iter().map(|c| &c.body)) {
        let chars = text.chars().count();
        assert!(chars < LIMIT, "{chars} characters");
    }
    assert_eq!(read_back(&issue), big, "the parts in order are the report");
    // The body starts with the report's start: the summary comes first.
    assert!(issue.body.starts_with("# Engineering report — 2026-10\n"));
    assert!(issue.body.contains("## Summary"));

    // Someone comments on the issue; then a shorter report needs fewer comments.
    fake.with_tracker(|t| {
        let id = t.id();
        let repo = t.repo_mut(REPO).unwrap();
        repo.issues[0]
            .comments
            .push(support::fake_github::issues::TrackedComment {
                id,
                body: "Thanks, looking at finding 12.".into(),
                author: "maya".into(),
            });
    });
    let shorter = big_markdown(1500);
    std::fs::write(work.report.join("report.md"), &shorter).unwrap();
    let out = ok(&work.publish(&env, &args));
    let issue = repo(&fake).issues[0].clone();
    let m = ours(&issue).len();
    assert!(m < n, "{m} comments after shrinking from {n}");
    assert!(out.contains("removed"), "{out}");
    assert_eq!(read_back(&issue), shorter);
    assert!(
        issue.comments.iter().any(|c| c.author == "maya"),
        "a person's comment is kept"
    );

    // Larger again: comments are added after the person's, still in order.
    std::fs::write(work.report.join("report.md"), &big).unwrap();
    let out = ok(&work.publish(&env, &args));
    assert!(out.contains("added"), "{out}");
    let issue = repo(&fake).issues[0].clone();
    assert_eq!(ours(&issue).len(), n);
    assert_eq!(read_back(&issue), big);
    let writes = fake.stats().writes;
    let out = ok(&work.publish(&env, &args));
    assert!(out.contains("already up to date"), "{out}");
    assert_eq!(fake.stats().writes, writes, "a second run writes nothing");
    assert_eq!(repo(&fake).issues.len(), 1);
}

#[test]
fn the_label_search_finds_an_existing_closed_issue_on_a_later_page() {
    let work = Work::new();
    let (fake, env) = github();
    let markdown = std::fs::read_to_string(work.report.join("report.md")).unwrap();
    fake.with_tracker(|t| {
        let ids: Vec<u64> = (0..160).map(|_| t.id()).collect();
        let repo = t.repo_mut(REPO).unwrap();
        repo.labels.push(Label {
            id: 1,
            name: LABEL.into(),
            color: "5319e7".into(),
            description: None,
        });
        for (i, id) in ids.into_iter().enumerate() {
            let number = i as u64 + 1;
            let (title, state, pull_request) = match number {
                // A pull request with the same label and title is not the report's issue.
                20 => ("Engineering report 2026-10", "open", true),
                140 => ("Engineering report 2026-10", "closed", false),
                _ => ("Engineering report 2014-01", "closed", false),
            };
            repo.issues.push(TrackedIssue {
                id,
                number,
                title: title.into(),
                body: "an older body".into(),
                labels: vec![LABEL.into()],
                state: state.into(),
                pull_request,
                comments: Vec::new(),
                created: id,
                updated: id,
            });
        }
    });
    let out = ok(&work.publish(&env, &["github-issue", REPO]));
    assert!(out.contains("updated issue #140"), "{out}");
    assert!(out.contains("closed; left closed"), "{out}");
    let after = repo(&fake);
    assert_eq!(after.issues.len(), 160, "no issue created");
    let issue = after.issues.iter().find(|i| i.number == 140).unwrap();
    assert_eq!(issue.state, "closed");
    assert_eq!(read_back(issue), as_github_shows(&markdown));
    let pr = after.issues.iter().find(|i| i.number == 20).unwrap();
    assert_eq!(pr.body, "an older body", "the pull request is left alone");
    let pages = fake
        .stats()
        .log
        .iter()
        .filter(|r| r.operation == "GET /repos/{o}/{n}/issues")
        .count();
    assert_eq!(pages, 2, "the second page was read: {:?}", fake.stats().log);
}

#[test]
fn lost_answers_are_checked_not_sent_twice() {
    let work = Work::new();
    let (fake, env) = github();
    std::fs::write(work.report.join("report.md"), big_markdown(2000)).unwrap();
    // The issue and the first comment are created, but their answers never arrive; the second
    // comment's POST meets a 502, which may also come after GitHub acted: each is checked by
    // reading what exists, never sent again blindly.
    fake.inject_where("POST", "/repos/acme/reports/issues", Fault::ActThenDrop, 1);
    fake.inject_where("POST", "/issues/1/comments", Fault::ActThenDrop, 1);
    fake.inject_where("POST", "/issues/1/comments", Fault::BadGateway, 1);
    let out = ok(&work.publish(&env, &["github-issue", REPO]));
    assert!(out.contains("answer was lost"), "{out}");
    let after = repo(&fake);
    assert_eq!(after.issues.len(), 1, "one issue, not two");
    let issue = &after.issues[0];
    let markdown = std::fs::read_to_string(work.report.join("report.md")).unwrap();
    assert_eq!(read_back(issue), markdown, "each comment once, in order");
    assert_eq!(issue.comments.len(), ours(issue).len());
}

#[test]
fn github_refusals_are_said_clearly_and_nothing_is_created() {
    let work = Work::new();
    let (fake, env) = github();
    let args = ["github-issue", REPO];
    let without = |name: &str| -> Vec<(&'static str, String)> {
        env.iter().filter(|(k, _)| *k != name).cloned().collect()
    };
    let error = failed(&work.publish(&without("GITHUB_TOKEN"), &args));
    assert!(
        error.contains("no GitHub credentials: set GITHUB_TOKEN"),
        "{error}"
    );

    fake.set_tokens(&["another-token"]);
    let error = failed(&work.publish(&env, &args));
    assert!(
        error.contains(
            "refused the credentials from the GITHUB_TOKEN variable (401 Bad credentials)"
        ),
        "{error}"
    );
    fake.set_tokens(&[fake_github::TOKEN]);

    let error = failed(&work.publish(&env, &["github-issue", "acme/no-such-repo"]));
    assert!(
        error.contains("GitHub has no repository acme/no-such-repo, or the credentials from the GITHUB_TOKEN variable cannot see it (404 Not Found)"),
        "{error}"
    );

    let error = failed(&work.publish(&env, &["github-issue", "not-a-repository"]));
    assert!(
        error.contains("`not-a-repository` is not a repository"),
        "{error}"
    );

    fake.set_read_only_tokens(&[fake_github::TOKEN]);
    let error = failed(&work.publish(&env, &args));
    assert!(
        error.contains("may not create the label `teamlens-report`"),
        "{error}"
    );
    fake.with_tracker(|t| {
        let id = t.id();
        t.repo_mut(REPO).unwrap().labels.push(Label {
            id,
            name: LABEL.into(),
            color: "ededed".into(),
            description: None,
        })
    });
    let error = failed(&work.publish(&env, &args));
    assert!(
        error.contains("may not create the issue in acme/reports (403: Resource not accessible by personal access token)"),
        "{error}"
    );
    assert!(error.contains("permissions: issues: write"), "{error}");
    fake.set_read_only_tokens(&[]);

    fake.with_tracker(|t| t.repo_mut(REPO).unwrap().drop_labels = true);
    let error = failed(&work.publish(&env, &args));
    assert!(
        error.contains(
            "GitHub created issue #1 in acme/reports without the label `teamlens-report`"
        ),
        "{error}"
    );
    fake.with_tracker(|t| {
        let repo = t.repo_mut(REPO).unwrap();
        repo.drop_labels = false;
        repo.issues.clear();
    });

    fake.with_tracker(|t| t.repo_mut(REPO).unwrap().issues_enabled = false);
    let error = failed(&work.publish(&env, &args));
    assert!(
        error.contains("issues are turned off in acme/reports (410 Gone)"),
        "{error}"
    );
    fake.with_tracker(|t| t.repo_mut(REPO).unwrap().issues_enabled = true);

    fake.set_budget(0);
    let error = failed(&work.publish(&env, &args));
    assert!(
        error.contains("GitHub's hourly rate limit is spent"),
        "{error}"
    );
    fake.set_budget(5000);

    fake.inject(Fault::BadGateway, 3);
    let error = failed(&work.publish(&env, &args));
    assert!(error.contains("HTTP 502 2 times in a row"), "{error}");
    fake.clear_faults();
    assert!(repo(&fake).issues.is_empty(), "nothing was created");

    // A body over GitHub's limit is refused with GitHub's own words (the fake holds the limit
    // the splitter keeps to).
    let error = fake_refuses_a_long_body(&fake);
    assert!(
        error.contains("body is too long (maximum is 65536 characters)"),
        "{error}"
    );
}

/// What the fake answers to an issue whose body is one character over the limit.
fn fake_refuses_a_long_body(fake: &FakeGitHub) -> String {
    let body = json!({"title": "t", "body": "x".repeat(LIMIT + 1)}).to_string();
    let answer = fake_github::client::request(
        "POST",
        &format!("{}/repos/{REPO}/issues", fake.api_url()),
        &[("authorization", &format!("token {}", fake_github::TOKEN))],
        Some(&body),
    )
    .unwrap();
    assert_eq!(answer.status, 422);
    answer.body
}

#[test]
fn the_step_summary_is_appended_and_what_was_there_kept() {
    let work = Work::new();
    let summary = work.path().join("summary.md");
    std::fs::write(&summary, "## Tests\nall passed\n").unwrap();
    let env = vec![("GITHUB_STEP_SUMMARY", summary.display().to_string())];
    let markdown = std::fs::read_to_string(work.report.join("report.md")).unwrap();
    let shown = as_github_shows(&markdown);
    let out = ok(&work.publish(&env, &["step-summary", "--link", LINK]));
    assert!(out.contains("appended the report for 2026-10"), "{out}");
    let once = std::fs::read_to_string(&summary).unwrap();
    let appended = format!("\n{shown}\n[The full report: HTML, charts and data]({LINK})\n");
    assert_eq!(once, format!("## Tests\nall passed\n{appended}"));
    ok(&work.publish(&env, &["step-summary", "--link", LINK]));
    let twice = std::fs::read_to_string(&summary).unwrap();
    assert_eq!(
        twice,
        format!("{once}{appended}"),
        "a second run appends again"
    );

    // Nearly full: the report's beginning, cut between sections, and where the rest is.
    let limit = 1024 * 1024;
    std::fs::write(&summary, "x".repeat(limit - 12_000)).unwrap();
    ok(&work.publish(&env, &["step-summary"]));
    let text = std::fs::read_to_string(&summary).unwrap();
    assert!(text.len() <= limit, "{}", text.len());
    let added = &text[limit - 12_000..];
    assert!(
        added.starts_with("\n# Engineering report — 2026-10\n"),
        "{}",
        &added[..80]
    );
    assert!(added.contains("## Summary"));
    assert!(added.contains("bytes are in the full report"), "{added}");
    let kept = added[1..].split("\n\n---\n_A step summary").next().unwrap();
    assert!(
        shown.starts_with(kept),
        "the beginning of the report, whole"
    );

    // Full: nothing added, said.
    std::fs::write(&summary, "x".repeat(limit - 100)).unwrap();
    let error = failed(&work.publish(&env, &["step-summary"]));
    assert!(error.contains("already holds 1048476 bytes"), "{error}");
    assert_eq!(
        std::fs::metadata(&summary).unwrap().len(),
        limit as u64 - 100
    );

    let error = failed(&work.publish(&[], &["step-summary"]));
    assert!(error.contains("GITHUB_STEP_SUMMARY is not set"), "{error}");
}

/// report.json made hostile and huge: 300 findings with long questions, names that would
/// mention everyone in Slack, a team list longer than a header.
fn hostile_json(report: &Path) {
    let path = report.join("report.json");
    let mut json: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let long = "why ".repeat(900);
    json["findings"] = Value::Array(
        (0..300)
            .map(|i| {
                json!({
                    "title": format!("<!channel> finding {i}"),
                    "question": format!("<!here> question {i}: {long}"),
                    "severity": "warn",
                })
            })
            .collect(),
    );
    json["summary"][0]["title"] = json!("<!channel> & <https://evil.example|click>");
    json["summary"][0]["text"] = json!("x".repeat(5000));
    json["scope"] = json!(["payments".repeat(30), "search".repeat(30)]);
    std::fs::write(&path, json.to_string()).unwrap();
}

#[test]
fn the_slack_message_keeps_to_slack_s_limits_and_reaches_it() {
    let work = Work::new();
    let slack = FakeSlack::start("S3CR3T");
    let env = vec![("SLACK_WEBHOOK_URL", slack.url())];
    let out = ok(&work.publish(&env, &["slack", "--link", LINK]));
    assert!(out.contains("posted the report to Slack"), "{out}");
    assert!(slack.violations().is_empty(), "{:?}", slack.violations());
    let message = &slack.received()[0];
    let text = message.to_string();
    assert_eq!(
        message["blocks"][0]["text"]["text"],
        "Engineering report 2026-10"
    );
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(work.report.join("report.json")).unwrap())
            .unwrap();
    for finding in report["findings"].as_array().unwrap() {
        let question: String = finding["question"]
            .as_str()
            .unwrap()
            .chars()
            .take(40)
            .collect();
        assert!(text.contains(&question), "{question} in {text}");
    }
    assert!(text.contains(&format!("<{LINK}|Open the full report>")));
    assert!(
        message["text"]
            .as_str()
            .unwrap()
            .starts_with("Engineering report 2026-10: 6 findings")
    );

    let hostile = work.path().join("hostile");
    copy_dir(&work.report, &hostile);
    hostile_json(&hostile);
    ok(&work.publish_report(&hostile, &env, &["slack", "--link", LINK]));
    assert!(slack.violations().is_empty(), "{:?}", slack.violations());
    let message = &slack.received()[1];
    let text = message.to_string();
    assert!(
        !text.contains("<!channel>") && !text.contains("<!here>"),
        "{text}"
    );
    assert!(text.contains("more in the full report"), "{text}");
    assert!(
        text.contains("Open the full report"),
        "the link is kept: {text}"
    );
    assert_eq!(message["blocks"].as_array().unwrap().len(), 50);
}

#[test]
fn each_slack_refusal_is_said_with_what_to_do() {
    let work = Work::new();
    let slack = FakeSlack::start("S3CR3T");
    let env = vec![("SLACK_WEBHOOK_URL", slack.url())];
    let cases: Vec<(Scripted, usize, &str)> = vec![
        (
            Scripted::answer(400, "invalid_payload"),
            1,
            "(HTTP 400 `invalid_payload`): Slack could not read the message",
        ),
        (
            Scripted::answer(400, "invalid_blocks"),
            1,
            "(HTTP 400 `invalid_blocks`): Slack refused the message's blocks",
        ),
        (
            Scripted::answer(400, "too_many_attachments"),
            1,
            "more attachments than Slack allows",
        ),
        (
            Scripted::answer(403, "action_prohibited"),
            1,
            "does not let this webhook post there",
        ),
        (
            Scripted::answer(404, "channel_not_found"),
            1,
            "the webhook's channel no longer exists",
        ),
        (
            Scripted::answer(410, "channel_is_archived"),
            1,
            "the webhook's channel is archived",
        ),
        (
            Scripted::answer(500, "rollup_error"),
            1,
            "may or may not have been posted",
        ),
        (
            Scripted::Answer {
                status: 429,
                body: "rate_limited".into(),
                retry_after: Some(1),
            },
            3,
            "Slack kept answering HTTP 429 (3 attempts, rate limited)",
        ),
        (
            Scripted::answer(503, "service_unavailable"),
            3,
            "Slack kept answering HTTP 503 (3 attempts)",
        ),
        (
            Scripted::Answer {
                status: 429,
                body: "rate_limited".into(),
                retry_after: Some(3600),
            },
            1,
            "asks to wait 3600 s, longer than [publish] max_retry_after_secs",
        ),
        (
            Scripted::Delay(Duration::from_secs(5)),
            1,
            "Slack did not answer the message (no answer within 2 s)",
        ),
        (Scripted::Drop, 1, "may or may not have been posted"),
    ];
    for (answer, times, expected) in cases {
        let before = slack.requests();
        slack.script(answer.clone(), times);
        let error = failed(&work.publish(&env, &["slack"]));
        assert!(error.contains(expected), "{answer:?}: {error}");
        assert!(!error.contains("S3CR3T"), "{error}");
        assert_eq!(slack.requests() - before, times as u64, "{answer:?}");
    }
    assert!(slack.received().is_empty());

    // A 429 that clears: retried after its Retry-After, then posted once.
    slack.script(
        Scripted::Answer {
            status: 429,
            body: "rate_limited".into(),
            retry_after: Some(1),
        },
        1,
    );
    let output = work.publish(&env, &["slack"]);
    ok(&output);
    assert!(
        stderr(&output).contains("Slack HTTP 429: waiting 1 s before retrying the message"),
        "{}",
        stderr(&output)
    );
    assert_eq!(slack.received().len(), 1);

    // A webhook that does not exist (a wrong secret), and one never set.
    let wrong = vec![("SLACK_WEBHOOK_URL", slack.url().replace("S3CR3T", "WR0NG"))];
    let error = failed(&work.publish(&wrong, &["slack"]));
    assert!(
        error.contains("(HTTP 404 `no_service`): Slack knows no such webhook"),
        "{error}"
    );
    assert!(!error.contains("WR0NG"), "{error}");
    let error = failed(&work.publish(&[], &["slack"]));
    assert!(
        error.contains("no webhook URL: set SLACK_WEBHOOK_URL"),
        "{error}"
    );
    let error = failed(&work.publish(
        &[(
            "SLACK_WEBHOOK_URL",
            "http://hooks.example/services/S3CR3T".into(),
        )],
        &["slack"],
    ));
    assert!(
        error.contains("from the SLACK_WEBHOOK_URL variable is plain http"),
        "{error}"
    );
    assert!(!error.contains("S3CR3T"), "{error}");
    // Nobody listening: said after the retries, nothing posted.
    let closed = vec![(
        "SLACK_WEBHOOK_URL",
        "http://127.0.0.1:9/services/S3CR3T".to_string(),
    )];
    let error = failed(&work.publish(&closed, &["slack"]));
    assert!(error.contains("could not reach Slack through the webhook from the SLACK_WEBHOOK_URL variable (3 attempts)"), "{error}");
    assert!(!error.contains("S3CR3T"), "{error}");
}

#[test]
fn the_webhook_gets_the_summary_and_findings_and_its_refusals_are_said() {
    let work = Work::new();
    let receiver = FakeReceiver::start();
    let url = receiver.url("/hooks/T0K3N-in-the-path?key=QUERYSECRET");
    let env = vec![("TEAMLENS_WEBHOOK_URL", url.clone())];
    let out = ok(&work.publish(&env, &["webhook", "--link", LINK]));
    assert!(out.contains("posted the report's summary and 6 findings to the webhook from the TEAMLENS_WEBHOOK_URL variable (HTTP 204)"), "{out}");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(work.report.join("report.json")).unwrap())
            .unwrap();
    let sent = &receiver.received()[0];
    assert_eq!(sent["summary"], report["summary"]);
    assert_eq!(sent["findings"], report["findings"]);
    assert_eq!(sent["period"], report["period"]);
    assert_eq!(sent["teams"], report["scope"]);
    assert_eq!(sent["audience"], "manager");
    assert_eq!(sent["schema_version"], report["schema_version"]);
    assert_eq!(sent["link"], LINK);
    assert_eq!(sent["title"], "Engineering report 2026-10");
    assert!(
        !sent.to_string().contains("T0K3N"),
        "the URL is not in the payload"
    );

    // The URL given on the command line works too (and wins over the variable).
    ok(&work.publish(&[], &["webhook", &url]));
    assert_eq!(receiver.received().len(), 2);

    let cases: Vec<(Scripted, usize, &str)> = vec![
        (
            Scripted::answer(404, "Cannot POST /hooks/T0K3N-in-the-path?key=QUERYSECRET"),
            1,
            "refused the report (HTTP 404): Cannot POST <redacted>",
        ),
        (
            Scripted::answer(401, "{\"error\":\"bad signature\"}"),
            1,
            "refused the report (HTTP 401)",
        ),
        (
            Scripted::answer(500, "boom"),
            1,
            "failed with HTTP 500: boom; the report may or may not have arrived",
        ),
        (
            Scripted::answer(503, ""),
            3,
            "kept answering HTTP 503 (3 attempts): (no body)",
        ),
        (Scripted::answer(301, ""), 1, "(a redirect, not followed)"),
        (
            Scripted::Delay(Duration::from_secs(5)),
            1,
            "did not answer (no answer within 2 s)",
        ),
    ];
    for (answer, times, expected) in cases {
        let before = receiver.requests();
        receiver.script(answer.clone(), times);
        let output = work.publish(&env, &["webhook"]);
        let error = failed(&output);
        assert!(error.contains(expected), "{answer:?}: {error}");
        let all = format!("{}{}", stdout(&output), stderr(&output));
        assert!(
            !all.contains("T0K3N") && !all.contains("QUERYSECRET"),
            "{all}"
        );
        assert_eq!(receiver.requests() - before, times as u64, "{answer:?}");
    }
    let error = failed(&work.publish(&[], &["webhook", "ftp://files.example/T0K3N"]));
    assert!(
        error.contains("the webhook URL from the command line is not an http(s) URL"),
        "{error}"
    );
    assert!(!error.contains("T0K3N"), "{error}");
    let error = failed(&work.publish(&[], &["webhook", "no url T0K3N"]));
    assert!(error.contains("is not a URL"), "{error}");
    assert!(!error.contains("T0K3N"), "{error}");
}

#[test]
fn a_dry_run_sends_nothing_and_needs_no_credentials() {
    let work = Work::new();
    let (fake, env) = github();
    let out = ok(&work.publish(
        &[],
        &[
            "github-issue",
            REPO,
            "--dry-run",
            "--label",
            "monthly",
            "--label",
            "eng",
        ],
    ));
    assert!(out.starts_with("dry run: nothing was sent."), "{out}");
    assert!(
        out.contains("title: Engineering report 2026-10\nlabels: monthly, eng\nbody: "),
        "{out}"
    );
    std::fs::write(work.report.join("report.md"), big_markdown(3000)).unwrap();
    let out = ok(&work.publish(&env, &["github-issue", REPO, "--dry-run"]));
    assert!(out.contains("comment 1 of "), "{out}");
    assert!(out.contains("--- comment 2 of "), "the texts themselves");
    assert_eq!(fake.stats().requests, 0, "{:?}", fake.stats().log);
    assert_eq!(fake.stats().writes, 0);

    let slack = FakeSlack::start("S3CR3T");
    let out = ok(&work.publish(
        &[("SLACK_WEBHOOK_URL", slack.url())],
        &["slack", "--dry-run"],
    ));
    assert!(
        out.contains("to the Slack webhook from the SLACK_WEBHOOK_URL variable; nothing was sent"),
        "{out}"
    );
    let json_start = out.find('{').unwrap();
    let message: Value = serde_json::from_str(&out[json_start..]).unwrap();
    assert!(message["blocks"].is_array());
    assert!(!out.contains("S3CR3T"), "{out}");
    assert_eq!(slack.requests(), 0);

    let receiver = FakeReceiver::start();
    let url = receiver.url("/hooks/T0K3N");
    let out = ok(&work.publish(&[("TEAMLENS_WEBHOOK_URL", url)], &["webhook", "--dry-run"]));
    let json_start = out.find('{').unwrap();
    let payload: Value = serde_json::from_str(&out[json_start..]).unwrap();
    assert_eq!(payload["payload"], "teamlens.report");
    assert!(!out.contains("T0K3N"), "{out}");
    assert_eq!(receiver.requests(), 0);

    let summary = work.path().join("summary.md");
    std::fs::write(&summary, "before\n").unwrap();
    let env = vec![("GITHUB_STEP_SUMMARY", summary.display().to_string())];
    let out = ok(&work.publish(&env, &["step-summary", "--dry-run"]));
    assert!(out.contains("dry run: would append"), "{out}");
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), "before\n");
}

/// What a test does to a copy of a report folder.
type Damage = fn(&Path);

#[test]
fn a_missing_or_corrupt_report_is_said_clearly() {
    let work = Work::new();
    let summary = vec![(
        "GITHUB_STEP_SUMMARY",
        work.path().join("s.md").display().to_string(),
    )];
    let cases: Vec<(&str, Damage, &str)> = vec![
        (
            "absent",
            |dir| std::fs::remove_dir_all(dir).unwrap(),
            "no report in",
        ),
        (
            "no report.json",
            |dir| std::fs::remove_file(dir.join("report.json")).unwrap(),
            "report.json is missing. Write the report with `teamlens report`",
        ),
        (
            "no report.md",
            |dir| std::fs::remove_file(dir.join("report.md")).unwrap(),
            "report.md is missing",
        ),
        (
            "report.json cut short",
            |dir| {
                let text = std::fs::read_to_string(dir.join("report.json")).unwrap();
                std::fs::write(dir.join("report.json"), &text[..text.len() / 2]).unwrap();
            },
            "report.json is not a report teamlens wrote: EOF while parsing",
        ),
        (
            "report.json of another shape",
            |dir| std::fs::write(dir.join("report.json"), "[1, 2]").unwrap(),
            "is not a report teamlens wrote: it is not a JSON object",
        ),
        (
            "report.json with a wrong type",
            |dir| {
                std::fs::write(
                    dir.join("report.json"),
                    r#"{"label": "2026-10", "summary": 7}"#,
                )
                .unwrap()
            },
            "invalid type: integer `7`, expected a sequence",
        ),
        (
            "report.md not text",
            |dir| std::fs::write(dir.join("report.md"), b"\xff\xfe# report").unwrap(),
            "report.md is not a report teamlens wrote: it is not UTF-8 text",
        ),
    ];
    for (name, damage, expected) in cases {
        let report = work.path().join(name.replace(' ', "_"));
        copy_dir(&work.report, &report);
        damage(&report);
        for args in [
            vec!["step-summary"],
            vec!["slack", "--dry-run"],
            vec!["webhook", "--dry-run"],
            vec!["github-issue", REPO, "--dry-run"],
        ] {
            let error = failed(&work.publish_report(&report, &summary, &args));
            assert!(error.contains(expected), "{name} {args:?}: {error}");
        }
    }
    // The default report folder: named after --month, or the data's last full month.
    let output = teamlens()
        .current_dir(work.path())
        .args([
            "--config",
            "teamlens.toml",
            "publish",
            "step-summary",
            "--month",
            "2026-10",
            "--team",
            "payments",
        ])
        .env("GITHUB_STEP_SUMMARY", work.path().join("s.md"))
        .output()
        .unwrap();
    let error = failed(&output);
    assert!(
        error.contains("no report in reports/2026-10-payments"),
        "{error}"
    );
    let output = teamlens()
        .current_dir(work.path())
        .args([
            "--config",
            "teamlens.toml",
            "--data-dir",
            "nothing-here",
            "publish",
            "step-summary",
        ])
        .output()
        .unwrap();
    let error = failed(&output);
    assert!(
        error.contains("give the report folder with --report DIR"),
        "{error}"
    );
    // The report folder named by default, found.
    let reports = work.path().join("reports");
    copy_dir(&work.report, &reports.join("2026-10"));
    let output = teamlens()
        .current_dir(work.path())
        .args([
            "--config",
            "teamlens.toml",
            "publish",
            "webhook",
            "--month",
            "2026-10",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert!(ok(&output).contains("\"label\": \"2026-10\""));
}
