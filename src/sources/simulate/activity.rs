//! What the simulated people do, day by day: start PRs, ask for and give reviews (each manager
//! persona its own way), push commits, merge, revert, raise incidents and hotfix them, move
//! tickets, and deploy. Everything after the last simulated day is cut off, as a fetch on that day
//! would see it: later merges are still open PRs, later status moves have not happened.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveTime, SubsecRound, TimeZone, Utc, Weekday,
};
use rand::Rng;
use rand::seq::IndexedRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};

use super::calendar::{is_company_holiday, is_weekend};
use super::world::{ACTIONS_BOT, DEPENDABOT, Member, SILO_MODULE, Team, World, weekday_factor};
use super::{
    DeliveryTruth, HardCaseKind, ManagerPersona, PlantedDeployment, PlantedHotfix, PlantedIncident,
    PlantedRevert, SimConfig,
};
use crate::model::{
    Comment, Commit, Dataset, Deployment, FileChange, Issue, IssueEvent, PrCommit, PrEvent,
    PullRequest, Review, ReviewRequest, Sprint,
};

/// The committer GitHub records for commits made in its web interface ("Update branch", squash merges).
const WEB_FLOW: &str = "web-flow";

const VERBS: &[&str] = &[
    "Add", "Fix", "Refactor", "Speed up", "Remove", "Handle", "Log", "Validate", "Cache", "Rename",
    "Split",
];
const OBJECTS: &[&str] = &[
    "invoice export",
    "session refresh",
    "search ranking",
    "rate limiter",
    "webhook retries",
    "audit log",
    "user settings",
    "feature flag",
    "pagination",
    "CSV import",
    "time zone handling",
    "error messages",
    "health check",
    "config loader",
    "token rotation",
    "email templates",
    "bulk delete",
    "metrics endpoint",
];
const CRATES: &[&str] = &[
    "serde", "tokio", "reqwest", "tracing", "clap", "chrono", "uuid", "sqlx",
];

/// What a PR is for; reverts, hotfixes and dependency bumps behave differently from features.
#[derive(Debug, Clone)]
enum PrKind {
    Feature,
    Revert {
        of: i64,
        title: String,
        additions: i64,
        deletions: i64,
    },
    Hotfix {
        incident: String,
    },
    Dependency,
}

/// A PR scheduled for a later day (a revert of a merged PR, a hotfix for an incident).
#[derive(Debug, Clone)]
struct Scheduled {
    author: usize,
    kind: PrKind,
}

/// A merged PR, remembered for incidents (their cause) and deployments.
#[derive(Debug, Clone)]
struct Merged {
    number: i64,
    at: DateTime<Utc>,
    author: usize,
}

/// One PR and everything that hangs off it, assembled before the cut-off is applied.
#[derive(Debug)]
struct PrRecord {
    pr: PullRequest,
    reviews: Vec<Review>,
    requests: Vec<ReviewRequest>,
    events: Vec<PrEvent>,
    commits: Vec<PrCommit>,
    comments: Vec<Comment>,
    files: Vec<FileChange>,
}

/// How a PR's review ended.
enum End {
    Merged { at: DateTime<Utc>, by: usize },
    Closed { at: DateTime<Utc>, by: String },
    Open,
}

pub fn run(config: &SimConfig, world: &World, rng: &mut ChaCha8Rng) -> (Dataset, DeliveryTruth) {
    let morning_after =
        |day: NaiveDate| Utc.from_utc_datetime(&(day + Duration::days(1)).and_time(NaiveTime::MIN));
    let cutoff = morning_after(config.until);
    let recorded = morning_after(
        config
            .recorded_until
            .unwrap_or(config.until)
            .min(config.until),
    );
    let months = config.month_names();
    let month_start = |back: usize| {
        months
            .len()
            .checked_sub(back)
            .and_then(|i| NaiveDate::parse_from_str(&format!("{}-01", months[i]), "%Y-%m-%d").ok())
            .unwrap_or(config.from())
    };
    let split_from = (month_start(2), month_start(1));
    let mut activity = Activity {
        config,
        world,
        rng,
        cutoff,
        recorded,
        split_from,
        out: Dataset {
            people: world.people(),
            time_off: world.time_off(config),
            ..Dataset::default()
        },
        next_number: vec![1; world.teams.len()],
        next_ticket: vec![1; world.teams.len()],
        scheduled: BTreeMap::new(),
        merged: vec![Vec::new(); world.teams.len()],
        shipped: vec![Vec::new(); world.teams.len()],
        index_of: world
            .members
            .iter()
            .enumerate()
            .map(|(i, m)| (m.id.clone(), i))
            .collect(),
        delivery: DeliveryTruth::default(),
    };
    activity.simulate_days();
    activity.deploy();
    activity.out.sprints = sprints_of(&activity.out.issue_events, recorded);
    // What happens after a merge (the squash commit, deployments) is written as it happens;
    // what came after the last recorded day was not there yet.
    let mut out = activity.out;
    out.commits.retain(|c| c.authored_at < recorded);
    out.deployments.retain(|d| d.at < recorded);
    (out, activity.delivery)
}

/// The sprints tickets were planned into, as a tracker lists them: two weeks from their
/// Monday-morning start, completed at their end when that is before the cut-off.
fn sprints_of(events: &[IssueEvent], cutoff: DateTime<Utc>) -> Vec<Sprint> {
    let mut names: Vec<&str> = events
        .iter()
        .filter(|e| e.field == "sprint")
        .filter_map(|e| e.to.as_deref())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .filter_map(|name| {
            let (project, number) = name.rsplit_once(" Sprint ")?;
            let number: i64 = number.parse().ok()?;
            let started = sprint_start_of(number);
            let ended = started + Duration::days(SPRINT_DAYS);
            Some(Sprint {
                source: "jira".into(),
                id: format!("{project}-{number}"),
                name: name.to_string(),
                project: Some(project.to_string()),
                started_at: Some(started),
                ended_at: Some(ended),
                completed_at: (ended <= cutoff).then_some(ended),
            })
        })
        .collect()
}

struct Activity<'a> {
    config: &'a SimConfig,
    world: &'a World,
    rng: &'a mut ChaCha8Rng,
    /// The end of the simulation: nothing happens at or after this moment.
    cutoff: DateTime<Utc>,
    /// Nothing at or after this moment is recorded (`SimConfig::recorded_until`; the cut-off
    /// unless earlier). Only what is stored depends on it, never what happens, so a store
    /// recorded earlier holds the same world as far as it goes.
    recorded: DateTime<Utc>,
    /// The first days of the two months of PR splitting (ever finer) on teams that split.
    split_from: (NaiveDate, NaiveDate),
    out: Dataset,
    next_number: Vec<i64>,
    next_ticket: Vec<i64>,
    scheduled: BTreeMap<NaiveDate, Vec<Scheduled>>,
    merged: Vec<Vec<Merged>>,
    /// Every PR merged into main, dependency bumps included: what the deployments ship.
    shipped: Vec<Vec<Merged>>,
    /// Person id → index into `world.members`.
    index_of: BTreeMap<String, usize>,
    /// What was planted for DORA's keys, as it is recorded (bookkeeping only: it draws nothing).
    delivery: DeliveryTruth,
}

