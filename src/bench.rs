//! `teamlens bench`: what the analysis of a year of a simulated organisation costs, beside the
//! floor of simply reading the Parquet columns it needs.
//!
//! Each size is simulated once into a cached store (generation is not what is measured: a real
//! organisation's store is written by fetches over days). Then two child processes of this same
//! binary are timed, each alone on the machine: one runs the analysis as `teamlens report` does
//! (load and verify the store, every metric, every detector, the report), the other scans the
//! needed columns of every table with polars and does nothing else. A third writes one team's
//! report, as `teamlens report --team` does (the tables narrowed to what it reads,
//! `crate::scope`), for the median-sized team: what a team's report costs beside the
//! organisation's. Their peak resident memory is each child's own high-water mark, so neither
//! the simulation nor this parent is counted.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use crate::measure::{cpu_seconds, load_average, peak_rss_bytes};
use crate::model;
use crate::period::Month;
use crate::sources::Source;
use crate::sources::simulate::{SimConfig, Simulator};
use crate::store::{Store, StoreError};

pub mod duckdb;

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error("cannot prepare the benchmark's store cache at {path}: {source}")]
    Cache {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("simulating {people} people: {message}")]
    Simulate { people: u32, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot start the measured child process {exe}: {source}")]
    Spawn {
        exe: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the measured child process ({part}) {status}; its messages are above")]
    Child { part: &'static str, status: String },
    #[error("the measured child process ({part}) printed no result: {message}")]
    Output { part: &'static str, message: String },
    #[error(transparent)]
    DuckDb(#[from] duckdb::DuckDbError),
    #[error("scanning table {table} for the floor: {source}")]
    Scan {
        table: &'static str,
        #[source]
        source: PolarsError,
    },
}

/// What `teamlens bench` was asked to measure.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// Organisation sizes in people, measured in this order.
    pub sizes: Vec<u32>,
    /// Months stored, one store each per size: the same organisation (seed, people) over more
    /// months has the earlier months added before the same last month, so a month's report
    /// reads as much of each and the stores differ only in what it need not read.
    pub months: Vec<u32>,
    /// Also time the analysis reading every stored month (`TEAMLENS_WHOLE_HISTORY=1`).
    pub whole_history: bool,
    /// Also time the retro of the last month (no earlier retro), as `teamlens retro` runs it.
    pub retro: bool,
    pub seed: u64,
    /// The simulator's activity scale: 4.0 gives about 870,000 PRs a year at 2,000 people.
    pub activity: f64,
    /// Where simulated stores are kept between runs, one folder per size and seed.
    pub cache_dir: PathBuf,
    /// Simulate again even when a cached store exists.
    pub regenerate: bool,
    /// Times each part is measured (alternately); the figures are the medians.
    pub runs: u32,
    /// Run the metric SQL on DuckDB beside the analysis, when `python3` can import duckdb.
    pub duckdb: bool,
}

/// The people a simulated team has on average: a manager and the default organisation's
/// engineers (5, 6, 5, 6, 4, 5, 6, 4, 7 in turn).
const PEOPLE_PER_TEAM: f64 = 1.0 + 48.0 / 9.0;

/// The simulated organisation closest to `people` people.
pub fn sim_config(people: u32, months: u32, seed: u64, activity: f64) -> SimConfig {
    let teams = (f64::from(people) / PEOPLE_PER_TEAM).round().max(1.0) as usize;
    SimConfig::default_org(seed, teams, months, activity)
}

/// One measured phase, as a child process reports it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Phase {
    pub phase: String,
    pub seconds: f64,
    /// The process's peak resident memory from its start to the end of this phase.
    pub peak_rss_bytes: Option<u64>,
}

/// Times phases in the measured child and prints them for the parent.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PhaseLog {
    pub phases: Vec<Phase>,
    /// Rows read (the floor), so the parent can check the scan was not empty.
    pub rows: usize,
    /// The process's peak resident memory over its whole run, read just before it reports.
    pub peak_rss_bytes: Option<u64>,
    /// CPU time (user and system, all threads) over its whole run: on a loaded machine the
    /// wall-clock seconds grow with the other processes' load, these do not.
    pub cpu_seconds: Option<f64>,
    /// Of an analysis: the seconds its built-in SQL files took (`Metrics::builtin_sql_seconds`).
    #[serde(default)]
    pub metric_sql_seconds: Option<f64>,
    /// Of a report (the analysis, a team's): [`folder_digest`] of the folder it wrote, so that
    /// the parent can tell whether reading the window wrote what reading every month writes.
    #[serde(default)]
    pub report_digest: Option<String>,
}

impl PhaseLog {
    /// Runs `work` as the phase `name`, recording its time and the peak memory so far.
    pub fn time<T, E>(&mut self, name: &str, work: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        let started = Instant::now();
        let value = work()?;
        let phase = Phase {
            phase: name.to_string(),
            seconds: started.elapsed().as_secs_f64(),
            peak_rss_bytes: peak_rss_bytes(),
        };
        tracing::debug!(
            phase = name,
            seconds = phase.seconds,
            peak_rss_mib = phase.peak_rss_bytes.map(|b| b >> 20),
            rss_mib = crate::measure::rss_bytes().map(|b| b >> 20),
            "phase done"
        );
        self.phases.push(phase);
        Ok(value)
    }

    pub fn seconds(&self) -> f64 {
        self.phases.iter().map(|p| p.seconds).sum()
    }

    /// The line the child prints on stdout for its parent, with its peak memory read now.
    pub fn to_json(&mut self) -> String {
        self.peak_rss_bytes = peak_rss_bytes();
        self.cpu_seconds = cpu_seconds();
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The floor: every needed column of every table read into memory by polars, straight from the
/// store's Parquet files (no checksums, no query). Runs in the measured child.
pub fn scan_floor(store_dir: &Path) -> Result<PhaseLog, BenchError> {
    let store = Store::open(store_dir)?;
    let mut log = PhaseLog::default();
    let mut rows = 0;
    log.time("scan the needed columns", || {
        for (table, columns) in model::ANALYSIS_COLUMNS {
            let Some(spec) = model::table_spec(table) else {
                continue;
            };
            let Some(entry) = store.manifest().tables.get(*table) else {
                continue;
            };
            if entry.files.is_empty() {
                continue;
            }
            let paths: Vec<PlRefPath> = entry
                .files
                .iter()
                .map(|f| PlRefPath::new(store.root().join(&f.path).to_string_lossy().into_owned()))
                .collect();
            let args = ScanArgsParquet {
                hive_options: HiveOptions {
                    enabled: Some(false),
                    ..Default::default()
                },
                schema: Some(Arc::new((spec.schema)())),
                ..Default::default()
            };
            let frame = LazyFrame::scan_parquet_files(paths.into_iter().collect(), args)
                .and_then(|scan| {
                    scan.select(columns.iter().map(|c| col(*c)).collect::<Vec<_>>())
                        .collect()
                })
                .map_err(|source| BenchError::Scan {
                    table: spec.name,
                    source,
                })?;
            rows += frame.height();
        }
        Ok::<_, BenchError>(())
    })?;
    log.rows = rows;
    Ok(log)
}

/// A simulated store, ready to be measured.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PreparedStore {
    pub dir: PathBuf,
    /// People of the roster who are not bots.
    pub people: usize,
    pub teams: usize,
    pub months: u32,
    /// The month partitions the store holds (the simulation's months, and the ones before the
    /// first when a PR's first commit falls in them), read from the store.
    #[serde(default)]
    pub stored_months: usize,
    /// The month the report is written for: the simulation's last.
    pub month: String,
    /// Rows per table.
    pub rows: BTreeMap<String, usize>,
    /// Bytes of Parquet in the store.
    pub bytes: u64,
    /// How long simulating and writing took (not part of any measurement).
    pub generation_seconds: f64,
}

/// The file that marks a cached store as complete, written after the store.
const PREPARED: &str = "bench.json";

/// A short hash of every table's columns and types: a store cached by a build with another schema
/// is simulated again instead of failing to load (a column added since is missing from it).
fn schema_fingerprint() -> u32 {
    // FNV-1a: stable across builds and platforms, unlike the standard library's hasher.
    let mut hash: u32 = 0x811c_9dc5;
    for spec in crate::model::TABLES {
        let schema = (spec.schema)();
        let text = format!("{}:{:?}", spec.name, schema.iter().collect::<Vec<_>>());
        for byte in text.bytes() {
            hash = (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193);
        }
    }
    hash
}

/// The cached store for one size and number of months, simulated now if the cache has none.
pub fn prepare(
    plan: &BenchPlan,
    people: u32,
    months: u32,
) -> Result<(PreparedStore, bool), BenchError> {
    let key = format!(
        "v{}-schema{:08x}-sim{}-people{people}-months{months}-seed{}-activity{}",
        env!("CARGO_PKG_VERSION"),
        schema_fingerprint(),
        crate::sources::simulate::SIMULATION_VERSION,
        plan.seed,
        plan.activity
    );
    let dir = plan.cache_dir.join(key);
    let marker = dir.join(PREPARED);
    let cache_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BenchError::Cache { path, source }
    };
    if !plan.regenerate
        && let Ok(text) = std::fs::read_to_string(&marker)
        && let Ok(mut prepared) = serde_json::from_str::<PreparedStore>(&text)
        && prepared.dir == dir
    {
        // Read from the store, not the marker: a store cached before the marker recorded its
        // partitions would otherwise say 0 (as a 2,000-person bench did).
        prepared.stored_months = Store::open(&dir)?.months().len();
        return Ok((prepared, true));
    }
    if dir.exists() {
        std::fs::remove_dir_all(&dir).map_err(cache_error(&dir))?;
    }
    std::fs::create_dir_all(&dir).map_err(cache_error(&dir))?;

    let started = Instant::now();
    let sim = sim_config(people, months, plan.seed, plan.activity);
    let teams = sim.teams.len();
    let month = Month::of(sim.until).to_string();
    let mut simulator = Simulator::new(sim);
    let batch = simulator.load().map_err(|e| BenchError::Simulate {
        people,
        message: e.to_string(),
    })?;
    let humans = batch
        .frames
        .iter()
        .find(|(name, _)| *name == "people")
        .and_then(|(_, frame)| {
            frame
                .column("role")
                .ok()?
                .str()
                .ok()
                .map(|roles| roles.iter().filter(|r| *r != Some("bot")).count())
        })
        .unwrap_or(0);
    let lock = crate::dir_lock::WriteLock::acquire(
        &dir,
        crate::dir_lock::Resource::Store,
        "teamlens bench",
        crate::dir_lock::Wait::Block,
        |message| tracing::warn!("{message}"),
    )
    .map_err(StoreError::from)?;
    let mut store = Store::open_or_create(&dir, &lock)?;
    store.replace_tables(batch.frames, Some((simulator.name(), batch.state)))?;
    let manifest = store.manifest();
    let prepared = PreparedStore {
        dir: dir.clone(),
        people: humans,
        teams,
        months,
        stored_months: store.months().len(),
        month,
        rows: manifest
            .tables
            .iter()
            .map(|(name, table)| (name.clone(), table.rows))
            .collect(),
        bytes: manifest
            .tables
            .values()
            .flat_map(|t| &t.files)
            .map(|f| f.bytes)
            .sum(),
        generation_seconds: started.elapsed().as_secs_f64(),
    };
    let text = serde_json::to_vec_pretty(&prepared).unwrap_or_default();
    crate::store::write_atomically(&marker, &text)?;
    Ok((prepared, false))
}

/// The parts a child process measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Part {
    /// Load the store, compute every metric, run every detector, write the report.
    Analysis,
    /// Read the needed Parquet columns with polars, nothing else.
    Floor,
    /// The retro of the month, as `teamlens retro` writes it with no earlier retro (its state
    /// is not saved).
    Retro,
    /// One team's report (`--team`), as `teamlens report --team` writes it.
    Team,
}

