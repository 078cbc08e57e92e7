//! One person, one id: which accounts of the stored tables are the same person, and why.
//!
//! The evidence, strongest first, each merge keeping the first that joined it:
//! 1. **The same GitHub account**: `12345+login@users.noreply.github.com` and
//!    `login@users.noreply.github.com` addresses sharing the account id or the login, and the
//!    login itself (a renamed login keeps its id: cargo's `29879298+hi-rustin@…` and
//!    `29879298+rustin170506@…`).
//! 2. **The same full name**: two accounts whose dominant name (the name they sign with on at
//!    least half of their rows) is the same full name once case, punctuation and spacing are
//!    set aside. This is what joins an author's Gerrit self-vote under a second
//!    address (`nsh@golang.org` signing `Reviewed-by: Nicholas Husin <husin@google.com>`) and a
//!    company's address move (`yfeldblum@fb.com` → `@meta.com`). A name needs two words and
//!    five letters, and generic names (`GitHub Actions`, `Your Name`) or relays (`X via Y`)
//!    are never evidence; an address shared by several people has no dominant name.
//! 3. **A login's pull requests are made of an address's commits**: a login-only account (the
//!    author of a bors or merge-button PR, named by its login) and the address that authored
//!    the commits of at least two of its PRs, half of its PRs or more, and 80 % of the PRs that
//!    address's commits are in among login-named PRs (cargo's `brson` and
//!    `andersrb@gmail.com`).
//! 4. **A login that is an address's local part**: a login-only account (a bors `r=` or a
//!    Phabricator `Reviewed By` value) and the e-mail accounts whose local part it is (or the
//!    local part, `-` and the domain's first label: `dmm-fb` for `dmm@fb.com`), when all those
//!    addresses are already one person.
//! 5. **A login that spells one person's name**: a login-only account still alone, which
//!    (without trailing digits) is the first and last name run together, an initial and the
//!    last name, the first name and an initial, or the last and first name of exactly one
//!    person (`andriigrynenko`, `nbronson`, `rexzhang123`). The weakest evidence used; its
//!    reason says so, and `never_merge` undoes it.
//!
//! Never merged: two people of the roster (the user said they are two), automation accounts
//! (decided before, in `bots`), and any pair of `[identity] never_merge` — a merge that would
//! put such a pair in one person is refused and listed as kept apart. The `.mailmap` of a git
//! repository is applied earlier, when the commits are read.
//!
//! Pure: observations in, a resolution out, so the real corpus can check it without a store.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What the tables say about one account: how often it appears, and under which names.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observed {
    /// Rows naming the account, over the person columns read.
    pub rows: usize,
    /// Name as written → rows signed with it.
    pub names: BTreeMap<String, usize>,
}

/// An account joined to a person, and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct Merge {
    pub person: String,
    pub account: String,
    pub reason: String,
}

/// A merge the evidence suggested and the user's configuration refused.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub struct KeptApart {
    pub account: String,
    pub other: String,
    pub evidence: String,
    pub because: String,
}

/// Who is who after the merges.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Resolution {
    /// Every account that is not its own person → the person (the group's canonical id).
    pub renamed: BTreeMap<String, String>,
    pub merges: Vec<Merge>,
    pub kept_apart: Vec<KeptApart>,
}

/// What may never be one person.
pub struct Constraints<'a> {
    /// The roster's people: two of them are never merged, and a group holding one is named by it.
    pub roster: &'a BTreeSet<String>,
    /// `[identity] never_merge`.
    pub never: &'a [[String; 2]],
}

/// A name as evidence: lower case without accents, letters and digits, words separated by one
/// space, a note in parentheses or brackets left out (`Nigel Tao (INACTIVE; USE @golang.org
/// INSTEAD)`); `None` for a name too short, generic or shared to tell people apart.
pub fn name_key(name: &str) -> Option<String> {
    use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};
    let mut depth = 0usize;
    let lowered: String = name
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| {
            match c {
                '(' | '[' => depth += 1,
                ')' | ']' => depth = depth.saturating_sub(1),
                _ if depth == 0 && c.is_alphanumeric() => return c,
                _ => {}
            }
            ' '
        })
        .collect();
    let words: Vec<&str> = lowered.split_whitespace().collect();
    let letters: usize = words
        .iter()
        .map(|w| w.chars().filter(|c| c.is_alphabetic()).count())
        .sum();
    if words.len() < 2 || letters < 5 || words.contains(&"via") {
        return None;
    }
    let key = words.join(" ");
    const GENERIC: &[&str] = &[
        "your name",
        "github action",
        "github actions",
        "github enterprise",
        "unknown user",
        "root user",
        "local user",
        "the committer",
        "open source bot",
    ];
    (!GENERIC.contains(&key.as_str())).then_some(key)
}

