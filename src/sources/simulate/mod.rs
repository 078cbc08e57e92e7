//! The simulated organisation: a source that needs no token and no network.
//!
//! A few teams over several months, each with a manager persona (healthy, review bottleneck,
//! micromanager, absentee, a former lead who won't let go) and engineers with time zones, working
//! hours, vacations, one drifting into after-hours work and one leaving. They open PRs, review,
//! push commits and move tickets with realistic shapes: log-normal sizes and waits laid onto each
//! person's working calendar, a weekly rhythm, company holidays, drafts, re-requests, bots,
//! reverts, incidents and daily deployments.
//!
//! The simulator is deterministic for a seed and records the ground truth it planted: which
//! detector should fire for which subject in which month, and which teams are healthy. Tests hold
//! the detectors to it; the demo and the benchmark run on it.
//!
//! - [`calendar`]: working time, holidays, time zones;
//! - [`world`]: people and teams;
//! - [`activity`]: PRs, reviews, tickets, incidents, deployments.

mod activity;
mod assistants;
mod calendar;
mod world;

pub use assistants::AiUse;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Batch, Source, SourceError};
use crate::common::files::module_of;
use crate::model::Dataset;
use crate::period::Month;

/// How a team's manager behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ManagerPersona {
    /// Reviews now and then, leaves approvals to the team.
    Healthy,
    /// Must approve nearly every PR, is slow to, and is regularly away for a week.
    Bottleneck,
    /// Reviews nearly everything, requests changes after peers approved, pushes commits to others'
    /// PRs and rewrites others' tickets, but seldom approves.
    Micromanager,
    /// Hardly present: reviews almost nothing; PRs and tickets wait longer and some go stale.
    Absentee,
    /// The former tech lead: writes the core code, merges without approval, overrides reviews.
    WontLetGo,
}

/// One team of the simulated organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeamPlan {
    /// Team name, also the repository `acme/<name>-api`.
    pub name: String,
    pub manager: ManagerPersona,
    /// Engineers besides the manager.
    pub engineers: usize,
    /// In the last two months the team splits work into twice as many, much smaller PRs that
    /// take longer and fail more: output up, outcomes worse.
    pub splits_prs: bool,
    /// One engineer drifts into evening and weekend work over the last months.
    pub burnout_engineer: bool,
    /// One engineer's activity fades and they leave on the 10th of the last month.
    pub leaving_engineer: bool,
    /// The manager says yes to everything: scope is added to running sprints and tickets pile up.
    pub overloaded: bool,
    /// One engineer approves what they are asked to review within minutes, without a comment,
    /// however large the change.
    pub rubber_stamper: bool,
    /// One engineer is the only person who ever changes `src/jobs/`.
    pub silo_module: bool,
    /// A healthy team shaped to tempt the detectors into a false alarm.
    pub hard_case: Option<HardCaseKind>,
    /// What the roster leaves out about the team's people (nothing by default).
    #[serde(default)]
    pub roster_gaps: RosterGaps,
    /// How the team's people work beyond their planted patterns (none by default; the real
    /// corpus's measured mess with [`Habits::REAL`]).
    #[serde(default)]
    pub habits: Habits,
    /// Coding assistants the team uses, with or without their PRs lagging (none by default).
    #[serde(default)]
    pub ai: Option<AiUse>,
}

/// The everyday mess of a real team, which the detectors must not mistake for a pattern:
/// specialists, a senior reviewer, evening committers. [`Habits::REAL`] is calibrated to the
/// real corpus (`tests/data/real/distributions.json`, `tests/calibration.rs`). Drawn from
/// generators of their own, and never given to an engineer who carries a planted pattern.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Habits {
    /// The share of an engineer's file choices that go to their own module (0: files at random).
    pub home_share: f64,
    /// How many times as often the team's senior engineer (the last, on teams of four or more)
    /// is asked to review (0 or 1: nobody stands out).
    pub senior_review_weight: f64,
    /// The share of engineers who commit in the evenings as a habit (a fifth to half of their
    /// actions, steadily).
    pub evening_committers: f64,
}

impl Habits {
    /// The measured mess: a specialist sends a third of their changes to their module (the
    /// main author of a real module writes about 40 % of its changes), the senior reviewer is
    /// asked 2.5 times as often (the busiest approver of a real repository-month approves about
    /// 40-50 %), and a third of the engineers work evenings.
    pub const REAL: Habits = Habits {
        home_share: 1.0 / 3.0,
        senior_review_weight: 2.5,
        evening_committers: 0.35,
    };
}