impl Part {
    fn name(self) -> &'static str {
        match self {
            Part::Analysis => "analysis",
            Part::Floor => "scan floor",
            Part::Retro => "retro",
            Part::Team => "team's report",
        }
    }
}

/// How a measured child reads the store: its window of months, or every month
/// (`TEAMLENS_WHOLE_HISTORY=1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    Window,
    WholeHistory,
}

/// The team whose report the benchmark times: the median-sized team of the roster (the lower
/// middle one by people, then by name, of its non-bot people's primary teams), so that the
/// figure is a typical team's and the same store always gives the same team.
pub fn median_team(store: &PreparedStore) -> Result<(String, usize), BenchError> {
    let people = Store::open(&store.dir)?
        .scan("people")?
        .filter(col("role").neq(lit("bot")))
        .group_by([col("team")])
        .agg([len().alias("people")])
        .collect()
        .map_err(|source| BenchError::Scan {
            table: "people",
            source,
        })?;
    let teams =
        crate::common::frame::str_values(&people, "team").map_err(|source| BenchError::Scan {
            table: "people",
            source,
        })?;
    let sizes =
        crate::common::frame::i64_values(&people, "people").map_err(|source| BenchError::Scan {
            table: "people",
            source,
        })?;
    let mut teams: Vec<(usize, String)> = teams
        .into_iter()
        .zip(sizes)
        .filter_map(|(team, n)| Some((n? as usize, team?)))
        .collect();
    teams.sort();
    let middle = teams.len().saturating_sub(1) / 2;
    teams
        .get(middle)
        .map(|(n, team)| (team.clone(), *n))
        .ok_or_else(|| BenchError::Output {
            part: Part::Team.name(),
            message: "the store's roster has no team".into(),
        })
}

