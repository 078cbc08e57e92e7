//! The command line: clap definitions, the values each argument may take, and what it means when
//! left out. `main.rs` parses it and hands it to `app::run`.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand, ValueEnum};

use crate::period::{Month, MonthSpan};

/// Delivery outcomes beside output, and the failure modes of engineering management, from your
/// pull requests, reviews and tickets — backed by evidence, never a ranking of people.
#[derive(Debug, Parser)]
#[command(name = "teamlens", version, about, long_about = None)]
pub struct Cli {
    /// Where the normalized tables are kept.
    #[arg(long, global = true, default_value = DEFAULT_DATA_DIR, value_name = "DIR")]
    pub data_dir: PathBuf,
    /// Configuration file (optional; every setting has a default).
    #[arg(
        long,
        global = true,
        default_value = DEFAULT_CONFIG,
        value_name = "FILE"
    )]
    pub config: PathBuf,
    /// Print nothing but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// More detail on what is happening (-v, -vv).
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// When another teamlens is writing the data directory, fail at once (naming it) instead
    /// of waiting for it to finish.
    #[arg(long, global = true)]
    pub no_wait: bool,
    #[command(subcommand)]
    pub command: Command,
}

/// The data directory when `--data-dir` is not given: the user's real data.
pub const DEFAULT_DATA_DIR: &str = ".teamlens";
/// The configuration file when `--config` is not given; it may be absent.
pub const DEFAULT_CONFIG: &str = "teamlens.toml";

impl Cli {
    /// Whether the configuration file must exist: one named on the command line must, except
    /// the one `init` is about to write; the default may be absent (every setting has a default).
    pub fn config_must_exist(&self) -> bool {
        self.config != Path::new(DEFAULT_CONFIG) && !matches!(self.command, Command::Init { .. })
    }

    /// The data directory named on the command line, if one was: `demo` keeps its simulated
    /// tables there and `bench` caches its stores there, but neither writes into the default,
    /// which holds the user's real data.
    pub fn named_data_dir(&self) -> Option<&Path> {
        (self.data_dir != Path::new(DEFAULT_DATA_DIR)).then_some(self.data_dir.as_path())
    }
}

/// The months `report` covers, from `--quarter`, `--from`/`--to` or `--month`; `None` when none
/// is given, for the last full month in the data (which only the store can tell).
pub fn report_span(
    month: Option<Month>,
    from: Option<Month>,
    to: Option<Month>,
    quarter: Option<MonthSpan>,
) -> Result<Option<MonthSpan>, crate::period::BadSpan> {
    Ok(match (month, from, to, quarter) {
        (_, _, _, Some(quarter)) => Some(quarter),
        (_, Some(from), Some(to), _) => Some(MonthSpan::new(from, to)?),
        (Some(month), ..) => Some(MonthSpan::month(month)),
        _ => None,
    })
}

