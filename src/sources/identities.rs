//! The roster's aliases as every source reads them: a login, an e-mail, a Jira account id or a
//! Linear user found among a person's aliases is stored as that person's id; anything else is
//! stored as the source spelled it.
//!
//! This is what a source does while it writes rows. Who is who at analysis time (merging
//! accounts, bots, assumed teams) is the `identity` module's, which sits above the sources.

use std::collections::HashMap;

use polars::prelude::*;

use crate::model::Person;
use crate::store::{Store, StoreError};

/// Maps logins, e-mails and account ids to the roster's person ids.
#[derive(Debug, Clone, Default)]
pub struct Identities {
    by_alias: HashMap<String, String>,
}

impl Identities {
    /// Every person id and alias of the roster, compared without case.
    pub fn from_people(people: &[Person]) -> Identities {
        let mut by_alias = HashMap::new();
        for person in people {
            by_alias.insert(person.person.to_lowercase(), person.person.clone());
            for alias in &person.aliases {
                by_alias.insert(alias.to_lowercase(), person.person.clone());
            }
        }
        Identities { by_alias }
    }

    /// Whether the roster knows this login, e-mail or person id.
    pub fn knows(&self, alias: &str) -> bool {
        self.by_alias.contains_key(&alias.to_lowercase())
    }

    /// The person id of a login or e-mail, or the login itself when the roster does not know it.
    pub fn resolve(&self, login: &str) -> String {
        self.by_alias
            .get(&login.to_lowercase())
            .cloned()
            .unwrap_or_else(|| login.to_string())
    }
}

/// The roster's identities, from the stored `people` table (empty when there is none).
pub fn identities(store: &Store) -> Result<Identities, StoreError> {
    let polars = |source| StoreError::Polars {
        context: "reading the people table".into(),
        source,
    };
    let pairs = store
        .scan(<Person as crate::model::Table>::NAME)?
        .select([col("person"), col("aliases")])
        .explode(
            by_name(["aliases"], true, false),
            ExplodeOptions {
                empty_as_null: true,
                keep_nulls: true,
            },
        )
        .collect()
        .map_err(polars)?;
    let persons = pairs.column("person").and_then(|c| c.str().cloned());
    let aliases = pairs.column("aliases").and_then(|c| c.str().cloned());
    let (persons, aliases) = (persons.map_err(polars)?, aliases.map_err(polars)?);
    let mut roster: Vec<Person> = Vec::new();
    for (person, alias) in persons.iter().zip(aliases.iter()) {
        let Some(person) = person else { continue };
        if roster.last().is_none_or(|p| p.person != person) {
            roster.push(Person {
                person: person.to_string(),
                display_name: None,
                team: String::new(),
                teams: Vec::new(),
                role: String::new(),
                timezone: String::new(),
                work_start_hour: None,
                work_end_hour: None,
                aliases: Vec::new(),
            });
        }
        if let (Some(last), Some(alias)) = (roster.last_mut(), alias) {
            last.aliases.push(alias.to_string());
        }
    }
    Ok(Identities::from_people(&roster))
}