/// Roster data a real organisation often lacks: people listed without a time zone (so UTC and
/// 09–18 are assumed) and days away that no HR calendar lists. Each person is left out at random
/// with the given chance, drawn from a generator of its own so that the rest of the simulation is
/// the same with or without gaps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct RosterGaps {
    /// The chance that a person is listed without a time zone or working hours.
    pub no_timezone: f64,
    /// The chance that none of a person's days away are in the `time_off` table.
    pub no_time_off: f64,
}

impl TeamPlan {
    /// Draws the team's manager persona (a third each healthy) and its planted patterns, each
    /// present in some organisations and absent in others: what the tuning and the unseen
    /// organisations share, in the same order so a seed's draws stay the same.
    fn draw_patterns(&mut self, rng: &mut ChaCha8Rng) {
        const PERSONAS: [ManagerPersona; 6] = [
            ManagerPersona::Healthy,
            ManagerPersona::Healthy,
            ManagerPersona::Bottleneck,
            ManagerPersona::Micromanager,
            ManagerPersona::Absentee,
            ManagerPersona::WontLetGo,
        ];
        self.manager = PERSONAS[rng.random_range(0..PERSONAS.len())];
        if rng.random_bool(0.25) {
            self.splits_prs = true;
            self.overloaded = true;
        } else if rng.random_bool(0.15) {
            self.overloaded = true;
        }
        self.burnout_engineer = rng.random_bool(0.25);
        self.leaving_engineer = rng.random_bool(0.25);
        self.rubber_stamper = self.manager != ManagerPersona::Bottleneck && rng.random_bool(0.25);
        self.silo_module = rng.random_bool(0.25);
    }

    /// Whether the plan plants no pattern: a healthy manager, none of the planted patterns, no
    /// lagging assistant. Its people's habits may still make one (a specialist holding their
    /// module), which the ground truth then lists.
    pub fn plants_nothing(&self) -> bool {
        self.manager == ManagerPersona::Healthy
            && !self.splits_prs
            && !self.overloaded
            && !self.burnout_engineer
            && !self.leaving_engineer
            && !self.rubber_stamper
            && !self.silo_module
            && !self.ai.is_some_and(|a| a.lag)
    }

    /// A healthy team with a healthy manager and nothing planted.
    pub fn healthy(name: &str, engineers: usize) -> TeamPlan {
        TeamPlan {
            name: name.to_string(),
            manager: ManagerPersona::Healthy,
            engineers,
            splits_prs: false,
            burnout_engineer: false,
            leaving_engineer: false,
            overloaded: false,
            rubber_stamper: false,
            silo_module: false,
            hard_case: None,
            roster_gaps: RosterGaps::default(),
            habits: Habits::default(),
            ai: None,
        }
    }
}

/// Healthy teams that look, at first sight, like a pattern: no detector may fire on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HardCaseKind {
    /// A big team in which one engineer reviews far more than the others, but is not the gate.
    BusyReviewer,
    /// A manager and one engineer: the manager reviews every PR, as a pair does.
    TwoPerson,
    /// Members in three time zones, each working normal local hours, that look like nights in UTC.
    SpreadZones,
    /// The manager is away for a whole month; the team carries on.
    ManagerMonthAway,
}

impl HardCaseKind {
    /// The detectors, by name, whose pattern the hard case resembles: what it is built to test.
    /// A finding of one of them on the team is the hard case failed; another detector's finding
    /// there is an ordinary false alarm, counted in that detector's precision like one on any
    /// other healthy team (a hard case is no more likely than another team to draw it).
    pub fn tempts(self) -> &'static [&'static str] {
        match self {
            // One person reviews most PRs, quickly and a lot.
            HardCaseKind::BusyReviewer => &[
                "review_bottleneck",
                "micromanagement",
                "rubber_stamp_review",
                "burnout_risk",
            ],
            // The manager reviews every PR and each holds what they write.
            HardCaseKind::TwoPerson => &[
                "review_bottleneck",
                "micromanagement",
                "wont_let_go",
                "knowledge_silo",
                "absentee_manager",
            ],
            // Local working hours that are nights in UTC.
            HardCaseKind::SpreadZones => &["burnout_risk"],
            // A month of the manager's silence, and PRs waiting for them.
            HardCaseKind::ManagerMonthAway => {
                &["absentee_manager", "review_bottleneck", "attrition_risk"]
            }
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            HardCaseKind::BusyReviewer => "busy_reviewer",
            HardCaseKind::TwoPerson => "two_person",
            HardCaseKind::SpreadZones => "spread_zones",
            HardCaseKind::ManagerMonthAway => "manager_month_away",
        }
    }
}