/// Where a report goes without `--out`: `reports/<YYYY-MM>`, or `reports/<FROM>_<TO>`; a
/// team's report (`--team`) adds each team's name as a file name: `reports/<YYYY-MM>-<team>`.
pub fn default_report_out(span: MonthSpan, teams: &[String]) -> PathBuf {
    let mut name = if span.first == span.last {
        span.last.to_string()
    } else {
        format!("{}_{}", span.first, span.last)
    };
    for team in teams {
        name.push('-');
        name.push_str(&crate::report::team_file_name(team));
    }
    PathBuf::from("reports").join(name)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Simulate an organisation and write its monthly report: no token, no network needed.
    Demo {
        /// Where the report goes.
        #[arg(long, default_value = "reports/demo", value_name = "DIR")]
        out: PathBuf,
        /// Seed of the simulated organisation.
        #[arg(long, default_value_t = 42, value_parser = parse_seed)]
        seed: u64,
    },
    /// Write a simulated organisation's tables (and the ground truth it planted) to a data directory.
    Simulate {
        /// The data directory to create, or an earlier simulation to replace.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long, default_value_t = 42, value_parser = parse_seed)]
        seed: u64,
        /// Number of teams (each a manager and about five engineers).
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=2000))]
        teams: u32,
        /// Months simulated, ending with --until.
        #[arg(long, default_value_t = 6, value_parser = clap::value_parser!(u32).range(1..=60))]
        months: u32,
        /// Multiplies everyone's activity (1.0 ≈ 2.5 PRs per engineer per week).
        #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
        scale: f64,
        /// The last simulated month.
        #[arg(long, default_value = "2026-10")]
        until: Month,
        /// Store the organisation as a fetch at the end of this month would have seen it: the
        /// same people and work as without it, cut off there (PRs merged later still open,
        /// tickets in the status they had). Earlier than --until; for checking that a report
        /// for a past month does not change when later data arrives.
        #[arg(long, value_name = "MONTH")]
        recorded_until: Option<Month>,
        /// Replace a data directory that holds fetched or imported data too (by default only an
        /// earlier simulation is replaced).
        #[arg(long)]
        force: bool,
    },
    /// Load a folder of <table>.csv, <table>.jsonl or <table>.parquet files into the data directory.
    Import {
        /// The folder holding the table files.
        path: PathBuf,
    },
    /// Fetch from a source into the data directory: only what changed since the last fetch,
    /// resuming where an interrupted fetch stopped. Without a source, the sources in
    /// teamlens.toml.
    Fetch {
        #[command(subcommand)]
        source: Option<FetchSource>,
        /// How far back a first fetch reaches: a date (2026-01-31), a month (2026-01) or an
        /// RFC 3339 time. Default: twelve months ago, except for a git clone, which is read whole.
        #[arg(long, global = true, value_parser = parse_since)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// When GitHub's hourly rate limit (or Linear's) runs out, wait for it to reset instead
        /// of stopping.
        #[arg(long, global = true)]
        wait: bool,
        /// Estimate the requests and rate-limit points the fetch would cost, and fetch nothing.
        #[arg(long, global = true)]
        dry_run: bool,
        /// Repair a damaged data directory first: set aside every file that is missing,
        /// truncated, corrupted or disagrees with the manifest (moved to damaged/, never
        /// deleted), rewind the sources that had rows in them, and fetch those rows again.
        #[arg(long, global = true, conflicts_with = "dry_run")]
        repair: bool,
    },
    /// Write a starting teamlens.toml from a GitHub organisation: its repositories and proposed
    /// teams (its GitHub teams, else CODEOWNERS, else who reviews whom), to confirm or rename.
    Init {
        /// The GitHub organisation.
        #[arg(long)]
        org: String,
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Run SQL over the tables and metrics (an SQL string, or a .sql file).
    Query {
        /// `SELECT …`, or the path of a .sql file.
        sql: String,
        /// `table`: a preview; `csv`: every row, lists joined with `;` as `import` reads them;
        /// `json`: every row, lists as arrays and structs as objects.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Write the monthly report: Markdown, HTML, JSON, charts (SVG and PNG) and the data behind
    /// them (CSV).
    Report {
        /// The month to report (default: the last full month in the data).
        #[arg(long, value_parser = parse_report_month, conflicts_with_all = ["from", "to", "quarter"])]
        month: Option<Month>,
        /// The first month of a range (with --to; whole months, as metrics are monthly).
        #[arg(
            long,
            requires = "to",
            conflicts_with = "quarter",
            value_name = "YYYY-MM"
        )]
        from: Option<Month>,
        /// The last month of a range (with --from).
        #[arg(
            long,
            requires = "from",
            conflicts_with = "quarter",
            value_name = "YYYY-MM"
        )]
        to: Option<Month>,
        /// A quarter, such as 2026-Q3.
        #[arg(long, value_parser = parse_quarter, value_name = "YYYY-QN")]
        quarter: Option<MonthSpan>,
        /// Where the report goes (default: reports/<YYYY-MM>, or reports/<FROM>_<TO>; with
        /// --team, the team's name added: reports/<YYYY-MM>-<team>).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Only this team's findings, health signals, stuck items, metric rows and charts (the
        /// headline trends stay, labelled organisation-wide). Repeat for several teams.
        #[arg(long, value_name = "NAME")]
        team: Vec<String>,
        #[command(flatten)]
        privacy: Privacy,
        /// A folder with report.md.j2 and report.html.j2 to use instead of the built-in templates.
        #[arg(long, value_name = "DIR")]
        templates: Option<PathBuf>,
        /// A folder of your own NN_name.sql metrics, run after the built-in ones.
        #[arg(long, value_name = "DIR")]
        metrics: Option<PathBuf>,
    },
    /// Write retro.md for the team's retrospective: three to five talking points as questions
    /// with their evidence, what improved since the last retro, and what to watch. Written for
    /// the team (no one's health signals, not even counted) unless --audience manager, where
    /// they are check-ins.
    Retro {
        /// Start of the period the retro looks back on (default: the day after the last retro,
        /// or the start of the last full month). Its month and the months up to the last full
        /// one are judged; the month before it is the comparison when no earlier retro was kept.
        #[arg(long, value_parser = parse_since)]
        since: Option<chrono::DateTime<chrono::Utc>>,
        /// Where retro.md goes.
        #[arg(long, default_value = "retro", value_name = "DIR")]
        out: PathBuf,
        /// Who reads it (default for a retro: the team).
        #[arg(long, value_enum, default_value_t = AudienceArg::Team)]
        audience: AudienceArg,
        /// Replace every person by a stable pseudonym.
        #[arg(long)]
        anonymize: bool,
        /// Ask only about this team's findings (the headline trends stay organisation-wide);
        /// its state is kept apart from the organisation's retro. Repeat for several teams.
        #[arg(long, value_name = "NAME")]
        team: Vec<String>,
    },
    /// Time and peak memory of the analysis (load, metrics, detectors, report) of simulated
    /// organisations of each size over a year, beside the floor of scanning the Parquet columns
    /// it needs. Stores are simulated once and cached (under --data-dir when given); generation
    /// is not measured.
    Bench {
        /// Organisation sizes in people, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [50, 500, 2000],
              value_parser = clap::value_parser!(u32).range(6..=20000))]
        sizes: Vec<u32>,
        /// Months stored, comma-separated: a store each (the same organisation, earlier months
        /// added before the same last month), measured side by side; the ratios are to the
        /// fewest months' store.
        #[arg(long, value_delimiter = ',', default_values_t = [12],
              value_parser = clap::value_parser!(u32).range(1..=60))]
        months: Vec<u32>,
        #[arg(long, default_value_t = 42, value_parser = parse_seed)]
        seed: u64,
        /// Activity per person (1.0 ≈ 2.5 PRs per engineer per week); the default 4 makes the
        /// 2,000-person year about 870,000 PRs.
        #[arg(long, default_value_t = 4.0, value_parser = parse_scale)]
        activity: f64,
        #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
        format: EvalFormat,
        /// Simulate the stores again even when cached ones exist.
        #[arg(long)]
        regenerate: bool,
        /// Times the floor and the analysis are each measured, alternately; the figures are the
        /// medians. On a shared machine one run of either varies by a fifth or more.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
        runs: u32,
        /// Also time the analysis reading every stored month (TEAMLENS_WHOLE_HISTORY=1), not only
        /// the months the report judges and looks back on, and check that every run wrote the
        /// same report folder (a warning on stderr if not: the window read has a bug).
        #[arg(long)]
        whole_history: bool,
        /// Also time the month's retro (with no earlier retro; its state is not kept).
        #[arg(long)]
        retro: bool,
        /// Do not run the metric SQL on DuckDB beside the analysis. By default it runs after
        /// each analysis when `python3` can import duckdb (pip install duckdb), on the same
        /// columns of the same files.
        #[arg(long)]
        no_duckdb: bool,
    },
    /// One measured part of `teamlens bench`, run by it as a child process.
    #[command(hide = true)]
    BenchRun {
        #[arg(long, value_enum)]
        part: crate::bench::Part,
        #[arg(long, value_name = "DIR")]
        store: PathBuf,
        #[arg(long)]
        month: Month,
        /// The team whose report `--part team` times.
        #[arg(long)]
        team: Option<String>,
    },
    /// Score every detector against simulated organisations with known patterns: precision and
    /// recall per finding kind, per month and per subject, and findings on healthy controls and
    /// hard-case teams (of the kinds each tempts, and of others); the tuning seeds and the unseen
    /// seeds apart.
    Eval {
        /// Which organisations: the tuning seeds (1–36, the thresholds were tuned on them), the
        /// development seeds (1001–1036, shifted parameters whose misses were read and traced),
        /// both of those, the second, third and fourth development seeds (development-2:
        /// 3001–3036, development-3: 4001–4036, development-4: 5001–5036, each a former unseen
        /// set, read since its one run), the unseen seeds (6001–6036, from the development seeds'
        /// generator, run once when the changes were final), or the tuning seeds with the real
        /// corpus's habits (tuning-habits).
        #[arg(long, value_enum, default_value_t = EvalSet::Both)]
        set: EvalSet,
        /// How many organisations of each set to simulate (seeds first-seed, first-seed + 1, …).
        #[arg(long, default_value_t = 36, value_parser = clap::value_parser!(u64).range(1..=10000))]
        seeds: u64,
        /// The first seed (default: 1 for tuning, 1001 for development, 3001 for development-2,
        /// 4001 for development-3, 5001 for development-4, 6001 for unseen); needs
        /// a single set, not `--set both`.
        #[arg(long)]
        first_seed: Option<u64>,
        /// How many of each organisation's last months to judge.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=6))]
        months: u64,
        #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
        format: EvalFormat,
        /// Also list every miss and false alarm.
        #[arg(long)]
        mistakes: bool,
        /// Also list every finding, planted or not, with its figures (what a miss class is
        /// traced on).
        #[arg(long)]
        findings: bool,
    },
    /// Every detector's record on real histories: each store's months reported one by one as
    /// the data stood at each month's end; base rates per detector (and what the ones that could
    /// not judge lacked), attrition against the departures the histories show, and people's
    /// after-hours shares in their own commits' offsets.
    Validate {
        /// Data directories, one fetched history each (`teamlens fetch git CLONE --data-dir D`).
        #[arg(required_unless_present = "record", value_name = "DATA_DIR")]
        stores: Vec<PathBuf>,
        /// Print a record an earlier `validate --format json` wrote (such as
        /// assets/track_record.json) instead of reading stores.
        #[arg(long, value_name = "FILE", conflicts_with = "stores")]
        record: Option<PathBuf>,
        /// The first month to report (default: the second month of each history).
        #[arg(long, value_name = "YYYY-MM")]
        from: Option<Month>,
        #[arg(long, value_enum, default_value_t = EvalFormat::Table)]
        format: EvalFormat,
        /// Also write every finding (history, month, kind, subject, headline) to this TSV file,
        /// for reviewing a sample of them.
        #[arg(long, value_name = "FILE")]
        findings: Option<PathBuf>,
    },
    /// The roster as stored (the people table); with --unmatched, the accounts in the tables
    /// that match no person, with suggested matches (same e-mail, same display name).
    People {
        /// List the accounts no person of the roster has.
        #[arg(long)]
        unmatched: bool,
        /// List who is who as the analysis sees it: every account merged into another person
        /// with its evidence, the merges teamlens.toml refused, the bots, and the teams assumed
        /// when the roster names none.
        #[arg(long, conflicts_with = "unmatched")]
        merged: bool,
    },
    /// Acknowledge a finding the team knows and accepts for now (a required code owner, a
    /// manager covering a vacancy): until its month ends, reports list it as acknowledged, with
    /// the reason, instead of among the findings, and the retro names it as it expires. Kept in
    /// teamlens.acks.toml beside teamlens.toml, for the team to review.
    Ack(AckArgs),
    /// Send a written report to where people read it: this month's GitHub issue, the GitHub
    /// Actions step summary, Slack, or any webhook. Reads the report folder (`teamlens report`
    /// writes it) and sends it as it is: it never analyses again and never writes to the folder.
    Publish(PublishArgs),
    /// What a finding kind means: the pattern, its signals, and its thresholds with their
    /// config keys and current values.
    Explain {
        /// A finding kind, such as review_bottleneck (`teamlens explain all` lists every one).
        kind: String,
    },
    /// Print a shell completion script for bash, zsh, fish, powershell or elvish.
    ///
    /// bash: `teamlens completions bash > ~/.local/share/bash-completion/completions/teamlens`;
    /// zsh: save it as `_teamlens` in a folder of your $fpath; fish: save it as
    /// ~/.config/fish/completions/teamlens.fish; powershell: add `teamlens completions
    /// powershell | Out-String | Invoke-Expression` to $PROFILE; elvish: add `eval (teamlens
    /// completions elvish | slurp)` to rc.elv.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout, as `man -l -` reads it.
    ///
    /// `teamlens man | man -l -` shows it; `teamlens man --out DIR` writes a page for every
    /// command, to install under a man1/ folder on MANPATH.
    Man {
        /// Write one page per command into this folder instead (teamlens.1, teamlens-fetch.1,
        /// teamlens-fetch-github.1, …), for a man1/ directory on MANPATH.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `teamlens ack`'s arguments.
#[derive(Debug, clap::Args)]
pub struct AckArgs {
    /// A finding kind, such as review_bottleneck (`teamlens explain all` lists every one).
    #[arg(required_unless_present = "list")]
    pub kind: Option<String>,
    /// The finding's subject: a person, or a team.
    #[arg(required_unless_present = "list")]
    pub subject: Option<String>,
    /// The last month the acknowledgement holds.
    #[arg(long, value_name = "YYYY-MM", required_unless_present_any = ["list", "remove"])]
    pub until: Option<Month>,
    /// Why the finding is accepted, in the team's words.
    #[arg(long, required_unless_present_any = ["list", "remove"])]
    pub reason: Option<String>,
    /// List the acknowledgements, expired ones marked.
    #[arg(long, conflicts_with_all = ["kind", "subject", "until", "reason", "remove"])]
    pub list: bool,
    /// Remove the acknowledgement of KIND for SUBJECT.
    #[arg(long, conflicts_with_all = ["until", "reason"])]
    pub remove: bool,
}

/// `teamlens publish`'s arguments: where to, and which report.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    #[command(subcommand)]
    pub target: PublishTarget,
    /// The report folder to send (default: the folder `teamlens report` writes without --out:
    /// reports/<YYYY-MM>, with --team reports/<YYYY-MM>-<team>).
    #[arg(long, global = true, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// The month of the default report folder (default: the last full month in the data, as
    /// for `teamlens report`).
    #[arg(long, global = true, value_parser = parse_report_month, value_name = "YYYY-MM",
          conflicts_with = "report")]
    pub month: Option<Month>,
    /// The team of the default report folder, as given to `teamlens report --team`. Repeat for
    /// several teams.
    #[arg(long, global = true, value_name = "NAME", conflicts_with = "report")]
    pub team: Vec<String>,
    /// A link to the full report (HTML, charts, data), such as the workflow run's artifacts page,
    /// shown with what is sent.
    #[arg(long, global = true, value_parser = parse_link, value_name = "URL")]
    pub link: Option<String>,
    /// Print exactly what would be sent (the issue's title, labels, body and comments with their
    /// sizes; the Slack message; the webhook's JSON) and send nothing. Needs no credentials.
    #[arg(long, global = true)]
    pub dry_run: bool,
}

