//! `knowledge_silo`: a module only one person knows.
//!
//! Knowledge of a file follows Avelino et al.'s degree of authorship (ICPC 2016):
//! `DOA = 3.293 + 1.098·FA + 0.164·DL − 0.321·ln(1 + AC)`, with FA = 1 for whoever made the
//! file's first change in the window, DL the person's changes to it and AC everyone else's.
//! Reviews count as knowledge too: a review of a PR that changed the file adds `review_weight`
//! of a change to the reviewer's DL. A person is an author of a file when their DOA is at least
//! 3.293 and at least 0.75 of the file's highest; when nobody reaches 3.293 (changes spread
//! thin), those within 0.75 of the highest are.
//!
//! A module is a repository's top two path levels (`src/jobs`). Its truck factor is the number
//! of authors who must leave before more than half of its files have no author left (removing
//! the author of most files first). The detector fires for a team whose repository has a module
//! with enough files and changes in the window whose truck factor is 1, with that person the
//! author of at least `holder_share` of the module's changes: a truck factor of 1 on a module
//! whose changes are spread is an artefact of a small team, not a silo.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::metrics::ownership::{degree_of_authorship, truck_factor};

use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, Outcome, Severity, f64_values,
    i64_values, micros_span, str_values,
};

pub struct KnowledgeSilo;

/// What one module's history says about who knows it.
#[derive(Debug, Clone)]
pub struct ModuleKnowledge {
    pub repo: String,
    pub module: String,
    pub files: usize,
    pub changes: usize,
    pub truck_factor: usize,
    /// The people removed, in order, until more than half the files had no author.
    pub holders: Vec<String>,
    /// Knowledge (changes plus weighted reviews) per person.
    pub knowledge: BTreeMap<String, f64>,
    /// Changes (file × PR) per author.
    pub changes_by: BTreeMap<String, usize>,
    /// Files only one person has changed or reviewed.
    pub single_person_files: usize,
    pub team: Option<String>,
}

impl ModuleKnowledge {
    /// The share of the module's changes (file × PR) a person authored.
    pub fn change_share(&self, person: &str) -> f64 {
        self.changes_by.get(person).copied().unwrap_or(0) as f64 / self.changes.max(1) as f64
    }
}

impl Detector for KnowledgeSilo {
    fn kind(&self) -> FindingKind {
        FindingKind::KnowledgeSilo
    }

    fn explain(&self) -> &'static str {
        "A module only one person knows. Knowledge of each file is Avelino et al.'s degree of \
         authorship over the window_months of merged PRs, with each review of a change counting \
         review_weight of a change; a module (top two path levels) has truck factor 1 when \
         removing its main author leaves more than half its files with no author. It fires for \
         the team owning the repository when such a module has at least min_module_files files \
         and min_module_changes changes and its holder authored at least holder_share of its changes."
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.knowledge_silo;
        let mut outcome = Outcome::default();
        let modules = input.module_knowledge()?;
        let mut by_team: BTreeMap<String, Vec<&ModuleKnowledge>> = BTreeMap::new();
        // Modules with a team and enough files and changes: the base rate's denominator
        // (`tests/data/real/knowledge_silo.md` reads this line).
        let judged = modules
            .iter()
            .filter(|m| {
                m.team.is_some()
                    && m.files >= t.min_module_files
                    && m.changes >= t.min_module_changes
            })
            .count();
        tracing::debug!("knowledge_silo {}: {judged} modules judged", input.month);
        for module in modules {
            let Some(team) = &module.team else { continue };
            let Some(holder) = module.holders.first() else {
                continue;
            };
            if module.truck_factor == 1
                && module.files >= t.min_module_files
                && module.changes >= t.min_module_changes
                && module.change_share(holder) >= t.holder_share
            {
                by_team.entry(team.clone()).or_default().push(module);
            }
        }
        for (team, silos) in by_team {
            let size = input.roster.members(&team).len();
            if size < t.min_team_size {
                outcome.not_judged.push(super::NotJudged {
                    kind: FindingKind::KnowledgeSilo,
                    month: None,
                    subject: format!("team:{team}"),
                    reason: format!(
                        "{size} people in {team} (at least {} needed): a module of a team this \
                         small is one person's by construction",
                        t.min_team_size
                    ),
                });
                continue;
            }
            let mut evidence = Evidence::default();
            let mut described = Vec::new();
            for module in &silos {
                let holder = &module.holders[0];
                let share = module.change_share(holder);
                let knowledge: f64 = module.knowledge.values().sum();
                let held = module.knowledge.get(holder).copied().unwrap_or(0.0);
                evidence.figure(
                    &format!("{}:{}", module.repo, module.module),
                    serde_json::json!({
                        "truck_factor": module.truck_factor,
                        "holder": holder,
                        "holder_change_share": (share * 1000.0).round() / 1000.0,
                        "holder_knowledge_share_with_reviews":
                            (held / knowledge.max(1e-9) * 1000.0).round() / 1000.0,
                        "files": module.files,
                        "changes": module.changes,
                        "files_known_by_one_person": module.single_person_files,
                    }),
                );
                described.push(format!(
                    "{} in {} ({} files, {holder} made {:.0} % of its changes)",
                    module.module,
                    module.repo,
                    module.files,
                    share * 100.0
                ));
            }
            evidence.figure("window_months", t.window_months);
            let month = input.month;
            let holders: BTreeSet<&str> = silos.iter().map(|m| m.holders[0].as_str()).collect();
            outcome.findings.push(Finding {
                kind: FindingKind::KnowledgeSilo,
                subject: format!("team:{team}"),
                period: month.into(),
                severity: Severity::Warn,
                headline: format!(
                    "{} of {team}'s modules {} known by one person only (truck factor 1 over the \
                     last {} months, reviews included): {}.",
                    silos.len(),
                    if silos.len() == 1 { "is" } else { "are" },
                    t.window_months,
                    described.join("; ")
                ),
                evidence,
                question: format!(
                    "If {} were away for a month, who in {team} could change these modules with \
                     confidence? Which change could someone else make next, with them as reviewer?",
                    holders.into_iter().collect::<Vec<_>>().join(" or ")
                ),
                basis: Basis {
                    prs: silos.iter().map(|m| m.changes).sum(),
                    reviews: 0,
                    tickets: 0,
                    ..Basis::default()
                },
            });
        }
        Ok(outcome)
    }
}

