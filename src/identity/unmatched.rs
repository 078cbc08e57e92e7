//! The accounts in the stored tables that the roster (`people`) does not name, and the people
//! they may be.
//!
//! Every source resolves the accounts it reads (GitHub logins, commit e-mails, Jira account ids)
//! through the roster's aliases to a person id; what it cannot resolve is stored as the account
//! itself. `teamlens people --unmatched` lists those, where they appear, and suggests a person
//! when the account shares an e-mail (or its name part) or a display name with one. The Jira
//! source keeps the display name and e-mail of accounts it could not resolve in the manifest
//! (`sources.jira.accounts`), since its account ids say nothing by themselves.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::model::{Person, Table};
use crate::store::{Store, StoreError};

/// The columns that name a person, table by table.
pub const PERSON_COLUMNS: &[(&str, &str)] = &[
    ("pull_requests", "author"),
    ("pull_requests", "merged_by"),
    ("reviews", "reviewer"),
    ("review_requests", "requested"),
    ("review_requests", "requested_by"),
    ("pr_events", "actor"),
    ("pr_commits", "author"),
    ("pr_commits", "committer"),
    ("comments", "author"),
    ("issues", "reporter"),
    ("issues", "assignee"),
    ("issue_events", "actor"),
    ("commits", "author"),
    ("commits", "committer"),
];

/// GitHub's own identities on the commits it makes itself (web-interface merges, squashes and
/// "Update branch"): `web-flow` as the API names the committer, `noreply@github.com` as git
/// records it. They are GitHub, not anyone on the roster, so they are never listed as unmatched:
/// no alias could, or should, make them a person.
pub const GITHUB_SYSTEM_ACCOUNTS: &[&str] = &["web-flow", "noreply@github.com"];

/// A person it may be, and why.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Suggestion {
    pub person: String,
    pub reason: String,
}

/// An account no person of the roster has.
#[derive(Debug, Clone, PartialEq)]
pub struct Unmatched {
    pub account: String,
    /// `table.column` → rows naming the account.
    pub seen: BTreeMap<String, usize>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub suggestions: Vec<Suggestion>,
}

/// A person of the stored roster.
#[derive(Debug, Clone, Default)]
struct RosterEntry {
    person: String,
    display_name: Option<String>,
    names: BTreeSet<String>,
}

fn polars_error(context: &str) -> impl Fn(PolarsError) -> StoreError + '_ {
    move |source| StoreError::Polars {
        context: context.to_string(),
        source,
    }
}

fn roster(store: &Store) -> Result<Vec<RosterEntry>, StoreError> {
    let frame = store
        .scan(Person::NAME)?
        .collect()
        .map_err(polars_error("reading the people table"))?;
    let persons = frame.column("person").and_then(|c| c.str().cloned());
    let names = frame.column("display_name").and_then(|c| c.str().cloned());
    let aliases = frame.column("aliases").and_then(|c| c.list().cloned());
    let (persons, names, aliases) = (
        persons.map_err(polars_error("reading the people table"))?,
        names.map_err(polars_error("reading the people table"))?,
        aliases.map_err(polars_error("reading the people table"))?,
    );
    let mut out = Vec::new();
    for i in 0..frame.height() {
        let Some(person) = persons.get(i) else {
            continue;
        };
        let mut entry = RosterEntry {
            person: person.to_string(),
            display_name: names.get(i).map(str::to_string),
            names: BTreeSet::from([person.to_lowercase()]),
        };
        if let Some(list) = aliases.get_as_series(i)
            && let Ok(values) = list.str()
        {
            entry
                .names
                .extend(values.iter().flatten().map(str::to_lowercase));
        }
        out.push(entry);
    }
    Ok(out)
}