/// Where `teamlens publish` sends a report.
#[derive(Debug, Clone, Subcommand)]
pub enum PublishTarget {
    /// This month's issue in OWNER/REPO: created the first time, updated in place afterwards
    /// (found by its first label and its title, open or closed). A report longer than GitHub
    /// takes in an issue (65,536 characters) continues in comments, kept in step on each run.
    /// Needs GITHUB_TOKEN (Issues: write), `gh auth login`, or a GitHub App under [github].
    GithubIssue {
        /// The repository, as OWNER/REPO.
        repository: String,
        /// A label for the issue, created in the repository when it lacks it; the first finds
        /// the issue again next time. Repeat for several.
        #[arg(long, value_name = "NAME", default_value = "teamlens-report")]
        label: Vec<String>,
    },
    /// Append the report's Markdown to the file GITHUB_STEP_SUMMARY names, the summary of the
    /// GitHub Actions step (at most 1 MiB a step: a longer report is cut between sections).
    StepSummary,
    /// A Slack message through an incoming webhook: the summary, the questions for the retro
    /// and the link. The webhook URL is a credential: give it in SLACK_WEBHOOK_URL rather than on
    /// the command line, where shell history and process lists keep it.
    Slack {
        /// The incoming webhook's URL (default: SLACK_WEBHOOK_URL).
        #[arg(value_name = "WEBHOOK_URL", value_parser = secret_url)]
        url: Option<secrecy::SecretString>,
    },
    /// POST report.json's summary and findings, with the period, teams, audience, schema version
    /// and link, as JSON to any URL (a chat bridge, an automation). A URL holding a token is a
    /// credential: give it in TEAMLENS_WEBHOOK_URL rather than on the command line.
    Webhook {
        /// The URL to POST to (default: TEAMLENS_WEBHOOK_URL).
        #[arg(value_name = "URL", value_parser = secret_url)]
        url: Option<secrecy::SecretString>,
    },
}