impl Activity<'_> {
    fn simulate_days(&mut self) {
        let world = self.world;
        let mut day = self.config.warm_up_from();
        while day <= self.config.until {
            for (index, team) in world.teams.iter().enumerate() {
                for &person in std::iter::once(&team.manager).chain(&team.engineers) {
                    let starts = self.poisson(self.pr_rate(&world.members[person], team, day));
                    for _ in 0..starts {
                        self.pull_request(person, day, PrKind::Feature);
                    }
                }
                let org_working_day = !is_weekend(day) && !is_company_holiday(day);
                // Dependabot's weekly bumps, each left to one engineer to approve and merge.
                if day.weekday() == Weekday::Mon
                    && self.rng.random_bool(0.9)
                    && let Some(&reviewer) = team.engineers.choose(self.rng)
                {
                    self.pull_request(reviewer, day, PrKind::Dependency);
                }
                if org_working_day {
                    let incidents_a_month = if self.splitting(team, day) > 1.0 {
                        2.5
                    } else {
                        0.5
                    };
                    if self
                        .rng
                        .random_bool((incidents_a_month * self.config.scale / 21.0).min(1.0))
                    {
                        self.incident(index, day);
                    }
                    if team.plan.overloaded && self.rng.random_bool(0.7) {
                        self.unplanned_ticket(index, day);
                    }
                }
            }
            for item in self.scheduled.remove(&day).unwrap_or_default() {
                self.pull_request(item.author, day, item.kind);
            }
            day += Duration::days(1);
        }
    }

    /// PRs a person starts on a day, on average.
    fn pr_rate(&self, member: &Member, team: &Team, day: NaiveDate) -> f64 {
        let mut rate = member.pr_rate;
        if member.fades_from.is_some_and(|from| day >= from) {
            rate *= 0.3;
        }
        rate *= self.splitting(team, day);
        if member.calendar.is_working_day(day) {
            rate * weekday_factor(day)
        } else if is_weekend(day) && member.calendar.is_employed(day) {
            // Weekend work: rare, except for someone drifting into it.
            rate * self.after_hours_share(member, day) * 0.6
        } else {
            0.0
        }
    }

    /// How many PRs one piece of work becomes on a team that splits them: 1.8 in the
    /// second-to-last month, 2.6 in the last, 1 otherwise.
    fn splitting(&self, team: &Team, day: NaiveDate) -> f64 {
        match team.plan.splits_prs {
            true if day >= self.split_from.1 => 2.6,
            true if day >= self.split_from.0 => 1.8,
            _ => 1.0,
        }
    }

    /// The chance that one of the person's actions on a day falls outside their working hours.
    fn after_hours_share(&self, member: &Member, day: NaiveDate) -> f64 {
        match member.drifts_after_hours_from {
            Some(from) if day >= from => {
                let span = (self.config.until - from).num_days().max(1) as f64;
                0.25 + 0.45 * ((day - from).num_days() as f64 / span).min(1.0)
            }
            _ => member.evening_share,
        }
    }

    /// A moment a person does something on a day: in working hours, or (for the after-hours
    /// share) in the evening.
    fn moment(&mut self, person: usize, day: NaiveDate) -> DateTime<Utc> {
        let world = self.world;
        let member = &world.members[person];
        let calendar = &member.calendar;
        let share = self.after_hours_share(member, day);
        let evening = self.rng.random_bool(share) || !calendar.is_working_day(day);
        let hour = if evening {
            self.rng
                .random_range(f64::from(calendar.end_hour) + 1.5..23.5)
        } else {
            self.rng.random_range(
                f64::from(calendar.start_hour) + 0.2..f64::from(calendar.end_hour) - 0.3,
            )
        };
        calendar.at(day, hour)
    }

    /// A moment at work on `day`, or on the person's last working day before it: tickets are
    /// written at work, not on a Sunday night.
    fn working_moment(&mut self, person: usize, day: NaiveDate) -> DateTime<Utc> {
        let calendar = &self.world.members[person].calendar;
        let mut date = day;
        for _ in 0..30 {
            if calendar.is_working_day(date) {
                break;
            }
            date -= Duration::days(1);
        }
        self.moment(person, date)
    }

    /// The person, if they still work here on the day of `at`; otherwise `instead`.
    fn still_here(&self, person: usize, instead: usize, at: DateTime<Utc>) -> usize {
        if self.world.members[person]
            .calendar
            .is_employed(at.date_naive())
        {
            person
        } else {
            instead
        }
    }

    /// `hours` of a person's working time after `from` (an evening moment for someone drifting).
    fn later(&mut self, person: usize, from: DateTime<Utc>, hours: f64) -> Option<DateTime<Utc>> {
        let world = self.world;
        let member = &world.members[person];
        let at = member.calendar.after_working_hours(from, hours)?;
        let day = member.calendar.local(at).date();
        let share = self.after_hours_share(member, day);
        if member.drifts_after_hours_from.is_some() && self.rng.random_bool(share) {
            let evening = self.moment(person, day);
            return Some(evening.max(at));
        }
        Some(at)
    }

    /// A reviewer's response: a log-normal wait in their working hours after they were asked.
    fn response(
        &mut self,
        person: usize,
        asked: DateTime<Utc>,
        median_hours: f64,
    ) -> Option<DateTime<Utc>> {
        let wait = self.lognormal(median_hours, 0.9);
        self.later(person, asked, wait)
    }

    fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        let z: f64 = StandardNormal.sample(self.rng);
        median * (sigma * z).exp()
    }

    fn poisson(&mut self, mean: f64) -> u64 {
        if mean <= 0.0 {
            return 0;
        }
        Poisson::new(mean)
            .map(|d| d.sample(self.rng) as u64)
            .unwrap_or(0)
    }

    fn sha(&mut self) -> String {
        format!(
            "{:032x}{:08x}",
            self.rng.random::<u128>(),
            self.rng.random::<u32>()
        )
    }

    fn title(&mut self) -> String {
        let verb = VERBS.choose(self.rng).copied().unwrap_or("Fix");
        let object = OBJECTS.choose(self.rng).copied().unwrap_or("tests");
        format!("{verb} {object}")
    }

    /// Up to `count` teammates (never the author, never someone gone), weighted by how often the
    /// team asks them.
    fn peers(&mut self, team: usize, author: usize, count: usize, day: NaiveDate) -> Vec<usize> {
        let world = self.world;
        let mut pool: Vec<usize> = world.teams[team]
            .engineers
            .iter()
            .copied()
            .filter(|&p| p != author && world.members[p].calendar.is_employed(day))
            .collect();
        // Nobody asks a colleague who is on vacation today, unless everyone is.
        if pool
            .iter()
            .any(|&p| world.members[p].calendar.is_working_day(day))
        {
            pool.retain(|&p| world.members[p].calendar.is_working_day(day));
        }
        // Someone losing interest takes on fewer reviews too.
        let weight = |p: usize| {
            let member = &world.members[p];
            let fading = member.fades_from.is_some_and(|from| day >= from);
            member.review_weight * if fading { 0.25 } else { 1.0 }
        };
        let mut chosen = Vec::new();
        while chosen.len() < count && !pool.is_empty() {
            let total: f64 = pool.iter().map(|&p| weight(p)).sum();
            let mut roll = self.rng.random_range(0.0..total);
            let mut pick = pool.len() - 1;
            for (i, &p) in pool.iter().enumerate() {
                roll -= weight(p);
                if roll < 0.0 {
                    pick = i;
                    break;
                }
            }
            chosen.push(pool.remove(pick));
        }
        chosen
    }

    /// Opens a PR started by `author` on `day`, and plays out its whole life.
    fn pull_request(&mut self, author: usize, day: NaiveDate, kind: PrKind) {
        let world = self.world;
        let team_index = world.members[author].team;
        let team = &world.teams[team_index];
        let split = self.splitting(team, day);
        let bot = matches!(kind, PrKind::Dependency);
        let author_id = if bot {
            DEPENDABOT.to_string()
        } else {
            world.members[author].id.clone()
        };

        let (title, additions, deletions, labels, linked_issues) = match &kind {
            PrKind::Feature => {
                let lines = (self.lognormal(70.0, 1.0) / split).clamp(1.0, 4000.0);
                let additions = (lines * 0.68).ceil() as i64;
                let labels = match self.rng.random_range(0..6) {
                    0 => vec!["bug".to_string()],
                    1 => vec!["enhancement".to_string()],
                    _ => Vec::new(),
                };
                (
                    self.title(),
                    additions,
                    lines as i64 - additions,
                    labels,
                    Vec::new(),
                )
            }
            PrKind::Revert {
                title,
                additions,
                deletions,
                ..
            } => (
                format!("Revert \"{title}\""),
                *deletions,
                *additions,
                vec!["revert".to_string()],
                Vec::new(),
            ),
            PrKind::Hotfix { incident } => {
                let lines = self.lognormal(15.0, 0.6).clamp(1.0, 400.0);
                let additions = (lines * 0.6).ceil() as i64;
                let title = format!("Hotfix for {incident}: {}", self.title().to_lowercase());
                (
                    title,
                    additions,
                    lines as i64 - additions,
                    vec!["hotfix".to_string()],
                    vec![incident.clone()],
                )
            }
            PrKind::Dependency => {
                let krate = CRATES.choose(self.rng).copied().unwrap_or("serde");
                let minor = self.rng.random_range(1..40);
                let title = format!("Bump {krate} from 1.{minor}.0 to 1.{}.0", minor + 1);
                let lines = self.rng.random_range(2..30);
                (
                    title,
                    lines / 2 + 1,
                    lines / 2,
                    vec!["dependencies".to_string()],
                    Vec::new(),
                )
            }
        };
        let lines = (additions + deletions).max(1);
        let number = self.next_number[team_index];
        self.next_number[team_index] += 1;

        // Coding: from the first commit until the PR is ready for review.
        let first_commit_at = if bot {
            Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN)) + Duration::hours(6)
        } else {
            self.moment(author, day)
        };
        let coding = match kind {
            // A PR split off a larger piece of work takes nearly as long: the pieces wait on each other.
            PrKind::Feature => self.lognormal(9.0, 0.8) * (lines as f64 * split / 70.0).powf(0.3),
            PrKind::Revert { .. } => self.lognormal(0.4, 0.5),
            PrKind::Hotfix { .. } => self.lognormal(2.0, 0.6),
            PrKind::Dependency => 0.0,
        };
        let ready_at = if bot {
            Some(first_commit_at)
        } else {
            self.later(author, first_commit_at, coding)
        };
        let Some(ready_at) = ready_at else {
            return;
        };
        let draft = matches!(kind, PrKind::Feature) && self.rng.random_bool(0.18);
        let created_at = if draft {
            self.later(author, first_commit_at, coding * 0.35)
                .unwrap_or(ready_at)
                .min(ready_at)
        } else {
            ready_at
        };
        if created_at >= self.cutoff {
            return;
        }

        let repo = team.repo.clone();
        let mut record = PrRecord {
            pr: PullRequest {
                source: "github".into(),
                repo: repo.clone(),
                number,
                author: author_id.clone(),
                title: Some(title.clone()),
                url: Some(format!("https://github.com/{repo}/pull/{number}")),
                created_at,
                ready_at: Some(ready_at),
                first_commit_at: Some(first_commit_at),
                merged_at: None,
                closed_at: None,
                merged_by: None,
                state: Some("open".into()),
                draft: Some(false),
                additions: Some(additions),
                deletions: Some(deletions),
                changed_files: None,
                labels,
                base_ref: Some("main".into()),
                is_revert: Some(matches!(kind, PrKind::Revert { .. })),
                reverts_number: match kind {
                    PrKind::Revert { of, .. } => Some(of),
                    _ => None,
                },
                linked_issues,
                updated_at: None,
                attribution: Vec::new(),
            },
            reviews: Vec::new(),
            requests: Vec::new(),
            events: Vec::new(),
            commits: Vec::new(),
            comments: Vec::new(),
            files: Vec::new(),
        };

        // The author's commits while coding.
        let commit_count = if bot {
            1
        } else {
            1 + self.poisson(lines as f64 / 150.0).min(11)
        };
        let mut times = vec![first_commit_at];
        for _ in 1..commit_count {
            let fraction = self.rng.random_range(0.05..1.0);
            if let Some(at) = self.later(author, first_commit_at, coding * fraction) {
                times.push(at.min(ready_at));
            }
        }
        times.sort();
        for at in times {
            let headline = if bot { title.clone() } else { self.title() };
            self.commit(&mut record, &author_id, author, at, headline, false);
        }
        if draft {
            self.event(&mut record, "ready_for_review", &author_id, ready_at);
        }
        if !bot && self.rng.random_bool(0.6) {
            record.comments.push(comment(
                &record.pr,
                ACTIONS_BOT,
                ready_at + Duration::minutes(4),
                false,
            ));
        }
        if !bot && self.rng.random_bool(0.15) {
            self.review(
                &mut record,
                ACTIONS_BOT,
                "commented",
                ready_at + Duration::minutes(6),
                1,
            );
        }

        let end = if bot {
            self.dependency_review(&mut record, author, ready_at)
        } else if matches!(kind, PrKind::Feature) && self.rng.random_bool(0.05) {
            self.abandoned(&mut record, author, team_index, ready_at)
        } else {
            self.review_by_persona(&mut record, author, team_index, ready_at, &kind, split)
        };

        let changed_files = self.files(&mut record, author, team, lines);
        record.pr.changed_files = Some(changed_files);
        match end {
            End::Merged { at, by } => {
                if self.rng.random_bool(0.12) && at - ready_at > Duration::hours(24) {
                    // "Update branch": a merge of main into the PR, made in the web UI, sometimes
                    // by a reviewer. Not someone else's work on the PR.
                    let pusher = record
                        .reviews
                        .iter()
                        .map(|r| r.reviewer.clone())
                        .find(|r| !r.ends_with("[bot]") && self.rng.random_bool(0.4))
                        .unwrap_or_else(|| author_id.clone());
                    // Git records whole seconds.
                    let when = (ready_at + (at - ready_at) / 2).trunc_subsecs(0);
                    self.commit(
                        &mut record,
                        &pusher,
                        author,
                        when,
                        "Merge branch 'main' into feature".into(),
                        true,
                    );
                }
                let merger = world.members[by].id.clone();
                record.pr.merged_at = Some(at);
                record.pr.closed_at = Some(at);
                record.pr.merged_by = Some(merger.clone());
                record.pr.state = Some("merged".into());
                self.event(&mut record, "merged", &merger, at);
                self.event(&mut record, "closed", &merger, at);
                if at < self.cutoff {
                    self.after_merge(&record, author, team_index, &kind, split, at);
                }
            }
            End::Closed { at, by } => {
                record.pr.closed_at = Some(at);
                record.pr.state = Some("closed".into());
                self.event(&mut record, "closed", &by, at);
            }
            End::Open => {}
        }

        if matches!(kind, PrKind::Feature) && self.rng.random_bool(0.8) {
            let key = self.ticket_for_pr(&record, author, team_index, first_commit_at, ready_at);
            if let Some(key) = key {
                record.pr.linked_issues.push(key);
            }
        }
        self.record(record);
    }

    fn commit(
        &mut self,
        record: &mut PrRecord,
        author_id: &str,
        author: usize,
        at: DateTime<Utc>,
        headline: String,
        is_merge: bool,
    ) {
        let offset = match self.index_of.get(author_id) {
            Some(&person) => self.world.members[person].calendar.offset_minutes(at),
            None if author_id.ends_with("[bot]") => 0,
            None => self.world.members[author].calendar.offset_minutes(at),
        };
        record.commits.push(PrCommit {
            source: "github".into(),
            repo: record.pr.repo.clone(),
            number: record.pr.number,
            sha: self.sha(),
            author: author_id.to_string(),
            committer: Some(if is_merge {
                WEB_FLOW.to_string()
            } else {
                author_id.to_string()
            }),
            authored_at: at,
            author_tz_offset_minutes: Some(offset),
            is_merge: Some(is_merge),
            message_headline: Some(headline),
            trailers: Vec::new(),
            attribution: Vec::new(),
        });
    }

    fn event(&mut self, record: &mut PrRecord, kind: &str, actor: &str, at: DateTime<Utc>) {
        record.events.push(PrEvent {
            source: "github".into(),
            repo: record.pr.repo.clone(),
            number: record.pr.number,
            kind: kind.to_string(),
            actor: Some(actor.to_string()),
            at,
        });
    }

    fn request(&mut self, record: &mut PrRecord, reviewer: &str, by: &str, at: DateTime<Utc>) {
        record.requests.push(ReviewRequest {
            source: "github".into(),
            repo: record.pr.repo.clone(),
            number: record.pr.number,
            requested: reviewer.to_string(),
            requested_by: Some(by.to_string()),
            requested_at: at,
            removed_at: None,
        });
        self.event(record, "review_requested", by, at);
    }

    /// A submitted review with its thread comments, written in the minutes before it.
    fn review(
        &mut self,
        record: &mut PrRecord,
        reviewer: &str,
        state: &str,
        at: DateTime<Utc>,
        comments: i64,
    ) {
        for i in 0..comments {
            record.comments.push(comment(
                &record.pr,
                reviewer,
                at - Duration::minutes(2 * (comments - i)),
                true,
            ));
        }
        record.reviews.push(Review {
            source: "github".into(),
            repo: record.pr.repo.clone(),
            number: record.pr.number,
            reviewer: reviewer.to_string(),
            reviewer_name: None,
            state: state.to_string(),
            submitted_at: at,
            comment_count: Some(comments),
        });
    }

    /// One peer asked to review: approves, or asks for changes (or comments), is re-requested once
    /// the author has pushed fixes, and approves. Returns when they approved.
    fn peer_review(
        &mut self,
        record: &mut PrRecord,
        author: usize,
        peer: usize,
        asked: DateTime<Utc>,
        wait: f64,
        approve_first: f64,
    ) -> Option<DateTime<Utc>> {
        let members = &self.world.members;
        let (author_id, peer_id) = (members[author].id.clone(), members[peer].id.clone());
        self.request(record, &peer_id, &author_id, asked);
        if members[peer].rubber_stamper {
            // Approved within minutes of the request (of their next working moment), unread.
            let minutes = self.rng.random_range(1.0..15.0);
            let at = members[peer]
                .calendar
                .after_working_hours(asked, minutes / 60.0)?;
            self.review(record, &peer_id, "approved", at, 0);
            return Some(at);
        }
        let first = self.response(peer, asked, wait)?;
        if self.rng.random_bool(approve_first) {
            let comments = i64::from(self.rng.random_bool(0.3));
            self.review(record, &peer_id, "approved", first, comments);
            return Some(first);
        }
        let state = if self.rng.random_bool(0.6) {
            "changes_requested"
        } else {
            "commented"
        };
        let comments = self.rng.random_range(1..5);
        self.review(record, &peer_id, state, first, comments);
        let fix_hours = self.lognormal(2.0, 0.7);
        let fixed = self.later(author, first, fix_hours)?;
        let headline = format!("Address review: {}", self.title().to_lowercase());
        self.commit(record, &author_id, author, fixed, headline, false);
        record
            .comments
            .push(comment(&record.pr, &author_id, fixed, true));
        if self.rng.random_bool(0.25) {
            self.event(record, "head_ref_force_pushed", &author_id, fixed);
        }
        self.request(record, &peer_id, &author_id, fixed + Duration::minutes(1));
        let second = self.response(peer, fixed, wait * 0.6)?;
        self.review(record, &peer_id, "approved", second, 0);
        Some(second)
    }

    /// Peers review as a healthy team does: one reviewer, sometimes two; someone else steps in
    /// when a reviewer cannot. Returns the approval times.
    fn peer_round(
        &mut self,
        record: &mut PrRecord,
        author: usize,
        team: usize,
        ready: DateTime<Utc>,
        wait: f64,
        approve_first: f64,
    ) -> Vec<DateTime<Utc>> {
        let count = if self.rng.random_bool(0.3) { 2 } else { 1 };
        let day = ready.date_naive();
        let mut reviewers = self.peers(team, author, count + 1, day);
        let manager = self.world.teams[team].manager;
        if reviewers.is_empty()
            && author != manager
            && self.world.teams[team].plan.hard_case == Some(HardCaseKind::TwoPerson)
        {
            // A pair: the manager is the only other person to ask.
            reviewers.push(manager);
        }
        let spare = (reviewers.len() > count).then(|| reviewers.remove(count));
        let healthy = self.world.teams[team].plan.manager == ManagerPersona::Healthy;
        if healthy
            && author != manager
            && self.rng.random_bool(0.08)
            && let Some(last) = reviewers.last_mut()
        {
            *last = manager;
        }
        let mut approvals = Vec::new();
        for reviewer in reviewers {
            let asked = ready + Duration::minutes(self.rng.random_range(0..10));
            match self.peer_review(record, author, reviewer, asked, wait, approve_first) {
                Some(at) => approvals.push(at),
                None => {
                    if let Some(spare) = spare {
                        let later = asked + Duration::hours(24);
                        approvals.extend(self.peer_review(
                            record,
                            author,
                            spare,
                            later,
                            wait,
                            approve_first,
                        ));
                    }
                }
            }
        }
        approvals
    }

    fn merge_after(&mut self, merger: usize, approvals: &[DateTime<Utc>]) -> End {
        match approvals.iter().max() {
            Some(&last) => {
                let delay = self.lognormal(0.8, 0.8);
                match self.later(merger, last, delay) {
                    Some(at) => End::Merged { at, by: merger },
                    None => End::Open,
                }
            }
            None => End::Open,
        }
    }

    fn review_by_persona(
        &mut self,
        record: &mut PrRecord,
        author: usize,
        team: usize,
        ready: DateTime<Utc>,
        kind: &PrKind,
        split: f64,
    ) -> End {
        let world = self.world;
        let manager = world.teams[team].manager;
        let persona = world.teams[team].plan.manager;
        let manager_id = world.members[manager].id.clone();
        let author_id = world.members[author].id.clone();
        // More PRs for the same reviewers: every wait grows with them.
        let slow = split;
        let urgent = matches!(kind, PrKind::Revert { .. } | PrKind::Hotfix { .. });
        let peer_wait = if urgent { 0.7 } else { 3.0 * slow };

        if author == manager || urgent {
            if persona == ManagerPersona::WontLetGo
                && author == manager
                && self.rng.random_bool(0.3)
            {
                // Merged without anyone's approval.
                let delay = self.lognormal(1.0, 0.8);
                return match self.later(author, ready, delay) {
                    Some(at) => End::Merged { at, by: author },
                    None => End::Open,
                };
            }
            let approve_first = if author == manager { 0.9 } else { 0.8 };
            let approvals = self.peer_round(record, author, team, ready, peer_wait, approve_first);
            return self.merge_after(author, &approvals);
        }

        match persona {
            ManagerPersona::Healthy => {
                let approvals = self.peer_round(record, author, team, ready, peer_wait, 0.72);
                self.merge_after(author, &approvals)
            }
            ManagerPersona::Absentee => {
                if self.rng.random_bool(0.07) {
                    // Nobody picks it up; the author gives up on it after weeks, or it stays open.
                    let peers = self.peers(team, author, 1, ready.date_naive());
                    if let Some(&peer) = peers.first() {
                        let peer_id = world.members[peer].id.clone();
                        self.request(record, &peer_id, &author_id, ready);
                    }
                    if self.rng.random_bool(0.5) {
                        let weeks = self.rng.random_range(2..5);
                        return End::Closed {
                            at: ready + Duration::weeks(weeks),
                            by: author_id,
                        };
                    }
                    return End::Open;
                }
                let mut approvals = self.peer_round(record, author, team, ready, 6.5 * slow, 0.72);
                if self.rng.random_bool(0.02) {
                    approvals.extend(self.peer_review(record, author, manager, ready, 20.0, 0.9));
                }
                self.merge_after(author, &approvals)
            }
            ManagerPersona::Bottleneck => {
                let mut approvals = Vec::new();
                if self.rng.random_bool(0.5) {
                    // A peer looks too, but their word is not the one that counts.
                    if let Some(&peer) = self.peers(team, author, 1, ready.date_naive()).first() {
                        let peer_id = world.members[peer].id.clone();
                        self.request(record, &peer_id, &author_id, ready);
                        if let Some(at) = self.response(peer, ready, peer_wait) {
                            if self.rng.random_bool(0.4) {
                                self.review(record, &peer_id, "approved", at, 0);
                                approvals.push(at);
                            } else {
                                let comments = self.rng.random_range(1..4);
                                self.review(record, &peer_id, "commented", at, comments);
                            }
                        }
                    }
                }
                if self.rng.random_bool(0.08) {
                    approvals.extend(self.peer_round(record, author, team, ready, peer_wait, 0.72));
                    return self.merge_after(author, &approvals);
                }
                self.request(record, &manager_id, &author_id, ready);
                let answer = self.response(manager, ready, 9.0 * slow);
                let waited_long = answer.is_none_or(|at| at - ready > Duration::days(4));
                if waited_long && self.rng.random_bool(0.5) {
                    // The manager is away: someone else approves so the work can ship.
                    approvals.extend(self.peer_round(
                        record,
                        author,
                        team,
                        ready + Duration::days(2),
                        peer_wait,
                        0.8,
                    ));
                    return self.merge_after(author, &approvals);
                }
                let Some(first) = answer else {
                    return End::Open;
                };
                let approved_at = if self.rng.random_bool(0.22) {
                    let comments = self.rng.random_range(1..5);
                    self.review(record, &manager_id, "changes_requested", first, comments);
                    let fix_hours = self.lognormal(2.0, 0.7);
                    let Some(fixed) = self.later(author, first, fix_hours) else {
                        return End::Open;
                    };
                    self.commit(
                        record,
                        &author_id,
                        author,
                        fixed,
                        "Address review".into(),
                        false,
                    );
                    self.request(
                        record,
                        &manager_id,
                        &author_id,
                        fixed + Duration::minutes(1),
                    );
                    let Some(second) = self.response(manager, fixed, 5.0 * slow) else {
                        return End::Open;
                    };
                    second
                } else {
                    first
                };
                self.review(record, &manager_id, "approved", approved_at, 0);
                approvals.push(approved_at);
                let merger = if self.rng.random_bool(0.5) {
                    manager
                } else {
                    author
                };
                self.merge_after(merger, &approvals)
            }
            ManagerPersona::Micromanager => {
                let mut approvals = self.peer_round(record, author, team, ready, peer_wait, 0.72);
                if self.rng.random_bool(0.9) {
                    let peer_approved = approvals.iter().min().copied();
                    let after_peer = peer_approved.is_some() && self.rng.random_bool(0.6);
                    let (asked, wait) = match peer_approved {
                        Some(at) if after_peer => (at, 1.0),
                        _ => (ready, 2.5),
                    };
                    if let Some(at) = self.response(manager, asked, wait) {
                        let roll: f64 = self.rng.random();
                        let state = match (after_peer, roll) {
                            (true, r) if r < 0.45 => "changes_requested",
                            (true, r) if r < 0.8 => "commented",
                            (false, r) if r < 0.6 => "commented",
                            (false, r) if r < 0.85 => "changes_requested",
                            _ => "approved",
                        };
                        let comments = if state == "approved" {
                            0
                        } else {
                            self.rng.random_range(2..7)
                        };
                        self.review(record, &manager_id, state, at, comments);
                        if state == "approved" {
                            approvals.push(at);
                        } else if state == "changes_requested" {
                            let fixed = if self.rng.random_bool(0.4) {
                                // The manager rewrites it on the author's branch.
                                let hours = self.lognormal(0.7, 0.6);
                                let pushed = self.later(manager, at, hours);
                                if let Some(pushed) = pushed {
                                    let headline =
                                        format!("Rework {}", self.title().to_lowercase());
                                    self.commit(
                                        record,
                                        &manager_id,
                                        manager,
                                        pushed,
                                        headline,
                                        false,
                                    );
                                }
                                pushed
                            } else {
                                let hours = self.lognormal(2.5, 0.7);
                                let fixed = self.later(author, at, hours);
                                if let Some(fixed) = fixed {
                                    self.commit(
                                        record,
                                        &author_id,
                                        author,
                                        fixed,
                                        "Apply requested changes".into(),
                                        false,
                                    );
                                    self.request(
                                        record,
                                        &manager_id,
                                        &author_id,
                                        fixed + Duration::minutes(1),
                                    );
                                }
                                fixed
                            };
                            if let Some(fixed) = fixed
                                && let Some(second) = self.response(manager, fixed, 1.5)
                            {
                                let state = if self.rng.random_bool(0.6) {
                                    "approved"
                                } else {
                                    "commented"
                                };
                                self.review(
                                    record,
                                    &manager_id,
                                    state,
                                    second,
                                    i64::from(state == "commented"),
                                );
                                approvals.push(second);
                            }
                        } else if self.rng.random_bool(0.12) {
                            let pushed = self.later(manager, at, 1.0);
                            if let Some(pushed) = pushed {
                                self.commit(
                                    record,
                                    &manager_id,
                                    manager,
                                    pushed,
                                    "Tidy naming".into(),
                                    false,
                                );
                                approvals.push(pushed);
                            }
                        }
                    }
                }
                self.merge_after(author, &approvals)
            }
            ManagerPersona::WontLetGo => {
                let mut approvals = self.peer_round(record, author, team, ready, peer_wait, 0.72);
                if self.rng.random_bool(0.35) {
                    self.request(record, &manager_id, &author_id, ready);
                    if let Some(at) = self.response(manager, ready, 4.0) {
                        if self.rng.random_bool(0.4) {
                            // Overrides the team: changes requested on what peers approved.
                            let comments = self.rng.random_range(1..4);
                            self.review(record, &manager_id, "changes_requested", at, comments);
                            let hours = self.lognormal(2.0, 0.7);
                            if let Some(fixed) = self.later(author, at, hours) {
                                self.commit(
                                    record,
                                    &author_id,
                                    author,
                                    fixed,
                                    "Do it the old way".into(),
                                    false,
                                );
                                if let Some(second) = self.response(manager, fixed, 2.0) {
                                    self.review(record, &manager_id, "approved", second, 0);
                                    approvals.push(second);
                                }
                            }
                        } else {
                            // Approves, and dismisses a peer's request for changes.
                            self.review(record, &manager_id, "approved", at, 0);
                            approvals.push(at);
                            let blocking = record
                                .reviews
                                .iter()
                                .position(|r| r.state == "changes_requested");
                            if let Some(index) = blocking {
                                record.reviews[index].state = "dismissed".into();
                                self.event(
                                    record,
                                    "review_dismissed",
                                    &manager_id,
                                    at + Duration::minutes(1),
                                );
                            }
                        }
                    }
                }
                self.merge_after(author, &approvals)
            }
        }
    }

    fn dependency_review(
        &mut self,
        record: &mut PrRecord,
        reviewer: usize,
        ready: DateTime<Utc>,
    ) -> End {
        if self.rng.random_bool(0.1) {
            return End::Closed {
                at: ready + Duration::days(7),
                by: DEPENDABOT.to_string(),
            };
        }
        let reviewer_id = self.world.members[reviewer].id.clone();
        let Some(at) = self.response(reviewer, ready, 4.0) else {
            return End::Open;
        };
        self.review(record, &reviewer_id, "approved", at, 0);
        self.merge_after(reviewer, &[at])
    }

    /// A PR given up after a first look.
    fn abandoned(
        &mut self,
        record: &mut PrRecord,
        author: usize,
        team: usize,
        ready: DateTime<Utc>,
    ) -> End {
        let author_id = self.world.members[author].id.clone();
        let peers = self.peers(team, author, 1, ready.date_naive());
        let mut looked = ready;
        if let Some(&peer) = peers.first() {
            let peer_id = self.world.members[peer].id.clone();
            self.request(record, &peer_id, &author_id, ready);
            if let Some(at) = self.response(peer, ready, 3.0) {
                self.review(record, &peer_id, "commented", at, 2);
                looked = at;
            }
        }
        let hours = self.lognormal(8.0, 0.8);
        match self.later(author, looked, hours) {
            Some(at) => End::Closed { at, by: author_id },
            None => End::Open,
        }
    }

    /// Files the PR touches. A former lead keeps to the core; everyone else seldom goes there.
    fn files(&mut self, record: &mut PrRecord, author: usize, team: &Team, lines: i64) -> i64 {
        let count =
            (1 + lines / 45 + self.rng.random_range(0..2)).min(team.files.len() as i64) as usize;
        let owns = self.world.members[author].owns;
        let mut chosen: Vec<&String> = Vec::new();
        while chosen.len() < count {
            let core = self.rng.random_bool(core_pick(team, author));
            // On a team with a silo, only its owner goes there, and about half the time.
            let silo = team
                .plan
                .silo_module
                .then(|| owns.is_some() && !core && self.rng.random_bool(SILO_PICK));
            // A specialist's file goes to their own module `home_share` of the time (decided by
            // a hash of the PR and the pick, so the generator's stream is the same as without).
            let roll = splitmix(
                (record.pr.number as u64) << 16 ^ (author as u64) << 8 ^ chosen.len() as u64,
            ) as f64
                / u64::MAX as f64;
            let home = self.world.members[author]
                .home
                .filter(|_| !core && silo != Some(true) && roll < team.plan.habits.home_share);
            let candidates: Vec<&String> = team
                .files
                .iter()
                .filter(|f| f.starts_with("src/core/") == core && !chosen.contains(f))
                .filter(|f| silo.is_none_or(|silo| f.starts_with(SILO_MODULE) == silo))
                .filter(|f| home.is_none_or(|home| f.starts_with(home)))
                .collect();
            match candidates.choose(self.rng) {
                Some(file) => chosen.push(file),
                None => break,
            }
        }
        let total_additions = record.pr.additions.unwrap_or(0);
        let total_deletions = record.pr.deletions.unwrap_or(0);
        let n = chosen.len().max(1) as i64;
        for (i, path) in chosen.iter().enumerate() {
            let share = |total: i64| total / n + i64::from((i as i64) < total % n);
            record.files.push(FileChange {
                source: "github".into(),
                repo: record.pr.repo.clone(),
                sha: None,
                number: Some(record.pr.number),
                path: (*path).clone(),
                additions: Some(share(total_additions)),
                deletions: Some(share(total_deletions)),
            });
        }
        chosen.len() as i64
    }

    /// The squash commit on main, and perhaps a revert scheduled for a later day.
    fn after_merge(
        &mut self,
        record: &PrRecord,
        author: usize,
        team: usize,
        kind: &PrKind,
        split: f64,
        at: DateTime<Utc>,
    ) {
        let approvers: Vec<String> = record
            .reviews
            .iter()
            .filter(|r| {
                r.state == "approved" && r.submitted_at <= at && !r.reviewer.ends_with("[bot]")
            })
            .map(|r| r.reviewer.clone())
            .collect();
        let mut trailers: Vec<String> = Vec::new();
        for approver in approvers {
            let line = format!("Reviewed-by: {approver}");
            if !trailers.contains(&line) {
                trailers.push(line);
            }
        }
        for commit in &record.commits {
            let line = format!("Co-authored-by: {}", commit.author);
            if commit.author != record.pr.author
                && !commit.is_merge.unwrap_or(false)
                && !trailers.contains(&line)
            {
                trailers.push(line);
            }
        }
        let sha = self.sha();
        self.out.commits.push(Commit {
            source: "git".into(),
            repo: record.pr.repo.clone(),
            sha,
            author: record.pr.author.clone(),
            author_name: None,
            authored_at: at,
            landed_at: Some(at),
            author_tz_offset_minutes: Some(0),
            committer: Some(WEB_FLOW.into()),
            committer_name: None,
            files: record.pr.changed_files,
            additions: record.pr.additions,
            deletions: record.pr.deletions,
            trailers,
            pr_number: Some(record.pr.number),
            message_headline: None,
            attribution: Vec::new(),
        });
        self.shipped[team].push(Merged {
            number: record.pr.number,
            at,
            author,
        });
        if at < self.recorded {
            match kind {
                PrKind::Revert { of, .. } => self.delivery.reverts.push(PlantedRevert {
                    repo: record.pr.repo.clone(),
                    of: *of,
                    number: record.pr.number,
                    merged_at: at,
                }),
                PrKind::Hotfix { incident } => self.delivery.hotfixes.push(PlantedHotfix {
                    repo: record.pr.repo.clone(),
                    number: record.pr.number,
                    incident: incident.clone(),
                    merged_at: at,
                }),
                PrKind::Feature | PrKind::Dependency => {}
            }
        }
        if matches!(kind, PrKind::Dependency) {
            return;
        }
        self.merged[team].push(Merged {
            number: record.pr.number,
            at,
            author,
        });
        let revert_chance = if split > 1.0 { 0.08 } else { 0.025 };
        if matches!(kind, PrKind::Feature) && self.rng.random_bool(revert_chance) {
            let hours = self.lognormal(20.0, 0.8);
            let day = (at + Duration::minutes((hours * 60.0) as i64)).date_naive();
            let reverter = if self.world.members[author].calendar.is_employed(day) {
                author
            } else {
                self.peers(team, author, 1, day)
                    .first()
                    .copied()
                    .unwrap_or(author)
            };
            self.scheduled.entry(day).or_default().push(Scheduled {
                author: reverter,
                kind: PrKind::Revert {
                    of: record.pr.number,
                    title: record.pr.title.clone().unwrap_or_default(),
                    additions: record.pr.additions.unwrap_or(0),
                    deletions: record.pr.deletions.unwrap_or(0),
                },
            });
        }
    }

    /// Applies the cut-off and moves the PR's rows into the dataset.
    fn record(&mut self, mut record: PrRecord) {
        let cutoff = self.recorded;
        if record.pr.created_at >= cutoff {
            return;
        }
        let pr = &mut record.pr;
        if pr.merged_at.is_some_and(|at| at >= cutoff) {
            pr.merged_at = None;
            pr.merged_by = None;
            pr.closed_at = None;
            pr.state = Some("open".into());
        }
        if pr.closed_at.is_some_and(|at| at >= cutoff) {
            pr.closed_at = None;
            pr.state = Some("open".into());
        }
        if pr.ready_at.is_some_and(|at| at >= cutoff) {
            pr.ready_at = None;
        }
        pr.draft = Some(pr.ready_at.is_none() && pr.closed_at.is_none());
        record.reviews.retain(|r| r.submitted_at < cutoff);
        record.requests.retain(|r| r.requested_at < cutoff);
        record.events.retain(|e| e.at < cutoff);
        record.commits.retain(|c| c.authored_at < cutoff);
        record.comments.retain(|c| c.created_at < cutoff);
        record.events.sort_by_key(|e| e.at);
        record.commits.sort_by_key(|c| c.authored_at);
        let pr = &mut record.pr;
        pr.first_commit_at = record
            .commits
            .first()
            .map(|c| c.authored_at)
            .or(pr.first_commit_at);
        pr.updated_at = record
            .reviews
            .iter()
            .map(|r| r.submitted_at)
            .chain(record.events.iter().map(|e| e.at))
            .chain(record.commits.iter().map(|c| c.authored_at))
            .chain(record.comments.iter().map(|c| c.created_at))
            .chain([pr.created_at])
            .max();
        self.out.pull_requests.push(record.pr);
        self.out.reviews.extend(record.reviews);
        self.out.review_requests.extend(record.requests);
        self.out.pr_events.extend(record.events);
        self.out.pr_commits.extend(record.commits);
        self.out.comments.extend(record.comments);
        self.out.file_changes.extend(record.files);
    }

    fn next_key(&mut self, team: usize) -> String {
        let key = format!(
            "{}-{}",
            self.world.teams[team].project, self.next_ticket[team]
        );
        self.next_ticket[team] += 1;
        key
    }

    /// The ticket behind a feature PR: created days before the work started, moved through the
    /// board as the PR moves, sometimes reopened. A micromanager rewrites others' tickets.
    fn ticket_for_pr(
        &mut self,
        record: &PrRecord,
        author: usize,
        team: usize,
        started: DateTime<Utc>,
        ready: DateTime<Utc>,
    ) -> Option<String> {
        let world = self.world;
        let plan = &world.teams[team].plan;
        let manager = world.teams[team].manager;
        let reporter = match plan.manager {
            ManagerPersona::Absentee if self.rng.random_bool(0.9) => author,
            _ if self.rng.random_bool(0.5) => manager,
            _ => author,
        };
        // Written in the backlog days or weeks before the work starts; most are planned into the
        // sprint in which the work starts.
        let days_before = self.rng.random_range(3..30);
        let created = self
            .working_moment(reporter, started.date_naive() - Duration::days(days_before))
            .min(started);
        let key = self.next_key(team);
        let issue_type = match self.rng.random_range(0..20) {
            0..=11 => "feature",
            12..=16 => "bug",
            _ => "chore",
        };
        let mut ticket = Ticket::new(self, team, &key, issue_type, reporter, author, created);
        ticket
            .linked_prs
            .push(format!("{}#{}", record.pr.repo, record.pr.number));
        ticket.estimate = Some(
            [1.0, 2.0, 3.0, 5.0, 8.0]
                [((record.pr.additions.unwrap_or(0) as f64).max(1.0).log(4.0) as usize).min(4)],
        );
        let added_mid_sprint = plan.overloaded && self.rng.random_bool(0.6);
        let sprint_at = if added_mid_sprint {
            started - Duration::hours(2)
        } else {
            sprint_start(created.date_naive().max(started.date_naive()))
        };
        ticket.sprint(self, manager, sprint_at.max(created), added_mid_sprint);
        if plan.manager == ManagerPersona::Micromanager
            && author != manager
            && self.rng.random_bool(0.12)
        {
            // Re-assigned away and back.
            let other = self
                .peers(team, author, 1, created.date_naive())
                .first()
                .copied();
            if let Some(other) = other {
                ticket.reassign(self, manager, other, author, created);
            }
        }
        ticket.status(self, author, started, "To Do", "In Progress");
        ticket.status(self, author, ready, "In Progress", "In Review");
        if let Some(merged) = record.pr.merged_at {
            let hours = self.lognormal(0.5, 0.8);
            let done = merged + Duration::minutes((hours * 60.0) as i64);
            let closer = self.still_here(author, manager, done);
            ticket.status(self, closer, done, "In Review", "Done");
            let reopen = if issue_type == "bug" { 0.08 } else { 0.03 };
            if self.rng.random_bool(reopen) {
                // Found wanting a few working days later, fixed in another day or two.
                let hours = self.lognormal(40.0, 0.7) / 3.0;
                let reopener = self.still_here(reporter, manager, done);
                if let Some(reopened) = self.later(reopener, done, hours) {
                    ticket.status(self, reopener, reopened, "Done", "In Progress");
                    let hours = self.lognormal(20.0, 0.7) / 3.0;
                    let fixer = self.still_here(author, manager, reopened);
                    if let Some(fixed) = self.later(fixer, reopened, hours) {
                        ticket.status(self, fixer, fixed, "In Progress", "Done");
                    }
                }
            }
        } else if let Some(closed) = record.pr.closed_at {
            // The PR was given up: its ticket goes back to the backlog.
            let mover = self.still_here(author, manager, closed);
            ticket.status(self, mover, closed, "In Review", "To Do");
        }
        let rewrite = match plan.manager {
            ManagerPersona::Micromanager => 0.45,
            ManagerPersona::Healthy | ManagerPersona::Bottleneck | ManagerPersona::WontLetGo => {
                0.03
            }
            ManagerPersona::Absentee => 0.0,
        };
        if author != manager && self.rng.random_bool(rewrite) {
            let span = (ready - created).num_minutes().max(60);
            let at = created + Duration::minutes(self.rng.random_range(30..span));
            // At work: the manager's next working moment.
            let at = world.members[manager]
                .calendar
                .after_working_hours(at, 0.05)
                .unwrap_or(at);
            ticket.rewrite(self, manager, at);
        }
        if self.rng.random_bool(0.1) {
            // Authors keep their own descriptions up to date.
            ticket.edit(
                self,
                author,
                "description",
                started + Duration::hours(1),
                None,
                None,
            );
        }
        let replies = self.rng.random_range(0..3);
        for _ in 0..replies {
            let who = if self.rng.random_bool(0.5) {
                author
            } else {
                reporter
            };
            let at = self.working_moment(who, ready.date_naive());
            if self.world.members[who]
                .calendar
                .is_employed(at.date_naive())
            {
                ticket.comment(self, who, at);
            }
        }
        Some(ticket.finish(self))
    }

    /// An incident on a working day, blamed on a PR the team merged in the days before; half the
    /// time a hotfix PR follows the same day.
    fn incident(&mut self, team: usize, day: NaiveDate) {
        let world = self.world;
        let recent: Vec<Merged> = self.merged[team]
            .iter()
            .filter(|m| m.at.date_naive() < day && day - m.at.date_naive() <= Duration::days(10))
            .cloned()
            .collect();
        let Some(cause) = recent.choose(self.rng).cloned() else {
            return;
        };
        let engineers = &world.teams[team].engineers;
        let Some(&reporter) = engineers.choose(self.rng) else {
            return;
        };
        let assignee = if world.members[cause.author].calendar.is_employed(day) {
            cause.author
        } else {
            reporter
        };
        let opened = self.working_moment(reporter, day);
        let key = self.next_key(team);
        let mut ticket = Ticket::new(self, team, &key, "incident", reporter, assignee, opened);
        ticket.labels.push("incident".into());
        ticket
            .linked_prs
            .push(format!("{}#{}", world.teams[team].repo, cause.number));
        ticket.title = format!(
            "Incident: {} failing in production",
            OBJECTS.choose(self.rng).copied().unwrap_or("service")
        );
        ticket.status(
            self,
            assignee,
            opened + Duration::minutes(10),
            "To Do",
            "In Progress",
        );
        let hours = self.lognormal(4.0, 0.8);
        let resolved = world.members[assignee]
            .calendar
            .after_working_hours(opened, hours);
        if let Some(resolved) = resolved {
            ticket.status(self, assignee, resolved, "In Progress", "Done");
        }
        ticket.finish(self);
        if opened < self.recorded {
            self.delivery.incidents.push(PlantedIncident {
                repo: world.teams[team].repo.clone(),
                key: key.clone(),
                cause: cause.number,
                opened,
                resolved: resolved.filter(|r| *r < self.recorded),
            });
        }
        if self.rng.random_bool(0.5) {
            self.scheduled.entry(day).or_default().push(Scheduled {
                author: assignee,
                kind: PrKind::Hotfix { incident: key },
            });
        }
    }

    /// Unplanned work for an overloaded team: added to the running sprint, often started, seldom
    /// finished.
    fn unplanned_ticket(&mut self, team: usize, day: NaiveDate) {
        let world = self.world;
        let manager = world.teams[team].manager;
        let Some(&assignee) = world.teams[team].engineers.choose(self.rng) else {
            return;
        };
        if !world.members[assignee].calendar.is_employed(day) {
            return;
        }
        // Asked for by the manager, or, with an absent one, by whoever in the team was asked.
        let reporter = if world.teams[team].plan.manager == ManagerPersona::Absentee {
            assignee
        } else {
            manager
        };
        let created = self.working_moment(reporter, day);
        let key = self.next_key(team);
        let mut ticket = Ticket::new(self, team, &key, "chore", reporter, assignee, created);
        ticket.labels.push("unplanned".into());
        ticket.estimate = Some(2.0);
        ticket.sprint(self, manager, created + Duration::minutes(5), true);
        if self.rng.random_bool(0.6) {
            let days = self.rng.random_range(1..4);
            let started = self.working_moment(assignee, day + Duration::days(days));
            ticket.status(self, assignee, started, "To Do", "In Progress");
            if self.rng.random_bool(0.35) {
                let hours = self.lognormal(30.0, 0.7) / 3.0;
                if let Some(done) = self.later(assignee, started, hours) {
                    ticket.status(self, assignee, done, "In Progress", "Done");
                }
            }
        }
        ticket.finish(self);
    }

    /// Daily production deployments on company working days, shipping what was merged into
    /// main since the last successful one (dependency bumps too: they are on main).
    fn deploy(&mut self) {
        let world = self.world;
        for (team, merged) in self.shipped.clone().into_iter().enumerate() {
            let mut merged = merged;
            merged.sort_by_key(|m| m.at);
            let mut waiting = merged.into_iter().peekable();
            let mut pending: Vec<i64> = Vec::new();
            let mut day = self.config.warm_up_from();
            while day <= self.config.until {
                if !is_weekend(day) && !is_company_holiday(day) {
                    let at = Utc.from_utc_datetime(&day.and_time(NaiveTime::MIN))
                        + Duration::minutes(15 * 60 + self.rng.random_range(0..90));
                    while let Some(next) = waiting.peek() {
                        if next.at > at {
                            break;
                        }
                        pending.push(next.number);
                        waiting.next();
                    }
                    if !pending.is_empty() {
                        let failed = self.rng.random_bool(0.04);
                        if at < self.recorded {
                            self.delivery.deployments.push(PlantedDeployment {
                                repo: world.teams[team].repo.clone(),
                                at,
                                failed,
                                prs: pending.clone(),
                            });
                        }
                        let sha = self.sha();
                        self.out.deployments.push(Deployment {
                            source: "github".into(),
                            repo: world.teams[team].repo.clone(),
                            environment: Some("production".into()),
                            sha: Some(sha),
                            pr_numbers: pending.iter().map(i64::to_string).collect(),
                            at,
                            status: Some(if failed { "failure" } else { "success" }.into()),
                        });
                        if !failed {
                            pending.clear();
                        }
                    }
                }
                day += Duration::days(1);
            }
        }
    }
}

