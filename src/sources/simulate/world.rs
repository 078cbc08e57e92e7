//! The simulated organisation's people and teams: names, roles, time zones, working hours,
//! vacations, the bottleneck manager's regular weeks away, the engineer drifting into after-hours
//! work and the one about to leave.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::calendar::Calendar;
use super::{HardCaseKind, ManagerPersona, SimConfig, TeamPlan};
use crate::model::{Person, TimeOff};

/// First names people are called by; ids are these in lower case.
const NAMES: &[&str] = &[
    "Maya", "Leo", "Ana", "Omar", "Priya", "Jonas", "Chen", "Sofia", "Tomas", "Aisha", "Ravi",
    "Elena", "Kenji", "Lucia", "Noah", "Fatima", "Ivan", "Grace", "Mateo", "Yara", "Lars", "Mei",
    "Diego", "Hana", "Felix", "Amara", "Pavel", "Nora", "Arjun", "Clara", "Samir", "Ingrid",
    "Hugo", "Zainab", "Emil", "Rosa", "Kwame", "Alina", "Marco", "Leila", "Oskar", "Sara", "Tariq",
    "Vera", "Bruno", "Nadia", "Joao", "Freya", "Kofi", "Irene", "Hamid", "Julia", "Sven", "Lina",
    "Ahmed", "Eva", "Nikolai", "Maria", "Dev", "Astrid", "Rafael", "Keiko", "Malik", "Ines",
    "Anton", "Chloe", "Yusuf", "Greta", "Pablo", "Aiko", "Viktor", "Olga", "Kai", "Selin", "Dario",
    "Esme", "Farid", "Lotte", "Iker", "Mira", "Ben", "Tara", "Luca", "Asha", "Erik", "Dana",
    "Nils", "Zoe", "Ali", "Paula", "Jin", "Helga", "Rohan", "Alba", "Yosef", "Saoirse", "Kemal",
    "Anouk", "Teo", "Lucy", "Bilal", "Mila", "Gustav", "Rania", "Ole", "Nina", "Sergio", "Hina",
    "Axel", "Leona", "Idris", "Petra", "Ren", "Ada", "Caleb", "Noemi",
];

/// The zones of a team spread around the world (members in turn).
const SPREAD_ZONES: &[Tz] = &[
    chrono_tz::America::Los_Angeles,
    chrono_tz::Europe::Berlin,
    chrono_tz::Asia::Tokyo,
];

/// The module only the silo owner touches.
pub const SILO_MODULE: &str = "src/jobs/";

/// The automation accounts of the simulated organisation: the roster lists them as bots, and
/// `activity` writes their PRs, comments and reviews.
pub const DEPENDABOT: &str = "dependabot[bot]";
pub const ACTIONS_BOT: &str = "github-actions[bot]";

/// Home zones of teams, and the zones of engineers who work remotely from elsewhere.
const TEAM_ZONES: &[Tz] = &[
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::Europe::London,
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Europe::Warsaw,
    chrono_tz::America::Sao_Paulo,
    chrono_tz::Asia::Singapore,
];
const REMOTE_ZONES: &[Tz] = &[
    chrono_tz::Europe::Lisbon,
    chrono_tz::America::Toronto,
    chrono_tz::Asia::Tokyo,
    chrono_tz::Australia::Sydney,
    chrono_tz::Europe::Kyiv,
];

/// The modules engineers specialise in, one each in turn (not the core, not the silo module).
const HOMES: &[&str] = &[
    "src/api/",
    "src/db/",
    "src/auth/",
    "src/web/",
    "src/util/",
    "src/config/",
];

/// A person's habits ([`super::Habits`]): their evening share and how many times as often they
/// are asked to review. Drawn from a generator of their own, so that a team without habits is
/// simulated exactly as before; never given to an engineer who carries a planted pattern (or
/// the busy reviewer of that hard case, who is already the team's senior).
fn habits(seed: u64, person: usize, slot: usize, plan: &TeamPlan) -> (f64, f64) {
    let habits = &plan.habits;
    let planted = match slot {
        0 => plan.burnout_engineer || plan.hard_case == Some(HardCaseKind::BusyReviewer),
        1 => plan.leaving_engineer,
        2 => plan.rubber_stamper,
        3 => plan.silo_module,
        _ => false,
    };
    if planted {
        return (0.03, 1.0);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x4ab1_7500_0000 ^ ((person as u64) << 40));
    let evening = if rng.random_bool(habits.evening_committers.clamp(0.0, 1.0)) {
        rng.random_range(0.2..0.5)
    } else {
        0.03
    };
    let senior = plan.engineers >= 4 && slot + 1 == plan.engineers;
    let weight = if senior {
        habits.senior_review_weight.max(1.0)
    } else {
        1.0
    };
    (evening, weight)
}