/// The module of a path: its top two levels (`src/jobs/mod.rs` → `src/jobs`).
pub fn module_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.len() {
        0 | 1 => ".".to_string(),
        2 => parts[0].to_string(),
        _ => format!("{}/{}", parts[0], parts[1]),
    }
}

/// Knowledge per module over the window ending with the input's month. Detectors read it through
/// [`DetectorInput::module_knowledge`], which computes it once per run.
pub(super) fn module_knowledge(input: &DetectorInput) -> PolarsResult<Vec<ModuleKnowledge>> {
    let t = &input.config.thresholds.knowledge_silo;
    let window = input.month.trailing(t.window_months.max(1));
    let span = micros_span(window[0], input.month);
    let merged = input
        .table("pull_requests")
        .filter(super::within("merged_at", span))
        .select([
            col("repo"),
            col("number"),
            col("author"),
            col("merged_at").cast(DataType::Int64).alias("merged_us"),
        ]);
    let changes = input
        .table("file_changes")
        .filter(col("number").is_not_null())
        .select([col("repo"), col("number"), col("path")])
        .join(
            merged.clone(),
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .sort(["merged_us"], Default::default())
        .collect()?;
    if changes.height() == 0 {
        return Ok(Vec::new());
    }
    // Joined to the window's merged PRs first, so the de-duplication runs over those reviews only.
    let reviews = input
        .table("reviews")
        .select([col("repo"), col("number"), col("reviewer")])
        .join(
            merged,
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .filter(col("reviewer").neq(col("author")))
        .select([col("repo"), col("number"), col("reviewer")])
        .unique(None, UniqueKeepStrategy::First)
        .collect()?;
    // Bots' changes and reviews count for no one: the roster says who is a bot.
    let bot_list = |frame: &DataFrame, column: &str| -> PolarsResult<Series> {
        let names: Vec<String> = frame
            .column(column)?
            .unique()?
            .str()?
            .iter()
            .flatten()
            .filter(|name| input.roster.is_bot(name))
            .map(String::from)
            .collect();
        Ok(Series::new("bots".into(), names))
    };
    let not_bot =
        |column: &str, bots: Series| col(column).is_in(lit(bots).implode(true), false).not();
    let change_bots = bot_list(&changes, "author")?;
    let changes = changes
        .lazy()
        .filter(
            not_bot("author", change_bots)
                .and(col("author").is_not_null())
                .and(col("path").is_not_null()),
        )
        .collect()?;
    let review_bots = bot_list(&reviews, "reviewer")?;
    let reviews = reviews
        .lazy()
        .filter(not_bot("reviewer", review_bots))
        .collect()?;

    /// One file's history: first author, changes per author, reviews per reviewer.
    #[derive(Default)]
    struct FileHistory {
        first: Option<String>,
        changes: BTreeMap<String, f64>,
        reviews: BTreeMap<String, f64>,
    }
    // Counted by polars, then gathered per file: one row per file and person, not per change.
    // `changes` is in merge order, so a file's first row is its first author.
    let file = [col("repo"), col("path")];
    let firsts = changes
        .clone()
        .lazy()
        .group_by(file.clone())
        .agg([col("author").first()])
        .collect()?;
    let change_counts = changes
        .clone()
        .lazy()
        .group_by([col("repo"), col("path"), col("author")])
        .agg([len().cast(DataType::Float64).alias("n")])
        .collect()?;
    let review_counts = changes
        .clone()
        .lazy()
        .select([col("repo"), col("number"), col("path")])
        .join(
            reviews.lazy(),
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .group_by([col("repo"), col("path"), col("reviewer")])
        .agg([len().cast(DataType::Float64).alias("n")])
        .collect()?;
    let per_repo = changes
        .lazy()
        .group_by([col("repo"), col("author")])
        .agg([len().cast(DataType::Int64).alias("n")])
        .collect()?;

    let mut files: BTreeMap<(String, String), FileHistory> = BTreeMap::new();
    for ((repo, path), author) in str_values(&firsts, "repo")?
        .into_iter()
        .zip(str_values(&firsts, "path")?)
        .zip(str_values(&firsts, "author")?)
    {
        if let (Some(repo), Some(path)) = (repo, path) {
            files.entry((repo, path)).or_default().first = author;
        }
    }
    for (counts, person, reviews) in [
        (&change_counts, "author", false),
        (&review_counts, "reviewer", true),
    ] {
        for (((repo, path), person), n) in str_values(counts, "repo")?
            .into_iter()
            .zip(str_values(counts, "path")?)
            .zip(str_values(counts, person)?)
            .zip(f64_values(counts, "n")?)
        {
            let (Some(repo), Some(path), Some(person), Some(n)) = (repo, path, person, n) else {
                continue;
            };
            let history = files.entry((repo, path)).or_default();
            let counted = if reviews {
                &mut history.reviews
            } else {
                &mut history.changes
            };
            counted.insert(person, n);
        }
    }
    let mut authors_by_repo: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for ((repo, author), n) in str_values(&per_repo, "repo")?
        .into_iter()
        .zip(str_values(&per_repo, "author")?)
        .zip(i64_values(&per_repo, "n")?)
    {
        if let (Some(repo), Some(author), Some(n)) = (repo, author, n) {
            authors_by_repo
                .entry(repo)
                .or_default()
                .insert(author, n as usize);
        }
    }
    let team_of_repo: BTreeMap<String, String> = authors_by_repo
        .iter()
        .filter_map(|(repo, authors)| {
            let mut teams: BTreeMap<&str, usize> = BTreeMap::new();
            for (author, n) in authors {
                if let Some(team) = input.roster.team_of(author) {
                    *teams.entry(team).or_default() += n;
                }
            }
            teams
                .into_iter()
                .max_by_key(|(_, n)| *n)
                .map(|(team, _)| (repo.clone(), team.to_string()))
        })
        .collect();

    // Authors of each file, grouped by module.
    struct ModuleFiles {
        authors: Vec<BTreeSet<String>>,
        knowledge: BTreeMap<String, f64>,
        changes_by: BTreeMap<String, usize>,
        changes: usize,
        single: usize,
    }
    let mut modules: BTreeMap<(String, String), ModuleFiles> = BTreeMap::new();
    for ((repo, path), history) in &files {
        let total_changes: f64 = history.changes.values().sum();
        let mut people: BTreeSet<&String> = history.changes.keys().collect();
        people.extend(history.reviews.keys());
        let (_, authors) = degree_of_authorship(
            history.first.as_ref(),
            &history.changes,
            &history.reviews,
            t.review_weight,
        );
        let entry = modules
            .entry((repo.clone(), module_of(path)))
            .or_insert_with(|| ModuleFiles {
                authors: Vec::new(),
                knowledge: BTreeMap::new(),
                changes_by: BTreeMap::new(),
                changes: 0,
                single: 0,
            });
        entry.authors.push(authors);
        entry.changes += total_changes as usize;
        if people.len() == 1 {
            entry.single += 1;
        }
        for (person, n) in &history.changes {
            *entry.knowledge.entry(person.clone()).or_default() += n;
            *entry.changes_by.entry(person.clone()).or_default() += *n as usize;
        }
        for (person, n) in &history.reviews {
            *entry.knowledge.entry(person.clone()).or_default() += t.review_weight * n;
        }
    }
    Ok(modules
        .into_iter()
        .map(|((repo, module), m)| {
            let (truck_factor, holders) = truck_factor(&m.authors);
            ModuleKnowledge {
                team: team_of_repo.get(&repo).cloned(),
                repo,
                module,
                files: m.authors.len(),
                changes: m.changes,
                truck_factor,
                holders,
                knowledge: m.knowledge,
                changes_by: m.changes_by,
                single_person_files: m.single,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_are_the_top_two_levels() {
        assert_eq!(module_of("src/jobs/mod.rs"), "src/jobs");
        assert_eq!(module_of("lib/x.rs"), "lib");
        assert_eq!(module_of("README.md"), ".");
    }
}
