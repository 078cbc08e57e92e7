//! What a commit message says beyond its text: trailers (`Key: value` lines of the last
//! paragraph), the pull request a merge or a squash names, and who approved it.
//!
//! Recognised forms:
//! - bors / homu: `Auto merge of #123 - user:branch, r=reviewer[,other]`;
//! - GitHub merge button: `Merge pull request #123 from user/branch`;
//! - GitHub squash: a subject ending in `(#123)`;
//! - Gerrit: a `Reviewed-on: https://host/c/project/+/123456` trailer (the change number; the
//!   older `https://host/123456` form too);
//! - kernel-style trailers: `Reviewed-by:`, `Acked-by:`, `Tested-by:`, `Co-authored-by:`, …
//!
//! Parsing never fails: a malformed trailer (no colon, an empty value, a key with spaces) is
//! simply not a trailer, and the paragraph it sits in is not a trailer block unless every
//! non-continuation line of it is a trailer or a `(cherry picked from …)` note, as git decides.

use serde::{Deserialize, Serialize};

/// One `Key: value` trailer, the key as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trailer {
    pub key: String,
    pub value: String,
}

/// Where a pull request number came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MergeKind {
    /// `Auto merge of #N - user:branch, r=…`.
    Bors,
    /// `Merge pull request #N from user/branch`.
    GitHubMerge,
    /// A subject ending in `(#N)`.
    GitHubSquash,
    /// `Reviewed-on: …/+/N`.
    Gerrit,
}

/// What a message says about the change it records.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageFacts {
    pub trailers: Vec<Trailer>,
    pub pr_number: Option<i64>,
    pub merge_kind: Option<MergeKind>,
    /// The PR's author as the merge message names them (`user` in `user:branch` or `user/branch`).
    pub pr_author: Option<String>,
    /// Reviewers from bors' `r=` list, as written (logins).
    pub bors_reviewers: Vec<String>,
}

/// Reads a commit message.
pub fn parse(message: &str) -> MessageFacts {
    let subject = message.lines().next().unwrap_or("").trim();
    let trailers = trailers(message);
    let mut facts = MessageFacts {
        trailers,
        ..MessageFacts::default()
    };
    if let Some((number, author, reviewers)) = bors(subject) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::Bors);
        facts.pr_author = author;
        facts.bors_reviewers = reviewers;
    } else if let Some((number, author)) = github_merge(subject) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::GitHubMerge);
        facts.pr_author = author;
    } else if let Some(number) = gerrit_change(&facts.trailers) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::Gerrit);
    } else if let Some(number) = squash(subject) {
        facts.pr_number = Some(number);
        facts.merge_kind = Some(MergeKind::GitHubSquash);
    }
    facts
}

/// The trailers of a message: its last paragraph, when that paragraph is a trailer block.
pub fn trailers(message: &str) -> Vec<Trailer> {
    let body: Vec<&str> = message.lines().collect();
    // The subject is never a trailer block.
    let mut end = body.len();
    while end > 1 && body[end - 1].trim().is_empty() {
        end -= 1;
    }
    let mut start = end;
    while start > 1 && !body[start - 1].trim().is_empty() {
        start -= 1;
    }
    if start <= 1 || start >= end {
        return Vec::new();
    }
    let mut out: Vec<Trailer> = Vec::new();
    for line in &body[start..end] {
        if line.starts_with([' ', '\t']) && !out.is_empty() {
            // A continuation line folds into the previous trailer's value.
            if let Some(last) = out.last_mut() {
                last.value.push(' ');
                last.value.push_str(line.trim());
            }
            continue;
        }
        if line.trim_start().starts_with("(cherry picked from") {
            continue;
        }
        match trailer_line(line) {
            Some(trailer) => out.push(trailer),
            None => return Vec::new(),
        }
    }
    out
}

fn trailer_line(line: &str) -> Option<Trailer> {
    let (key, value) = line.split_once(':')?;
    let key = key.trim_end();
    let value = value.trim();
    let valid_key = !key.is_empty()
        && key.len() <= 64
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (valid_key && !value.is_empty()).then(|| Trailer {
        key: key.to_string(),
        value: value.to_string(),
    })
}

/// `#123` at the start of `text`: the number and the rest.
fn hash_number(text: &str) -> Option<(i64, &str)> {
    let rest = text.strip_prefix('#')?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let number = rest[..digits].parse().ok()?;
    Some((number, &rest[digits..]))
}