/// What one child process reported, with its peak memory as the kernel saw it.
#[derive(Debug, Clone)]
pub struct Measured {
    pub log: PhaseLog,
    pub peak_rss_bytes: u64,
}

/// Runs `exe bench-run --part … --store … --month …` and reads what it reports. The peak memory
/// is the child's own `VmHWM`, read by it just before it exits: `wait4`'s `ru_maxrss` would not
/// do, because Linux folds the parent's high-water mark into the child's at `exec` (the child
/// starts on a copy of the parent's address space), and the parent has just simulated.
pub fn measure(
    exe: &Path,
    part: Part,
    store: &PreparedStore,
    reading: Reading,
    team: &str,
) -> Result<Measured, BenchError> {
    let part_arg = match part {
        Part::Analysis => "analysis",
        Part::Floor => "floor",
        Part::Retro => "retro",
        Part::Team => "team",
    };
    let mut command = Command::new(exe);
    match reading {
        Reading::Window => command.env_remove("TEAMLENS_WHOLE_HISTORY"),
        Reading::WholeHistory => command.env("TEAMLENS_WHOLE_HISTORY", "1"),
    };
    command
        .arg("--quiet")
        .arg("bench-run")
        .arg("--part")
        .arg(part_arg)
        .arg("--store")
        .arg(&store.dir)
        .arg("--month")
        .arg(&store.month);
    if part == Part::Team {
        command.arg("--team").arg(team);
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|source| BenchError::Spawn {
            exe: exe.to_path_buf(),
            source,
        })?;
    let mut output = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        stdout
            .read_to_string(&mut output)
            .map_err(|e| BenchError::Output {
                part: part.name(),
                message: e.to_string(),
            })?;
    }
    let status = child.wait().map_err(|e| BenchError::Output {
        part: part.name(),
        message: e.to_string(),
    })?;
    if !status.success() {
        return Err(BenchError::Child {
            part: part.name(),
            status: status.to_string(),
        });
    }
    let log: PhaseLog = output
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok())
        .ok_or_else(|| BenchError::Output {
            part: part.name(),
            message: format!("expected a JSON line on stdout, got {:?}", output.trim()),
        })?;
    let peak_rss_bytes = log.peak_rss_bytes.ok_or_else(|| BenchError::Output {
        part: part.name(),
        message: "the child could not read its peak memory from /proc/self/status".into(),
    })?;
    Ok(Measured {
        log,
        peak_rss_bytes,
    })
}

