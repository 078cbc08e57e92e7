//! The roster as detectors and the report read it: each person's primary team, every team they
//! are in, and their role (engineer, manager, bot), from the `people` table as identity
//! resolution left it (the configured roster, the bots found, the teams assumed).

use std::collections::BTreeMap;

use polars::prelude::*;

/// The people table as detectors need it: who is in which team, with which role.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    pub people: BTreeMap<String, RosterEntry>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RosterEntry {
    /// The primary team, which a person's own work is attributed to.
    pub team: String,
    /// Every team the person belongs to, the primary first.
    pub teams: Vec<String>,
    pub role: String,
}

impl RosterEntry {
    fn is_in(&self, team: &str) -> bool {
        self.teams.iter().any(|t| t == team)
    }
}

impl Roster {
    /// Teams with at least one non-bot member, in name order.
    pub fn teams(&self) -> Vec<&str> {
        let mut teams: Vec<&str> = self
            .people
            .values()
            .filter(|e| e.role != "bot")
            .flat_map(|e| e.teams.iter().map(String::as_str))
            .collect();
        teams.sort_unstable();
        teams.dedup();
        teams
    }

    /// The manager(s) of a team.
    pub fn managers(&self, team: &str) -> Vec<&str> {
        self.people
            .iter()
            .filter(|(_, e)| e.is_in(team) && e.role == "manager")
            .map(|(p, _)| p.as_str())
            .collect()
    }

    pub fn team_of(&self, person: &str) -> Option<&str> {
        self.people.get(person).map(|e| e.team.as_str())
    }

    /// A bot by the roster's role or by GitHub's `[bot]` suffix.
    pub fn is_bot(&self, person: &str) -> bool {
        person.ends_with("[bot]") || self.role(person) == Some("bot")
    }
}

impl Roster {
    /// The roster of the `people` table among `tables` (empty when there is none).
    pub fn from_tables(tables: &BTreeMap<&'static str, LazyFrame>) -> PolarsResult<Roster> {
        match tables.get("people") {
            Some(people) => Roster::from_people(&people.clone().collect()?),
            None => Ok(Roster::default()),
        }
    }

    pub fn from_people(people: &DataFrame) -> PolarsResult<Roster> {
        let mut roster = Roster::default();
        if people.height() == 0 {
            return Ok(roster);
        }
        let persons = people.column("person")?.str()?;
        let teams = people.column("team")?.str()?;
        let roles = people.column("role")?.str()?;
        let memberships = match people.column("teams") {
            Ok(column) => Some(column.list()?.clone()),
            Err(_) => None,
        };
        for (i, ((person, team), role)) in persons
            .iter()
            .zip(teams.iter())
            .zip(roles.iter())
            .enumerate()
        {
            if let Some(person) = person {
                let team = team.unwrap_or("unassigned").to_string();
                let mut all = vec![team.clone()];
                if let Some(list) = memberships.as_ref().and_then(|m| m.get_as_series(i)) {
                    for other in list.str()?.iter().flatten() {
                        if !all.iter().any(|t| t == other) {
                            all.push(other.to_string());
                        }
                    }
                }
                roster.people.insert(
                    person.to_string(),
                    RosterEntry {
                        team,
                        teams: all,
                        role: role.unwrap_or("engineer").to_string(),
                    },
                );
            }
        }
        Ok(roster)
    }

    /// Non-bot members of a team.
    pub fn members(&self, team: &str) -> Vec<&str> {
        self.people
            .iter()
            .filter(|(_, e)| e.is_in(team) && e.role != "bot")
            .map(|(p, _)| p.as_str())
            .collect()
    }

    pub fn role(&self, person: &str) -> Option<&str> {
        self.people.get(person).map(|e| e.role.as_str())
    }

    pub fn is_manager(&self, person: &str) -> bool {
        self.role(person) == Some("manager")
    }
}
