//! Identities and bots against the hand-checked lists of the real corpus (`tests/data/real/`):
//! for each of eleven repositories, the 30 most active authors and reviewers with every
//! address, login and name spelling they used and its count (`people.tsv`), who is who as
//! checked by hand (`identities.tsv`), look-alikes that are different people
//! (`never_merge.tsv`), and the automation among the 50 most active identities (`bots.tsv`).
//!
//! The accounts are given to `identity::merge::resolve` as the tables would give them:
//! addresses in lower case with the names they signed with, logins (bors `r=`, Phabricator
//! `Reviewed By`) without a name, and the PRs named by a login with their head commit's
//! address (`pr_heads.tsv`). The merge rules were written with this corpus in view, so
//! the figures say the rules fit these histories, not how they do on unseen ones.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use support::corpus::{self, rows};
use teamlens::identity::{bots, merge};

fn repositories() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(corpus::dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("people.tsv").exists())
        .collect();
    dirs.sort();
    assert_eq!(dirs.len(), 11, "the corpus has eleven repositories");
    dirs
}

/// How the tables name an identity: addresses in lower case, logins and names as written.
fn account(kind: &str, value: &str) -> String {
    if kind == "email" {
        value.to_lowercase()
    } else {
        value.to_string()
    }
}

/// The accounts of `people.tsv` as the tables would show them.
fn observed(dir: &Path) -> BTreeMap<String, merge::Observed> {
    let mut seen: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for row in rows(&dir.join("people.tsv")) {
        // An identity listed as author and as reviewer is one account; keep its larger count.
        let key = (
            row["kind"].clone(),
            row["value"].clone(),
            row["name"].clone(),
        );
        let count: usize = row["count"].parse().unwrap();
        let entry = seen.entry(key).or_default();
        *entry = (*entry).max(count);
    }
    let mut accounts: BTreeMap<String, merge::Observed> = BTreeMap::new();
    for ((kind, value, name), count) in seen {
        let entry = accounts.entry(account(&kind, &value)).or_default();
        entry.rows += count;
        // A login carries no name in the tables (a bors `r=`, a Phabricator username).
        if kind != "login" {
            *entry.names.entry(name).or_default() += count;
        }
    }
    accounts
}

/// `pr_heads.tsv`: PRs named by a login (bors, merge button) and the address of their head
/// commit — what the tables give as a PR's author and its commits' author.
fn pr_heads(dir: &Path) -> merge::PullRequestCommits {
    rows(&dir.join("pr_heads.tsv"))
        .into_iter()
        .map(|row| {
            (
                (row["login"].clone(), row["email"].to_lowercase()),
                row["prs"].parse().unwrap(),
            )
        })
        .collect()
}

fn is_bot(account: &str, observed: &merge::Observed) -> bool {
    let name = observed
        .names
        .iter()
        .max_by_key(|(_, n)| **n)
        .map(|(n, _)| n.as_str());
    bots::reason(account, name).is_some()
}

#[derive(Default)]
struct Agreement {
    true_pairs: usize,
    found_pairs: usize,
    agreed_pairs: usize,
}

impl Agreement {
    fn precision(&self) -> f64 {
        if self.found_pairs == 0 {
            1.0
        } else {
            self.agreed_pairs as f64 / self.found_pairs as f64
        }
    }
    fn recall(&self) -> f64 {
        if self.true_pairs == 0 {
            1.0
        } else {
            self.agreed_pairs as f64 / self.true_pairs as f64
        }
    }
}

/// Pairs of accounts that are one person, by hand and by `merge::resolve`, among the accounts
/// of `identities.tsv` (bots apart).
fn agreement(dir: &Path) -> (Agreement, Vec<String>) {
    let accounts = observed(dir);
    let humans: BTreeMap<String, merge::Observed> = accounts
        .iter()
        .filter(|(a, o)| !is_bot(a, o))
        .map(|(a, o)| (a.clone(), o.clone()))
        .collect();
    let resolution = merge::resolve(
        &humans,
        &pr_heads(dir),
        &merge::Constraints {
            roster: &BTreeSet::new(),
            never: &[],
        },
    );
    let person_of = |account: &str| -> String {
        resolution
            .renamed
            .get(account)
            .cloned()
            .unwrap_or_else(|| account.to_string())
    };
    let mut truth: Vec<(String, String)> = Vec::new();
    for row in rows(&dir.join("identities.tsv")) {
        let account = account(&row["kind"], &row["value"]);
        if humans.contains_key(&account) {
            truth.push((account, row["person"].clone()));
        }
    }
    let mut result = Agreement::default();
    let mut wrong = Vec::new();
    for (i, (a, person_a)) in truth.iter().enumerate() {
        for (b, person_b) in &truth[i + 1..] {
            let same = person_a == person_b;
            let found = person_of(a) == person_of(b);
            result.true_pairs += usize::from(same);
            result.found_pairs += usize::from(found);
            result.agreed_pairs += usize::from(same && found);
            if same != found {
                wrong.push(format!(
                    "{}: {a} ({person_a}) and {b} ({person_b}) {}",
                    dir.file_name().unwrap().to_string_lossy(),
                    if found { "merged" } else { "not merged" }
                ));
            }
        }
    }
    (result, wrong)
}