/// The name an account signs with on at least half of its named rows, as a [`name_key`].
fn dominant_name(observed: &Observed) -> Option<(String, String)> {
    let total: usize = observed.names.values().sum();
    let mut by_key: BTreeMap<String, (usize, &str)> = BTreeMap::new();
    for (name, rows) in &observed.names {
        if let Some(key) = name_key(name) {
            let entry = by_key.entry(key).or_insert((0, name));
            entry.0 += rows;
        }
    }
    let (key, (rows, name)) = by_key.into_iter().max_by_key(|(_, (rows, _))| *rows)?;
    (rows * 2 >= total && rows > 0).then(|| (key, name.to_string()))
}

/// `12345+login@users.noreply.github.com` → (Some(12345), login).
fn github_noreply(account: &str) -> Option<(Option<u64>, String)> {
    let local = account
        .to_lowercase()
        .strip_suffix("@users.noreply.github.com")?
        .to_string();
    match local.split_once('+') {
        Some((id, login)) => Some((id.parse().ok(), login.to_string())),
        None => Some((None, local)),
    }
}

struct Groups {
    parent: Vec<usize>,
}

impl Groups {
    fn find(&mut self, mut i: usize) -> usize {
        while self.parent[i] != i {
            self.parent[i] = self.parent[self.parent[i]];
            i = self.parent[i];
        }
        i
    }
}

/// `(login, address) → PRs`: pull requests named by a login whose commits the address authored.
pub type PullRequestCommits = BTreeMap<(String, String), usize>;

/// The login ↔ address pairs of rule 3.
fn made_of(links: &PullRequestCommits) -> Vec<(&str, &str, usize)> {
    let mut by_login: HashMap<&str, usize> = HashMap::new();
    let mut by_address: HashMap<&str, usize> = HashMap::new();
    for ((login, address), prs) in links {
        *by_login.entry(login).or_default() += prs;
        *by_address.entry(address).or_default() += prs;
    }
    links
        .iter()
        .filter(|((login, address), prs)| {
            **prs >= 2
                && **prs * 2 >= by_login[login.as_str()]
                && **prs * 5 >= by_address[address.as_str()] * 4
        })
        .map(|((login, address), prs)| (login.as_str(), address.as_str(), *prs))
        .collect()
}