/// The figures for one size: what `--format json` prints, one object per line.
#[derive(Debug, Clone, Serialize)]
pub struct SizeResult {
    pub people: usize,
    pub teams: usize,
    pub months: u32,
    pub prs: usize,
    pub reviews: usize,
    /// PR timeline events (`pr_events`) and ticket history (`issue_events`).
    pub timeline_events: usize,
    pub store_bytes: u64,
    /// Load, metrics, detectors and report, in the analysis child: the median of the runs.
    pub analysis_seconds: f64,
    /// The floor: the median of its runs.
    pub scan_floor_seconds: f64,
    /// `analysis_seconds / scan_floor_seconds`.
    pub ratio: f64,
    /// How many times each part ran, alternately (floor, analysis, floor, …).
    pub runs: u32,
    /// Every run's seconds, in the order they ran: the spread the medians hide.
    pub analysis_seconds_runs: Vec<f64>,
    pub scan_floor_seconds_runs: Vec<f64>,
    /// The analysis child's peak resident memory: the highest of the runs.
    pub peak_rss_bytes: u64,
    pub scan_floor_peak_rss_bytes: u64,
    /// CPU seconds of each child (whole process, start-up included), of the median run.
    pub analysis_cpu_seconds: Option<f64>,
    pub scan_floor_cpu_seconds: Option<f64>,
    /// The machine's one-minute load average after the analysis: above the core count, other
    /// processes were competing and the seconds are inflated.
    pub load_average: Option<f64>,
    /// The phases of the median analysis run.
    pub phases: Vec<Phase>,
    /// The month partitions the store holds.
    pub stored_months: usize,
    /// `analysis_seconds` over the same figure for the store of the same size with the fewest
    /// months (measured alongside, run by run): what the months a report does not judge cost
    /// it. `None` for that store itself, or when one store was measured.
    pub stored_months_ratio: Option<f64>,
    /// The analysis reading every stored month (`--whole-history`): its median and its runs.
    pub whole_history_seconds: Option<f64>,
    pub whole_history_seconds_runs: Vec<f64>,
    /// `whole_history_seconds` over the fewest months' store's.
    pub whole_history_stored_months_ratio: Option<f64>,
    /// The retro of the month (`--retro`): its median and its runs.
    pub retro_seconds: Option<f64>,
    pub retro_seconds_runs: Vec<f64>,
    /// `retro_seconds` over the fewest months' store's.
    pub retro_stored_months_ratio: Option<f64>,
    /// With `--whole-history`: whether every run of the analysis, reading its window and reading
    /// every month, wrote the same report folder, byte for byte ([`reports_agree`]). The window
    /// read (`asof::window`) promises the whole history's report; `false` is a bug in it (or in
    /// what it was given: two tickets under one key once made it count 849 tickets twice), and
    /// the benchmark says so on stderr.
    pub window_matches_whole_history: Option<bool>,
    /// DuckDB running every file of `queries/metrics/` on the same columns of the same files,
    /// in memory: the median of its runs, one after each analysis (`None`: not measured, and
    /// `duckdb_note` says why). #27 holds the whole analysis to at most this.
    pub duckdb_sql_seconds: Option<f64>,
    pub duckdb_sql_seconds_runs: Vec<f64>,
    /// DuckDB reading those columns into memory, before its SQL (the median run's).
    pub duckdb_load_seconds: Option<f64>,
    /// `analysis_seconds / duckdb_sql_seconds`: at most 1 meets #27's goal 2.
    pub analysis_over_duckdb_sql: Option<f64>,
    /// The three slowest metrics of DuckDB's median run, with their seconds.
    pub duckdb_slowest: Vec<(String, f64)>,
    /// teamlens's own seconds for the same SQL files inside the analysis (the median of the
    /// analysis runs, and each run's): the two engines on equal work, where
    /// `analysis_over_duckdb_sql` sets teamlens's whole analysis against DuckDB's SQL alone.
    pub metric_sql_seconds: Option<f64>,
    pub metric_sql_seconds_runs: Vec<f64>,
    /// `metric_sql_seconds / duckdb_sql_seconds`.
    pub metric_sql_over_duckdb_sql: Option<f64>,
    /// Why DuckDB was not measured, when it was not.
    pub duckdb_note: Option<String>,
    /// The team whose report was timed ([`median_team`]) and its people.
    pub team: String,
    pub team_people: usize,
    /// One team's report (`report --team`), in its own child: the median of its runs, and
    /// every run's seconds.
    pub team_report_seconds: f64,
    pub team_report_seconds_runs: Vec<f64>,
    /// `team_report_seconds / analysis_seconds`: what a team's report costs of the
    /// organisation's (#27's goal: at most a tenth).
    pub team_ratio: f64,
    pub team_cpu_seconds: Option<f64>,
    pub team_peak_rss_bytes: u64,
    /// The phases of the median team run.
    pub team_phases: Vec<Phase>,
    /// Simulating and writing the store (not measured; 0 when the store came from the cache).
    pub generation_seconds: f64,
    pub cached: bool,
}

/// What to measure beside the floor, the analysis and the team's report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Extra {
    pub whole_history: bool,
    pub retro: bool,
}