#[test]
fn merges_agree_with_the_hand_checked_identities() {
    let mut total = Agreement::default();
    let mut all_wrong = Vec::new();
    println!("repository | true pairs | merged pairs | agreed | precision | recall");
    for dir in repositories() {
        let (a, wrong) = agreement(&dir);
        println!(
            "{} | {} | {} | {} | {:.3} | {:.3}",
            dir.file_name().unwrap().to_string_lossy(),
            a.true_pairs,
            a.found_pairs,
            a.agreed_pairs,
            a.precision(),
            a.recall()
        );
        total.true_pairs += a.true_pairs;
        total.found_pairs += a.found_pairs;
        total.agreed_pairs += a.agreed_pairs;
        all_wrong.extend(wrong);
    }
    println!(
        "all | {} | {} | {} | {:.3} | {:.3}",
        total.true_pairs,
        total.found_pairs,
        total.agreed_pairs,
        total.precision(),
        total.recall()
    );
    for line in &all_wrong {
        println!("  {line}");
    }
    assert!(
        total.precision() >= 0.98 && total.recall() >= 0.98,
        "precision {:.3}, recall {:.3}",
        total.precision(),
        total.recall()
    );
}

#[test]
fn look_alikes_stay_apart() {
    for dir in repositories() {
        let accounts = observed(&dir);
        let resolution = merge::resolve(
            &accounts,
            &pr_heads(&dir),
            &merge::Constraints {
                roster: &BTreeSet::new(),
                never: &[],
            },
        );
        let person_of = |account: &str| {
            resolution
                .renamed
                .get(account)
                .cloned()
                .unwrap_or_else(|| account.to_string())
        };
        for row in rows(&dir.join("never_merge.tsv")) {
            let (a, b) = (row["value_a"].to_lowercase(), row["value_b"].to_lowercase());
            if !(accounts.contains_key(&a) && accounts.contains_key(&b)) {
                continue;
            }
            assert_ne!(
                person_of(&a),
                person_of(&b),
                "{}: {a} and {b} are different people ({})",
                dir.display(),
                row["evidence"]
            );
        }
    }
}

#[test]
fn every_bot_of_the_corpus_is_a_bot_and_no_person_is() {
    let mut missed = Vec::new();
    let mut bot_rows = 0;
    for dir in repositories() {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let mut listed: BTreeSet<String> = BTreeSet::new();
        for row in rows(&dir.join("bots.tsv")) {
            bot_rows += 1;
            let account = account(&row["kind"], &row["value"]);
            listed.insert(account.clone());
            let signed = (row["kind"] == "email").then(|| row["name"].as_str());
            if bots::reason(&account, signed).is_none() {
                missed.push(format!(
                    "{name}: bot {account} ({}) not recognised",
                    row["name"]
                ));
            }
        }
        // Another address of a listed bot (below the 50 most active) is a bot too.
        let bot_names: BTreeSet<String> = rows(&dir.join("bots.tsv"))
            .into_iter()
            .map(|row| row["name"].clone())
            .collect();
        for row in rows(&dir.join("people.tsv")) {
            if bot_names.contains(&row["person"]) {
                listed.insert(account(&row["kind"], &row["value"]));
            }
        }
        for (account, observed) in observed(&dir) {
            if !listed.contains(&account) && is_bot(&account, &observed) {
                missed.push(format!("{name}: person {account} taken for a bot"));
            }
        }
    }
    assert!(bot_rows >= 20, "the corpus lists {bot_rows} bots");
    assert!(missed.is_empty(), "{missed:#?}");
}