/// Source modules of every team's repository; `src/core/` is the critical code.
const MODULES: &[&str] = &["core", "api", "db", "auth", "jobs", "web", "util", "config"];
const FILES: &[&str] = &[
    "mod.rs",
    "handlers.rs",
    "model.rs",
    "service.rs",
    "errors.rs",
];

/// One simulated person.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub team: usize,
    pub is_manager: bool,
    pub calendar: Calendar,
    /// PRs started per working day.
    pub pr_rate: f64,
    /// How often teammates pick this person as reviewer, relative to others.
    pub review_weight: f64,
    /// From this day, the person works more and more in the evenings and at weekends.
    pub drifts_after_hours_from: Option<NaiveDate>,
    /// From this day, the person's activity fades before their last day.
    pub fades_from: Option<NaiveDate>,
    /// Approves within minutes, without a comment, whatever it is asked to review.
    pub rubber_stamper: bool,
    /// The only person who changes the files under this path.
    pub owns: Option<&'static str>,
    /// What the roster lists about the person (see [`super::RosterGaps`]).
    pub listed: Listed,
    /// The chance that one of the person's actions falls in the evening, before any drift: 0.03
    /// for most, a fifth to a half for the evening committers real teams have.
    pub evening_share: f64,
    /// The module the person specialises in (an engineer's home among the modules everyone
    /// shares), with habits: `home_share` of their file choices go there, so modules have a main
    /// author, as real ones do.
    pub home: Option<&'static str>,
}

/// Whether the roster lists a person's time zone (with working hours) and days away.
#[derive(Debug, Clone, Copy)]
pub struct Listed {
    pub timezone: bool,
    pub time_off: bool,
}

impl Listed {
    const ALL: Listed = Listed {
        timezone: true,
        time_off: true,
    };

    /// Drawn from a generator of its own per person, so the gaps leave the rest of the world as
    /// it is.
    fn draw(gaps: &super::RosterGaps, seed: u64, person: usize) -> Listed {
        if gaps.no_timezone <= 0.0 && gaps.no_time_off <= 0.0 {
            return Listed::ALL;
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x9a95_0000 ^ ((person as u64) << 32));
        Listed {
            timezone: !rng.random_bool(gaps.no_timezone.clamp(0.0, 1.0)),
            time_off: !rng.random_bool(gaps.no_time_off.clamp(0.0, 1.0)),
        }
    }
}

/// The Jira project key of the team at `index`: the first four letters of its name, with its
/// index after them when an earlier team has that key (`payments` is PAYM, a later `payments2`
/// PAYM16) or from the 27th team on. A key is the project's for good, as in Jira: two teams
/// sharing one would number their tickets PAYM-1, PAYM-2 … over each other, and every reader
/// of tickets, which knows a ticket by its key, would take two tickets for one.
fn project_key(name: &str, index: usize, earlier: &[Team]) -> String {
    let letters: String = name
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(4)
        .collect::<String>()
        .to_uppercase();
    if index < 26 && !earlier.iter().any(|team| team.project == letters) {
        letters
    } else {
        format!("{letters}{index}")
    }
}

/// One simulated team.
#[derive(Debug, Clone)]
pub struct Team {
    pub plan: TeamPlan,
    /// `acme/<team>-api`.
    pub repo: String,
    /// The Jira project key of the team's tickets.
    pub project: String,
    pub manager: usize,
    pub engineers: Vec<usize>,
    /// The files of the repository.
    pub files: Vec<String>,
}

/// Everyone and every team.
#[derive(Debug, Clone)]
pub struct World {
    pub members: Vec<Member>,
    pub teams: Vec<Team>,
}