/// A webhook URL, kept secret from the moment it is read: never echoed by a parse error (it is
/// checked later, by a message that does not quote it).
fn secret_url(text: &str) -> Result<secrecy::SecretString, std::convert::Infallible> {
    Ok(secrecy::SecretString::from(text.trim().to_string()))
}

/// `--link`: an http(s) URL, which every place a report goes can show as a link.
fn parse_link(text: &str) -> Result<String, String> {
    match reqwest::Url::parse(text.trim()) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
            Ok(url.to_string())
        }
        _ => Err(format!(
            "`{text}` is not a web link: give an http(s) URL, such as the workflow run's page \
             https://github.com/OWNER/REPO/actions/runs/ID"
        )),
    }
}

/// Who a report is for, and whether it names people.
#[derive(Debug, Clone, clap::Args)]
pub struct Privacy {
    /// Who reads the report: `manager` names people; `team` shows per-person health signals
    /// (burnout, attrition risk) only as team counts, for teams of at least `[report]
    /// min_group_size` active people (default 5).
    #[arg(long, value_enum, default_value_t = AudienceArg::Manager)]
    pub audience: AudienceArg,
    /// Replace every person by a stable pseudonym (the same in every report from this data
    /// directory; the key is kept in DATA_DIR/pseudonym.key).
    #[arg(long)]
    pub anonymize: bool,
}