/// What to simulate.
#[derive(Debug, Clone, PartialEq)]
pub struct SimConfig {
    pub seed: u64,
    /// Whole months simulated, ending with the month of `until`.
    pub months: u32,
    /// Multiplies everyone's activity (1.0 ≈ 2.5 PRs per engineer per week).
    pub scale: f64,
    /// The last simulated day; nothing after it is recorded (later merges are still open PRs).
    pub until: NaiveDate,
    /// The last day recorded, when earlier than `until`: the organisation is simulated to
    /// `until` but stored as a fetch the next morning would have seen it (open PRs still open,
    /// tickets in the status they had). The same world cut earlier: what the as-of tests
    /// compare a longer store with (`crate::asof`).
    pub recorded_until: Option<NaiveDate>,
    pub teams: Vec<TeamPlan>,
}

/// Which simulation a seed gives: raised whenever the same configuration and seed simulate other
/// rows, so that a store cached from an earlier one (`teamlens bench`) is simulated again
/// instead of being measured as if it were today's. 2: teams beyond the sixteenth have their
/// own Jira project keys.
pub const SIMULATION_VERSION: u32 = 2;

const TEAM_NAMES: &[&str] = &[
    "payments",
    "search",
    "platform",
    "mobile",
    "identity",
    "growth",
    "data",
    "checkout",
    "billing",
    "infra",
    "messaging",
    "catalog",
    "risk",
    "support",
    "insights",
    "onboarding",
];

/// The months `teamlens eval` judges in each organisation by default: the last three.
pub const EVAL_JUDGED_MONTHS: u32 = 3;

/// How many months the organisations `teamlens eval` scores are simulated over: the judged
/// months, and before the first of them the month before and `attrition_risk`'s full baseline
/// (its default `baseline_months`, six), the longest history any detector reads. With six
/// months (May to October) a fade's first judged month, September, had three baseline months
/// of data, not six: the truth planted a fade there that the detector could not see by
/// construction, the cause of most of its misses on the development sets (issue #21).
pub fn eval_months() -> u32 {
    let baseline = crate::config::AttritionThresholds::default().baseline_months;
    EVAL_JUDGED_MONTHS + 1 + u32::try_from(baseline).unwrap_or(6)
}

impl SimConfig {
    /// An organisation of `teams` teams ending October 2026, with the patterns planted in a fixed
    /// order: a review-bottleneck team, a micromanaged team (where an engineer is leaving), a
    /// healthy team, an overloaded team whose people-pleasing manager lets PRs be split (with an
    /// engineer drifting into after-hours work), an absentee manager's team, a former lead who
    /// won't let go; further teams are healthy.
    pub fn default_org(seed: u64, teams: usize, months: u32, scale: f64) -> SimConfig {
        let plans = (0..teams)
            .map(|index| {
                let name = match TEAM_NAMES.get(index) {
                    Some(name) => (*name).to_string(),
                    None => format!(
                        "{}{}",
                        TEAM_NAMES[index % TEAM_NAMES.len()],
                        index / TEAM_NAMES.len() + 1
                    ),
                };
                let mut plan = TeamPlan::healthy(&name, [5, 6, 5, 6, 4, 5, 6, 4, 7][index % 9]);
                match index {
                    0 => plan.manager = ManagerPersona::Bottleneck,
                    1 => {
                        plan.manager = ManagerPersona::Micromanager;
                        plan.leaving_engineer = true;
                    }
                    3 => {
                        plan.splits_prs = true;
                        plan.overloaded = true;
                        plan.burnout_engineer = true;
                    }
                    4 => plan.manager = ManagerPersona::Absentee,
                    5 => plan.manager = ManagerPersona::WontLetGo,
                    _ => {}
                }
                plan
            })
            .collect();
        SimConfig {
            seed,
            months: months.max(1),
            scale,
            until: NaiveDate::from_ymd_opt(2026, 10, 31).unwrap_or_default(),
            recorded_until: None,
            teams: plans,
        }
    }