/// A well-mixed 64-bit hash (SplitMix64's finaliser): a roll that takes nothing from the
/// simulation's generator.
/// The chance that a file a PR of the former lead touches is in `src/core/`.
const LEAD_CORE_PICK: f64 = 0.7;
/// The chance that a file anyone else's PR touches is in `src/core/`.
const CORE_PICK: f64 = 0.06;
/// The share of the silo owner's other files that go to the silo module.
const SILO_PICK: f64 = 0.5;

/// The chance that one file of a PR by `author` is in `src/core/`.
fn core_pick(team: &Team, author: usize) -> f64 {
    if team.plan.manager == ManagerPersona::WontLetGo && author == team.manager {
        LEAD_CORE_PICK
    } else {
        CORE_PICK
    }
}

fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn comment(pr: &PullRequest, author: &str, at: DateTime<Utc>, is_review_thread: bool) -> Comment {
    Comment {
        source: "github".into(),
        target: "pr".into(),
        container: pr.repo.clone(),
        item: pr.number.to_string(),
        author: author.to_string(),
        created_at: at,
        is_review_thread: Some(is_review_thread),
    }
}

/// Two-week sprints starting on Mondays, counted from 2025-01-06.
fn sprint_number(date: NaiveDate) -> i64 {
    let epoch = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default();
    (date - epoch).num_days().div_euclid(14) + 1
}

