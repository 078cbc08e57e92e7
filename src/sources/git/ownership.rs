//! Who knows which files of a repository: degree of authorship (Avelino et al., ICPC 2016) per
//! person and code file over the whole stored history, and the truck factor of the repository
//! and of each top-level directory (files at the root count for the repository, in no module).
//!
//! The computation is [`crate::common::authorship::degree_of_authorship`] and
//! [`crate::common::authorship::truck_factor`], which the `knowledge_silo` detector uses too, fed with commits instead
//! of merged PRs:
//!
//! - a change is one commit touching one file (merges, which carry no file statistics, are not
//!   changes); the first author is whoever made the file's oldest change, which creates it: it
//!   gives first authorship but is not a delivery nor an acceptance (as in Avelino's tool);
//! - a rename moves the file's history to its new path, as Avelino's tool follows renames;
//! - only files present at the tip count (deleted files are nobody's knowledge worth keeping);
//! - only **code files** count, as in the study, which dropped what GitHub's Linguist calls
//!   documentation, vendored and generated and files of no programming language: the rules are
//!   [`crate::common::files`] with the `[knowledge]` globs. The aggregates keep every file, so
//!   changing the globs needs no new fetch;
//! - **review knowledge**: each reviewer of a change — the `reviews` rows of the commit's PR or
//!   Gerrit change, or, for a commit without one, its review trailers (`[git]
//!   review_trailers`) — gains `review_weight` of a change (Avelino's deliveries) on each file it
//!   touched; the default weight is `thresholds.knowledge_silo.review_weight` (0.5): reading a
//!   change teaches less than writing it, more than nothing. Reviews never count against the
//!   author as others' changes do.
//!
//! Both truck factors are given, without and with review knowledge.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use crate::common::authorship::{degree_of_authorship, truck_factor};
use crate::common::files::FileRules;

/// One commit as ownership sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The authored time (microseconds since the epoch), for ordering.
    pub at: i64,
    pub sha: String,
    pub author: String,
    pub paths: Vec<String>,
    /// `(old, new)` renames this commit made.
    pub renames: Vec<(String, String)>,
    /// People who reviewed it (the author excluded by the computation).
    pub reviewers: Vec<String>,
    /// The PR (or change) it belongs to, whose reviews made `reviewers`.
    pub number: Option<i64>,
}

/// One person's degree of authorship of one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileAuthorship {
    pub path: String,
    pub person: String,
    pub doa: f64,
    pub author: bool,
    pub doa_with_reviews: f64,
    pub author_with_reviews: bool,
}

/// The truck factor of a set of files.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruckFactor {
    /// `.` for the repository as a whole, else a top-level directory.
    pub module: String,
    pub files: usize,
    pub truck_factor: usize,
    /// The people removed, in order, until more than half the files had no author.
    pub holders: Vec<String>,
    pub truck_factor_with_reviews: usize,
    pub holders_with_reviews: Vec<String>,
}

/// A repository's ownership.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ownership {
    pub review_weight: f64,
    pub repository: TruckFactor,
    pub modules: Vec<TruckFactor>,
    pub authorship: Vec<FileAuthorship>,
}

/// The top-level directory of a path (`src/a/b.rs` → `src`); a file at the root (`setup.py`)
/// is in no module.
pub fn top_level(path: &str) -> Option<&str> {
    path.split_once('/').map(|(first, _)| first)
}

/// Where a change sits in time: authored time, then sha (the order ownership reads history in).
pub type ChangeKey = (i64, String);

/// What one file's history adds up to: enough to compute its degree of authorship.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
struct History {
    /// Who made the oldest change, and when.
    first: Option<(ChangeKey, String)>,
    /// The newest change, so a rename read later can tell whether it comes after all of them.
    last: Option<ChangeKey>,
    changes: BTreeMap<String, f64>,
    reviews: BTreeMap<String, f64>,
}