    /// The organisations `teamlens eval` scores the detectors on, [`eval_months`] (ten) months
    /// to October 2026.
    /// Every sixth seed is a healthy control (nothing planted); the others draw each team's
    /// manager persona and planted patterns at random, so that every pattern is present in some
    /// organisations and absent in others, and add hard-case teams (healthy, but shaped to tempt
    /// a detector) now and then.
    pub fn eval_org(seed: u64) -> SimConfig {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x005e_ed0f_e7a1);
        let base = SimConfig::default_org(seed, 0, eval_months(), 1.0);
        let mut teams = Vec::new();
        let name = |index: usize| match TEAM_NAMES.get(index) {
            Some(name) => (*name).to_string(),
            None => format!("team{index}"),
        };
        if seed.is_multiple_of(6) {
            for index in 0..rng.random_range(4..=6) {
                teams.push(TeamPlan::healthy(&name(index), rng.random_range(4..=7)));
            }
            return SimConfig { teams, ..base };
        }
        for index in 0..rng.random_range(5..=7) {
            let mut plan = TeamPlan::healthy(&name(index), rng.random_range(4..=7));
            plan.draw_patterns(&mut rng);
            teams.push(plan);
        }
        for (kind, engineers) in [
            (HardCaseKind::BusyReviewer, rng.random_range(9..=11)),
            (HardCaseKind::TwoPerson, 1),
            (HardCaseKind::SpreadZones, 5),
            (HardCaseKind::ManagerMonthAway, 5),
        ] {
            if rng.random_bool(0.35) {
                let mut plan = TeamPlan::healthy(&name(teams.len()), engineers);
                plan.hard_case = Some(kind);
                teams.push(plan);
            }
        }
        SimConfig { teams, ..base }
    }

    /// The unseen organisations of `teamlens eval`: drawn like [`SimConfig::eval_org`]'s, but
    /// from shifted parameters no threshold was tuned on: smaller and larger teams (3 to 12
    /// engineers, not 4 to 7), three to nine teams, an activity scale from 0.6 to 1.6 (not 1.0),
    /// rosters with gaps (a tenth to two fifths of the people without a time zone, a fifth to
    /// three fifths without their days away), and every team with the real corpus's habits
    /// ([`Habits::REAL`]). Every sixth seed is a healthy control.
    pub fn unseen_org(seed: u64) -> SimConfig {
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0075_6e5e_e400);
        let scale = rng.random_range(0.6..1.6);
        let base = SimConfig::default_org(seed, 0, eval_months(), scale);
        let gaps = RosterGaps {
            no_timezone: rng.random_range(0.1..0.4),
            no_time_off: rng.random_range(0.2..0.6),
        };
        let name = |index: usize| match TEAM_NAMES.get(index) {
            Some(name) => (*name).to_string(),
            None => format!("team{index}"),
        };
        let mut teams = Vec::new();
        if seed.is_multiple_of(6) {
            for index in 0..rng.random_range(3..=8) {
                let mut plan = TeamPlan::healthy(&name(index), rng.random_range(3..=12));
                plan.roster_gaps = gaps;
                plan.habits = Habits::REAL;
                teams.push(plan);
            }
            return SimConfig { teams, ..base };
        }
        for index in 0..rng.random_range(4..=9) {
            let mut plan = TeamPlan::healthy(&name(index), rng.random_range(3..=12));
            plan.roster_gaps = gaps;
            plan.habits = Habits::REAL;
            plan.draw_patterns(&mut rng);
            teams.push(plan);
        }
        for (kind, engineers) in [
            (HardCaseKind::BusyReviewer, rng.random_range(10..=14)),
            (HardCaseKind::TwoPerson, 1),
            (HardCaseKind::SpreadZones, rng.random_range(4..=8)),
            (HardCaseKind::ManagerMonthAway, rng.random_range(3..=9)),
        ] {
            if rng.random_bool(0.35) {
                let mut plan = TeamPlan::healthy(&name(teams.len()), engineers);
                plan.hard_case = Some(kind);
                plan.roster_gaps = gaps;
                plan.habits = Habits::REAL;
                teams.push(plan);
            }
        }
        SimConfig { teams, ..base }
    }

    /// The tuning organisations with every team given the real corpus's habits
    /// ([`Habits::REAL`]): what the tuning seeds' figures become with real mess, before any
    /// threshold is changed for it.
    pub fn eval_org_with_habits(seed: u64) -> SimConfig {
        let mut config = SimConfig::eval_org(seed);
        for team in &mut config.teams {
            team.habits = Habits::REAL;
        }
        config
    }

    /// `config`'s organisation with coding assistants planted, from a generator of their own so
    /// that nothing else of the organisation changes: each team, a third of the time, makes
    /// 30–50 % of its recent PRs with an assistant and those PRs lag (more of them fail), a third
    /// of the time as much without the lag (the controls the finding must stay quiet on), and a
    /// third of the time uses none. A healthy control organisation (no plant) gets no lag.
    pub fn with_assistants(mut config: SimConfig) -> SimConfig {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed ^ 0x00a1_0c0d_e5e7);
        let control = config.seed.is_multiple_of(6);
        for team in &mut config.teams {
            let roll: f64 = rng.random();
            let share = rng.random_range(0.3..0.5);
            team.ai = if roll < 1.0 / 3.0 {
                Some(AiUse {
                    share,
                    lag: !control && team.hard_case.is_none(),
                })
            } else if roll < 2.0 / 3.0 {
                Some(AiUse { share, lag: false })
            } else {
                None
            };
        }
        config
    }

    /// The company holidays the simulated organisation keeps over its whole span: what its HR
    /// calendar would give `[calendar] holidays`.
    pub fn company_holidays(&self) -> Vec<NaiveDate> {
        self.from()
            .iter_days()
            .take_while(|day| *day <= self.until)
            .filter(|day| calendar::is_company_holiday(*day))
            .collect()
    }

    /// The first simulated day: the first of the month `months - 1` months before `until`'s.
    pub fn from(&self) -> NaiveDate {
        let mut first = self.until.with_day(1).unwrap_or(self.until);
        for _ in 1..self.months {
            first = (first - Duration::days(1)).with_day(1).unwrap_or(first);
        }
        first
    }

    /// Activity starts six weeks before [`SimConfig::from`], so that the first month has the
    /// PRs started before it that a real history would have (its merges, its review load).
    pub fn warm_up_from(&self) -> NaiveDate {
        self.from() - Duration::weeks(6)
    }

    /// The simulated months, oldest first, as `YYYY-MM`.
    pub fn month_names(&self) -> Vec<String> {
        let mut names = Vec::new();
        let mut first = self.from();
        while first <= self.until {
            names.push(first.format("%Y-%m").to_string());
            first = (first + Duration::days(32))
                .with_day(1)
                .unwrap_or(self.until + Duration::days(1));
        }
        names
    }
}