fn sprint_start(date: NaiveDate) -> DateTime<Utc> {
    sprint_start_of(sprint_number(date))
}

/// Sprints last two weeks.
const SPRINT_DAYS: i64 = 14;

/// Monday 08:00 UTC of sprint `number`.
fn sprint_start_of(number: i64) -> DateTime<Utc> {
    let epoch = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap_or_default();
    let start = epoch + Duration::days((number - 1) * SPRINT_DAYS);
    Utc.from_utc_datetime(&start.and_time(NaiveTime::MIN)) + Duration::hours(8)
}

/// A ticket being written: its field changes are recorded as they happen, and its current state
/// is derived from them (after the cut-off) when it is finished.
struct Ticket {
    team: usize,
    key: String,
    issue_type: String,
    reporter: String,
    assignee: String,
    /// The title it was created with.
    title: String,
    created: DateTime<Utc>,
    sprint: Option<String>,
    estimate: Option<f64>,
    labels: Vec<String>,
    linked_prs: Vec<String>,
    events: Vec<IssueEvent>,
    comments: Vec<Comment>,
}

impl Ticket {
    fn new(
        activity: &mut Activity,
        team: usize,
        key: &str,
        issue_type: &str,
        reporter: usize,
        assignee: usize,
        created: DateTime<Utc>,
    ) -> Ticket {
        let members = &activity.world.members;
        let title = activity.title();
        let mut ticket = Ticket {
            team,
            key: key.to_string(),
            issue_type: issue_type.to_string(),
            reporter: members[reporter].id.clone(),
            assignee: members[assignee].id.clone(),
            title,
            created,
            sprint: None,
            estimate: None,
            labels: Vec::new(),
            linked_prs: Vec::new(),
            events: Vec::new(),
            comments: Vec::new(),
        };
        let assignee_id = ticket.assignee.clone();
        let reporter_id = ticket.reporter.clone();
        ticket.push(
            &reporter_id,
            created + Duration::minutes(1),
            "assignee",
            None,
            Some(&assignee_id),
        );
        ticket
    }

