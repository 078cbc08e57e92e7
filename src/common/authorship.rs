//! Who knows a file: Avelino et al.'s degree of authorship (ICPC 2016) and the truck factor
//! built on it. Pure functions over counts, shared by the `knowledge_silo` detector (over PR
//! file changes and reviews) and the git source's ownership (over commits and trailers), so the
//! two cannot drift apart.
//!
//! `DOA = 3.293 + 1.098·FA + 0.164·DL − 0.321·ln(1 + AC)`, with FA = 1 for whoever made the
//! file's first change, DL the person's changes (reviews count `review_weight` of a change) and
//! AC everyone else's changes.

use std::collections::{BTreeMap, BTreeSet};

/// Degree-of-authorship weights from Avelino et al. (2016).
const DOA_CONSTANT: f64 = 3.293;
const DOA_FIRST_AUTHORSHIP: f64 = 1.098;
const DOA_DELIVERIES: f64 = 0.164;
const DOA_ACCEPTANCES: f64 = 0.321;

/// Degree of authorship of everyone who changed or reviewed a file, and its authors.
///
/// `first` made the file's first change, `changes` counts each person's changes and `reviews`
/// each person's reviews of changes to it; a review counts `review_weight` of a change in the
/// person's deliveries (DL), while only changes count as others' acceptances (AC). Authors have
/// a DOA of at least 3.293 and at least 0.75 of the highest; when nobody reaches 3.293, those
/// within 0.75 of the highest are.
pub fn degree_of_authorship(
    first: Option<&String>,
    changes: &BTreeMap<String, f64>,
    reviews: &BTreeMap<String, f64>,
    review_weight: f64,
) -> (Vec<(String, f64)>, BTreeSet<String>) {
    let total_changes: f64 = changes.values().sum();
    let mut people: BTreeSet<&String> = changes.keys().collect();
    people.extend(reviews.keys());
    let doa: Vec<(String, f64)> = people
        .iter()
        .map(|person| {
            let own = changes.get(*person).copied().unwrap_or(0.0);
            let reviewed = reviews.get(*person).copied().unwrap_or(0.0);
            let deliveries = own + review_weight * reviewed;
            let first = f64::from(u8::from(first == Some(*person)));
            let others = total_changes - own;
            let value = DOA_CONSTANT + DOA_FIRST_AUTHORSHIP * first + DOA_DELIVERIES * deliveries
                - DOA_ACCEPTANCES * (1.0 + others).ln();
            ((*person).clone(), value)
        })
        .collect();
    let best = doa.iter().map(|d| d.1).fold(f64::MIN, f64::max);
    let absolute: BTreeSet<String> = doa
        .iter()
        .filter(|(_, v)| *v >= DOA_CONSTANT && *v >= 0.75 * best)
        .map(|(p, _)| p.clone())
        .collect();
    let authors = if absolute.is_empty() {
        doa.iter()
            .filter(|(_, v)| *v >= 0.75 * best)
            .map(|(p, _)| p.clone())
            .collect()
    } else {
        absolute
    };
    (doa, authors)
}

/// Avelino's greedy truck factor: remove the author of the most still-covered files until more
/// than half of the files have no author left.
pub fn truck_factor(file_authors: &[BTreeSet<String>]) -> (usize, Vec<String>) {
    let total = file_authors.len();
    let mut remaining: Vec<BTreeSet<String>> = file_authors.to_vec();
    let mut removed = Vec::new();
    let covered = |files: &[BTreeSet<String>]| files.iter().filter(|a| !a.is_empty()).count();
    while covered(&remaining) * 2 >= total && covered(&remaining) > 0 {
        let mut counts: BTreeMap<&String, usize> = BTreeMap::new();
        for authors in &remaining {
            for author in authors {
                *counts.entry(author).or_default() += 1;
            }
        }
        let Some((top, _)) = counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
        else {
            break;
        };
        let top = top.clone();
        for authors in &mut remaining {
            authors.remove(&top);
        }
        removed.push(top);
    }
    (removed.len(), removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(authors: &[&[&str]]) -> Vec<BTreeSet<String>> {
        authors
            .iter()
            .map(|a| a.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn one_author_of_everything_is_a_truck_factor_of_one() {
        let (tf, holders) = truck_factor(&files(&[&["ana"], &["ana"], &["ana", "leo"]]));
        assert_eq!((tf, holders), (1, vec!["ana".to_string()]));
    }

    #[test]
    fn knowledge_spread_over_people_raises_the_truck_factor() {
        let (tf, _) = truck_factor(&files(&[
            &["ana", "leo"],
            &["leo", "mei"],
            &["mei", "ana"],
            &["ana", "mei"],
        ]));
        assert!(tf >= 2, "{tf}");
    }
}