/// A module of a team's repository that one person held in some months: `knowledge_silo`'s
/// pattern, "one person holds a module others change".
struct Held {
    module: String,
    /// The holder's id.
    holder: String,
    /// The months (`YYYY-MM`) whose window the holder held it in, with their share of its
    /// changes over that window.
    months: Vec<(String, f64)>,
}

/// One module's changes over a window: per author, its merged PRs and its files.
#[derive(Default)]
struct Tally<'a> {
    by_author: BTreeMap<&'a str, usize>,
    prs: BTreeSet<i64>,
    files: BTreeSet<&'a str>,
}

/// The modules one person held, month by month, counted on the rows the simulator made and by
/// the one definition `knowledge_silo` judges with
/// ([`crate::config::KnowledgeSiloThresholds`]'s defaults):
/// over the `window_months` ending with a month, a module with at least `min_module_files` code
/// files and `min_module_changes` merged PRs changing them, one person having made at least
/// `holder_share` of the changes to its files (a merged PR changing a file is one change), on
/// a team of at least `min_team_size` people (on a team of two every module is one person's by
/// construction, and there is no one else to lose it to).
///
/// Three of the simulator's choices make a holder: the silo owner changes `src/jobs/` alone;
/// the former lead sends seven in ten of their files to `src/core/`; a specialist
/// ([`Habits::home_share`]) sends a third of their files to their own module. Which of them
/// holds a module *in fact* is what the rows drew, and the rows are what the truth is about:
/// the size of a PR, and so how many files it touches, is log-normal, so over six months a
/// specialist expected to make 45 % of a module's changes makes 52 % in one draw and 40 % in
/// another. The truth used to list the modules whose holder was *expected* to make half of the
/// changes (their PR rate times the chance a file of theirs lands there); the rows then held
/// modules the truth did not list and the reverse, and on the development seeds every one of
/// `knowledge_silo`'s false alarms named a holder at 50–59 % where the expected share was just
/// under half (issue #21): two definitions of the same boundary. A module held by chance (a
/// small team, one person busier there for six months) is the pattern too, and listed.
fn held_modules(config: &SimConfig, dataset: &Dataset, team: &world::Team) -> Vec<Held> {
    let settings = crate::config::Config::default();
    let t = &settings.thresholds.knowledge_silo;
    if team.engineers.len() + 1 < t.min_team_size {
        return Vec::new();
    }
    let rules = settings.knowledge.rules();
    let is_bot = |login: &str| login.ends_with("[bot]");
    let merged: BTreeMap<i64, (&str, NaiveDate)> = dataset
        .pull_requests
        .iter()
        .filter(|pr| pr.repo == team.repo && !is_bot(&pr.author))
        .filter_map(|pr| Some((pr.number, (pr.author.as_str(), pr.merged_at?.date_naive()))))
        .collect();
    // One change per merged PR and code file, as `knowledge_silo` counts them.
    let changes: BTreeSet<(i64, &str, String)> = dataset
        .file_changes
        .iter()
        .filter(|f| f.repo == team.repo && rules.is_code(&f.path))
        .filter_map(|f| {
            let number = f.number.filter(|n| merged.contains_key(n))?;
            Some((number, f.path.as_str(), module_of(&f.path)?))
        })
        .collect();
    let mut held: BTreeMap<(String, String), Vec<(String, f64)>> = BTreeMap::new();
    for month in Month::of(config.until).trailing(config.months as usize) {
        let window = month.trailing(t.window_months.max(1));
        let (from, to) = (window[0].first_day(), month.last_day());
        let mut modules: BTreeMap<&str, Tally> = BTreeMap::new();
        for (number, path, module) in &changes {
            let (author, day) = merged[number];
            if day < from || day > to {
                continue;
            }
            let entry = modules.entry(module.as_str()).or_default();
            *entry.by_author.entry(author).or_default() += 1;
            entry.prs.insert(*number);
            entry.files.insert(path);
        }
        for (
            module,
            Tally {
                by_author,
                prs,
                files,
            },
        ) in modules
        {
            if files.len() < t.min_module_files || prs.len() < t.min_module_changes {
                continue;
            }
            let total: usize = by_author.values().sum();
            let Some((holder, most)) = by_author.iter().max_by_key(|(a, n)| (**n, **a)) else {
                continue;
            };
            let share = *most as f64 / total.max(1) as f64;
            if share >= t.holder_share {
                held.entry((module.to_string(), holder.to_string()))
                    .or_default()
                    .push((month.to_string(), share));
            }
        }
    }
    held.into_iter()
        .map(|((module, holder), months)| Held {
            module,
            holder,
            months,
        })
        .collect()
}