    /// The title after the given changes: the last rewrite's, or the one it was created with.
    fn current_title(&self, events: &[IssueEvent]) -> String {
        events
            .iter()
            .rev()
            .find(|e| e.field == "title")
            .and_then(|e| e.to.clone())
            .unwrap_or_else(|| self.title.clone())
    }

    fn push(
        &mut self,
        actor: &str,
        at: DateTime<Utc>,
        field: &str,
        from: Option<&str>,
        to: Option<&str>,
    ) {
        self.events.push(IssueEvent {
            source: "jira".into(),
            key: self.key.clone(),
            at,
            actor: actor.to_string(),
            field: field.to_string(),
            from: from.map(str::to_string),
            to: to.map(str::to_string),
        });
    }

    fn status(
        &mut self,
        activity: &Activity,
        actor: usize,
        at: DateTime<Utc>,
        from: &str,
        to: &str,
    ) {
        let actor = activity.world.members[actor].id.clone();
        self.push(&actor, at, "status", Some(from), Some(to));
    }

    fn sprint(&mut self, activity: &Activity, manager: usize, at: DateTime<Utc>, mid_sprint: bool) {
        let project = &activity.world.teams[self.team].project;
        let name = format!("{project} Sprint {}", sprint_number(at.date_naive()));
        let actor = activity.world.members[manager].id.clone();
        self.push(&actor, at, "sprint", None, Some(&name));
        if mid_sprint {
            self.labels.push("added-mid-sprint".into());
        }
        self.sprint = Some(name);
    }

