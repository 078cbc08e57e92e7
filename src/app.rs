//! One function per command: each loads what it needs, calls the pipeline in order
//! (sources → store → metrics → detectors → report) and says where the results are.
//! The only place `anyhow` is used: below this, errors are typed per module.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use crate::analysis;
use crate::cli::{Cli, Command, EvalFormat, FetchSource, Format};
use crate::config::Config;
use crate::detect::{self, FindingKind};
use crate::dir_lock::{LazyWriteLock, Resource, Wait, WriteLock};
use crate::identity;
use crate::identity::Roster;
use crate::metrics;
use crate::metrics::Metric;
use crate::period::{Month, MonthSpan};
use crate::progress::FetchProgress;
use crate::report::{self, Audience};
use crate::sources::fetch::runtime;
use crate::sources::github;
use crate::sources::github::fetch::github_client;
use crate::sources::simulate::{GroundTruth, SimConfig, Simulator};
use crate::sources::{Source, import::FileImport};
use crate::store::Store;

/// Sets up log output on stderr: warnings by default, more with -v, errors only with -q.
pub fn init_logging(quiet: bool, verbose: u8) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TEAMLENS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("teamlens={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Prints a line for the user unless `--quiet`.
struct Say {
    quiet: bool,
}

impl Say {
    fn line(&self, text: impl AsRef<str>) {
        if !self.quiet {
            println!("{}", text.as_ref());
        }
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let say = Say { quiet: cli.quiet };
    // `completions` and `man` print what the clap definitions say and read nothing else, so a
    // broken teamlens.toml in the folder a shell starts in cannot break its completions.
    match &cli.command {
        Command::Completions { shell } => return completions(*shell),
        Command::Man { out } => return man(out.as_deref(), &say),
        _ => {}
    }
    let wait = if cli.no_wait { Wait::No } else { Wait::Block };
    // Every command that writes the data directory takes its lock on the first write and
    // keeps it to the end; readers never wait (see `dir_lock`).
    let store_lock = Arc::new(LazyWriteLock::new(
        &cli.data_dir,
        Resource::Store,
        &command_label(&cli.command),
        wait,
    ));
    let config = Config::load(&cli.config, cli.config_must_exist())?;
    // `[ai] remove` names tools of the identity layer's list, which `config` cannot read.
    crate::identity::assistants::Assistants::check_removals(&config.ai)
        .with_context(|| format!("configuration file {}", cli.config.display()))?;
    let named_data_dir = cli.named_data_dir().map(Path::to_path_buf);
    match cli.command {
        Command::Demo { out, seed } => demo(&config, &out, seed, named_data_dir.as_deref(), &say),
        Command::Simulate {
            out,
            seed,
            teams,
            months,
            scale,
            until,
            recorded_until,
            force,
        } => {
            if let Some(recorded) = recorded_until
                && recorded > until
            {
                bail!(
                    "--recorded-until {recorded} is after --until {until}: the months recorded \
                     must be simulated; give a month up to {until}"
                );
            }
            let sim = SimConfig {
                until: until.last_day(),
                recorded_until: recorded_until.map(Month::last_day),
                ..SimConfig::default_org(seed, teams as usize, months, scale)
            };
            let lock = LazyWriteLock::new(&out, Resource::Store, "simulate", wait).get()?;
            if !force {
                refuse_real_data(&out, &lock)?;
            }
            let (store, _) = write_simulation(&out, &sim, &lock)?;
            say.line(format!(
                "simulated {} teams over {} months into {} ({} pull requests, {} reviews, {} tickets); \
                 ground truth in {}",
                teams,
                months,
                out.display(),
                store.manifest().rows("pull_requests"),
                store.manifest().rows("reviews"),
                store.manifest().rows("issues"),
                out.join("ground_truth.json").display()
            ));
            Ok(())
        }
        Command::Import { path } => {
            let mut source = FileImport::new(&path);
            let batch = source.load()?;
            let mut store = Store::open_or_create(&cli.data_dir, &store_lock.get()?)?;
            let imported: Vec<String> = batch
                .frames
                .iter()
                .map(|(name, frame)| format!("{name} {}", frame.height()))
                .collect();
            store.replace_tables(batch.frames, Some((source.name(), batch.state)))?;
            say.line(format!(
                "imported into {}: {}",
                cli.data_dir.display(),
                imported.join(", ")
            ));
            Ok(())
        }
        Command::Fetch {
            source,
            since,
            wait,
            dry_run,
            repair,
        } => {
            let request = crate::fetch::Request {
                source: source.map(Into::into),
                since,
                wait,
                dry_run,
                repair,
                quiet: cli.quiet,
            };
            let say = |line: &str| say.line(line);
            Ok(crate::fetch::run(
                &cli.data_dir,
                &config,
                request,
                &store_lock,
                &say,
            )?)
        }
        Command::People { unmatched, merged } => {
            people(&cli.data_dir, &config, unmatched, merged, &say)
        }
        Command::Init { org, force } => init(&cli.config, &config, &org, force, &say),
        Command::Query { sql, format } => query(&cli.data_dir, &config, &sql, format),
        Command::Report {
            month,
            from,
            to,
            quarter,
            out,
            team,
            privacy,
            templates,
            metrics,
        } => {
            let store = Store::open(&cli.data_dir)?;
            let span = match crate::cli::report_span(month, from, to, quarter)? {
                Some(span) => span,
                None => MonthSpan::month(analysis::last_full_month(&store)?),
            };
            let out = out.unwrap_or_else(|| crate::cli::default_report_out(span, &team));
            let acks = crate::ack::Acks::load(&cli.config)?;
            let written = analyze_and_report(
                &store,
                &config,
                &ReportRequest {
                    span,
                    teams: &team,
                    acks: &acks,
                    out: &out,
                    templates: templates.as_deref(),
                    user_metrics: metrics.as_deref(),
                    audience: privacy.audience.into(),
                    anonymize: privacy.anonymize,
                },
            )?;
            say.line(format!(
                "report for {} in {}: report.md, report.html, report.json, charts/, data/",
                span.label(),
                written.dir.display()
            ));
            Ok(())
        }
        Command::Retro {
            since,
            out,
            audience,
            anonymize,
            team,
        } => {
            let store = Store::open(&cli.data_dir)?;
            // Each retro reads the last one's kept state and replaces it: one at a time.
            let _state =
                LazyWriteLock::new(&cli.data_dir, Resource::RetroState, "retro", wait).get()?;
            let acks = crate::ack::Acks::load(&cli.config)?;
            let request = RetroRequest {
                teams: &team,
                acks: &acks,
                since,
                out: &out,
                audience: audience.into(),
                anonymize,
            };
            retro(&store, &config, request, &say)
        }
        Command::Bench {
            sizes,
            months,
            seed,
            activity,
            format,
            regenerate,
            runs,
            whole_history,
            retro,
            no_duckdb,
        } => {
            let cache_dir = named_data_dir.unwrap_or_else(crate::bench::default_cache_dir);
            let mut months = months;
            months.sort_unstable();
            months.dedup();
            let plan = crate::bench::BenchPlan {
                sizes,
                months,
                whole_history,
                retro,
                seed,
                activity,
                cache_dir,
                regenerate,
                runs,
                duckdb: !no_duckdb,
            };
            bench(&config, &plan, format, &say)
        }
        Command::BenchRun {
            part,
            store,
            month,
            team,
        } => bench_run(&config, part, &store, month, team),
        Command::Eval {
            set,
            seeds,
            first_seed,
            months,
            format,
            mistakes,
            findings,
        } => evaluate(
            &config,
            set,
            first_seed,
            seeds,
            months as usize,
            format,
            Listed { mistakes, findings },
        ),
        Command::Explain { kind } => explain(&config, &kind),
        // Answered above, before the configuration was read.
        Command::Completions { .. } | Command::Man { .. } => Ok(()),
        Command::Ack(request) => ack(&cli.config, request, &say),
        Command::Publish(request) => publish(&cli.data_dir, &config, request, &say),
        Command::Validate {
            stores,
            record,
            from,
            format,
            findings,
        } => match record {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading {}", path.display()))?;
                let validation: crate::validate::Validation = serde_json::from_str(&text)
                    .with_context(|| {
                        format!(
                            "{} is not what `teamlens validate --format json` writes",
                            path.display()
                        )
                    })?;
                print_validation(&validation, format)
            }
            None => validate(&config, &stores, from, format, findings.as_deref(), &say),
        },
    }
}

/// `teamlens completions SHELL`: the shell's completion script for every command and flag.
fn completions(shell: clap_complete::Shell) -> Result<()> {
    use clap::CommandFactory;
    let mut out = std::io::stdout().lock();
    clap_complete::generate(shell, &mut Cli::command(), "teamlens", &mut out);
    out.flush()
        .context("writing the completion script to stdout")
}

/// `teamlens man [--out DIR]`: the top page to stdout, or a page per command into DIR.
fn man(out: Option<&Path>, say: &Say) -> Result<()> {
    use clap::CommandFactory;
    // `help` has no page of its own (`generate_to` leaves it out): the top page does not list it.
    let command = Cli::command().disable_help_subcommand(true);
    let Some(dir) = out else {
        let mut stdout = std::io::stdout().lock();
        clap_mangen::Man::new(command)
            .render(&mut stdout)
            .and_then(|()| stdout.flush())
            .context("writing the manual page to stdout")?;
        return Ok(());
    };
    /// The pages `generate_to` writes: the command's and each visible subcommand's, recursively.
    fn pages(command: &clap::Command) -> usize {
        1 + command
            .get_subcommands()
            .filter(|sub| !sub.is_hide_set())
            .map(pages)
            .sum::<usize>()
    }
    let count = pages(&command);
    if dir.exists() && !dir.is_dir() {
        bail!(
            "{} is a file: give --out a folder for the manual pages",
            dir.display()
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clap_mangen::generate_to(command, dir)
        .with_context(|| format!("writing manual pages into {}", dir.display()))?;
    say.line(format!(
        "{count} manual pages in {}: teamlens.1 and teamlens-<command>.1 (`man -l {}/teamlens.1`)",
        dir.display(),
        dir.display()
    ));
    Ok(())
}

/// `teamlens validate STORE…`: every month of each store reported as it stood at the month's
/// end, and the findings counted against what the histories show (`crate::validate`).
fn validate(
    config: &Config,
    stores: &[PathBuf],
    from: Option<Month>,
    format: EvalFormat,
    findings_out: Option<&Path>,
    say: &Say,
) -> Result<()> {
    use crate::validate;
    let mut runs = Vec::new();
    for dir in stores {
        let run = validate::run_history(dir, config, from)?;
        say.line(format!(
            "{}: {} months reported",
            run.name,
            run.months.len()
        ));
        // A history with no full month to report adds nothing to the counts, as before.
        if !run.months.is_empty() {
            runs.push(run);
        }
    }
    let validation = validate::summarise(&runs);
    if let Some(path) = findings_out {
        let mut text = String::from("history\tmonth\tkind\tsubject\theadline\n");
        for (history, month, found) in &validation.findings {
            text.push_str(&format!(
                "{history}\t{month}\t{}\t{}\t{}\n",
                found.kind.name(),
                found.subject,
                found.headline.replace(['\t', '\n'], " ")
            ));
        }
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
    }
    print_validation(&validation, format)
}

fn print_validation(validation: &crate::validate::Validation, format: EvalFormat) -> Result<()> {
    match format {
        EvalFormat::Table => print!("{}", validation.table()),
        EvalFormat::Json => println!("{}", serde_json::to_string_pretty(validation)?),
    }
    Ok(())
}

/// What a lock's holder is called in the message a waiting writer prints: the command and,
/// for a fetch, its source (never its arguments, which may name private repositories).
fn command_label(command: &Command) -> String {
    match command {
        Command::Fetch {
            source: Some(source),
            ..
        } => format!(
            "teamlens fetch {}",
            match source {
                FetchSource::Github { .. } => "github",
                FetchSource::Git { .. } => "git",
                FetchSource::Jira { .. } => "jira",
                FetchSource::Linear { .. } => "linear",
            }
        ),
        Command::Fetch { repair: true, .. } => "teamlens fetch --repair".into(),
        Command::Fetch { .. } => "teamlens fetch".into(),
        Command::Import { .. } => "teamlens import".into(),
        other => format!(
            "teamlens {}",
            format!("{other:?}")
                .split([' ', '{', '('])
                .next()
                .unwrap_or("")
                .to_lowercase()
        ),
    }
}

/// `teamlens publish`: the report folder (given, or the one `teamlens report` writes by
/// default), then `publish::run`.
fn publish(
    data_dir: &Path,
    config: &Config,
    request: crate::cli::PublishArgs,
    say: &Say,
) -> Result<()> {
    use crate::cli::PublishTarget;
    use crate::publish::{Request, Target};
    let report = match request.report {
        Some(dir) => dir,
        None => {
            let month = match request.month {
                Some(month) => month,
                None => {
                    let store = Store::open(data_dir).context(
                        "the default report folder is named after the data's last full month: \
                         give the report folder with --report DIR, or its month with --month",
                    )?;
                    analysis::last_full_month(&store)?
                }
            };
            crate::cli::default_report_out(MonthSpan::month(month), &request.team)
        }
    };
    let target = match request.target {
        PublishTarget::GithubIssue { repository, label } => Target::GitHubIssue {
            repository,
            labels: label,
        },
        PublishTarget::StepSummary => Target::StepSummary,
        PublishTarget::Slack { url } => Target::Slack { url },
        PublishTarget::Webhook { url } => Target::Webhook { url },
    };
    let var = |name: &str| std::env::var(name).ok();
    let request = Request {
        target,
        report,
        link: request.link,
        dry_run: request.dry_run,
        config,
        observer: Arc::new(FetchProgress::new(say.quiet)),
        var: &var,
    };
    Ok(crate::publish::run(request, &|line| say.line(line))?)
}

fn init(path: &Path, config: &Config, org: &str, force: bool, say: &Say) -> Result<()> {
    if path.exists() && !force {
        bail!(
            "{} exists already: add --force to replace it, or --config OTHER.toml to write another",
            path.display()
        );
    }
    let progress = Arc::new(FetchProgress::new(true));
    let (text, proposal) = runtime()?.block_on(async {
        let client = github_client(config, false, progress)?;
        let repositories = github::org::repositories(&client, org).await?;
        let proposal =
            github::org::propose_teams(&client, org, &repositories, chrono::Utc::now()).await?;
        let text = github::org::starter_config(org, &repositories, &proposal);
        anyhow::Ok((text, proposal))
    })?;
    crate::store::write_atomically(path, text.as_bytes())?;
    use github::proposals::Method;
    let from = match proposal.method {
        Method::GitHubTeams => "its GitHub teams",
        Method::Codeowners => "CODEOWNERS (no GitHub teams visible)",
        Method::ReviewGraph => {
            "who reviews whom in the last 90 days (no GitHub teams visible, no CODEOWNERS naming people)"
        }
        Method::Nothing => "nothing: no GitHub teams, CODEOWNERS or reviewed PRs found",
    };
    say.line(format!(
        "wrote {} for {org} with {} proposed teams from {from}: confirm or rename them, check the \
         roles and time zones, then run `teamlens fetch`",
        path.display(),
        proposal.teams.len()
    ));
    Ok(())
}

/// What `teamlens eval` lists besides its tables (`--mistakes`, `--findings`).
struct Listed {
    mistakes: bool,
    findings: bool,
}

fn evaluate(
    config: &Config,
    set: crate::cli::EvalSet,
    first_seed: Option<u64>,
    seeds: u64,
    months: usize,
    format: EvalFormat,
    listed: Listed,
) -> Result<()> {
    use crate::cli::EvalSet;
    use crate::eval::SeedSet;
    let sets: &[SeedSet] = match set {
        EvalSet::Tuning => &[SeedSet::Tuning],
        EvalSet::Development => &[SeedSet::Development],
        EvalSet::SecondDevelopment => &[SeedSet::SecondDevelopment],
        EvalSet::ThirdDevelopment => &[SeedSet::ThirdDevelopment],
        EvalSet::FourthDevelopment => &[SeedSet::FourthDevelopment],
        EvalSet::Unseen => &[SeedSet::Unseen],
        EvalSet::Both => &[SeedSet::Tuning, SeedSet::Development],
        EvalSet::TuningHabits => &[SeedSet::TuningWithHabits],
        EvalSet::Assistants => &[SeedSet::AssistantsTuning, SeedSet::AssistantsDevelopment],
    };
    if first_seed.is_some() && sets.len() > 1 {
        anyhow::bail!(
            "--first-seed needs a single set (--set tuning, development, development-2, \
             development-3, development-4, unseen or tuning-habits): the sets start at different seeds"
        );
    }
    let mut missed = Vec::new();
    let mut json = serde_json::Map::new();
    for (index, &one) in sets.iter().enumerate() {
        let evaluation = crate::eval::evaluate_set(one, first_seed, seeds, months, config)?;
        match format {
            EvalFormat::Table => {
                if index > 0 {
                    println!();
                }
                print!("{}", evaluation.table());
            }
            EvalFormat::Json => {
                json.insert(one.name().to_string(), evaluation.to_json());
            }
        }
        if listed.mistakes {
            for line in &evaluation.mistakes {
                eprintln!("{} {line}", one.name());
            }
        }
        if listed.findings {
            for line in &evaluation.findings {
                eprintln!("{} {line}", one.name());
            }
        }
        if !evaluation.meets_goals() {
            missed.push(one.name());
        }
    }
    if format == EvalFormat::Json {
        println!("{}", serde_json::Value::Object(json));
    }
    if !missed.is_empty() {
        anyhow::bail!(
            "the detectors miss their goals on the {} seeds (precision ≥ 0.95 and recall ≥ 0.90 per \
             month, no false alarm on healthy controls, none of a hard case's kinds on its team); run with \
             --mistakes to see each miss and false alarm",
            missed.join(" and ")
        );
    }
    Ok(())
}

/// `teamlens people [--unmatched]`.
fn people(
    data_dir: &Path,
    config: &Config,
    unmatched: bool,
    merged: bool,
    say: &Say,
) -> Result<()> {
    let store = Store::open(data_dir)?;
    if merged {
        return merged_people(&store, config, say);
    }
    if !unmatched {
        let frame = store
            .scan("people")?
            .select([
                col("person"),
                col("team"),
                col("teams"),
                col("role"),
                col("aliases"),
            ])
            .collect()?;
        if frame.height() == 0 {
            say.line(
                "no roster: list people as [[people]] in teamlens.toml and run teamlens fetch",
            );
            return Ok(());
        }
        say.line("person | team | role | aliases");
        let persons = frame.column("person")?.str()?.clone();
        let teams = frame.column("team")?.str()?.clone();
        let memberships = frame.column("teams")?.list()?.clone();
        let roles = frame.column("role")?.str()?.clone();
        let aliases = frame.column("aliases")?.list()?.clone();
        let strings = |list: &ListChunked, i: usize| -> Vec<String> {
            list.get_as_series(i)
                .and_then(|s| {
                    s.str()
                        .ok()
                        .map(|v| v.iter().flatten().map(str::to_string).collect())
                })
                .unwrap_or_default()
        };
        for i in 0..frame.height() {
            let names = strings(&aliases, i);
            // Every team, the primary first; an imported row may give only `team`.
            let mut all: Vec<String> = teams.get(i).map(str::to_string).into_iter().collect();
            for team in strings(&memberships, i) {
                if !all.contains(&team) {
                    all.push(team);
                }
            }
            say.line(format!(
                "{} | {} | {} | {}",
                persons.get(i).unwrap_or(""),
                all.join(", "),
                roles.get(i).unwrap_or(""),
                names.join(", ")
            ));
        }
        return Ok(());
    }
    let accounts = crate::identity::unmatched(&store)?;
    if accounts.is_empty() {
        say.line("every account in the tables matches a person of the roster");
        return Ok(());
    }
    say.line("account | rows | seen in | name / e-mail | suggested person");
    for a in &accounts {
        let who: Vec<&str> = [a.display_name.as_deref(), a.email.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let suggested: Vec<String> = a
            .suggestions
            .iter()
            .map(|s| format!("{} ({})", s.person, s.reason))
            .collect();
        say.line(format!(
            "{} | {} | {} | {} | {}",
            a.account,
            a.seen.values().sum::<usize>(),
            a.seen.keys().cloned().collect::<Vec<_>>().join(", "),
            if who.is_empty() {
                "-".to_string()
            } else {
                who.join(" ")
            },
            if suggested.is_empty() {
                "-".to_string()
            } else {
                suggested.join("; ")
            }
        ));
    }
    say.line(format!(
        "{} unmatched {}: add them as aliases of [[people]] in teamlens.toml and fetch again",
        accounts.len(),
        if accounts.len() == 1 {
            "account"
        } else {
            "accounts"
        }
    ));
    Ok(())
}

/// `teamlens people --merged`: who is who as the analysis sees it — each account merged into
/// another with its evidence, the merges the configuration refused, the bots and the teams
/// assumed without a roster.
fn merged_people(store: &Store, config: &Config, say: &Say) -> Result<()> {
    let tables = store.analysis_tables()?;
    let identities = identity::resolve(&tables, config, None)?;
    if identities.merges.is_empty() {
        say.line("no account is merged into another: every account is its own person");
    } else {
        say.line("person | account | evidence");
        for m in &identities.merges {
            say.line(format!("{} | {} | {}", m.person, m.account, m.reason));
        }
        let people: std::collections::BTreeSet<&str> = identities
            .merges
            .iter()
            .map(|m| m.person.as_str())
            .collect();
        say.line(format!(
            "{} {} merged into {} {}; if two are different people, add them to [identity] \
             never_merge in teamlens.toml",
            identities.merges.len(),
            plural(identities.merges.len(), "account", "accounts"),
            people.len(),
            plural(people.len(), "person", "people"),
        ));
    }
    for k in &identities.kept_apart {
        say.line(format!(
            "kept apart: {} and {} ({}), because {}",
            k.account, k.other, k.evidence, k.because
        ));
    }
    if !identities.bots.is_empty() {
        say.line("bots (never counted as people):");
        // A coding agent's account is a bot too, but its pull requests are counted, as
        // agent-authored work in the AI-assisted metrics (docs/ai.md): said, so that "left
        // out" does not read as "its work is lost".
        let assistants = identity::assistants::Assistants::with_config(&config.ai);
        for bot in &identities.bots {
            let agent = assistants
                .classify(&identity::assistants::ChangeText {
                    author: &bot.account,
                    author_name: None,
                    message: "",
                    trailers: &[],
                    labels: &[],
                })
                .filter(|e| e.level == identity::assistants::AiLevel::Agent);
            match agent {
                Some(e) => say.line(format!(
                    "  {} — {}; its PRs count as {}'s agent-authored work in the AI-assisted \
                     metrics, its reviews and actions in no metric",
                    bot.account, bot.reason, e.tool
                )),
                None => say.line(format!(
                    "  {} — {}; left out of every metric",
                    bot.account, bot.reason
                )),
            }
        }
    }
    if !identities.assumed_teams.is_empty() {
        say.line(format!(
            "no team in the roster: each repository is a team ({})",
            identities.assumed_teams.join(", ")
        ));
    }
    Ok(())
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `teamlens ack`: records, removes or lists the acknowledged findings beside the config file.
fn ack(config: &Path, request: crate::cli::AckArgs, say: &Say) -> Result<()> {
    let mut acks = crate::ack::Acks::load(config)?;
    let today = chrono::Utc::now().date_naive();
    if request.list {
        if acks.acks.is_empty() {
            say.line(format!("no acknowledgements in {}", acks.path.display()));
        }
        for ack in &acks.acks {
            let expired = ack.until().is_some_and(|u| u < Month::of(today));
            println!(
                "{} {} until {}{} (added {}): {}",
                ack.kind,
                ack.subject,
                ack.until,
                if expired { ", expired" } else { "" },
                ack.added,
                ack.reason
            );
        }
        return Ok(());
    }
    let (Some(kind), Some(subject)) = (request.kind, request.subject) else {
        bail!(
            "give the finding kind and its subject: teamlens ack KIND SUBJECT --until YYYY-MM --reason \"…\""
        );
    };
    if request.remove {
        acks.remove(&kind, &subject)?;
        acks.save()?;
        say.line(format!(
            "removed {kind} for {subject} from {}",
            acks.path.display()
        ));
        return Ok(());
    }
    let (Some(until), Some(reason)) = (request.until, request.reason) else {
        bail!("give --until YYYY-MM and --reason \"…\" to acknowledge {kind} for {subject}");
    };
    acks.add(&kind, &subject, until, &reason, today)?;
    acks.save()?;
    say.line(format!(
        "acknowledged {kind} for {subject} until {until} in {}",
        acks.path.display()
    ));
    Ok(())
}

/// `teamlens explain KIND`: the pattern, the signals and the thresholds with their current values.
fn explain(config: &Config, name: &str) -> Result<()> {
    let kinds: Vec<FindingKind> = if name == "all" {
        FindingKind::ALL.to_vec()
    } else {
        match FindingKind::from_name(name) {
            Some(kind) => vec![kind],
            None => anyhow::bail!(
                "unknown finding kind `{name}`; the kinds are: {}",
                FindingKind::ALL
                    .iter()
                    .map(|k| k.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    };
    for kind in kinds {
        println!("{}", detect::explain::explain(kind, config)?);
    }
    Ok(())
}

/// `simulate --out DIR` replaces the tables it simulates: refused where DIR holds anything but
/// an earlier simulation (rows fetched or imported, a roster), which may have taken hours of a
/// rate-limited fetch to gather.
fn refuse_real_data(dir: &Path, lock: &WriteLock) -> Result<()> {
    if !dir.join(crate::store::MANIFEST).exists() {
        let foreign = std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .any(|e| e.file_name() != crate::dir_lock::LOCK_DIR)
            })
            .unwrap_or(false);
        if foreign {
            bail!(
                "{} holds files but no teamlens store: give --out a new or empty folder (or \
                 an earlier simulation's), or add --force to write the simulation beside them",
                dir.display()
            );
        }
    }
    let store = Store::open_or_create(dir, lock)?;
    let sources: Vec<&String> = store.manifest().sources.keys().collect();
    let simulated = store.manifest().sources.contains_key("simulate");
    let others: Vec<&str> = sources
        .iter()
        .filter(|s| s.as_str() != "simulate")
        .map(|s| s.as_str())
        .collect();
    if others.is_empty() && (simulated || store.is_empty()) {
        return Ok(());
    }
    let what = if others.is_empty() {
        "data that no simulation wrote (a roster)".to_string()
    } else {
        format!("data from {}", others.join(", "))
    };
    bail!(
        "{} holds {what}: a simulation would replace it; give --out a new folder, or add --force \
         to replace it anyway",
        dir.display()
    )
}

/// Simulates into a data directory (replacing its tables) and writes `ground_truth.json` beside them.
fn write_simulation(dir: &Path, sim: &SimConfig, lock: &WriteLock) -> Result<(Store, GroundTruth)> {
    let mut simulator = Simulator::new(sim.clone());
    let batch = simulator.load()?;
    let truth = simulator
        .ground_truth()
        .cloned()
        .context("the simulator did not record its ground truth")?;
    let mut store = Store::open_or_create(dir, lock)?;
    store.replace_tables(batch.frames, Some((simulator.name(), batch.state)))?;
    crate::store::write_atomically(
        &dir.join("ground_truth.json"),
        &serde_json::to_vec_pretty(&truth)?,
    )?;
    Ok((store, truth))
}

/// `teamlens demo`: a simulated organisation and its report. The simulated tables go to a
/// temporary folder, or to `keep_in` (`--data-dir`) so that `query`, `retro` and `people` can be
/// tried on them after; that folder must not hold a store yet, so a demo never replaces real data.
fn demo(config: &Config, out: &Path, seed: u64, keep_in: Option<&Path>, say: &Say) -> Result<()> {
    let temporary;
    let data = match keep_in {
        Some(dir) => {
            if Store::open_if_any(dir)?.is_some() {
                bail!(
                    "{} already holds a store: the demo keeps its simulated tables only in a new \
                     folder (give another --data-dir, or none to use a temporary one)",
                    dir.display()
                );
            }
            dir
        }
        None => {
            temporary = tempfile::Builder::new()
                .prefix("teamlens-demo-")
                .tempdir()
                .context("creating a temporary data directory")?;
            temporary.path()
        }
    };
    let mut sim = SimConfig::default_org(seed, 4, 6, 1.0);
    // One team makes a good part of its recent PRs with coding assistants, without its outcomes
    // lagging, so the report's AI-assisted section has something to show (and no finding to).
    if let Some(team) = sim.teams.iter_mut().find(|t| t.name == "search") {
        team.ai = Some(crate::sources::simulate::AiUse {
            share: 0.4,
            lag: false,
        });
    }
    let month = Month::of(sim.until);
    let lock = WriteLock::acquire(data, Resource::Store, "demo", Wait::No, |_| {})?;
    let (store, truth) = write_simulation(data, &sim, &lock)?;
    say.line(format!(
        "simulated {} teams from {} to {}: {} pull requests, {} reviews, {} tickets",
        sim.teams.len(),
        sim.from(),
        sim.until,
        store.manifest().rows("pull_requests"),
        store.manifest().rows("reviews"),
        store.manifest().rows("issues"),
    ));
    // The simulated organisation keeps company holidays; a real one gives its own in
    // `[calendar]`. Unless the user's configuration does, the demo's report is told the
    // simulated ones, as an HR calendar would tell it, so its working clock skips them.
    let mut config = config.clone();
    if config.calendar.holiday_days.is_empty() {
        config.calendar.holiday_days.extend(sim.company_holidays());
    }
    let written = analyze_and_report(
        &store,
        &config,
        &ReportRequest {
            span: MonthSpan::month(month),
            teams: &[],
            // A simulated organisation's people are not the user's: their acknowledgements
            // do not apply.
            acks: &crate::ack::Acks::default(),
            out,
            templates: None,
            user_metrics: None,
            audience: Audience::Manager,
            anonymize: false,
        },
    )?;
    let planted: Vec<String> = truth
        .plants
        .iter()
        .filter(|p| p.months.contains(&month.to_string()))
        .map(|p| format!("{} ({})", p.kind, p.subject))
        .collect();
    say.line(format!("planted this month: {}", planted.join(", ")));
    say.line(format!(
        "report for {month}: {}",
        written.markdown.display()
    ));
    say.line(format!("                 {}", written.html.display()));
    match keep_in {
        Some(dir) => say.line(format!(
            "the simulated tables are kept in {0}: try `teamlens --data-dir {0} retro` or \
             `teamlens --data-dir {0} query \"SELECT * FROM review_load\"`",
            dir.display()
        )),
        None => say.line(
            "the simulated tables were temporary: `teamlens demo --data-dir DIR` keeps them for \
             `query`, `retro` and `people`",
        ),
    }
    Ok(())
}

/// What `teamlens retro` was asked for.
struct RetroRequest<'a> {
    /// The teams it is for (`--team`); empty for the whole organisation.
    teams: &'a [String],
    /// The team's acknowledged findings; the retro names those about to expire.
    acks: &'a crate::ack::Acks,
    since: Option<chrono::DateTime<chrono::Utc>>,
    out: &'a Path,
    audience: Audience,
    anonymize: bool,
}

/// `teamlens retro`: judges the months since the last retro (or `--since`), writes retro.md,
/// and keeps what it saw in the data directory for the next retro.
fn retro(store: &Store, config: &Config, request: RetroRequest, say: &Say) -> Result<()> {
    let RetroRequest {
        teams,
        acks,
        since,
        out,
        audience,
        anonymize,
    } = request;
    crate::out_dir::check_placement(out, Some(store.root()))?;
    if store.is_empty() {
        bail!(crate::store::StoreError::NoData {
            dir: store.root().to_path_buf()
        });
    }
    let last = analysis::last_full_month(store)?;
    let state = report::retro::load_state(store.root(), teams)?;
    let first = match (since, &state) {
        (Some(since), _) => Month::of(since.date_naive()),
        (None, Some(state)) => state
            .last_month
            .parse::<Month>()
            .map(Month::next)
            .unwrap_or(last),
        (None, None) => last,
    };
    if first > last {
        bail!(
            "the retro would start in {first}, after the last full month in the data ({last}): \
             fetch newer data first, or give an earlier --since"
        );
    }
    let span = MonthSpan::new(first, last)?;
    let state = if since.is_none() { state } else { None };
    let (data, baseline, raw_findings) =
        retro_pack(store, config, span, teams, acks, state, audience, anonymize)?;
    let path = report::retro::write(&data, &baseline, &raw_findings, out)?;
    report::retro::save_state(
        store.root(),
        teams,
        &report::retro::state_of(&data, &raw_findings),
    )?;
    say.line(format!(
        "retro for {} (compared with {}): {}",
        span.label(),
        baseline.label,
        path.display()
    ));
    Ok(())
}

/// The retro of `span` — its report data, the baseline it compares with (the last retro's
/// `state`, else the month before the span) and every finding as the state keeps it: what
/// `teamlens retro` writes, and what the benchmark times (`bench-run --part retro`).
#[allow(clippy::too_many_arguments)]
fn retro_pack(
    store: &Store,
    config: &Config,
    span: MonthSpan,
    teams: &[String],
    acks: &crate::ack::Acks,
    state: Option<report::retro::RetroState>,
    audience: Audience,
    anonymize: bool,
) -> Result<(
    report::ReportData,
    report::retro::Baseline,
    Vec<report::retro::FindingKey>,
)> {
    use report::retro::{Baseline, FindingKey};
    let first = span.first;
    let mut analysis = analysis::analyze_teams(store, config, span, None, teams)?;
    // The state compares every finding, acknowledged or not, with the next retro's.
    // A team's retro keeps and compares only the team's findings.
    let roster = &analysis.roster;
    let ours = |subject: &str| {
        teams.is_empty()
            || teams.iter().any(|t| match subject.strip_prefix("team:") {
                Some(team) => team == t,
                None => roster.team_of(subject) == Some(t.as_str()),
            })
    };
    let raw_findings: Vec<FindingKey> = analysis
        .outcome
        .findings
        .iter()
        .filter(|f| ours(&f.subject))
        .map(Into::into)
        .collect();
    analysis.acknowledge(acks);
    let before = first.previous().to_string();
    // Without a last retro, the organisation's retro compares with the organisation's month
    // before; a team's with the team's own (its trends), as its next retro will.
    let organisation_before = if teams.is_empty() {
        let org = analysis.metrics.get(Metric::OrgMonthly);
        let mut figures = BTreeMap::new();
        if org.height() > 0 {
            let row = org
                .clone()
                .lazy()
                .filter(col("month").eq(lit(before.clone())))
                .collect()?;
            for name in row.get_column_names() {
                if let Ok(Some(value)) = crate::common::frame::f64_values(&row, name)
                    .map(|v| v.first().copied().flatten())
                {
                    figures.insert(name.to_string(), value);
                }
            }
        }
        figures
    } else {
        BTreeMap::new()
    };
    let data = analysis.into_report_data(store, audience, anonymize)?;
    let baseline = match state {
        Some(state) => Baseline {
            label: format!("the last retro ({})", state.written),
            figures: state.figures,
            findings: Some(state.findings),
        },
        None => Baseline {
            figures: if teams.is_empty() {
                organisation_before
            } else {
                report::retro::figures_in(&data.trends, &before)
            },
            label: before,
            findings: None,
        },
    };
    Ok((data, baseline, raw_findings))
}

/// What `teamlens report` was asked for.
struct ReportRequest<'a> {
    span: MonthSpan,
    /// The teams it is about (`--team`); empty for the whole organisation.
    teams: &'a [String],
    /// The team's acknowledged findings (`teamlens ack`), listed apart from the findings.
    acks: &'a crate::ack::Acks,
    out: &'a Path,
    templates: Option<&'a Path>,
    user_metrics: Option<&'a Path>,
    audience: Audience,
    anonymize: bool,
}

fn analyze_and_report(
    store: &Store,
    config: &Config,
    request: &ReportRequest,
) -> Result<report::WrittenReport> {
    // Said before the analysis, not after it; `report::write` checks again before replacing.
    crate::out_dir::check_replaceable(request.out, Some(store.root()))?;
    if store.is_empty() {
        bail!(crate::store::StoreError::NoData {
            dir: store.root().to_path_buf()
        });
    }
    let mut analysis = analysis::analyze_teams(
        store,
        config,
        request.span,
        request.user_metrics,
        request.teams,
    )?;
    analysis.acknowledge(request.acks);
    let data = analysis.into_report_data(store, request.audience, request.anonymize)?;
    Ok(report::write(
        data,
        request.out,
        request.templates,
        Some(store.root()),
    )?)
}

fn query(data_dir: &Path, config: &Config, sql: &str, format: Format) -> Result<()> {
    let text = if sql.trim_end().ends_with(".sql") && Path::new(sql.trim()).exists() {
        std::fs::read_to_string(sql.trim()).with_context(|| format!("reading {sql}"))?
    } else {
        sql.to_string()
    };
    let store = Store::open(data_dir)?;
    // The people as every report sees them: merged accounts, bots, assumed teams.
    let scans = store.scan_all()?;
    let tables = identity::resolve(&scans, config, None)?.apply(scans)?;
    let computed = metrics::compute(&tables, config, None)?;
    let mut context = computed.sql_context(&tables);
    let frame = metrics::query(&mut context, &text)?;
    let mut stdout = std::io::stdout().lock();
    match format {
        Format::Table => {
            // SAFETY of output size: polars prints a bounded preview; CSV or JSON give all rows.
            writeln!(stdout, "{frame}")?;
        }
        Format::Csv => {
            crate::query::write_csv(&frame, &mut stdout)
                .map_err(anyhow::Error::from)
                .context("writing CSV")?;
        }
        Format::Json => {
            let rows = report::rows(&frame)?;
            serde_json::to_writer_pretty(&mut stdout, &rows)?;
            writeln!(stdout)?;
        }
    }
    Ok(())
}

/// `teamlens bench`: prepares each size's store (cached), then measures the floor and the
/// analysis (the organisation's report and one team's) in child processes of this binary.
fn bench(
    config: &Config,
    plan: &crate::bench::BenchPlan,
    format: EvalFormat,
    say: &Say,
) -> Result<()> {
    let exe = std::env::current_exe().context("finding this program to run it as a child")?;
    if format == EvalFormat::Table {
        say.line(format!(
            "teamlens bench: seed {}, {} months, activity {}, {} runs of each part; stores \
             cached in {} (simulating a store is not measured; each part runs alone in a child \
             process, peak RSS is that child's)",
            plan.seed,
            plan.months
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" and "),
            plan.activity,
            plan.runs,
            plan.cache_dir.display()
        ));
    }
    let mut results = Vec::new();
    for &people in &plan.sizes {
        if format == EvalFormat::Table {
            say.line(format!("preparing {people} people…"));
        }
        let mut stores = Vec::new();
        for &months in &plan.months {
            stores.push(crate::bench::prepare(plan, people, months)?);
        }
        // DuckDB is measured when asked for and importable, on the store of the fewest months
        // only: #27 compares it with the analysis of the same columns, and on more months the
        // SQL reads every month while the analysis reads its window (and handing each store's
        // tables over costs minutes at 2,000 people). Its tables are handed over once.
        let mut duckdb = Vec::new();
        for (i, (store, _)) in stores.iter().enumerate() {
            duckdb.push(match (plan.duckdb, crate::bench::duckdb::missing()) {
                (false, _) => Err("--no-duckdb".to_string()),
                (true, Some(missing)) => Err(missing),
                (true, None) if i > 0 => Err(format!(
                    "measured on the {}-month store only",
                    stores[0].0.months
                )),
                (true, None) => {
                    if format == EvalFormat::Table {
                        say.line("handing the derived tables to DuckDB (not measured)…");
                    }
                    let month: Month = store.month.parse().map_err(|e| {
                        anyhow::anyhow!("the month of {}: {e}", store.dir.display())
                    })?;
                    Ok(crate::bench::duckdb::prepare(&store.dir, month, config)?)
                }
            });
        }
        let extra = crate::bench::Extra {
            whole_history: plan.whole_history,
            retro: plan.retro,
        };
        for result in crate::bench::run_sizes(&exe, &stores, plan.runs, extra, &duckdb)? {
            if result.window_matches_whole_history == Some(false) {
                // Said even with --quiet and JSON: a report that is not the whole history's is
                // wrong, whatever it cost.
                eprintln!(
                    "warning: at {} people and {} months, the report read through the window is \
                     not the one read from every month (or the runs wrote different reports): \
                     `asof::window` has a bug; compare `teamlens report` with and without \
                     TEAMLENS_WHOLE_HISTORY=1 on {}",
                    result.people,
                    result.months,
                    plan.cache_dir.display()
                );
            }
            match format {
                EvalFormat::Table => print!("{}", crate::bench::describe(&result)),
                EvalFormat::Json => println!("{}", serde_json::to_string(&result)?),
            }
            results.push(result);
        }
        std::io::stdout().flush()?;
    }
    if format == EvalFormat::Table {
        print!("{}", crate::bench::summary(&results));
    }
    Ok(())
}

/// The measured child of `teamlens bench`: one part, its phases as one JSON line on stdout.
fn bench_run(
    config: &Config,
    part: crate::bench::Part,
    store_dir: &Path,
    month: Month,
    team: Option<String>,
) -> Result<()> {
    let mut log = match part {
        crate::bench::Part::Floor => crate::bench::scan_floor(store_dir)?,
        crate::bench::Part::Retro => {
            let out = tempfile::Builder::new()
                .prefix("teamlens-bench-retro-")
                .tempdir()
                .context("creating a folder for the benchmark's retro")?;
            let mut log = crate::bench::PhaseLog::default();
            log.time("retro", || -> Result<_> {
                let store = Store::open(store_dir)?;
                let acks = crate::ack::Acks::default();
                let (data, baseline, findings) = retro_pack(
                    &store,
                    config,
                    MonthSpan::month(month),
                    &[],
                    &acks,
                    None,
                    Audience::Team,
                    false,
                )?;
                report::retro::write(&data, &baseline, &findings, out.path())?;
                Ok(())
            })?;
            log
        }
        crate::bench::Part::Analysis => timed_report(config, store_dir, month, &[])?,
        crate::bench::Part::Team => {
            let team = team.context("`bench-run --part team` needs --team")?;
            timed_report(config, store_dir, month, &[team])?
        }
    };
    println!("{}", log.to_json());
    Ok(())
}

/// The report of `teams` (the organisation's when empty) for `month`, as `teamlens report`
/// makes it, each phase timed; for some teams, narrowing the tables is a phase of its own.
fn timed_report(
    config: &Config,
    store_dir: &Path,
    month: Month,
    teams: &[String],
) -> Result<crate::bench::PhaseLog> {
    let out = tempfile::Builder::new()
        .prefix("teamlens-bench-report-")
        .tempdir()
        .context("creating a folder for the benchmark's report")?;
    let mut log = crate::bench::PhaseLog::default();
    let span = MonthSpan::month(month);
    let (store, read) = log.time("load the store", || -> Result<_> {
        let store = Store::open(store_dir)?;
        let window = analysis::Window::of(span, config);
        let read = analysis::Read::from(&store, window, false, crate::scope::narrows(teams, true))?;
        Ok((store, read))
    })?;
    let loaded = log.time("resolve identities", || {
        analysis::Loaded::settle(read, config)
    })?;
    let (loaded, narrowed) = if teams.is_empty() {
        (loaded, None)
    } else {
        log.time("narrow to the team", || {
            loaded.narrow(config, span, teams, true)
        })?
    };
    let computed = log.time("compute all metrics", || {
        metrics::compute_for_analysis(&loaded.tables, config, None, &loaded.reach())
    })?;
    log.metric_sql_seconds = Some(computed.builtin_sql_seconds);
    let (roster, outcome) = log.time("run all detectors", || -> Result<_> {
        let roster = Roster::from_tables(&loaded.tables)?;
        let outcome = analysis::detect_span(span, &computed, &loaded.tables, config, &roster)?;
        Ok((roster, outcome))
    })?;
    log.time("render the report", || -> Result<_> {
        let analysis = analysis::Analysis {
            scope: teams.to_vec(),
            narrowed,
            ..analysis::Analysis::new(span, computed, outcome, roster, loaded, config)
        };
        let data = analysis.into_report_data(&store, Audience::Manager, false)?;
        report::write(data, &out.path().join("report"), None, None)?;
        Ok(())
    })?;
    log.report_digest = Some(
        crate::bench::folder_digest(&out.path().join("report"))
            .context("reading back the benchmark's report")?,
    );
    Ok(log)
}

/// The error and its causes on one line, each said once, as `main` prints it after `error: `.
/// Most of teamlens's errors already name their cause in their own message, and anyhow's `{:#}`
/// would print it again after them; a context added with `.context(…)` says only what was being
/// done, so its cause is appended.
pub fn error_message(error: &anyhow::Error) -> String {
    let mut message = String::new();
    for cause in error.chain() {
        let text = cause.to_string();
        if message.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("metric `q`: {source}")]
    struct SaysItsCause {
        source: std::io::Error,
    }

    #[test]
    fn an_error_and_its_causes_are_each_said_once() {
        let io = || std::io::Error::other("no such column `x`");
        let error = anyhow::Error::new(SaysItsCause { source: io() });
        assert_eq!(error_message(&error), "metric `q`: no such column `x`");
        let error = anyhow::Error::new(io()).context("reading the store");
        assert_eq!(
            error_message(&error),
            "reading the store: no such column `x`"
        );
    }
}