/// Per-file authorship aggregates of a repository's history: what [`compute`] folds commits
/// into, kept between fetches so that new commits update only the files they touch.
///
/// Counts add up in any order and the first author is the oldest change's, so adding commits
/// newer than a file's renames gives what a computation over the whole history gives.
/// [`Histories::can_extend`] tells when new commits interleave with stored renames, where the
/// order matters and the whole history must be read again.
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Histories {
    files: HashMap<String, History>,
    /// Path → the newest rename from or to it.
    renamed_at: HashMap<String, ChangeKey>,
}

impl Histories {
    /// Folds changes in, oldest first.
    pub fn add(&mut self, mut changes: Vec<Change>) {
        changes.sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.sha.cmp(&b.sha)));
        for change in changes {
            let key: ChangeKey = (change.at, change.sha.clone());
            for (old, new) in &change.renames {
                for path in [old, new] {
                    let newest = self.renamed_at.entry(path.clone()).or_insert(key.clone());
                    if *newest < key {
                        *newest = key.clone();
                    }
                }
                if let Some(history) = self.files.remove(old) {
                    self.files.insert(new.clone(), history);
                }
            }
            for path in &change.paths {
                let history = self.files.entry(path.clone()).or_default();
                if history.first.as_ref().is_none_or(|(first, _)| key < *first) {
                    history.first = Some((key.clone(), change.author.clone()));
                }
                if history.last.as_ref().is_none_or(|last| *last < key) {
                    history.last = Some(key.clone());
                }
                *history.changes.entry(change.author.clone()).or_default() += 1.0;
                for reviewer in &change.reviewers {
                    if *reviewer != change.author {
                        *history.reviews.entry(reviewer.clone()).or_default() += 1.0;
                    }
                }
            }
        }
    }

    /// Whether adding `changes` gives the same as reading the whole history again: no change
    /// older than a stored rename of its file, and no rename older than a stored change or
    /// rename of either of its paths.
    pub fn can_extend(&self, changes: &[Change]) -> bool {
        let after_renames = |path: &String, key: &ChangeKey| {
            self.renamed_at
                .get(path)
                .is_none_or(|renamed| renamed < key)
        };
        changes.iter().all(|change| {
            let key: ChangeKey = (change.at, change.sha.clone());
            change.paths.iter().all(|p| after_renames(p, &key))
                && change.renames.iter().all(|(old, new)| {
                    [old, new].into_iter().all(|p| {
                        after_renames(p, &key)
                            && self
                                .files
                                .get(p)
                                .and_then(|h| h.last.as_ref())
                                .is_none_or(|last| *last < key)
                    })
                })
        })
    }

    /// Degree of authorship and truck factors over the code files (by `rules`) in `live`
    /// (every file ever changed when `None`).
    pub fn ownership(
        &self,
        live: Option<&BTreeSet<String>>,
        review_weight: f64,
        rules: &FileRules,
    ) -> Ownership {
        summarize(&self.files, live, review_weight, rules)
    }
}

/// Computes ownership from changes (any order; they are sorted by time) over the code files
/// (by `rules`) in `live` (every file ever changed when `None`).
pub fn compute(
    changes: Vec<Change>,
    live: Option<&BTreeSet<String>>,
    review_weight: f64,
    rules: &FileRules,
) -> Ownership {
    let mut histories = Histories::default();
    histories.add(changes);
    histories.ownership(live, review_weight, rules)
}

/// A file's changes as degree of authorship counts them: the change that created the file is
/// its first authorship (FA), not also a delivery of its creator (DL) and an acceptance for
/// everyone else (AC). Avelino et al.'s tool (aserg-ufmg/Truck-Factor,
/// `task/DOACalculator.java`) reads `git log --name-status`: an `A` line only marks the first
/// author, and deliveries are the `M` and `R` lines. The creator keeps a zero count, so they
/// still get a degree of authorship.
fn deliveries(first: Option<&String>, changes: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    let mut changes = changes.clone();
    if let Some(count) = first.and_then(|person| changes.get_mut(person)) {
        *count = (*count - 1.0).max(0.0);
    }
    changes
}