impl World {
    pub fn build(config: &SimConfig, rng: &mut ChaCha8Rng) -> World {
        let mut names: Vec<&str> = NAMES.to_vec();
        names.shuffle(rng);
        let mut next_name = 0usize;
        let mut take_name = || {
            let base = names[next_name % names.len()].to_lowercase();
            let round = next_name / names.len();
            next_name += 1;
            if round == 0 {
                base
            } else {
                format!("{base}{}", round + 1)
            }
        };
        let from = config.from();
        let last_month_start =
            NaiveDate::from_ymd_opt(config.until.year(), config.until.month(), 1).unwrap_or(from);
        let months_back = |n: u32| {
            let mut date = last_month_start;
            for _ in 0..n {
                date = (date - Duration::days(1)).with_day(1).unwrap_or(date);
            }
            date.max(from)
        };

        let mut members = Vec::new();
        let mut teams = Vec::new();
        for (index, plan) in config.teams.iter().enumerate() {
            let zone = TEAM_ZONES[index % TEAM_ZONES.len()];
            let start_hour = rng.random_range(8..=10);
            let manager = members.len();
            let spread = plan.hard_case == Some(HardCaseKind::SpreadZones);
            let manager_zone = if spread { SPREAD_ZONES[0] } else { zone };
            let mut manager_calendar = calendar(manager_zone, start_hour, config, rng);
            if plan.manager == ManagerPersona::Bottleneck {
                manager_calendar
                    .away
                    .extend(regular_weeks_away(config, rng));
            }
            if plan.hard_case == Some(HardCaseKind::ManagerMonthAway) {
                let first = months_back(2);
                let last =
                    (first + Duration::days(32)).with_day(1).unwrap_or(first) - Duration::days(1);
                manager_calendar.away.push((first, last));
            }
            members.push(Member {
                id: take_name(),
                team: index,
                is_manager: true,
                calendar: manager_calendar,
                pr_rate: match plan.manager {
                    ManagerPersona::Healthy | ManagerPersona::Micromanager => 0.04,
                    ManagerPersona::Bottleneck => 0.06,
                    ManagerPersona::Absentee => 0.01,
                    ManagerPersona::WontLetGo => 0.5,
                } * config.scale,
                review_weight: 1.0,
                drifts_after_hours_from: None,
                fades_from: None,
                rubber_stamper: false,
                owns: None,
                listed: Listed::draw(&plan.roster_gaps, config.seed, manager),
                evening_share: 0.03,
                home: None,
            });
            // The engineers who carry a planted pattern (slots 0 to 3) work in the team's zone,
            // so that a late-evening commit is a drift and a late approval a time zone, not the
            // other way round.
            let planted_slot = |slot: usize| match slot {
                0 => plan.burnout_engineer,
                1 => plan.leaving_engineer,
                2 => plan.rubber_stamper,
                3 => plan.silo_module,
                _ => false,
            };
            let remote = rng
                .random_bool(0.7)
                .then(|| rng.random_range(0..plan.engineers.max(1)))
                .filter(|slot| !spread && !planted_slot(*slot));
            let mut engineers = Vec::new();
            for slot in 0..plan.engineers {
                let tz = if spread {
                    SPREAD_ZONES[(slot + 1) % SPREAD_ZONES.len()]
                } else if remote == Some(slot) {
                    REMOTE_ZONES[(index + slot) % REMOTE_ZONES.len()]
                } else {
                    zone
                };
                let (evening_share, seniority) = habits(config.seed, members.len(), slot, plan);
                let mut member = Member {
                    id: take_name(),
                    team: index,
                    is_manager: false,
                    calendar: calendar(tz, rng.random_range(8..=10), config, rng),
                    pr_rate: rng.random_range(0.38..0.52) * config.scale,
                    review_weight: rng.random_range(0.7..1.3) * seniority,
                    drifts_after_hours_from: None,
                    fades_from: None,
                    rubber_stamper: false,
                    owns: None,
                    listed: Listed::draw(&plan.roster_gaps, config.seed, members.len()),
                    evening_share,
                    home: (plan.habits.home_share > 0.0)
                        .then(|| HOMES[(index + slot) % HOMES.len()]),
                };
                // The first engineers carry the team's planted patterns.
                if plan.burnout_engineer && slot == 0 {
                    member.drifts_after_hours_from = Some(months_back(1));
                    member.pr_rate *= 1.15;
                }
                if plan.rubber_stamper && slot == 2 {
                    member.rubber_stamper = true;
                    member.review_weight *= 2.0;
                }
                if plan.silo_module && slot == 3 {
                    member.owns = Some(SILO_MODULE);
                }
                if plan.hard_case == Some(HardCaseKind::BusyReviewer) && slot == 0 {
                    member.review_weight = 2.2;
                }
                if plan.leaving_engineer && slot == 1 {
                    member.fades_from = Some(months_back(2));
                    member.calendar.last_day = Some(last_month_start + Duration::days(9));
                }
                engineers.push(members.len());
                members.push(member);
            }
            let files = MODULES
                .iter()
                .flat_map(|module| FILES.iter().map(move |file| format!("src/{module}/{file}")))
                .collect();
            let project = project_key(&plan.name, index, &teams);
            teams.push(Team {
                plan: plan.clone(),
                repo: format!("acme/{}-api", plan.name),
                project,
                manager,
                engineers,
                files,
            });
        }
        World { members, teams }
    }