/// Merges `accounts` (bots already left out) by the evidence above.
pub fn resolve(
    accounts: &BTreeMap<String, Observed>,
    links: &PullRequestCommits,
    constraints: &Constraints,
) -> Resolution {
    let ids: Vec<&String> = accounts.keys().collect();
    let lower_index: HashMap<String, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| (id.to_lowercase(), i))
        .collect();

    // Evidence as edges, strongest first.
    let mut edges: Vec<(usize, usize, String)> = Vec::new();
    let mut by_github: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some((number, login)) = github_noreply(id) {
            if let Some(number) = number {
                by_github.entry(format!("id {number}")).or_default().push(i);
            }
            by_github
                .entry(format!("login {login}"))
                .or_default()
                .push(i);
            if let Some(&j) = lower_index.get(&login) {
                edges.push((i, j, format!("same GitHub account ({login})")));
            }
        }
    }
    for (key, members) in &by_github {
        for pair in members.windows(2) {
            edges.push((pair[0], pair[1], format!("same GitHub account ({key})")));
        }
    }
    let mut by_name: BTreeMap<String, Vec<(usize, String)>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some((key, name)) = dominant_name(&accounts[*id]) {
            by_name.entry(key).or_default().push((i, name));
        }
    }
    for members in by_name.values() {
        for pair in members.windows(2) {
            edges.push((pair[0].0, pair[1].0, format!("same name '{}'", pair[1].1)));
        }
    }

    for (login, address, prs) in made_of(links) {
        if let (Some(&i), Some(&j)) = (
            lower_index.get(&login.to_lowercase()),
            lower_index.get(&address.to_lowercase()),
        ) && !login.contains('@')
        {
            edges.push((
                i,
                j,
                format!("{prs} pull requests by {login} are made of {address}'s commits"),
            ));
        }
    }

    let mut groups = Groups {
        parent: (0..ids.len()).collect(),
    };
    let roster_of: Vec<bool> = ids
        .iter()
        .map(|id| constraints.roster.contains(*id))
        .collect();
    let mut has_roster: Vec<bool> = roster_of.clone();
    let never: Vec<(usize, usize)> = constraints
        .never
        .iter()
        .filter_map(|[a, b]| {
            Some((
                *lower_index.get(&a.to_lowercase())?,
                *lower_index.get(&b.to_lowercase())?,
            ))
        })
        .collect();
    let mut reason_of: Vec<Option<String>> = vec![None; ids.len()];
    let mut kept_apart = Vec::new();
    let mut join = |groups: &mut Groups, a: usize, b: usize, evidence: &str| {
        let (ra, rb) = (groups.find(a), groups.find(b));
        if ra == rb {
            return;
        }
        let refused = if has_roster[ra] && has_roster[rb] {
            Some("both are people of the roster".to_string())
        } else {
            never.iter().find_map(|&(x, y)| {
                let (rx, ry) = (groups.find(x), groups.find(y));
                ((rx == ra && ry == rb) || (rx == rb && ry == ra))
                    .then(|| format!("identity.never_merge names {} and {}", ids[x], ids[y]))
            })
        };
        if let Some(because) = refused {
            kept_apart.push(KeptApart {
                account: ids[a].clone(),
                other: ids[b].clone(),
                evidence: evidence.to_string(),
                because,
            });
            return;
        }
        groups.parent[rb] = ra;
        has_roster[ra] |= has_roster[rb];
        for i in [a, b] {
            reason_of[i].get_or_insert_with(|| evidence.to_string());
        }
    };
    for (a, b, evidence) in &edges {
        join(&mut groups, *a, *b, evidence);
    }
    // A login-only account joins the addresses whose local part it is (`dmm-fb` the local part
    // and the domain's first label, as some companies' usernames are made), when they are one
    // person.
    let mut by_local: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some((local, domain)) = id.split_once('@')
            && !domain.is_empty()
            && github_noreply(id).is_none()
        {
            let local = local.to_lowercase();
            let label = domain.split('.').next().unwrap_or(domain).to_lowercase();
            by_local
                .entry(format!("{local}-{label}"))
                .or_default()
                .push(i);
            by_local.entry(local).or_default().push(i);
        }
    }
    let is_login = |id: &str| !(id.contains('@') || id.contains(':') || id.contains(' '));
    for (i, id) in ids.iter().enumerate() {
        if !is_login(id) {
            continue;
        }
        let Some(addresses) = by_local.get(&id.to_lowercase()) else {
            continue;
        };
        let first = groups.find(addresses[0]);
        if addresses.iter().all(|&j| groups.find(j) == first) {
            let evidence = format!("login {id} = local part of {}", ids[addresses[0]]);
            join(&mut groups, i, addresses[0], &evidence);
        }
    }
    // A login still alone that spells exactly one person's full name the usual ways.
    let mut spelled: BTreeMap<String, BTreeSet<usize>> = BTreeMap::new();
    let mut spelled_by: BTreeMap<(String, usize), (usize, String)> = BTreeMap::new();
    for (key, members) in &by_name {
        let words: Vec<&str> = key.split(' ').collect();
        let (first, last) = (words[0], words[words.len() - 1]);
        let initial = |w: &str| w.chars().next().map(String::from).unwrap_or_default();
        let root = groups.find(members[0].0);
        for spelling in [
            format!("{first}{last}"),
            format!("{}{last}", initial(first)),
            format!("{first}{}", initial(last)),
            format!("{last}{first}"),
        ] {
            spelled.entry(spelling.clone()).or_default().insert(root);
            spelled_by.insert((spelling, root), (members[0].0, members[0].1.clone()));
        }
    }
    let mut group_size: HashMap<usize, usize> = HashMap::new();
    for i in 0..ids.len() {
        *group_size.entry(groups.find(i)).or_default() += 1;
    }
    for (i, id) in ids.iter().enumerate() {
        if !is_login(id) || group_size[&groups.find(i)] > 1 {
            continue;
        }
        let bare = id.to_lowercase();
        let bare = bare.trim_end_matches(|c: char| c.is_ascii_digit());
        let Some(roots) = spelled.get(bare) else {
            continue;
        };
        if let [root] = roots.iter().copied().collect::<Vec<_>>()[..] {
            let (account, name) = &spelled_by[&(bare.to_string(), root)];
            let evidence = format!("login {id} spells the name '{name}', and no one else's");
            join(&mut groups, i, *account, &evidence);
        }
    }

    // Each group is named by its roster person, else its most frequent account.
    let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..ids.len() {
        let root = groups.find(i);
        members.entry(root).or_default().push(i);
    }
    let mut resolution = Resolution {
        kept_apart,
        ..Resolution::default()
    };
    for group in members.values().filter(|g| g.len() > 1) {
        let canonical = *group
            .iter()
            .max_by(|&&x, &&y| {
                (roster_of[x], accounts[ids[x]].rows)
                    .cmp(&(roster_of[y], accounts[ids[y]].rows))
                    .then(ids[y].cmp(ids[x]))
            })
            .expect("a group has members");
        for &i in group {
            if i == canonical {
                continue;
            }
            resolution
                .renamed
                .insert(ids[i].clone(), ids[canonical].clone());
            resolution.merges.push(Merge {
                person: ids[canonical].clone(),
                account: ids[i].clone(),
                reason: reason_of[i].clone().unwrap_or_default(),
            });
        }
    }
    resolution.merges.sort();
    resolution
}