/// `--audience`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AudienceArg {
    Manager,
    Team,
}

impl From<AudienceArg> for crate::report::Audience {
    fn from(audience: AudienceArg) -> Self {
        match audience {
            AudienceArg::Manager => crate::report::Audience::Manager,
            AudienceArg::Team => crate::report::Audience::Team,
        }
    }
}

fn parse_quarter(text: &str) -> Result<MonthSpan, String> {
    MonthSpan::quarter(text).map_err(|e| e.to_string())
}

/// The sources `teamlens fetch` can read.
#[derive(Debug, Clone, Subcommand)]
pub enum FetchSource {
    /// GitHub (or GitHub Enterprise Server): pull requests, reviews, timelines, commits, files,
    /// issues, deployments and releases.
    Github {
        /// Repositories as OWNER/NAME.
        repositories: Vec<String>,
        /// Every repository of an organisation (archived ones and forks left out).
        #[arg(long, value_name = "ORG")]
        org: Vec<String>,
    },
    /// Linear: issues with their history (state, assignee, title, description, cycle, estimate,
    /// priority, labels), comments and linked pull requests. Needs LINEAR_API_KEY.
    Linear {
        /// Team keys, such as PAY (the prefix of the team's issue identifiers).
        #[arg(required = true, value_parser = crate::sources::linear::parse_team_key)]
        teams: Vec<String>,
    },
    /// Local git clones: commits, files, and the PRs and reviews their merge messages and
    /// trailers name (bors, GitHub merges and squashes, Gerrit, Reviewed-by and the like).
    Git {
        /// Paths of clones.
        paths: Vec<std::path::PathBuf>,
        /// The branch or revision to read (default: HEAD).
        #[arg(long, value_name = "BRANCH")]
        branch: Option<String>,
    },
    /// Jira Cloud: issues with their whole changelog (status, assignee, summary, description,
    /// sprint, story points, priority, labels), comments and links to pull requests. Needs
    /// JIRA_BASE_URL (or base_url under [jira]), JIRA_EMAIL and JIRA_API_TOKEN.
    Jira {
        /// Project keys, such as OPS.
        #[arg(required = true, value_parser = parse_project_key)]
        projects: Vec<String>,
    },
}