/// One pattern the simulator planted: the detector `kind` should fire for `subject` in `months`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plant {
    /// A finding kind, as in report.json.
    pub kind: String,
    /// A person id or `team:<name>`.
    pub subject: String,
    /// `YYYY-MM` months in which the pattern is present and detectable.
    pub months: Vec<String>,
    /// What was planted, in words.
    pub detail: String,
}

/// Everything the simulator planted, written as `ground_truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// A healthy control: no team's plan planted anything and none is a hard case. `plants`
    /// may still list what its people's habits made (a specialist holding their module).
    #[serde(default)]
    pub control: bool,
    pub plants: Vec<Plant>,
    /// Teams (`team:<name>`) where nothing was planted: no detector should fire on them or their people.
    pub healthy_teams: Vec<String>,
    /// Healthy teams shaped to tempt a detector (also listed in `healthy_teams`).
    #[serde(default)]
    pub hard_cases: Vec<HardCase>,
    /// The PRs made with a coding assistant (`owner/name#N`), as planted.
    #[serde(default)]
    pub ai_assisted: Vec<String>,
}

/// A hard-case team of the ground truth.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HardCase {
    /// `team:<name>`.
    pub team: String,
    pub kind: HardCaseKind,
    pub detail: String,
}

/// The simulated tables and what was planted in them.
#[derive(Debug, Clone)]
pub struct Simulation {
    pub dataset: Dataset,
    pub ground_truth: GroundTruth,
    /// What can make a deployment fail, as planted: DORA's keys are held to it.
    pub delivery: DeliveryTruth,
}

/// The deployments and what the simulator did to them, from its own bookkeeping rather than
/// from the rows: which PRs each deployment listed and whether its status failed, which PR
/// each revert reverted, which PR each incident was blamed on, which incident each hotfix
/// fixed. Only what was recorded (before `recorded_until`) is listed. Not written to
/// `ground_truth.json`: the tests compute DORA's keys from it and compare.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeliveryTruth {
    pub deployments: Vec<PlantedDeployment>,
    pub reverts: Vec<PlantedRevert>,
    pub incidents: Vec<PlantedIncident>,
    pub hotfixes: Vec<PlantedHotfix>,
}

/// A deployment to production: when, whether its status failed, the PRs it listed.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedDeployment {
    pub repo: String,
    pub at: chrono::DateTime<chrono::Utc>,
    pub failed: bool,
    pub prs: Vec<i64>,
}