/// Measures prepared stores of one size `runs` times: for each run, for each store in turn,
/// the floor, then the analysis and one team's report (then, as asked, the analysis over every
/// month and the retro), each in its own child, and DuckDB's SQL when `duckdb` holds the
/// store's tables, so that a change in the machine's load falls on every part and every store
/// alike. The figures are each part's median run (by wall-clock seconds); peak memory is the
/// highest of the runs. The stores' ratios are to the first (the fewest months). `duckdb`:
/// each store's tables handed to DuckDB, or why it is not measured.
pub fn run_sizes(
    exe: &Path,
    stores: &[(PreparedStore, bool)],
    runs: u32,
    extra: Extra,
    duckdb: &[Result<duckdb::Prepared, String>],
) -> Result<Vec<SizeResult>, BenchError> {
    // Read every file once first, so the children find them in the page cache alike.
    let mut teams = Vec::new();
    for (store, _) in stores {
        Store::open(&store.dir)?.verify()?;
        teams.push(median_team(store)?);
    }
    let mut measured: Vec<Runs> = stores.iter().map(|_| Runs::default()).collect();
    for _ in 0..runs.max(1) {
        for (i, ((store, _), runs)) in stores.iter().zip(&mut measured).enumerate() {
            let team = &teams[i].0;
            let floor = measure(exe, Part::Floor, store, Reading::Window, team)?;
            if floor.log.rows == 0 {
                return Err(BenchError::Output {
                    part: Part::Floor.name(),
                    message: "the scan read no rows".into(),
                });
            }
            runs.floors.push(floor);
            runs.analyses
                .push(measure(exe, Part::Analysis, store, Reading::Window, team)?);
            runs.teams
                .push(measure(exe, Part::Team, store, Reading::Window, team)?);
            if extra.whole_history {
                runs.wholes.push(measure(
                    exe,
                    Part::Analysis,
                    store,
                    Reading::WholeHistory,
                    team,
                )?);
            }
            if extra.retro {
                runs.retros
                    .push(measure(exe, Part::Retro, store, Reading::Window, team)?);
            }
            if let Some(Ok(prepared)) = duckdb.get(i) {
                runs.duckdb.push(duckdb::run(prepared)?);
            }
        }
    }
    let medians: Vec<(f64, Option<f64>, Option<f64>)> = measured
        .iter()
        .map(|r| {
            (
                median_seconds(&r.analyses).unwrap_or(0.0),
                median_seconds(&r.wholes),
                median_seconds(&r.retros),
            )
        })
        .collect();
    let base = medians.first().copied();
    let ratio = |value: Option<f64>, of: Option<f64>, i: usize| match (value, of) {
        (Some(v), Some(b)) if i > 0 && b > 0.0 => Some(v / b),
        _ => None,
    };
    stores
        .iter()
        .zip(measured)
        .zip(teams)
        .enumerate()
        .map(|(i, (((store, cached), runs), team))| {
            let (analysis, whole, retro) = medians[i];
            let note = match duckdb.get(i) {
                Some(Ok(_)) => None,
                Some(Err(why)) => Some(why.clone()),
                None => Some("not asked".to_string()),
            };
            let mut result = describe_runs(store, *cached, runs, team, note)?;
            result.stored_months_ratio = ratio(Some(analysis), base.map(|b| b.0), i);
            result.whole_history_stored_months_ratio = ratio(whole, base.and_then(|b| b.1), i);
            result.retro_stored_months_ratio = ratio(retro, base.and_then(|b| b.2), i);
            Ok(result)
        })
        .collect()
}

/// One store's measured runs, by part.
#[derive(Default)]
struct Runs {
    floors: Vec<Measured>,
    analyses: Vec<Measured>,
    teams: Vec<Measured>,
    wholes: Vec<Measured>,
    retros: Vec<Measured>,
    duckdb: Vec<duckdb::DuckDbRun>,
}

/// The median of the runs' wall-clock seconds (the lower middle one of an even count).
fn median_seconds(runs: &[Measured]) -> Option<f64> {
    median(&runs.iter().map(|m| m.log.seconds()).collect::<Vec<_>>())
}

/// The median of `values` (the lower middle one of an even count), `None` when empty.
fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len().checked_sub(1)? / 2).copied()
}

/// One store's figures from its runs; `team` the team whose report was timed and its people,
/// `duckdb_note` why DuckDB was not measured.
fn describe_runs(
    store: &PreparedStore,
    cached: bool,
    runs: Runs,
    (team, team_people): (String, usize),
    duckdb_note: Option<String>,
) -> Result<SizeResult, BenchError> {
    let Runs {
        floors,
        analyses,
        teams,
        wholes,
        retros,
        duckdb: mut duckdb_runs,
    } = runs;
    let duckdb_sql_seconds_runs: Vec<f64> = duckdb_runs.iter().map(|r| r.sql_seconds).collect();
    duckdb_runs.sort_by(|a, b| a.sql_seconds.total_cmp(&b.sql_seconds));
    let duckdb_median = duckdb_runs
        .get(duckdb_runs.len().saturating_sub(1) / 2)
        .cloned();
    let seconds = |runs: &[Measured]| runs.iter().map(|m| m.log.seconds()).collect::<Vec<_>>();
    let peak = |runs: &[Measured]| runs.iter().map(|m| m.peak_rss_bytes).max().unwrap_or(0);
    let (analysis_seconds_runs, scan_floor_seconds_runs) = (seconds(&analyses), seconds(&floors));
    let team_report_seconds_runs = seconds(&teams);
    let (peak_rss_bytes, scan_floor_peak_rss_bytes) = (peak(&analyses), peak(&floors));
    let window_matches_whole_history =
        (!wholes.is_empty()).then(|| reports_agree(&analyses, &wholes));
    let whole_history_seconds = median_seconds(&wholes);
    let whole_history_seconds_runs = seconds(&wholes);
    let retro_seconds = median_seconds(&retros);
    let retro_seconds_runs = seconds(&retros);
    let count = analyses.len() as u32;
    let metric_sql_seconds_runs: Vec<f64> = analyses
        .iter()
        .filter_map(|m| m.log.metric_sql_seconds)
        .collect();
    let metric_sql_seconds = median(&metric_sql_seconds_runs);
    let metric_sql_over_duckdb_sql = metric_sql_seconds
        .zip(duckdb_median.as_ref())
        .map(|(own, duckdb)| own / duckdb.sql_seconds.max(1e-9));
    let team_peak_rss_bytes = peak(&teams);
    let analysis = median_run(analyses);
    let floor = median_run(floors);
    let team_run = median_run(teams);
    let analysis_seconds = analysis.log.seconds();
    let scan_floor_seconds = floor.log.seconds();
    let team_report_seconds = team_run.log.seconds();
    let rows = |table: &str| store.rows.get(table).copied().unwrap_or(0);
    Ok(SizeResult {
        people: store.people,
        teams: store.teams,
        months: store.months,
        prs: rows("pull_requests"),
        reviews: rows("reviews"),
        timeline_events: rows("pr_events") + rows("issue_events"),
        store_bytes: store.bytes,
        analysis_seconds,
        scan_floor_seconds,
        ratio: analysis_seconds / scan_floor_seconds.max(1e-9),
        runs: count,
        analysis_seconds_runs,
        scan_floor_seconds_runs,
        peak_rss_bytes,
        scan_floor_peak_rss_bytes,
        analysis_cpu_seconds: analysis.log.cpu_seconds,
        scan_floor_cpu_seconds: floor.log.cpu_seconds,
        load_average: load_average(),
        phases: analysis.log.phases,
        duckdb_sql_seconds: duckdb_median.as_ref().map(|r| r.sql_seconds),
        duckdb_sql_seconds_runs,
        duckdb_load_seconds: duckdb_median.as_ref().map(|r| r.load_seconds),
        analysis_over_duckdb_sql: duckdb_median
            .as_ref()
            .map(|r| analysis_seconds / r.sql_seconds.max(1e-9)),
        duckdb_slowest: duckdb_median.map_or_else(Vec::new, |r| {
            let mut metrics: Vec<(String, f64)> = r.metrics.into_iter().collect();
            metrics.sort_by(|a, b| b.1.total_cmp(&a.1));
            metrics.truncate(3);
            metrics
        }),
        metric_sql_over_duckdb_sql,
        metric_sql_seconds,
        metric_sql_seconds_runs,
        duckdb_note,
        team,
        team_people,
        team_report_seconds,
        team_report_seconds_runs,
        team_ratio: team_report_seconds / analysis_seconds.max(1e-9),
        team_cpu_seconds: team_run.log.cpu_seconds,
        team_peak_rss_bytes,
        team_phases: team_run.log.phases,
        generation_seconds: if cached {
            0.0
        } else {
            store.generation_seconds
        },
        cached,
        stored_months: store.stored_months,
        stored_months_ratio: None,
        whole_history_seconds,
        whole_history_seconds_runs,
        whole_history_stored_months_ratio: None,
        retro_seconds,
        retro_seconds_runs,
        retro_stored_months_ratio: None,
        window_matches_whole_history,
    })
}

