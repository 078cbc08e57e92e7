//! Teams when the roster names none: one team per repository (or tracker project).
//!
//! Why: without teams every person falls into one team, `unassigned`, and a team-relative
//! finding compares a person with the whole organisation — one person approving 55 of a
//! repository's 60 PRs is under the threshold once a second repository's 62 PRs join the
//! denominator. A repository is the unit people already think of as "who works on what".
//!
//! A person is a member of every repository they work in (authored or reviewed a change,
//! authored a commit, were assigned a ticket), as a roster's `teams` allows; their own work is
//! attributed to the repository they work in most (ties: the first name), which becomes their
//! primary team. The report says that the teams were assumed, and how to name real ones.

use std::collections::BTreeMap;

/// A person's assumed teams, the primary first.
#[derive(Debug, Clone, PartialEq)]
pub struct AssumedMember {
    pub person: String,
    pub teams: Vec<String>,
}

/// From `(repository, person) → actions`, every person's teams, busiest repository first.
pub fn assume(activity: &BTreeMap<(String, String), usize>) -> Vec<AssumedMember> {
    let mut by_person: BTreeMap<&str, Vec<(&str, usize)>> = BTreeMap::new();
    for ((repository, person), actions) in activity {
        if *actions > 0 {
            by_person
                .entry(person)
                .or_default()
                .push((repository, *actions));
        }
    }
    by_person
        .into_iter()
        .map(|(person, mut repositories)| {
            repositories.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            AssumedMember {
                person: person.to_string(),
                teams: repositories.iter().map(|(r, _)| r.to_string()).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_belongs_to_every_repository_and_is_attributed_to_the_busiest() {
        let activity: BTreeMap<(String, String), usize> = [
            (("acme/ledger", "ana"), 55),
            (("acme/ui", "ana"), 3),
            (("acme/ui", "bo"), 12),
            (("acme/api", "cy"), 2),
            (("acme/ledger", "cy"), 2),
        ]
        .into_iter()
        .map(|((r, p), n)| ((r.to_string(), p.to_string()), n))
        .collect();
        let members = assume(&activity);
        assert_eq!(members.len(), 3);
        assert_eq!(members[0].teams, ["acme/ledger", "acme/ui"]);
        assert_eq!(members[1].teams, ["acme/ui"]);
        // A tie goes to the first name, so the result never depends on hash order.
        assert_eq!(members[2].teams, ["acme/api", "acme/ledger"]);
    }
}