/// A merged revert of PR `of`.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedRevert {
    pub repo: String,
    pub of: i64,
    pub number: i64,
    pub merged_at: chrono::DateTime<chrono::Utc>,
}

/// An incident blamed on PR `cause`, resolved when it was (if before the recording ended).
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedIncident {
    pub repo: String,
    pub key: String,
    pub cause: i64,
    pub opened: chrono::DateTime<chrono::Utc>,
    pub resolved: Option<chrono::DateTime<chrono::Utc>>,
}

/// A merged hotfix for an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedHotfix {
    pub repo: String,
    pub number: i64,
    pub incident: String,
    pub merged_at: chrono::DateTime<chrono::Utc>,
}

/// Simulates the organisation. The same config always gives the same rows.
pub fn simulate(config: &SimConfig) -> Simulation {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let world = world::World::build(config, &mut rng);
    let (mut dataset, delivery) = activity::run(config, &world, &mut rng);
    let repos: Vec<(String, Option<AiUse>)> = world
        .teams
        .iter()
        .map(|t| (t.repo.clone(), t.plan.ai))
        .collect();
    let ai_assisted = assistants::plant(config, &repos, &mut dataset);
    Simulation {
        ground_truth: GroundTruth {
            ai_assisted,
            ..ground_truth(config, &world, &dataset)
        },
        dataset,
        delivery,
    }
}