/// Whether every run of `window` (the analysis reading its window) and of `whole` (reading every
/// month) wrote a report and all wrote the same one.
fn reports_agree(window: &[Measured], whole: &[Measured]) -> bool {
    let mut digests = window
        .iter()
        .chain(whole)
        .map(|m| m.log.report_digest.as_deref());
    match digests.next() {
        Some(Some(first)) => digests.all(|d| d == Some(first)),
        _ => false,
    }
}

/// A SHA-256 over every file below `dir`: each one's path relative to `dir`, its length and its
/// bytes, in path order. Two folders have the same digest when they hold the same files with
/// the same contents.
pub fn folder_digest(dir: &Path) -> std::io::Result<String> {
    use sha2::{Digest, Sha256};
    fn files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.is_dir() {
                files(&path, out)?;
            } else {
                out.push(path);
            }
        }
        Ok(())
    }
    let mut paths = Vec::new();
    files(dir, &mut paths)?;
    paths.sort();
    let mut hash = Sha256::new();
    for path in paths {
        let bytes = std::fs::read(&path)?;
        let relative = path.strip_prefix(dir).unwrap_or(&path);
        hash.update(relative.to_string_lossy().as_bytes());
        hash.update([0]);
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(&bytes);
    }
    Ok(hash.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// The run with the median wall-clock seconds (the lower middle one of an even count).
fn median_run(mut runs: Vec<Measured>) -> Measured {
    runs.sort_by(|a, b| a.log.seconds().total_cmp(&b.log.seconds()));
    let middle = (runs.len().saturating_sub(1)) / 2;
    runs.swap_remove(middle)
}

/// `fastest–slowest` of a part's runs, for the text report; empty for a single run.
fn spread(seconds: &[f64]) -> String {
    if seconds.len() < 2 {
        return String::new();
    }
    let min = seconds.iter().copied().fold(f64::INFINITY, f64::min);
    let max = seconds.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!(" (median of {}: {min:.3}–{max:.3})", seconds.len())
}

/// One line of the text report: what was timed, its seconds, its peak memory (when measured) and
/// the spread of its runs, in the columns of the phases above it.
fn timed_line(text: &mut String, what: &str, seconds: f64, peak: Option<String>, runs: &[f64]) {
    text.push_str(&format!(
        "  {what:<34} {seconds:>9.3} {:>16}{}\n",
        peak.unwrap_or_default(),
        spread(runs)
    ));
}

/// A run's phases, one line each, indented by `indent` under the totals' column.
fn phase_lines(text: &mut String, phases: &[Phase], indent: &str) {
    let width = 36 - indent.len();
    for phase in phases {
        text.push_str(&format!(
            "{indent}{:<width$} {:>9.3} {:>16}\n",
            phase.phase,
            phase.seconds,
            phase.peak_rss_bytes.map(mib).unwrap_or_else(|| "?".into())
        ));
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.0} MiB", bytes as f64 / (1024.0 * 1024.0))
}

/// `12345678` → `12,345,678`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The text report for one size.
pub fn describe(result: &SizeResult) -> String {
    let mut text = format!(
        "{} people in {} teams over {} months: {} PRs, {} reviews, {} timeline events ({} of Parquet)\n",
        thousands(result.people),
        result.teams,
        result.months,
        thousands(result.prs),
        thousands(result.reviews),
        thousands(result.timeline_events),
        mib(result.store_bytes)
    );
    text.push_str(&if result.cached {
        "  store from the cache (generation not measured)\n".to_string()
    } else {
        format!(
            "  store simulated and written in {:.1} s (not measured)\n",
            result.generation_seconds
        )
    });
    text.push_str(&format!(
        "  {:<34} {:>9} {:>16}\n",
        "phase (of the median run)", "seconds", "peak RSS so far"
    ));
    phase_lines(&mut text, &result.phases, "  ");
    timed_line(
        &mut text,
        "analysis (all of the above)",
        result.analysis_seconds,
        Some(mib(result.peak_rss_bytes)),
        &result.analysis_seconds_runs,
    );
    timed_line(
        &mut text,
        "scan floor (needed columns)",
        result.scan_floor_seconds,
        Some(mib(result.scan_floor_peak_rss_bytes)),
        &result.scan_floor_seconds_runs,
    );
    text.push_str(&format!(
        "  {:<34} {:>9.2}x\n",
        "ratio analysis / floor", result.ratio
    ));
    match (result.duckdb_sql_seconds, result.duckdb_load_seconds) {
        (Some(sql), Some(load)) => {
            timed_line(
                &mut text,
                "DuckDB: the metric SQL alone",
                sql,
                None,
                &result.duckdb_sql_seconds_runs,
            );
            let slowest: Vec<String> = result
                .duckdb_slowest
                .iter()
                .map(|(metric, seconds)| format!("{metric} {seconds:.2} s"))
                .collect();
            text.push_str(&format!(
                "  {:<34} {:>9.2}x (DuckDB's load of the columns {load:.2} s, not counted; slowest: {})\n",
                "ratio analysis / DuckDB's SQL",
                result.analysis_over_duckdb_sql.unwrap_or(f64::NAN),
                slowest.join(", ")
            ));
            if let Some(own) = result.metric_sql_seconds {
                timed_line(
                    &mut text,
                    "teamlens: the same SQL, in the analysis",
                    own,
                    None,
                    &result.metric_sql_seconds_runs,
                );
                text.push_str(&format!(
                    "  {:<34} {:>9.2}x\n",
                    "ratio teamlens's SQL / DuckDB's",
                    result.metric_sql_over_duckdb_sql.unwrap_or(f64::NAN),
                ));
            }
        }
        _ => text.push_str(&format!(
            "  DuckDB not measured: {}\n",
            result.duckdb_note.as_deref().unwrap_or("not asked for")
        )),
    }
    text.push_str(&format!(
        "  one team's report ({}, {} people, the median-sized team; phases of its median run):\n",
        result.team, result.team_people
    ));
    phase_lines(&mut text, &result.team_phases, "    ");
    timed_line(
        &mut text,
        "team's report (all of the above)",
        result.team_report_seconds,
        Some(mib(result.team_peak_rss_bytes)),
        &result.team_report_seconds_runs,
    );
    text.push_str(&format!(
        "  {:<34} {:>9.3}x (CPU seconds {})\n",
        "ratio team / organisation",
        result.team_ratio,
        result
            .team_cpu_seconds
            .map_or_else(|| "?".to_string(), |s| format!("{s:.3}"))
    ));
    if let Some(seconds) = result.whole_history_seconds {
        timed_line(
            &mut text,
            "analysis reading every month",
            seconds,
            None,
            &result.whole_history_seconds_runs,
        );
    }
    if let Some(agree) = result.window_matches_whole_history {
        text.push_str(&format!(
            "  {:<34} {}\n",
            "window's report / every month's",
            if agree {
                "the same, byte for byte"
            } else {
                "DIFFERENT (a bug: see stderr)"
            }
        ));
    }
    if let Some(seconds) = result.retro_seconds {
        timed_line(
            &mut text,
            "retro of the month",
            seconds,
            None,
            &result.retro_seconds_runs,
        );
    }
    for (what, ratio) in [
        (
            "analysis / fewest months' store",
            result.stored_months_ratio,
        ),
        (
            "every month / fewest months'",
            result.whole_history_stored_months_ratio,
        ),
        (
            "retro / fewest months' store",
            result.retro_stored_months_ratio,
        ),
    ] {
        if let Some(ratio) = ratio {
            text.push_str(&format!("  {what:<34} {ratio:>9.2}x\n"));
        }
    }
    if let (Some(analysis), Some(floor)) =
        (result.analysis_cpu_seconds, result.scan_floor_cpu_seconds)
    {
        text.push_str(&format!(
            "  {:<34} {:>9.3} {:>9.3} (analysis, floor; load average {})\n",
            "CPU seconds, all threads",
            analysis,
            floor,
            result
                .load_average
                .map_or_else(|| "?".to_string(), |l| format!("{l:.1}"))
        ));
    }
    text
}

/// The closing table: one row per size, then the goals for the largest.
pub fn summary(results: &[SizeResult]) -> String {
    let mut text = String::from(
        "people months      PRs     reviews  timeline   analysis      floor   ratio   peak RSS   CPU analysis / floor\n",
    );
    let cpu =
        |seconds: Option<f64>| seconds.map_or_else(|| "?".to_string(), |s| format!("{s:.1} s"));
    for r in results {
        text.push_str(&format!(
            "{:>6} {:>6} {:>8} {:>11} {:>9} {:>9.2} s {:>8.2} s {:>6.2}x {:>10}   {} / {}\n",
            r.people,
            r.stored_months,
            r.prs,
            r.reviews,
            r.timeline_events,
            r.analysis_seconds,
            r.scan_floor_seconds,
            r.ratio,
            mib(r.peak_rss_bytes),
            cpu(r.analysis_cpu_seconds),
            cpu(r.scan_floor_cpu_seconds)
        ));
    }
    // A month's report costs what it reads (#27): each store against the fewest months' of
    // its size.
    let fewest = |people: usize| {
        results
            .iter()
            .filter(|r| r.people == people)
            .min_by_key(|r| r.stored_months)
    };
    for r in results {
        let (Some(ratio), Some(base)) = (r.stored_months_ratio, fewest(r.people)) else {
            continue;
        };
        let of = |ratio: Option<f64>, what: &str| {
            ratio.map_or_else(String::new, |x| format!("; {what} {x:.2}x"))
        };
        text.push_str(&format!(
            "{} people, {} months stored against {}: the month's report {:.2}x ({}){}{}\n",
            r.people,
            r.stored_months,
            base.stored_months,
            ratio,
            if ratio <= 1.2 {
                "within 1.2x: met"
            } else {
                "over 1.2x: NOT met"
            },
            of(r.retro_stored_months_ratio, "the retro"),
            of(r.whole_history_stored_months_ratio, "reading every month"),
        ));
    }
    if let Some(largest) = results
        .iter()
        .filter(|r| fewest(r.people).is_some_and(|f| f.stored_months == r.stored_months))
        .max_by_key(|r| r.people)
    {
        let gib = largest.peak_rss_bytes as f64 / (1024.0 * 1024.0 * 1024.0);
        let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
        let duckdb = largest.analysis_over_duckdb_sql.map_or_else(
            || "not measured".to_string(),
            |ratio| format!("{} ({ratio:.2}x)", verdict(ratio <= 1.0)),
        );
        text.push_str(&format!(
            "goals for {} people: analysis within 20 s: {} ({:.1} s); within 4 GiB: {} ({:.2} GiB); \
             within DuckDB's time for the metric SQL alone: {duckdb}; {:.2}x the floor; a team's \
             report within a tenth of the organisation's: {} ({:.3}x, {})\n",
            largest.people,
            verdict(largest.analysis_seconds <= 20.0),
            largest.analysis_seconds,
            verdict(gib <= 4.0),
            gib,
            largest.ratio,
            verdict(largest.team_ratio <= 0.1),
            largest.team_ratio,
            largest.team
        ));
    }
    text
}

/// Where stores are cached when the user names no data directory: the user's cache, else the
/// system's temporary directory.
pub fn default_cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("teamlens").join("bench")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_map_to_whole_teams() {
        assert_eq!(sim_config(50, 12, 1, 1.0).teams.len(), 8);
        assert_eq!(sim_config(500, 12, 1, 1.0).teams.len(), 79);
        assert_eq!(sim_config(2000, 12, 1, 1.0).teams.len(), 316);
        assert_eq!(sim_config(6, 12, 1, 1.0).teams.len(), 1);
    }

    #[test]
    fn a_folder_digest_changes_with_any_file_name_or_byte() {
        let write = |files: &[(&str, &[u8])]| {
            let dir = tempfile::tempdir().unwrap();
            for (name, bytes) in files {
                let path = dir.path().join(name);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, bytes).unwrap();
            }
            let digest = folder_digest(dir.path()).unwrap();
            (dir, digest)
        };
        let report: &[(&str, &[u8])] = &[("report.md", b"# May"), ("teams/a.html", b"<p>a</p>")];
        let (_one, digest) = write(report);
        let (_two, again) = write(report);
        assert_eq!(digest, again, "the same files, wherever they are");
        for other in [
            &[
                ("report.md", b"# Mai".as_slice()),
                ("teams/a.html", b"<p>a</p>"),
            ][..],
            &[("report.md", b"# May"), ("teams/b.html", b"<p>a</p>")],
            &[
                ("report.md", b"# May"),
                ("teams/a.html", b"<p>a</p>"),
                ("x", b""),
            ],
            &[("report.md", b"# May<p>a</p>"), ("teams/a.html", b"")],
        ] {
            assert_ne!(write(other).1, digest, "{other:?}");
        }
    }

    #[test]
    fn reports_agree_only_when_every_run_wrote_the_same_one() {
        let run = |digest: Option<&str>| Measured {
            log: PhaseLog {
                report_digest: digest.map(str::to_string),
                ..PhaseLog::default()
            },
            peak_rss_bytes: 0,
        };
        let same = [run(Some("a")), run(Some("a"))];
        assert!(reports_agree(&same, &[run(Some("a"))]));
        assert!(!reports_agree(&same, &[run(Some("b"))]));
        assert!(!reports_agree(
            &[run(Some("a")), run(Some("c"))],
            &[run(Some("a"))]
        ));
        assert!(!reports_agree(&same, &[run(None)]));
        assert!(!reports_agree(&[run(None)], &[run(None)]));
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn every_table_held_in_memory_lists_its_columns() {
        for table in model::READ_REPEATEDLY {
            assert!(
                model::ANALYSIS_COLUMNS.iter().any(|(t, _)| t == table),
                "{table} is held in memory but model::ANALYSIS_COLUMNS does not list its columns"
            );
        }
    }

    #[test]
    fn needed_columns_exist_in_the_schema() {
        for (table, columns) in model::ANALYSIS_COLUMNS {
            let spec = model::table_spec(table).unwrap_or_else(|| panic!("no table {table}"));
            let schema = (spec.schema)();
            for column in *columns {
                assert!(
                    schema.contains(column),
                    "{table}.{column} is not in the schema"
                );
            }
        }
    }
}