#[cfg(test)]
mod tests {
    use super::*;

    fn observed(rows: usize, names: &[(&str, usize)]) -> Observed {
        Observed {
            rows,
            names: names.iter().map(|(n, r)| (n.to_string(), *r)).collect(),
        }
    }

    fn resolve_plain(accounts: &[(&str, Observed)], never: &[[String; 2]]) -> Resolution {
        let accounts = accounts
            .iter()
            .map(|(a, o)| (a.to_string(), o.clone()))
            .collect();
        resolve(
            &accounts,
            &PullRequestCommits::new(),
            &Constraints {
                roster: &BTreeSet::new(),
                never,
            },
        )
    }

    #[test]
    fn a_gerrit_self_vote_under_a_second_address_is_the_author() {
        let r = resolve_plain(
            &[
                ("nsh@golang.org", observed(77, &[("Nicholas Husin", 77)])),
                ("husin@google.com", observed(80, &[("Nicholas Husin", 80)])),
                ("neil@golang.org", observed(10, &[("Neil Husin", 10)])),
            ],
            &[],
        );
        assert_eq!(r.renamed.len(), 1, "{r:?}");
        assert_eq!(r.renamed["nsh@golang.org"], "husin@google.com");
        assert_eq!(r.merges[0].reason, "same name 'Nicholas Husin'");
    }

    #[test]
    fn a_shared_or_misattributed_address_is_not_evidence() {
        // gitster@pobox.com signed once as someone else: its dominant name stays Junio's.
        let r = resolve_plain(
            &[
                (
                    "gitster@pobox.com",
                    observed(500, &[("Junio C Hamano", 499), ("Wincent Colaiuta", 1)]),
                ),
                ("win@wincent.com", observed(40, &[("Wincent Colaiuta", 40)])),
                (
                    "pair@tilde.io",
                    observed(36, &[("Yehuda Katz + Carl Lerche", 36)]),
                ),
                ("wycats@gmail.com", observed(20, &[("Yehuda Katz", 20)])),
            ],
            &[],
        );
        assert!(r.renamed.is_empty(), "{r:?}");
    }

    #[test]
    fn never_merge_and_the_roster_keep_people_apart() {
        let never = [["ian@a.example".to_string(), "ian@b.example".to_string()]];
        let r = resolve_plain(
            &[
                ("ian@a.example", observed(5, &[("Ian Smith", 5)])),
                ("ian@b.example", observed(3, &[("Ian Smith", 3)])),
            ],
            &never,
        );
        assert!(r.renamed.is_empty());
        assert_eq!(r.kept_apart.len(), 1);
        assert!(r.kept_apart[0].because.contains("never_merge"));

        let roster = BTreeSet::from(["ada".to_string(), "ada2".to_string()]);
        let accounts: BTreeMap<String, Observed> = [
            ("ada", observed(5, &[("Ada Lovelace", 5)])),
            ("ada2", observed(5, &[("Ada Lovelace", 5)])),
            ("ada@home.example", observed(50, &[("Ada Lovelace", 50)])),
        ]
        .into_iter()
        .map(|(a, o)| (a.to_string(), o))
        .collect();
        let r = resolve(
            &accounts,
            &PullRequestCommits::new(),
            &Constraints {
                roster: &roster,
                never: &[],
            },
        );
        // The address joins one roster person, and is named by it, not by its larger count.
        assert_eq!(r.renamed.len(), 1, "{r:?}");
        assert!(roster.contains(&r.renamed["ada@home.example"]));
        // Refused twice: the two roster names, and the login `ada` joining the other's group.
        assert_eq!(r.kept_apart.len(), 2, "{r:?}");
        assert!(
            r.kept_apart
                .iter()
                .all(|k| k.because == "both are people of the roster")
        );
    }