fn ground_truth(config: &SimConfig, world: &world::World, dataset: &Dataset) -> GroundTruth {
    let months = config.month_names();
    let last = |n: usize| months[months.len().saturating_sub(n)..].to_vec();
    let mut plants = Vec::new();
    let mut healthy_teams = Vec::new();
    let mut hard_cases = Vec::new();
    for team in &world.teams {
        let plan = &team.plan;
        let manager = world.members[team.manager].id.clone();
        let team_subject = format!("team:{}", plan.name);
        let held = held_modules(config, dataset, team);
        let mut plant = |kind: &str, subject: &str, months: Vec<String>, detail: String| {
            if !months.is_empty() {
                plants.push(Plant {
                    kind: kind.to_string(),
                    subject: subject.to_string(),
                    months,
                    detail,
                });
            }
        };
        // Teams of fewer than three people are not judged for concentration: two people always
        // review each other, which is no bottleneck.
        match plan.manager {
            ManagerPersona::Healthy => {}
            ManagerPersona::Bottleneck if plan.engineers >= 2 => plant(
                "review_bottleneck",
                &manager,
                months.clone(),
                format!(
                    "{manager} must approve nearly every PR of {}, is slow to, and is away a week every six to eight weeks",
                    plan.name
                ),
            ),
            ManagerPersona::Bottleneck => {}
            ManagerPersona::Micromanager => plant(
                "micromanagement",
                &manager,
                months.clone(),
                format!(
                    "{manager} reviews nearly every PR of {}, requests changes after peers approved, pushes commits to others' PRs and rewrites their tickets",
                    plan.name
                ),
            ),
            ManagerPersona::Absentee => plant(
                "absentee_manager",
                &manager,
                months.clone(),
                format!(
                    "{manager} hardly reviews or answers; PRs and tickets of {} wait and some go stale",
                    plan.name
                ),
            ),
            ManagerPersona::WontLetGo => {
                plant(
                    "wont_let_go",
                    &manager,
                    months.clone(),
                    format!(
                        "{manager} writes most of {}'s core code, merges without approval and overrides reviews",
                        plan.name
                    ),
                );
            }
        }
        // What the rows hold: the silo owner's `src/jobs`, the former lead's core (on a team
        // large enough the others' occasional changes outweigh the lead's: the lead still holds
        // on, wont_let_go, but the core is not one person's), a specialist's module, or one a
        // person held by chance.
        for held in &held {
            let member = world.members.iter().find(|m| m.id == held.holder);
            let why = match member {
                Some(m)
                    if m.owns
                        .is_some_and(|o| o.trim_end_matches('/') == held.module) =>
                {
                    "the only one who changes it"
                }
                Some(m) if m.is_manager && plan.manager == ManagerPersona::WontLetGo => {
                    "the former lead, writes most of it"
                }
                Some(m)
                    if m.home
                        .is_some_and(|h| h.trim_end_matches('/') == held.module) =>
                {
                    "specialises in it"
                }
                _ => "was the busiest there",
            };
            let shares: Vec<String> = held
                .months
                .iter()
                .map(|(month, share)| format!("{month} {:.0} %", share * 100.0))
                .collect();
            plant(
                "knowledge_silo",
                &team_subject,
                held.months.iter().map(|(month, _)| month.clone()).collect(),
                format!(
                    "{} ({why}) made most of the changes to {} of {} over the six months to \
                     each of {}",
                    held.holder,
                    held.module,
                    plan.name,
                    shares.join(", ")
                ),
            );
        }
        if plan.rubber_stamper
            && let Some(&stamper) = team.engineers.get(2)
        {
            let stamper = &world.members[stamper].id;
            plant(
                "rubber_stamp_review",
                stamper,
                months.clone(),
                format!("{stamper} approves within minutes, without a comment, whatever the size"),
            );
        }
        if let Some(kind) = plan.hard_case {
            hard_cases.push(HardCase {
                team: team_subject.clone(),
                kind,
                detail: match kind {
                    HardCaseKind::BusyReviewer => format!(
                        "{} engineers, one asked to review about twice as often as the others",
                        plan.engineers
                    ),
                    HardCaseKind::TwoPerson => {
                        "a manager and one engineer who review each other".to_string()
                    }
                    HardCaseKind::SpreadZones => {
                        "members in Los Angeles, Berlin and Tokyo, each in local hours".to_string()
                    }
                    HardCaseKind::ManagerMonthAway => format!(
                        "{manager} is away for the whole of {}",
                        months[months.len().saturating_sub(3)]
                    ),
                },
            });
        }
        if plan.splits_prs {
            // Judged against the three months before, so only months with that baseline count.
            let detectable = if months.len() >= 5 {
                last(2)
            } else {
                Vec::new()
            };
            plant(
                "output_outcome_divergence",
                &team_subject,
                detectable,
                "twice the PRs at 0.4x the size, cycle time 1.5x longer, reverts and incidents up"
                    .to_string(),
            );
        }
        if plan.overloaded {
            plant(
                "overload",
                &team_subject,
                months.clone(),
                "scope is added to running sprints and unplanned tickets pile up in progress"
                    .to_string(),
            );
        }
        for &engineer in &team.engineers {
            let member = &world.members[engineer];
            if member.drifts_after_hours_from.is_some() {
                plant(
                    "burnout_risk",
                    &member.id,
                    last(2),
                    format!(
                        "{} works ever more in the evenings and at weekends",
                        member.id
                    ),
                );
            }
            if member.fades_from.is_some() {
                plant(
                    "attrition_risk",
                    &member.id,
                    last(2),
                    format!(
                        "{}'s activity fades and they leave on the 10th of the last month",
                        member.id
                    ),
                );
            }
        }
        if let Some(ai) = plan.ai.filter(|a| a.lag) {
            plant(
                "ai_output_without_outcome",
                &team_subject,
                last(2),
                format!(
                    "{:.0} % of the PRs of the last two months made with an assistant (a quarter of that before); nine in ten of the failed PRs among them, one in six of them reverted",
                    ai.share * 100.0
                ),
            );
        }
        let pure = plan.plants_nothing() && held.is_empty();
        if pure {
            healthy_teams.push(team_subject);
        }
    }
    GroundTruth {
        seed: config.seed,
        from: config.from(),
        to: config.until,
        control: config
            .teams
            .iter()
            .all(|t| t.plants_nothing() && t.hard_case.is_none()),
        plants,
        healthy_teams,
        hard_cases,
        ai_assisted: Vec::new(),
    }
}

/// The simulator as a [`Source`]: what `teamlens simulate` loads into the store.
pub struct Simulator {
    config: SimConfig,
    ground_truth: Option<GroundTruth>,
}

impl Simulator {
    pub fn new(config: SimConfig) -> Simulator {
        Simulator {
            config,
            ground_truth: None,
        }
    }

    /// What the last [`Source::load`] planted.
    pub fn ground_truth(&self) -> Option<&GroundTruth> {
        self.ground_truth.as_ref()
    }
}

impl Source for Simulator {
    fn name(&self) -> &'static str {
        "simulate"
    }

    fn load(&mut self) -> Result<Batch, SourceError> {
        let simulation = simulate(&self.config);
        let frames = simulation
            .dataset
            .into_frames()
            .map_err(|source| SourceError::Polars {
                context: "building the simulated tables".to_string(),
                source,
            })?;
        let state = serde_json::json!({
            "seed": self.config.seed,
            "from": self.config.from().to_string(),
            "until": self.config.until.to_string(),
            "teams": self.config.teams.len(),
            "scale": self.config.scale,
        });
        self.ground_truth = Some(simulation.ground_truth);
        Ok(Batch { frames, state })
    }
}

#[cfg(test)]
mod tests;