/// Letters and digits only, lower case: `Ada Lovelace`, `ada.lovelace` and `ada-lovelace` agree.
fn simplified(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The name part of an e-mail address, without `+tag`.
fn local_part(email: &str) -> Option<String> {
    let (local, domain) = email.split_once('@')?;
    if domain.is_empty() {
        return None;
    }
    Some(local.split('+').next().unwrap_or(local).to_lowercase())
}

fn suggestions(account: &Unmatched, roster: &[RosterEntry]) -> Vec<Suggestion> {
    let mut out = BTreeSet::new();
    let emails: Vec<String> = [Some(account.account.as_str()), account.email.as_deref()]
        .into_iter()
        .flatten()
        .filter(|e| e.contains('@'))
        .map(str::to_lowercase)
        .collect();
    let mut names: Vec<String> = Vec::new();
    if let Some(name) = &account.display_name {
        names.push(simplified(name));
    }
    if !account.account.contains(':') {
        names.push(simplified(
            account
                .account
                .split('@')
                .next()
                .unwrap_or(&account.account),
        ));
    }
    names.retain(|n| n.len() >= 3);
    for entry in roster {
        for email in &emails {
            if entry.names.contains(email) {
                out.insert(Suggestion {
                    person: entry.person.clone(),
                    reason: format!("same e-mail ({email})"),
                });
            } else if let Some(local) = local_part(email)
                && entry
                    .names
                    .iter()
                    .any(|n| local_part(n).as_deref() == Some(local.as_str()))
            {
                out.insert(Suggestion {
                    person: entry.person.clone(),
                    reason: format!("same e-mail name ({local}@…)"),
                });
            }
        }
        let mut theirs: Vec<String> = vec![simplified(&entry.person)];
        if let Some(name) = &entry.display_name {
            theirs.push(simplified(name));
        }
        for name in &names {
            if theirs.contains(name) {
                out.insert(Suggestion {
                    person: entry.person.clone(),
                    reason: "same display name".into(),
                });
            }
        }
    }
    out.into_iter().collect()
}

/// The accounts in the stored tables that match no person, most frequent first.
pub fn unmatched(store: &Store) -> Result<Vec<Unmatched>, StoreError> {
    let roster = roster(store)?;
    let known: BTreeSet<String> = roster.iter().map(|r| r.person.clone()).collect();
    let mut accounts: BTreeMap<String, Unmatched> = BTreeMap::new();
    for (table, column) in PERSON_COLUMNS {
        let context = format!("reading {table}.{column}");
        let frame = store
            .scan(table)?
            .select([col(*column)])
            .collect()
            .map_err(polars_error(&context))?;
        let values = frame
            .column(column)
            .and_then(|c| c.str().cloned())
            .map_err(polars_error(&context))?;
        for value in values.iter().flatten() {
            if known.contains(value)
                || value.starts_with("team:")
                || value.is_empty()
                || GITHUB_SYSTEM_ACCOUNTS.contains(&value)
            {
                continue;
            }
            let entry = accounts
                .entry(value.to_string())
                .or_insert_with(|| Unmatched {
                    account: value.to_string(),
                    seen: BTreeMap::new(),
                    display_name: None,
                    email: None,
                    suggestions: Vec::new(),
                });
            *entry.seen.entry(format!("{table}.{column}")).or_default() += 1;
        }
    }
    for state in store.manifest().sources.values() {
        let Some(known_accounts) = state.get("accounts").and_then(|a| a.as_object()) else {
            continue;
        };
        for (id, info) in known_accounts {
            if let Some(entry) = accounts.get_mut(id) {
                let text = |key: &str| info.get(key).and_then(|v| v.as_str()).map(str::to_string);
                entry.display_name = entry.display_name.take().or_else(|| text("display_name"));
                entry.email = entry.email.take().or_else(|| text("email"));
            }
        }
    }
    let mut out: Vec<Unmatched> = accounts
        .into_values()
        .map(|mut a| {
            a.suggestions = suggestions(&a, &roster);
            a
        })
        .collect();
    out.sort_by_key(|a| {
        (
            std::cmp::Reverse(a.seen.values().sum::<usize>()),
            a.account.clone(),
        )
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(person: &str, name: Option<&str>, aliases: &[&str]) -> RosterEntry {
        let mut names: BTreeSet<String> = aliases.iter().map(|a| a.to_lowercase()).collect();
        names.insert(person.to_lowercase());
        RosterEntry {
            person: person.into(),
            display_name: name.map(str::to_string),
            names,
        }
    }

    fn account(id: &str, name: Option<&str>, email: Option<&str>) -> Unmatched {
        Unmatched {
            account: id.into(),
            seen: BTreeMap::new(),
            display_name: name.map(str::to_string),
            email: email.map(str::to_string),
            suggestions: Vec::new(),
        }
    }

    #[test]
    fn suggests_by_email_and_display_name() {
        let roster = vec![
            entry("ada", Some("Ada Lovelace"), &["ada@acme.example", "ada-gh"]),
            entry("bob", Some("Bob Byte"), &["bob@acme.example"]),
        ];
        let s = suggestions(&account("ada+ci@home.example", None, None), &roster);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].person, "ada");
        let s = suggestions(
            &account("712020:abc", Some("Bob Byte"), Some("BOB@acme.example")),
            &roster,
        );
        assert_eq!(
            s.iter().map(|s| s.reason.as_str()).collect::<Vec<_>>(),
            ["same display name", "same e-mail (bob@acme.example)"]
        );
        assert!(suggestions(&account("carol", Some("Carol"), None), &roster).is_empty());
    }
}