/// What was named, as plain values for `teamlens fetch`.
impl From<FetchSource> for crate::fetch::Named {
    fn from(source: FetchSource) -> Self {
        use crate::fetch::Named;
        match source {
            FetchSource::Github { repositories, org } => Named::GitHub {
                repositories,
                organizations: org,
            },
            FetchSource::Linear { teams } => Named::Linear { teams },
            FetchSource::Git { paths, branch } => Named::Git { paths, branch },
            FetchSource::Jira { projects } => Named::Jira { projects },
        }
    }
}

/// Which organisations `teamlens eval` scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalSet {
    /// Seeds 1–36: the thresholds were tuned on them.
    Tuning,
    /// Seeds 1001–1036: shifted parameters, read miss by miss to find causes.
    Development,
    /// Seeds 3001–3036: the former unseen seeds, run once and read since (not part of `both`).
    #[value(name = "development-2")]
    SecondDevelopment,
    /// Seeds 4001–4036: the unseen seeds of the second round, run once and read since (not part
    /// of `both`).
    #[value(name = "development-3")]
    ThirdDevelopment,
    /// Seeds 5001–5036: the unseen seeds of the third round, run once and read since (not part
    /// of `both`).
    #[value(name = "development-4")]
    FourthDevelopment,
    /// Seeds 6001–6036: untouched, run once after the changes were final (not part of `both`).
    Unseen,
    /// Tuning and development.
    Both,
    /// The tuning seeds with the real corpus's habits on every team (not part of `both`).
    TuningHabits,
    /// The tuning and unseen seeds with coding assistants planted (not part of `both`): what
    /// `ai_output_without_outcome` is scored on.
    Assistants,
}