    fn reassign(
        &mut self,
        activity: &Activity,
        manager: usize,
        other: usize,
        back_to: usize,
        created: DateTime<Utc>,
    ) {
        let members = &activity.world.members;
        let manager_index = manager;
        let (manager, other, back) = (
            members[manager].id.clone(),
            members[other].id.clone(),
            members[back_to].id.clone(),
        );
        // In the manager's working hours: two hours after the ticket was written, and the next day.
        let calendar = &members[manager_index].calendar;
        let away = calendar
            .after_working_hours(created, 2.0)
            .unwrap_or(created + Duration::hours(2));
        let back_at = calendar
            .after_working_hours(away, 8.0)
            .unwrap_or(away + Duration::hours(24));
        self.push(&manager, away, "assignee", Some(&back), Some(&other));
        self.push(&manager, back_at, "assignee", Some(&other), Some(&back));
    }

    /// The manager rewrites the title and description of someone else's ticket.
    fn rewrite(&mut self, activity: &mut Activity, manager: usize, at: DateTime<Utc>) {
        let new_title = activity.title();
        let old = self.current_title(&self.events);
        self.edit(activity, manager, "title", at, Some(&old), Some(&new_title));
        self.edit(
            activity,
            manager,
            "description",
            at + Duration::minutes(3),
            None,
            None,
        );
    }