fn summarize(
    files: &HashMap<String, History>,
    live: Option<&BTreeSet<String>>,
    review_weight: f64,
    rules: &FileRules,
) -> Ownership {
    let mut paths: Vec<&String> = files
        .keys()
        .filter(|p| live.is_none_or(|live| live.contains(*p)) && rules.is_code(p))
        .collect();
    paths.sort();

    /// A file's path, its authors, and its authors with review knowledge.
    type FileAuthors<'a> = (&'a str, BTreeSet<String>, BTreeSet<String>);
    let mut authorship = Vec::new();
    let mut authors: Vec<FileAuthors<'_>> = Vec::new();
    let none = BTreeMap::new();
    for path in paths {
        let history = &files[path];
        let first = history.first.as_ref().map(|(_, person)| person);
        let changes = deliveries(first, &history.changes);
        let (plain, plain_authors) = degree_of_authorship(first, &changes, &none, 0.0);
        let (with, with_authors) =
            degree_of_authorship(first, &changes, &history.reviews, review_weight);
        let plain: BTreeMap<String, f64> = plain.into_iter().collect();
        for (person, doa_with_reviews) in with {
            authorship.push(FileAuthorship {
                path: path.clone(),
                doa: plain.get(&person).copied().unwrap_or(0.0),
                author: plain_authors.contains(&person),
                author_with_reviews: with_authors.contains(&person),
                person,
                doa_with_reviews,
            });
        }
        authors.push((path.as_str(), plain_authors, with_authors));
    }

    let factor = |module: &str, selected: Vec<&FileAuthors<'_>>| {
        let plain: Vec<BTreeSet<String>> = selected.iter().map(|a| a.1.clone()).collect();
        let with: Vec<BTreeSet<String>> = selected.iter().map(|a| a.2.clone()).collect();
        let (truck_factor_plain, holders) = truck_factor(&plain);
        let (truck_factor_with_reviews, holders_with_reviews) = truck_factor(&with);
        TruckFactor {
            module: module.to_string(),
            files: selected.len(),
            truck_factor: truck_factor_plain,
            holders,
            truck_factor_with_reviews,
            holders_with_reviews,
        }
    };
    let repository = factor(".", authors.iter().collect());
    let mut by_module: BTreeMap<&str, Vec<&FileAuthors<'_>>> = BTreeMap::new();
    for entry in &authors {
        if let Some(module) = top_level(entry.0) {
            by_module.entry(module).or_default().push(entry);
        }
    }
    let modules = by_module
        .into_iter()
        .map(|(module, selected)| factor(module, selected))
        .collect();
    Ownership {
        review_weight,
        repository,
        modules,
        authorship,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(at: i64, author: &str, paths: &[&str], reviewers: &[&str]) -> Change {
        Change {
            at,
            sha: format!("{at}"),
            author: author.into(),
            paths: paths.iter().map(|p| p.to_string()).collect(),
            renames: Vec::new(),
            reviewers: reviewers.iter().map(|p| p.to_string()).collect(),
            number: None,
        }
    }

    #[test]
    fn one_writer_of_everything_is_a_truck_factor_of_one_until_reviews_count() {
        let mut changes = Vec::new();
        for i in 0..4 {
            changes.push(change(
                i,
                "ana",
                &["src/a.rs", "src/b.rs", "doc/x.md"],
                &["leo"],
            ));
        }
        let o = compute(changes, None, 0.5, &FileRules::default());
        assert_eq!(o.repository.truck_factor, 1);
        assert_eq!(o.repository.holders, vec!["ana"]);
        // leo reviewed every change: 3.293 + 0.164·2 − 0.321·ln 4 < 3.293 (ana's first change
        // created the files: not an acceptance), not an author yet.
        assert_eq!(o.repository.truck_factor_with_reviews, 1);
        // ana wrote three changes (the first created the files, so two deliveries), leo two and
        // reviewed ana's three: leo's DOA is 3.293 + 0.164·2 − 0.321·ln 3 ≈ 3.268 without
        // reviews (not an author), 3.293 + 0.164·(2 + 0.5·3) − 0.321·ln 3 ≈ 3.514 with them,
        // above both 3.293 and 0.75 of ana's 4.366.
        let mut changes = Vec::new();
        for i in 0..3 {
            changes.push(change(i, "ana", &["src/a.rs", "src/b.rs"], &["leo"]));
        }
        for i in 3..5 {
            changes.push(change(i, "leo", &["src/a.rs", "src/b.rs"], &[]));
        }
        let o = compute(changes, None, 0.5, &FileRules::default());
        assert_eq!(o.repository.truck_factor, 1);
        assert_eq!(o.repository.truck_factor_with_reviews, 2);
        let leo = o.authorship.iter().find(|a| a.person == "leo").unwrap();
        assert!(!leo.author && leo.author_with_reviews, "{leo:?}");
        assert!((leo.doa_with_reviews - 3.5143).abs() < 1e-3, "{leo:?}");
        assert_eq!(o.modules.len(), 1);
        assert_eq!(o.modules[0].module, "src");
    }

    /// Adding commits to kept aggregates gives what a computation over the whole history gives,
    /// whatever their authored order, as long as they do not interleave with renames; when they
    /// do, `can_extend` says no.
    #[test]
    fn extended_aggregates_equal_a_whole_computation_unless_renames_interleave() {
        let mut renamed = change(5, "leo", &["b.rs"], &["mei"]);
        renamed.renames = vec![("a.rs".into(), "b.rs".into())];
        let stored = vec![
            change(3, "ana", &["a.rs", "c.rs"], &["leo"]),
            change(4, "ana", &["a.rs"], &[]),
            renamed,
        ];
        let mut kept = Histories::default();
        kept.add(stored.clone());
        // Older than the stored changes of c.rs, newer than the rename of a.rs: fine.
        let new = vec![
            change(1, "mei", &["c.rs"], &["ana"]),
            change(6, "mei", &["b.rs", "d.rs"], &[]),
        ];
        assert!(kept.can_extend(&new));
        let mut extended = kept.clone();
        extended.add(new.clone());
        let whole = compute(
            [stored.clone(), new].concat(),
            None,
            0.5,
            &FileRules::default(),
        );
        assert_eq!(extended.ownership(None, 0.5, &FileRules::default()), whole);
        let mei = whole
            .authorship
            .iter()
            .find(|a| a.path == "c.rs" && a.person == "mei")
            .unwrap();
        assert!(mei.author, "mei made c.rs's first change: {mei:?}");
        // A change to a.rs before its rename, or a rename of c.rs before its stored changes,
        // cannot be added in place.
        assert!(!kept.can_extend(&[change(2, "mei", &["a.rs"], &[])]));
        let mut early = change(2, "mei", &["e.rs"], &[]);
        early.renames = vec![("c.rs".into(), "e.rs".into())];
        assert!(!kept.can_extend(&[early]));
    }

    #[test]
    fn renames_carry_history_and_dead_files_do_not_count() {
        let mut renamed = change(2, "leo", &["new.rs"], &[]);
        renamed.renames = vec![("old.rs".into(), "new.rs".into())];
        let changes = vec![
            change(0, "ana", &["old.rs", "gone.rs"], &[]),
            change(1, "ana", &["old.rs"], &[]),
            renamed,
        ];
        let live: BTreeSet<String> = ["new.rs".to_string()].into();
        let o = compute(changes, Some(&live), 0.5, &FileRules::default());
        assert_eq!(o.repository.files, 1);
        let ana = o
            .authorship
            .iter()
            .find(|a| a.person == "ana" && a.path == "new.rs")
            .unwrap();
        assert!(ana.author, "{ana:?}");
        assert_eq!(top_level("setup.py"), None);
        assert_eq!(top_level("src/x/y.rs"), Some("src"));
    }
}