    #[test]
    fn github_accounts_and_logins_join_their_addresses() {
        let r = resolve_plain(
            &[
                (
                    "29879298+hi-rustin@users.noreply.github.com",
                    observed(30, &[]),
                ),
                (
                    "29879298+rustin170506@users.noreply.github.com",
                    observed(60, &[]),
                ),
                ("rustin170506", observed(10, &[])),
                ("simpkins@fb.com", observed(10, &[("Adam Simpkins", 10)])),
                ("simpkins@meta.com", observed(10, &[("Adam Simpkins", 10)])),
                ("simpkins", observed(4, &[])),
                ("alex@x.example", observed(4, &[("Alex One", 4)])),
                ("alex@y.example", observed(4, &[("Alex Two", 4)])),
                ("alex", observed(4, &[])),
            ],
            &[],
        );
        let person = &r.renamed["29879298+hi-rustin@users.noreply.github.com"];
        assert_eq!(person, "29879298+rustin170506@users.noreply.github.com");
        assert_eq!(&r.renamed["rustin170506"], person);
        assert_eq!(r.renamed["simpkins"], r.renamed["simpkins@meta.com"]);
        // `alex` is the local part of two people's addresses: no evidence for either.
        assert!(!r.renamed.contains_key("alex"));
        assert!(!r.renamed.contains_key("alex@x.example"));
    }

    #[test]
    fn a_login_joins_the_address_its_pull_requests_are_made_of() {
        let accounts: BTreeMap<String, Observed> = [
            ("brson", observed(289, &[])),
            (
                "andersrb@gmail.com",
                observed(20, &[("Brian Anderson", 20)]),
            ),
            ("alexcrichton", observed(900, &[])),
            (
                "alex@alexcrichton.com",
                observed(2000, &[("Alex Crichton", 2000)]),
            ),
        ]
        .into_iter()
        .map(|(a, o)| (a.to_string(), o))
        .collect();
        let links: PullRequestCommits = [
            (("brson", "andersrb@gmail.com"), 12),
            (("brson", "banderson@mozilla.com"), 1),
            // Alex merged two of brson's branches once: not his address.
            (("alexcrichton", "andersrb@gmail.com"), 2),
            (("alexcrichton", "alex@alexcrichton.com"), 400),
        ]
        .into_iter()
        .map(|((l, a), n)| ((l.to_string(), a.to_string()), n))
        .collect();
        let r = resolve(
            &accounts,
            &links,
            &Constraints {
                roster: &BTreeSet::new(),
                never: &[],
            },
        );
        // Named by the account seen most.
        assert_eq!(r.renamed["andersrb@gmail.com"], "brson");
        assert_eq!(r.renamed["alexcrichton"], "alex@alexcrichton.com");
        assert_eq!(r.renamed.len(), 2, "{r:?}");
        assert!(
            r.merges.iter().any(|m| m.reason
                == "12 pull requests by brson are made of andersrb@gmail.com's commits")
        );
    }

    #[test]
    fn names_need_two_words_and_no_relay() {
        assert_eq!(name_key("  Ada   LOVELACE "), Some("ada lovelace".into()));
        assert_eq!(name_key("Dmitri Shuralyov"), name_key("dmitri.shuralyov"));
        assert_eq!(name_key("bors"), None);
        assert_eq!(name_key("Jo Li"), None);
        assert_eq!(name_key("Ann Smith via GitGitGadget"), None);
        assert_eq!(name_key("GitHub Actions"), None);
        // Composed and decomposed accents, and a note, make no difference.
        assert_eq!(
            name_key("Daniel Neuh\u{e4}user"),
            Some("daniel neuhauser".into())
        );
        assert_eq!(
            name_key("Daniel Neuha\u{308}user"),
            Some("daniel neuhauser".into())
        );
        assert_eq!(
            name_key("Nigel Tao (INACTIVE; USE @golang.org INSTEAD)"),
            Some("nigel tao".into())
        );
    }
}