    fn edit(
        &mut self,
        activity: &Activity,
        actor: usize,
        field: &str,
        at: DateTime<Utc>,
        from: Option<&str>,
        to: Option<&str>,
    ) {
        let actor = activity.world.members[actor].id.clone();
        self.push(&actor, at, field, from, to);
    }

    fn comment(&mut self, activity: &Activity, author: usize, at: DateTime<Utc>) {
        self.comments.push(Comment {
            source: "jira".into(),
            target: "issue".into(),
            container: activity.world.teams[self.team].project.clone(),
            item: self.key.clone(),
            author: activity.world.members[author].id.clone(),
            created_at: at.max(self.created),
            is_review_thread: Some(false),
        });
    }

    /// Applies the cut-off, derives status and dates from the events, and records the ticket.
    fn finish(mut self, activity: &mut Activity) -> String {
        let cutoff = activity.recorded;
        if self.created >= cutoff {
            return self.key;
        }
        self.events.retain(|e| e.at < cutoff);
        self.events.sort_by_key(|e| e.at);
        self.comments.retain(|c| c.created_at < cutoff);
        let moves: Vec<&IssueEvent> = self.events.iter().filter(|e| e.field == "status").collect();
        let status = moves
            .last()
            .and_then(|e| e.to.clone())
            .unwrap_or_else(|| "To Do".to_string());
        let category = match status.as_str() {
            "Done" => "done",
            "To Do" => "todo",
            _ => "in_progress",
        };
        let started_at = moves
            .iter()
            .find(|e| e.to.as_deref() == Some("In Progress"))
            .map(|e| e.at);
        let resolved_at = (category == "done")
            .then(|| {
                moves
                    .iter()
                    .rev()
                    .find(|e| e.to.as_deref() == Some("Done"))
                    .map(|e| e.at)
            })
            .flatten();
        let reopen_count = moves
            .iter()
            .filter(|e| e.from.as_deref() == Some("Done"))
            .count() as i64;
        // A title rewritten after the cut-off has not been rewritten yet.
        let title = self.current_title(&self.events);
        activity.out.issues.push(Issue {
            source: "jira".into(),
            key: self.key.clone(),
            project: Some(activity.world.teams[self.team].project.clone()),
            title: Some(title),
            issue_type: Some(self.issue_type.clone()),
            reporter: Some(self.reporter.clone()),
            assignee: Some(self.assignee.clone()),
            status: Some(status),
            status_category: Some(category.to_string()),
            created_at: self.created,
            started_at,
            resolved_at,
            reopen_count: Some(reopen_count),
            sprint: self
                .sprint
                .clone()
                .filter(|_| self.events.iter().any(|e| e.field == "sprint")),
            estimate: self.estimate,
            labels: self.labels.clone(),
            url: Some(format!("https://acme.atlassian.net/browse/{}", self.key)),
            linked_prs: self.linked_prs.clone(),
        });
        activity.out.issue_events.extend(self.events);
        activity.out.comments.extend(self.comments);
        self.key
    }
}
