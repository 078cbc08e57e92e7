//! The catalogue of bad input: every case runs the real binary once and states the exit code and
//! a piece of the message it must print. Configuration files, command-line arguments, import
//! files, git clones, and GitHub, Jira and Linear answers tampered with on their way from the
//! fake servers (`support::proxy`). For every case: no panic, a message short enough to read,
//! and a data directory left exactly as it was when the command failed.
//!
//! `BAD_INPUT_SHOW=1 cargo test --test bad_input -- --nocapture` prints every case's output.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

use serde_json::{Value, json};
use teamlens::model::Dataset;
use teamlens::sources::simulate::{SimConfig, simulate};

use support::fake_github::{self, FakeGitHub, GitHubWorld};
use support::fake_jira::{self, FakeJira, JiraWorld};
use support::fake_linear::{self, FakeLinear, LinearWorld};
use support::proxy::{Exchange, Proxy, Tamper};
use support::teamlens;

/// Where a case's bad input goes.
enum Setup {
    /// The text of `teamlens.toml` (bytes, so it can be invalid UTF-8); runs `explain`.
    Config(Vec<u8>),
    /// Command-line arguments after `--data-dir`, over the hand-made data directory.
    Args(Vec<String>),
    /// Files of the folder given to `teamlens import`.
    Import(Vec<(&'static str, Vec<u8>)>),
    /// Builds something at the given path, then `fetch git` reads it (with extra arguments).
    Git(fn(&Path), Vec<&'static str>),
    /// `fetch github <repo>` through the proxy; `repo` `None` is the fake's first repository.
    GitHub(Option<&'static str>, Tamper),
    /// `fetch jira <project>` through the proxy.
    Jira(Option<&'static str>, Tamper),
    /// `fetch linear <team>` through the proxy.
    Linear(Option<&'static str>, Tamper),
}

/// A check of the data directory after a command succeeded: what is wrong, if anything.
type DataCheck = fn(&Path) -> Result<(), String>;

/// What a case must do.
struct Case {
    name: &'static str,
    setup: Setup,
    exit: i32,
    /// A piece of stderr (for failures) or of stdout and stderr (for successes).
    message: &'static str,
    /// A check of the data directory after a successful command.
    after: Option<DataCheck>,
}

fn case(name: &'static str, setup: Setup, exit: i32, message: &'static str) -> Case {
    Case {
        name,
        setup,
        exit,
        message,
        after: None,
    }
}

fn config(text: &str) -> Setup {
    Setup::Config(text.as_bytes().to_vec())
}

fn args(list: &[&str]) -> Setup {
    Setup::Args(list.iter().map(|s| s.to_string()).collect())
}

fn import(files: &[(&'static str, &str)]) -> Setup {
    Setup::Import(
        files
            .iter()
            .map(|(name, text)| (*name, text.as_bytes().to_vec()))
            .collect(),
    )
}

const PR_HEADER: &str = "repo,number,author,created_at,merged_at\n";

fn prs(rows: &str) -> Setup {
    import(&[("pull_requests.csv", &format!("{PR_HEADER}{rows}"))])
}

/// Replaces the answer to GraphQL operation `operation` with `f` applied to its JSON.
fn on_operation(operation: &'static str, f: fn(&mut Value)) -> Tamper {
    Box::new(move |exchange: &Exchange| {
        if exchange.operation().as_deref() != Some(operation) {
            return None;
        }
        let mut value: Value = serde_json::from_str(&exchange.body).ok()?;
        f(&mut value);
        Some((exchange.status, value.to_string().into_bytes()))
    })
}

/// Answers operation `operation` with `status` and `body` as they are.
fn raw_operation(operation: &'static str, status: u16, body: Vec<u8>) -> Tamper {
    Box::new(move |exchange: &Exchange| {
        (exchange.operation().as_deref() == Some(operation)).then(|| (status, body.clone()))
    })
}

/// Replaces the answer to requests whose path starts with `prefix` with `f` applied to its JSON.
fn on_path(prefix: &'static str, f: fn(&mut Value)) -> Tamper {
    Box::new(move |exchange: &Exchange| {
        if !exchange.target.starts_with(prefix) {
            return None;
        }
        let mut value: Value = serde_json::from_str(&exchange.body).ok()?;
        f(&mut value);
        Some((exchange.status, value.to_string().into_bytes()))
    })
}

fn raw_path(prefix: &'static str, status: u16, body: Vec<u8>) -> Tamper {
    Box::new(move |exchange: &Exchange| {
        exchange
            .target
            .starts_with(prefix)
            .then(|| (status, body.clone()))
    })
}

fn untouched() -> Tamper {
    Box::new(|_: &Exchange| None)
}

/// `[[[…]]]` nested `depth` deep.
fn nested(depth: usize) -> String {
    format!("{}{}", "[".repeat(depth), "]".repeat(depth))
}

const NOT_UTF8: &[u8] = b"{\"data\": \"\xff\xfe\xfd not text\"}";

fn first_pr(value: &mut Value) -> &mut Value {
    &mut value["data"]["repository"]["pullRequests"]["nodes"][0]
}

fn first_merged_pr(value: &mut Value) -> &mut Value {
    let nodes = value["data"]["repository"]["pullRequests"]["nodes"]
        .as_array_mut()
        .expect("a page of pull requests");
    nodes
        .iter_mut()
        .find(|n| !n["mergedAt"].is_null())
        .expect("a merged pull request")
}

fn first_jira_issue(value: &mut Value) -> &mut Value {
    &mut value["issues"][0]
}

fn first_linear_issue(value: &mut Value) -> &mut Value {
    &mut value["data"]["issues"]["nodes"][0]
}

fn catalogue() -> Vec<Case> {
    let huge = "x".repeat(2_000_000);
    let huge: &'static str = Box::leak(huge.into_boxed_str());
    vec![
        // ---- teamlens.toml ----
        case(
            "config: unknown top-level key",
            config("colour = \"red\"\n"),
            1,
            "unknown key `colour` in the top level",
        ),
        case(
            "config: misspelt key in [github]",
            config("[github]\nrepositorys = [\"acme/app\"]\n"),
            1,
            "unknown key `repositorys` in [github]; did you mean `repositories`?",
        ),
        case(
            "config: misspelt threshold table",
            config("[thresholds.rubber_stamp]\nmin_reviews = 3\n"),
            1,
            "unknown key `rubber_stamp` in [thresholds]; did you mean `rubber_stamp_review`?",
        ),
        case(
            "config: misspelt threshold",
            config("[thresholds.review_bottleneck]\napproval_shar = 0.7\n"),
            1,
            "did you mean `approval_share`?",
        ),
        case(
            "config: [ai] remove names no built-in tool",
            config("[ai]\nremove = [\"Claud Code\"]\n"),
            1,
            "[ai] remove names no built-in tool: Claud Code; the built-in tools are: Claude Code, GitHub Copilot",
        ),
        case(
            "config: misspelt key in a [[people]] entry",
            config("[[people]]\nperson = \"ann\"\nrol = \"engineer\"\n"),
            1,
            "unknown key `rol` in an entry of [[people]]; did you mean `role`?",
        ),
        case(
            "config: misspelt key in [jira]",
            config("[jira]\nprojects = [\"ENG\"]\nbase_ulr = \"https://x.atlassian.net\"\n"),
            1,
            "did you mean `base_url`?",
        ),
        case(
            "config: unclosed table header",
            config("[github\npage_size = 10\n"),
            1,
            "line 1, column 8",
        ),
        case(
            "config: text where a number belongs",
            config("[github]\npage_size = \"fifty\"\n"),
            1,
            "invalid type: string \"fifty\", expected u32",
        ),
        case(
            "config: share above one",
            config("[thresholds.review_bottleneck]\napproval_share = 60\n"),
            1,
            "between 0 and 1",
        ),
        case(
            "config: negative count",
            config("[thresholds.review_bottleneck]\nmin_merged_prs = -3\n"),
            1,
            "invalid value: integer `-3`",
        ),
        case(
            "config: unknown role",
            config("[[people]]\nperson = \"ann\"\nteam = \"core\"\nrole = \"boss\"\n"),
            1,
            "role = \"boss\": give manager, lead, engineer, bot or external",
        ),
        case(
            "config: unknown time zone",
            config("[[people]]\nperson = \"ann\"\nteam = \"core\"\ntimezone = \"Mars/Olympus\"\n"),
            1,
            "is not an IANA time zone",
        ),
        case(
            "config: a holiday that is not a date",
            config("[calendar]\nholidays = [\"2026-12-32\"]\n"),
            1,
            "calendar.holidays: \"2026-12-32\" is not a date: give YYYY-MM-DD",
        ),
        case(
            "config: a weekend day that is not a day",
            config("[calendar]\nweekend = [\"Caturday\"]\n"),
            1,
            "\"Caturday\" is not a day of the week",
        ),
        case(
            "config: a working day that ends before it starts",
            config("[calendar]\nwork_start_hour = 18\nwork_end_hour = 9\n"),
            1,
            "give a start of 0 to 23 before an end of 1 to 24",
        ),
        case(
            "config: a holidays file that is not there",
            config("[calendar]\nholidays_file = \"missing.ics\"\n"),
            1,
            "calendar.holidays_file: cannot read",
        ),
        case(
            "config: a clock that is neither working nor wall",
            config("[report]\nclock = \"sundial\"\n"),
            1,
            "unknown variant `sundial`, expected `working` or `wall`",
        ),
        case(
            "config: one alias for two people",
            config(
                "[[people]]\nperson = \"ann\"\nteam = \"core\"\naliases = [\"a1\"]\n\
                 [[people]]\nperson = \"bob\"\nteam = \"core\"\naliases = [\"A1\"]\n",
            ),
            1,
            "`A1` is listed for both `ann` and `bob`",
        ),
        case(
            "config: repository without owner",
            config("[github]\nrepositories = [\"app\"]\n"),
            1,
            "`app` is not a repository: give it as OWNER/NAME",
        ),
        case(
            "config: key given twice",
            config("[github]\npage_size = 10\npage_size = 20\n"),
            1,
            "duplicate key",
        ),
        case(
            "config: not UTF-8",
            Setup::Config(b"[github]\npage_size = 10 # \xff\xfe\n".to_vec()),
            1,
            "is not UTF-8 text; save it as UTF-8",
        ),
        case(
            "config: arrays nested 100000 deep",
            config(&format!("x = {}\n", nested(100_000))),
            1,
            "is not valid",
        ),
        case(
            "config: enormous unknown key",
            config(&format!("{} = 1\n", "k".repeat(100_000))),
            1,
            "unknown key `kkkk",
        ),
        // ---- command-line arguments ----
        case(
            "args: month 13",
            args(&["report", "--month", "2026-13"]),
            2,
            "`2026-13` is not a month: write it as YYYY-MM",
        ),
        case(
            "args: month as words",
            args(&["report", "--month", "last"]),
            2,
            "`last` is not a month",
        ),
        case(
            "args: a month in the future",
            args(&["report", "--month", "2999-01"]),
            2,
            "`2999-01` is in the future",
        ),
        case(
            "args: month with a sign",
            args(&["report", "--month", "2026-+1"]),
            2,
            "`2026-+1` is not a month",
        ),
        case(
            "args: 30 February",
            args(&["fetch", "git", ".", "--since", "2026-02-30"]),
            2,
            "`2026-02-30` is not a date: give YYYY-MM-DD",
        ),
        case(
            "args: since in the future",
            args(&["fetch", "git", ".", "--since", "2999-01-01"]),
            2,
            "`2999-01-01` is in the future",
        ),
        case(
            "args: seed that is not a number",
            args(&["simulate", "--out", "sim", "--seed", "4x"]),
            2,
            "`4x` is not a seed: give a whole number",
        ),
        case(
            "args: zero months",
            args(&["simulate", "--out", "sim", "--months", "0"]),
            2,
            "0 is not in 1..=60",
        ),
        case(
            "args: unknown finding kind",
            args(&["explain", "rubber_stamp"]),
            1,
            "rubber_stamp_review",
        ),
        case(
            "args: SQL over an unknown table",
            args(&["query", "SELECT * FROM pull_request"]),
            1,
            "pull_request",
        ),
        case(
            "args: repository without owner",
            args(&["fetch", "github", "app"]),
            1,
            "`app` is not a repository: give it as OWNER/NAME",
        ),
        case(
            "args: Jira project key with spaces",
            args(&["fetch", "jira", "MY PROJECT"]),
            2,
            "`MY PROJECT` is not a Jira project key",
        ),
        case(
            "args: Linear team key with punctuation",
            args(&["fetch", "linear", "en-g!"]),
            2,
            "`en-g!` is not a Linear team key",
        ),
        case(
            "args: report --out naming a file of the store",
            args(&["report", "--out", "data/manifest.json"]),
            1,
            "it is inside the data directory",
        ),
        case(
            "args: report --out naming a file",
            args(&["report", "--out", "teamlens.toml"]),
            1,
            "is a file, not a folder: give --out a folder for the report",
        ),
        case(
            "args: retro --out naming a file",
            args(&["retro", "--out", "teamlens.toml"]),
            1,
            "is a file, not a folder: give --out a folder for retro.md",
        ),
        case(
            "args: templates folder that does not exist",
            args(&["report", "--templates", "no-such-folder", "--out", "out"]),
            1,
            "no-such-folder",
        ),
        // ---- import files ----
        case(
            "import: folder that does not exist",
            Setup::Import(vec![]),
            1,
            "cannot read the folder",
        ),
        case(
            "import: misspelt table file only",
            import(&[("pull_request.csv", "repo\n")]),
            1,
            "pull_request",
        ),
        case(
            "import: misspelt column",
            import(&[(
                "pull_requests.csv",
                "repo,number,autor,created_at,merged_at\nacme/app,1,ann,2026-10-01T09:00:00Z,\n",
            )]),
            1,
            "unknown column `autor` for table `pull_requests` (did you mean `author`?)",
        ),
        case(
            "import: required column missing",
            import(&[(
                "pull_requests.csv",
                "repo,number,created_at,merged_at\nacme/app,1,2026-10-01T09:00:00Z,\n",
            )]),
            1,
            "author",
        ),
        case(
            "import: required value empty",
            prs("acme/app,1,,2026-10-01T09:00:00Z,\n"),
            1,
            "column `author` is empty; every row needs it",
        ),
        case(
            "import: time without a zone or format",
            prs("acme/app,1,ann,01/10/2026 09:00,\n"),
            1,
            "01/10/2026 09:00",
        ),
        case(
            "import: text where a number belongs",
            prs("acme/app,seven,ann,2026-10-01T09:00:00Z,\n"),
            1,
            "seven",
        ),
        case(
            "import: null where a value is required (JSON Lines)",
            import(&[(
                "pull_requests.jsonl",
                r#"{"repo":"acme/app","number":1,"author":null,"created_at":"2026-10-01T09:00:00Z","merged_at":null}"#,
            )]),
            1,
            "column `author` is empty",
        ),
        case(
            "import: object where a value belongs (JSON Lines)",
            import(&[(
                "pull_requests.jsonl",
                r#"{"repo":"acme/app","number":1,"author":{"login":"ann"},"created_at":"2026-10-01T09:00:00Z","merged_at":null}"#,
            )]),
            1,
            "is a JSON object; give a single value",
        ),
        case(
            "import: number given as a fraction",
            import(&[(
                "pull_requests.jsonl",
                r#"{"repo":"acme/app","number":1.5,"author":"ann","created_at":"2026-10-01T09:00:00Z","merged_at":null}"#,
            )]),
            1,
            "1.5",
        ),
        case(
            "import: broken JSON line",
            import(&[(
                "pull_requests.jsonl",
                "{\"repo\":\"acme/app\",\"number\":1,\n",
            )]),
            1,
            "(line 1): not valid JSON",
        ),
        case(
            "import: JSON line that is not an object",
            import(&[("reviews.jsonl", "[1,2,3]\n")]),
            1,
            "each line must be a JSON object",
        ),
        case(
            "import: JSON nested 100000 deep",
            import(&[(
                "reviews.jsonl",
                &format!("{{\"repo\":{}}}\n", nested(100_000)),
            )]),
            1,
            "recursion limit exceeded",
        ),
        case(
            "import: CSV that is not UTF-8",
            Setup::Import(vec![(
                "pull_requests.csv",
                b"repo,number,author,created_at,merged_at\nacme/app,1,\xff\xfe,2026-10-01T09:00:00Z,\n"
                    .to_vec(),
            )]),
            1,
            "pull_requests.csv",
        ),
        case(
            "import: JSON Lines that is not UTF-8",
            Setup::Import(vec![("reviews.jsonl", b"{\"repo\":\"\xff\"}\n".to_vec())]),
            1,
            "(line 1)",
        ),
        case(
            "import: Parquet file that is text",
            import(&[("pull_requests.parquet", "repo,number\nacme/app,1\n")]),
            1,
            "not a readable Parquet file",
        ),
        case(
            "import: enormous bad time stamp",
            prs(&format!("acme/app,1,ann,{},\n", &huge[..100_000])),
            1,
            "xxxxxxxxxx…",
        ),
        Case {
            name: "import: enormous title is kept",
            setup: import(&[(
                "pull_requests.csv",
                &format!(
                    "repo,number,author,created_at,merged_at,title\n\
                     acme/app,1,ann,2026-10-01T09:00:00Z,2026-10-01T10:00:00Z,{huge}\n"
                ),
            )]),
            exit: 0,
            message: "pull_requests 1",
            after: Some(|data| {
                let out = query(data, "SELECT length(title) AS n FROM pull_requests WHERE repo = 'acme/app'")?;
                out.contains("2000000")
                    .then_some(())
                    .ok_or(format!("the title was not kept whole: {out}"))
            }),
        },
        case(
            "import: duplicate pull request",
            prs(
                "acme/app,1,ann,2026-10-01T09:00:00Z,\n\
                 acme/app,1,bob,2026-10-02T09:00:00Z,\n",
            ),
            1,
            "pull request acme/app#1 appears more than once",
        ),
        case(
            "import: time stamp in the future",
            prs("acme/app,1,ann,2999-10-01T09:00:00Z,\n"),
            1,
            "(row 1, column `created_at`): 2999-10-01 09:00:00 is in the future",
        ),
        case(
            "import: merged before it was created",
            prs("acme/app,1,ann,2026-10-05T09:00:00Z,2026-10-01T09:00:00Z\n"),
            1,
            "merged_at 2026-10-01 09:00:00 is before created_at 2026-10-05 09:00:00",
        ),
        case(
            "import: ticket resolved before it was created",
            import(&[(
                "issues.csv",
                "key,project,issue_type,status,status_category,reporter,assignee,created_at,resolved_at\n\
                 ENG-1,ENG,bug,Done,done,ann,,2026-10-05T09:00:00Z,2026-10-01T09:00:00Z\n",
            )]),
            1,
            "resolved_at 2026-10-01 09:00:00 is before created_at",
        ),
        case(
            "import: unknown review state",
            import(&[(
                "reviews.csv",
                "repo,number,reviewer,state,submitted_at\nacme/app,1,ann,lgtm,2026-10-01T09:00:00Z\n",
            )]),
            1,
            "`lgtm` is not one of: approved, changes_requested, commented, dismissed",
        ),
        case(
            "import: unknown time zone of a person",
            import(&[(
                "people.csv",
                "person,role,team,timezone\nann,engineer,core,Berlin\n",
            )]),
            1,
            "`Berlin` is not an IANA time zone",
        ),
        // ---- git clones ----
        case(
            "git: path that does not exist",
            Setup::Git(|_| {}, vec![]),
            1,
            "no such file or directory",
        ),
        case(
            "git: folder that is not a clone",
            Setup::Git(
                |path| std::fs::create_dir_all(path).unwrap(),
                vec![],
            ),
            1,
            "is not a git repository",
        ),
        case(
            "git: clone without commits (nothing to read, not an error)",
            Setup::Git(|path| git(path, &[&["init", "-q", "-b", "main"]]), vec![]),
            0,
            "the repository has no commits yet: nothing to read",
        ),
        case(
            "git: branch that does not exist",
            Setup::Git(one_commit, vec!["--branch", "no-such-branch"]),
            1,
            "no-such-branch",
        ),
        Case {
            name: "git: message that is not UTF-8 with a huge trailer",
            setup: Setup::Git(odd_message, vec![]),
            exit: 0,
            message: "commits",
            after: Some(|data| {
                let out = query(data, "SELECT COUNT(*) AS n FROM commits")?;
                out.contains('1')
                    .then_some(())
                    .ok_or(format!("the commit was not stored: {out}"))
            }),
        },
        // ---- GitHub answers ----
        case(
            "github: repository that does not exist",
            Setup::GitHub(Some("acme/no-such-repo"), untouched()),
            1,
            "acme/no-such-repo",
        ),
        case(
            "github: answer without nameWithOwner",
            Setup::GitHub(
                None,
                on_operation("RepositorySync", |v| {
                    v["data"]["repository"]
                        .as_object_mut()
                        .unwrap()
                        .remove("nameWithOwner");
                }),
            ),
            1,
            "did not have the expected shape: missing field `nameWithOwner`; nothing from it was stored. Run the fetch again to resume",
        ),
        case(
            "github: PR number as text",
            Setup::GitHub(
                None,
                on_operation("RepositorySync", |v| first_pr(v)["number"] = json!("seven")),
            ),
            1,
            "did not have the expected shape: invalid type: string \"seven\"",
        ),
        case(
            "github: null creation time",
            Setup::GitHub(
                None,
                on_operation("RepositorySync", |v| first_pr(v)["createdAt"] = Value::Null),
            ),
            1,
            "did not have the expected shape: invalid type: null",
        ),
        case(
            "github: HTML instead of JSON",
            Setup::GitHub(
                None,
                raw_operation("RepositorySync", 200, b"<html>maintenance</html>".to_vec()),
            ),
            1,
            "malformed",
        ),
        case(
            "github: answer that is not UTF-8",
            Setup::GitHub(None, raw_operation("RepositorySync", 200, NOT_UTF8.to_vec())),
            1,
            "malformed",
        ),
        case(
            "github: answer nested 100000 deep",
            Setup::GitHub(
                None,
                raw_operation(
                    "RepositorySync",
                    200,
                    format!("{{\"data\":{}}}", nested(100_000)).into_bytes(),
                ),
            ),
            1,
            "recursion limit exceeded",
        ),
        case(
            "github: enormous GraphQL error",
            Setup::GitHub(
                None,
                raw_operation(
                    "RepositorySync",
                    200,
                    json!({ "data": null, "errors": [{ "message": huge }] })
                        .to_string()
                        .into_bytes(),
                ),
            ),
            1,
            "xxxxx",
        ),
        Case {
            name: "github: merged before it was created",
            setup: Setup::GitHub(
                None,
                on_operation("RepositorySync", |v| {
                    first_merged_pr(v)["mergedAt"] = json!("2001-01-01T00:00:00Z")
                }),
            ),
            exit: 0,
            message: "error(s) beside the data",
            after: Some(|data| no_negative_durations(data, "pull_requests", "created_at", "merged_at")),
        },
        Case {
            name: "github: creation time in the future",
            setup: Setup::GitHub(
                None,
                on_operation("RepositorySync", |v| {
                    first_pr(v)["createdAt"] = json!("2999-01-01T00:00:00Z")
                }),
            ),
            exit: 0,
            message: "error(s) beside the data",
            after: Some(|data| no_future_times(data, "pull_requests", "created_at")),
        },
        Case {
            name: "github: the same PR twice in a page",
            setup: Setup::GitHub(
                None,
                on_operation("RepositorySync", |v| {
                    let nodes = v["data"]["repository"]["pullRequests"]["nodes"]
                        .as_array_mut()
                        .unwrap();
                    let first = nodes[0].clone();
                    nodes.push(first);
                }),
            ),
            exit: 0,
            message: "error(s) beside the data",
            after: Some(|data| {
                let out = query(
                    data,
                    "SELECT COUNT(*) AS n FROM (SELECT repo, number, COUNT(*) AS c FROM pull_requests GROUP BY repo, number) WHERE c > 1",
                )?;
                (out.lines().nth(1).map(str::trim) == Some("0"))
                    .then_some(())
                    .ok_or(format!("a pull request is stored twice: {out}"))
            }),
        },
        // ---- Jira answers ----
        case(
            "jira: project that does not exist",
            Setup::Jira(Some("NOPE"), untouched()),
            1,
            "NOPE",
        ),
        case(
            "jira: issue without a creation time",
            Setup::Jira(
                None,
                on_path("/rest/api/3/search/jql", |v| {
                    first_jira_issue(v)["fields"]
                        .as_object_mut()
                        .unwrap()
                        .remove("created");
                }),
            ),
            1,
            "missing field `created`",
        ),
        case(
            "jira: null issue key",
            Setup::Jira(
                None,
                on_path("/rest/api/3/search/jql", |v| {
                    first_jira_issue(v)["key"] = Value::Null
                }),
            ),
            1,
            "invalid type: null, expected a string",
        ),
        case(
            "jira: issues as text",
            Setup::Jira(
                None,
                on_path("/rest/api/3/search/jql", |v| v["issues"] = json!("many")),
            ),
            1,
            "invalid type: string \"many\", expected a sequence",
        ),
        case(
            "jira: answer that is not UTF-8",
            Setup::Jira(None, raw_path("/rest/api/3/search/jql", 200, NOT_UTF8.to_vec())),
            1,
            "missing field `issues`",
        ),
        case(
            "jira: enormous error message",
            Setup::Jira(
                None,
                raw_path(
                    "/rest/api/3/search/jql",
                    400,
                    json!({ "errorMessages": [huge] }).to_string().into_bytes(),
                ),
            ),
            1,
            "xxxxx",
        ),
        // ---- Linear answers ----
        case(
            "linear: team that does not exist",
            Setup::Linear(Some("NOPE"), untouched()),
            1,
            "NOPE",
        ),
        case(
            "linear: issue without an id",
            Setup::Linear(
                None,
                on_operation("TeamIssues", |v| {
                    first_linear_issue(v).as_object_mut().unwrap().remove("id");
                }),
            ),
            1,
            "missing field `id`",
        ),
        case(
            "linear: creation time as a number",
            Setup::Linear(
                None,
                on_operation("TeamIssues", |v| first_linear_issue(v)["createdAt"] = json!(12)),
            ),
            1,
            "invalid type: integer `12`",
        ),
        case(
            "linear: null identifier",
            Setup::Linear(
                None,
                on_operation("TeamIssues", |v| first_linear_issue(v)["identifier"] = Value::Null),
            ),
            1,
            "invalid type: null, expected a string",
        ),
        case(
            "linear: enormous GraphQL error",
            Setup::Linear(
                None,
                raw_operation(
                    "TeamIssues",
                    400,
                    json!({ "errors": [{ "message": huge, "extensions": { "code": "INVALID_INPUT" } }] })
                        .to_string()
                        .into_bytes(),
                ),
            ),
            1,
            "xxxxx",
        ),
        case(
            "linear: answer nested 100000 deep",
            Setup::Linear(
                None,
                raw_operation(
                    "TeamIssues",
                    200,
                    format!("{{\"data\":{}}}", nested(100_000)).into_bytes(),
                ),
            ),
            1,
            "TeamIssues",
        ),
        case(
            "publish: a report folder that does not exist",
            args(&["publish", "step-summary", "--report", "no-such-folder"]),
            1,
            "no report in no-such-folder: the folder is missing",
        ),
        case(
            "publish: the data directory given as the report",
            args(&["publish", "webhook", "--dry-run", "--report", "data"]),
            1,
            "no report in data: report.md is missing",
        ),
        case(
            "publish: a repository that is not OWNER/NAME",
            args(&["publish", "github-issue", "acme", "--dry-run", "--report", "data"]),
            1,
            "`acme` is not a repository: give it as OWNER/NAME",
        ),
        case(
            "publish: a label with a comma",
            args(&[
                "publish", "github-issue", "acme/reports", "--label", "a,b", "--dry-run",
            ]),
            1,
            "`a,b` is not a label teamlens can find issues by",
        ),
        case(
            "publish: a link that is not a web link",
            args(&["publish", "slack", "--link", "javascript:alert(1)", "--dry-run"]),
            2,
            "is not a web link: give an http(s) URL",
        ),
        case(
            "publish: a webhook URL that is not a URL",
            args(&["publish", "webhook", "hooks example token123", "--report", "data"]),
            1,
            "the webhook URL from the command line is not a URL",
        ),
        case(
            "publish: a month in the future",
            args(&["publish", "step-summary", "--month", "2999-01"]),
            2,
            "is in the future",
        ),
    ]
}

/// Runs `git` in `path` for each argument list, with a fixed identity.
fn git(path: &Path, commands: &[&[&str]]) {
    std::fs::create_dir_all(path).unwrap();
    for args in commands {
        let status = Process::new("git")
            .args(*args)
            .current_dir(path)
            .env("GIT_AUTHOR_NAME", "Ann")
            .env("GIT_AUTHOR_EMAIL", "ann@acme.example")
            .env("GIT_COMMITTER_NAME", "Ann")
            .env("GIT_COMMITTER_EMAIL", "ann@acme.example")
            .env("GIT_AUTHOR_DATE", "2026-10-01T09:00:00Z")
            .env("GIT_COMMITTER_DATE", "2026-10-01T09:00:00Z")
            .status()
            .expect("git runs");
        assert!(status.success(), "git {args:?}");
    }
}

fn one_commit(path: &Path) {
    git(path, &[&["init", "-q", "-b", "main"]]);
    std::fs::write(path.join("a.txt"), "a\n").unwrap();
    git(path, &[&["add", "a.txt"], &["commit", "-q", "-m", "first"]]);
}

/// A commit whose message is Latin-1 bytes with a 100 kB `Reviewed-by` trailer.
fn odd_message(path: &Path) {
    git(path, &[&["init", "-q", "-b", "main"]]);
    std::fs::write(path.join("a.txt"), "a\n").unwrap();
    let mut message = b"Caf\xe9 au lait\n\nBody \xff\xfe\n\nReviewed-by: ".to_vec();
    message.extend("R".repeat(100_000).as_bytes());
    message.extend(b" <r@acme.example>\n");
    let file = path.join("message.txt");
    std::fs::write(&file, message).unwrap();
    git(
        path,
        &[
            &["add", "a.txt"],
            &[
                "-c",
                "i18n.commitEncoding=latin1",
                "commit",
                "-q",
                "-F",
                "message.txt",
            ],
        ],
    );
}

/// `teamlens query` over a data directory, as CSV.
fn query(data: &Path, sql: &str) -> Result<String, String> {
    let out = teamlens()
        .arg("--data-dir")
        .arg(data)
        .args(["query", "--format", "csv", sql])
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).to_string())
}

fn no_negative_durations(
    data: &Path,
    table: &str,
    earlier: &str,
    later: &str,
) -> Result<(), String> {
    let out = query(
        data,
        &format!("SELECT COUNT(*) AS n FROM {table} WHERE {later} < {earlier}"),
    )?;
    (out.lines().nth(1).map(str::trim) == Some("0"))
        .then_some(())
        .ok_or(format!("{table}: {later} before {earlier} stored: {out}"))
}

fn no_future_times(data: &Path, table: &str, column: &str) -> Result<(), String> {
    let out = query(
        data,
        &format!("SELECT COUNT(*) AS n FROM {table} WHERE EXTRACT(YEAR FROM {column}) >= 2100"),
    )?;
    (out.lines().nth(1).map(str::trim) == Some("0"))
        .then_some(())
        .ok_or(format!("{table}: {column} in the future stored: {out}"))
}

/// Every file of a data directory's tables and manifest, by path: what a failed command must
/// leave as it was (an interrupted fetch's `staging/` is allowed to change; it is how the next
/// run resumes).
fn snapshot(data: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![data.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let relative = path.strip_prefix(data).unwrap().to_path_buf();
            // Staging is a fetch's own scratch space; locks/ holds only who writes (dir_lock).
            if relative.starts_with("staging") || relative.starts_with("locks") {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    files
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The hand-made team every case starts from: two people, two merged PRs, their reviews.
fn base_data(root: &Path) -> PathBuf {
    let folder = root.join("base-export");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(
        folder.join("people.csv"),
        "person,role,team,timezone\nmaya,manager,core,Europe/Berlin\nali,engineer,core,Europe/Berlin\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("pull_requests.csv"),
        "repo,number,author,created_at,merged_at\n\
         acme/core,1,ali,2026-10-01T09:00:00Z,2026-10-01T17:00:00Z\n\
         acme/core,2,ali,2026-10-02T09:00:00Z,2026-10-02T17:00:00Z\n",
    )
    .unwrap();
    std::fs::write(
        folder.join("reviews.csv"),
        "repo,number,reviewer,state,submitted_at\n\
         acme/core,1,maya,approved,2026-10-01T15:00:00Z\n\
         acme/core,2,maya,approved,2026-10-02T15:00:00Z\n",
    )
    .unwrap();
    let data = root.join("base-data");
    support::import(&data, &folder);
    data
}

/// The simulated organisation the fakes serve.
fn world() -> Dataset {
    simulate(&SimConfig::default_org(7, 1, 2, 0.5)).dataset
}

/// The fake services, started once for all cases.
struct Fakes {
    github: FakeGitHub,
    repo: String,
    jira: FakeJira,
    project: String,
    linear: FakeLinear,
    team: String,
}

fn fakes() -> Fakes {
    let data = world();
    let mut repos: Vec<String> = data
        .pull_requests
        .iter()
        .filter(|p| p.source == "github")
        .map(|p| p.repo.clone())
        .collect();
    repos.sort();
    let mut projects: Vec<String> = data
        .issues
        .iter()
        .filter(|i| i.source == "jira")
        .filter_map(|i| i.project.clone())
        .collect();
    projects.sort();
    Fakes {
        repo: repos[0].clone(),
        project: projects[0].clone(),
        team: projects[0].clone(),
        jira: FakeJira::start(JiraWorld::from_dataset(&data)),
        linear: FakeLinear::start(LinearWorld::from_dataset(&data)),
        github: FakeGitHub::start(GitHubWorld::from_dataset(data)),
    }
}

/// `http://host:port` of a URL.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap();
    let host = rest.split('/').next().unwrap();
    format!("{scheme}://{host}")
}

/// Short retries so a broken answer fails in a second, not a minute.
const QUICK_RETRIES: &str = "[github]\nmax_attempts = 2\nretry_base_ms = 1\n\
                             [jira]\nmax_attempts = 2\nretry_base_ms = 1\n\
                             [linear]\nmax_attempts = 2\nretry_base_ms = 1\n";

/// The longest message a failure may print: enough for a sentence, a TOML excerpt and a list of
/// valid keys; never an echo of a megabyte of input.
const MAX_STDERR: usize = 4_000;

struct Outcome {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn run(case: Case, root: &Path, base: &Path, fakes: &Fakes) -> (Outcome, Result<(), String>) {
    let work = root.join(case.name.replace([' ', ':', '/'], "_"));
    std::fs::create_dir_all(&work).unwrap();
    let data = work.join("data");
    copy_dir(base, &data);
    let before = snapshot(&data);
    let config = work.join("teamlens.toml");
    std::fs::write(&config, QUICK_RETRIES).unwrap();
    let mut command = teamlens();
    command.current_dir(&work).arg("--data-dir").arg(&data);
    let mut _proxy = None;
    match case.setup {
        Setup::Config(text) => {
            std::fs::write(&config, text).unwrap();
            command
                .arg("--config")
                .arg(&config)
                .args(["explain", "review_bottleneck"]);
        }
        Setup::Args(list) => {
            command.arg("--config").arg(&config).args(list);
        }
        Setup::Import(files) => {
            let folder = work.join("export");
            if !files.is_empty() {
                std::fs::create_dir_all(&folder).unwrap();
            }
            for (name, bytes) in files {
                std::fs::write(folder.join(name), bytes).unwrap();
            }
            command.arg("import").arg(&folder);
        }
        Setup::Git(build, extra) => {
            let repo = work.join("repo");
            build(&repo);
            command
                .arg("--config")
                .arg(&config)
                .args(["fetch", "git"])
                .arg(&repo)
                .args(extra)
                .args(["--since", "2020-01-01"]);
        }
        Setup::GitHub(repo, tamper) => {
            let upstream = format!("http://{}", fakes.github.addr());
            let proxy = Proxy::start(&upstream, None, tamper);
            let graphql = fakes.github.graphql_url().replace(&upstream, &proxy.base);
            let api = fakes.github.api_url().replace(&upstream, &proxy.base);
            command
                .env("GITHUB_TOKEN", fake_github::TOKEN)
                .env("GITHUB_GRAPHQL_URL", graphql)
                .env("GITHUB_API_URL", api)
                .arg("--config")
                .arg(&config)
                .args(["fetch", "github", repo.unwrap_or(&fakes.repo)])
                .args(["--since", "2020-01-01"]);
            _proxy = Some(proxy);
        }
        Setup::Jira(project, tamper) => {
            let proxy = Proxy::start(&origin(&fakes.jira.base_url()), None, tamper);
            command
                .env("JIRA_BASE_URL", &proxy.base)
                .env("JIRA_EMAIL", fake_jira::EMAIL)
                .env("JIRA_API_TOKEN", fake_jira::TOKEN)
                .arg("--config")
                .arg(&config)
                .args(["fetch", "jira", project.unwrap_or(&fakes.project)])
                .args(["--since", "2020-01-01"]);
            _proxy = Some(proxy);
        }
        Setup::Linear(team, tamper) => {
            let proxy = Proxy::start(&origin(&fakes.linear.url()), None, tamper);
            let url = format!(
                "{}{}",
                proxy.base,
                fakes
                    .linear
                    .url()
                    .split_once("://")
                    .and_then(|(_, rest)| rest.find('/').map(|i| rest[i..].to_string()))
                    .unwrap_or_default()
            );
            command
                .env("LINEAR_API_KEY", fake_linear::KEY)
                .env("LINEAR_API_URL", url)
                .arg("--config")
                .arg(&config)
                .args(["fetch", "linear", team.unwrap_or(&fakes.team)])
                .args(["--since", "2020-01-01"]);
            _proxy = Some(proxy);
        }
    }
    let output = command
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap();
    let outcome = Outcome {
        code: output.status.code(),
        stdout: String::from_utf8_lossy(&output.stdout).to_string(),
        stderr: String::from_utf8_lossy(&output.stderr).to_string(),
    };
    let mut problems = Vec::new();
    if outcome.code != Some(case.exit) {
        problems.push(format!("exit {:?}, expected {}", outcome.code, case.exit));
    }
    if outcome.stderr.contains("panicked") || outcome.code == Some(101) {
        problems.push("panicked".to_string());
    }
    let searched = if case.exit == 0 {
        format!("{}{}", outcome.stdout, outcome.stderr)
    } else {
        outcome.stderr.clone()
    };
    if !searched.contains(case.message) {
        problems.push(format!("the message lacks {:?}", case.message));
    }
    if outcome.stderr.len() > MAX_STDERR {
        problems.push(format!(
            "stderr is {} bytes (at most {MAX_STDERR})",
            outcome.stderr.len()
        ));
    }
    if case.exit != 0 && snapshot(&data) != before {
        problems.push("the data directory changed".to_string());
    }
    if case.exit == 0
        && let Some(check) = case.after
        && let Err(problem) = check(&data)
    {
        problems.push(problem);
    }
    let verdict = if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    };
    (outcome, verdict)
}

#[test]
fn every_bad_input_gets_a_clear_message_and_no_panic() {
    let root = tempfile::tempdir().unwrap();
    let base = base_data(root.path());
    let fakes = fakes();
    let cases = catalogue();
    let total = cases.len();
    assert!(total >= 40, "the catalogue has {total} cases");
    let only = std::env::var("BAD_INPUT_ONLY").ok();
    let show = std::env::var_os("BAD_INPUT_SHOW").is_some();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases {
        if only.as_deref().is_some_and(|f| !case.name.contains(f)) {
            continue;
        }
        ran += 1;
        let name = case.name;
        let (outcome, verdict) = run(case, root.path(), &base, &fakes);
        if show || verdict.is_err() {
            let tail: String = outcome.stderr.chars().take(1500).collect();
            println!(
                "== {name}: exit {:?}\n-- stdout: {}\n-- stderr: {tail}",
                outcome.code,
                outcome.stdout.chars().take(400).collect::<String>()
            );
        }
        if let Err(problem) = verdict {
            failures.push(format!("{name}: {problem}"));
        }
    }
    println!(
        "bad inputs: {ran} of {total} run, {} failed",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A configuration error names the file that was read, which `--config` may have named: the
/// `[ai] remove` check runs after the file is loaded, in another layer, and once said
/// "teamlens.toml" whatever the file was called.
#[test]
fn an_unknown_ai_removal_names_the_file_given_with_config() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("platform-team.toml");
    std::fs::write(&file, "[ai]\nremove = [\"Claud Code\"]\n").unwrap();
    let output = teamlens()
        .current_dir(dir.path())
        .arg("--config")
        .arg(&file)
        .args(["explain", "review_bottleneck"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("platform-team.toml: [ai] remove names no built-in tool: Claud Code"),
        "{stderr}"
    );
    assert!(!stderr.contains("teamlens.toml"), "{stderr}");
}