/// `Auto merge of #123 - user:branch, r=a,b` → (123, user, [a, b]).
fn bors(subject: &str) -> Option<(i64, Option<String>, Vec<String>)> {
    let rest = subject.strip_prefix("Auto merge of ")?;
    let (number, rest) = hash_number(rest)?;
    let rest = rest.trim_start().strip_prefix('-').unwrap_or(rest).trim();
    let (head, reviewers) = match rest.find("r=") {
        Some(at) => (&rest[..at], &rest[at + 2..]),
        None => (rest, ""),
    };
    let author = head
        .trim()
        .trim_end_matches(',')
        .split(':')
        .next()
        .map(str::trim)
        .filter(|a| !a.is_empty() && !a.contains(' '))
        .map(str::to_string);
    let reviewers = reviewers
        .split([',', ' '])
        .map(|r| r.trim().trim_start_matches('@'))
        .filter(|r| {
            !r.is_empty()
                && r.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
        .map(str::to_string)
        .collect();
    Some((number, author, reviewers))
}

/// `Merge pull request #123 from user/branch` → (123, user).
fn github_merge(subject: &str) -> Option<(i64, Option<String>)> {
    let rest = subject.strip_prefix("Merge pull request ")?;
    let (number, rest) = hash_number(rest)?;
    let author = rest
        .trim()
        .strip_prefix("from ")
        .and_then(|r| r.split('/').next())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    Some((number, author))
}

/// A squash-merged subject ends in `(#123)`.
fn squash(subject: &str) -> Option<i64> {
    let inner = subject.trim_end().strip_suffix(')')?;
    let open = inner.rfind("(#")?;
    inner[open + 2..].parse().ok()
}

/// Gerrit's change number from `Reviewed-on: https://host/c/project/+/123456` or
/// `https://host/123456`.
fn gerrit_change(trailers: &[Trailer]) -> Option<i64> {
    let url = trailers
        .iter()
        .find(|t| t.key.eq_ignore_ascii_case("Reviewed-on"))?
        .value
        .trim()
        .trim_end_matches('/');
    let last = url.rsplit('/').next()?;
    last.parse().ok()
}

/// A person named in a trailer: `Name <email>`, or a bare e-mail, or a bare name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPerson {
    pub name: String,
    pub email: Option<String>,
}

/// Splits `Name <email>`; `None` for an empty value.
pub fn named_person(value: &str) -> Option<NamedPerson> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if let (Some(open), Some(close)) = (value.find('<'), value.rfind('>'))
        && open < close
    {
        let email = value[open + 1..close].trim();
        let name = value[..open].trim();
        return Some(NamedPerson {
            name: name.to_string(),
            email: (!email.is_empty()).then(|| email.to_string()),
        });
    }
    Some(NamedPerson {
        name: value.to_string(),
        email: value.contains('@').then(|| value.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bors_merges_name_the_pr_author_and_reviewers() {
        let facts = parse(
            "Auto merge of #4567 - ehuss:fix-thing, r=alexcrichton,@Eh2406\n\nFix the thing\n",
        );
        assert_eq!(facts.pr_number, Some(4567));
        assert_eq!(facts.merge_kind, Some(MergeKind::Bors));
        assert_eq!(facts.pr_author.as_deref(), Some("ehuss"));
        assert_eq!(facts.bors_reviewers, vec!["alexcrichton", "Eh2406"]);
    }

    #[test]
    fn github_merges_and_squashes_name_the_pr() {
        let facts = parse("Merge pull request #12 from ana/feature-x\n\nAdd x");
        assert_eq!(
            (facts.pr_number, facts.pr_author.as_deref()),
            (Some(12), Some("ana"))
        );
        assert_eq!(facts.merge_kind, Some(MergeKind::GitHubMerge));
        let facts = parse("Speed up the parser (#345)");
        assert_eq!(facts.pr_number, Some(345));
        assert_eq!(facts.merge_kind, Some(MergeKind::GitHubSquash));
        assert_eq!(parse("Fix (#abc)").pr_number, None);
    }

    #[test]
    fn gerrit_changes_are_numbered_by_reviewed_on() {
        let facts = parse(
            "go/analysis: fix\n\nLonger text.\n\nChange-Id: I0123\nReviewed-on: \
             https://go-review.googlesource.com/c/tools/+/123456\nReviewed-by: Alan \
             <adonovan@google.com>\nTryBot-Result: Gopher Robot <gobot@golang.org>\n",
        );
        assert_eq!(facts.pr_number, Some(123456));
        assert_eq!(facts.merge_kind, Some(MergeKind::Gerrit));
        assert_eq!(facts.trailers.len(), 4);
        assert_eq!(facts.trailers[2].key, "Reviewed-by");
        let old = parse("x\n\nReviewed-on: https://go-review.googlesource.com/1174\n");
        assert_eq!(old.pr_number, Some(1174));
    }

    #[test]
    fn trailers_are_the_last_paragraph_only_when_all_of_it_is_trailers() {
        let t = trailers("subject\n\nbody: not a trailer\nmore text\n");
        assert!(t.is_empty());
        let t =
            trailers("subject\n\nbody\n\nSigned-off-by: A <a@x>\nAcked-by: B <b@x>\n  continued\n");
        assert_eq!(t.len(), 2);
        assert_eq!(t[1].value, "B <b@x> continued");
        // A subject alone is not a trailer block, whatever it looks like.
        assert!(trailers("Fix: the build").is_empty());
        // Malformed: empty value, key with a space, no colon.
        assert!(trailers("s\n\nReviewed-by:\n").is_empty());
        assert!(trailers("s\n\nReviewed by: Ana\n").is_empty());
        assert!(trailers("s\n\nReviewed-by Ana\n").is_empty());
    }

    #[test]
    fn people_in_trailers() {
        assert_eq!(
            named_person("Ana Lima <ana@x.org>"),
            Some(NamedPerson {
                name: "Ana Lima".into(),
                email: Some("ana@x.org".into())
            })
        );
        assert_eq!(
            named_person("ana@x.org").unwrap().email.as_deref(),
            Some("ana@x.org")
        );
        assert_eq!(named_person("Ana").unwrap().email, None);
        assert_eq!(named_person("  "), None);
    }
}