/// How `teamlens eval` and `teamlens bench` print their results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    Table,
    Json,
}

/// How `teamlens query` prints its result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// `--month` of a report: a month that has begun (a later one can have no data yet).
fn parse_report_month(text: &str) -> Result<Month, String> {
    let month: Month = text
        .parse()
        .map_err(|e: crate::period::BadMonth| e.to_string())?;
    let now = Month::of(chrono::Utc::now().date_naive());
    if month > now {
        return Err(format!(
            "`{text}` is in the future: give a month up to {now}, or leave --month out for the last \
             full month in the data"
        ));
    }
    Ok(month)
}

/// A Jira project key: a letter, then letters, digits or underscores (Jira's own rule), kept
/// in upper case as Jira shows it.
fn parse_project_key(text: &str) -> Result<String, String> {
    let key = text.trim().to_uppercase();
    let mut chars = key.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && key.len() <= 255;
    if valid {
        Ok(key)
    } else {
        Err(format!(
            "`{text}` is not a Jira project key: give the key issues are numbered with, such as OPS \
             (a letter, then letters, digits or underscores)"
        ))
    }
}

/// A seed: any whole number from 0 up, so the same organisation can be simulated again.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.trim()
        .parse::<u64>()
        .map_err(|_| format!("`{text}` is not a seed: give a whole number from 0 up, such as 42"))
}

/// `--since`: a date, a month or an RFC 3339 time, not in the future.
pub fn parse_since(text: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use chrono::{NaiveDate, TimeZone, Utc};
    let text = text.trim();
    let parsed = if let Ok(time) = chrono::DateTime::parse_from_rfc3339(text) {
        Some(time.with_timezone(&Utc))
    } else if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        date.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t))
    } else if let Ok(date) = NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d") {
        date.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t))
    } else {
        None
    };
    match parsed {
        Some(time) if time > Utc::now() => Err(format!(
            "`{text}` is in the future: --since takes the earliest date to fetch"
        )),
        Some(time) => Ok(time),
        None => Err(format!(
            "`{text}` is not a date: give YYYY-MM-DD (2026-01-31), YYYY-MM (2026-01) or an RFC 3339 \
             time (2026-01-31T09:00:00Z)"
        )),
    }
}

fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 100.0 => Ok(v),
        _ => Err(format!(
            "`{text}` is not a scale: give a number above 0 and at most 100, such as 1.5"
        )),
    }
}