    /// The `people` table: everyone, plus the bots that act in the repositories.
    pub fn people(&self) -> Vec<Person> {
        let mut people: Vec<Person> = self
            .members
            .iter()
            .map(|m| Person {
                person: m.id.clone(),
                display_name: Some(capitalize(&m.id)),
                team: self.teams[m.team].plan.name.clone(),
                teams: Vec::new(),
                role: if m.is_manager { "manager" } else { "engineer" }.to_string(),
                // A roster without the zone says UTC, as `teamlens.toml` defaults it.
                timezone: if m.listed.timezone {
                    m.calendar.tz.name()
                } else {
                    "UTC"
                }
                .to_string(),
                work_start_hour: m.listed.timezone.then(|| i64::from(m.calendar.start_hour)),
                work_end_hour: m.listed.timezone.then(|| i64::from(m.calendar.end_hour)),
                aliases: vec![format!("{}@acme.example", m.id), format!("{}-acme", m.id)],
            })
            .collect();
        for bot in [DEPENDABOT, ACTIONS_BOT] {
            people.push(Person {
                person: bot.to_string(),
                display_name: None,
                team: "bots".to_string(),
                teams: Vec::new(),
                role: "bot".to_string(),
                timezone: "UTC".to_string(),
                work_start_hour: None,
                work_end_hour: None,
                aliases: Vec::new(),
            });
        }
        people
    }
}

impl World {
    /// The `time_off` table: everyone's days away (vacations, weeks away, sick days) as an HR
    /// calendar would hold them, from the first simulated day to `until`. A departure is not time
    /// off: nothing after a person's last day is listed.
    pub fn time_off(&self, config: &SimConfig) -> Vec<TimeOff> {
        let from = config.warm_up_from();
        let midnight = |date: NaiveDate| Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN));
        let mut rows = Vec::new();
        for member in self.members.iter().filter(|m| m.listed.time_off) {
            let last = member
                .calendar
                .last_day
                .map_or(config.until, |day| day.min(config.until));
            for &(first_day, last_day) in &member.calendar.away {
                let (first_day, last_day) = (first_day.max(from), last_day.min(last));
                if first_day > last_day {
                    continue;
                }
                rows.push(TimeOff {
                    source: "simulate".to_string(),
                    person: member.id.clone(),
                    first_day: midnight(first_day),
                    last_day: midnight(last_day),
                    kind: Some(
                        if first_day == last_day {
                            "sick"
                        } else {
                            "vacation"
                        }
                        .to_string(),
                    ),
                });
            }
        }
        rows.sort_by(|a, b| (&a.person, a.first_day).cmp(&(&b.person, b.first_day)));
        rows
    }
}

fn capitalize(id: &str) -> String {
    let mut chars = id.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A calendar with two weeks of summer vacation a year, a week at the turn of the year for some,
/// and the odd sick day.
fn calendar(tz: Tz, start_hour: u32, config: &SimConfig, rng: &mut ChaCha8Rng) -> Calendar {
    let from = config.warm_up_from();
    let mut away = Vec::new();
    for year in from.year()..=config.until.year() {
        let june = NaiveDate::from_ymd_opt(year, 6, 1).unwrap_or(from);
        let start = monday_on_or_after(june + Duration::days(rng.random_range(0..84)));
        away.push((start, start + Duration::days(11)));
        if rng.random_bool(0.5) {
            let december = NaiveDate::from_ymd_opt(year, 12, 27).unwrap_or(from);
            away.push((december, december + Duration::days(6)));
        }
    }
    let mut day = from;
    while day <= config.until {
        if rng.random_bool(0.015) {
            away.push((day, day));
        }
        day += Duration::days(1);
    }
    Calendar {
        tz,
        start_hour,
        end_hour: start_hour + if rng.random_bool(0.5) { 8 } else { 9 },
        away,
        last_day: None,
    }
}

/// A week away (offsites, conferences, leave) every six to eight weeks: what a team whose every
/// merge waits on one person feels most.
fn regular_weeks_away(config: &SimConfig, rng: &mut ChaCha8Rng) -> Vec<(NaiveDate, NaiveDate)> {
    let mut weeks = Vec::new();
    let mut start = monday_on_or_after(config.from() + Duration::days(rng.random_range(7..35)));
    while start <= config.until {
        weeks.push((start, start + Duration::days(4)));
        start += Duration::weeks(rng.random_range(6..=8));
    }
    weeks
}

fn monday_on_or_after(date: NaiveDate) -> NaiveDate {
    let days = (7 - date.weekday().num_days_from_monday()) % 7;
    date + Duration::days(i64::from(days))
}

/// How likely a PR is started on a day, relative to a Wednesday: the week slopes down to Friday.
pub fn weekday_factor(date: NaiveDate) -> f64 {
    match date.weekday() {
        Weekday::Mon => 1.15,
        Weekday::Tue => 1.1,
        Weekday::Wed => 1.0,
        Weekday::Thu => 0.95,
        Weekday::Fri => 0.8,
        Weekday::Sat | Weekday::Sun => 0.0,
    }
}
