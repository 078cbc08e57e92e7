#![doc = include_str!("knowledge_silo.md")]

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;

use crate::common::authorship::{degree_of_authorship, truck_factor};

use super::{
    Basis, Detector, DetectorInput, Evidence, Finding, FindingKind, NotJudged, Outcome, Severity,
};
use crate::common::frame::{f64_values, i64_values, str_values};
use crate::common::time::micros_span;

pub struct KnowledgeSilo;

/// What one module's history says about who knows it.
#[derive(Debug, Clone)]
pub struct ModuleKnowledge {
    pub repo: String,
    pub module: String,
    /// Code files changed in the window.
    pub files: usize,
    /// Merged PRs (or landed commits) of the window that changed its code files, each once.
    pub changes: usize,
    pub truck_factor: usize,
    /// The people removed, in order, until more than half the files had no author.
    pub holders: Vec<String>,
    /// Knowledge (changes to its files plus weighted reviews) per person.
    pub knowledge: BTreeMap<String, f64>,
    /// Changes (merged PRs changing the module) per author.
    pub changes_by: BTreeMap<String, usize>,
    /// Changes to its files (a merged PR changing a file is one change to that file; the unit
    /// of degree of authorship), in all and per author.
    pub file_changes: usize,
    pub file_changes_by: BTreeMap<String, usize>,
    /// Files only one person has changed or reviewed.
    pub single_person_files: usize,
    pub team: Option<String>,
}

impl ModuleKnowledge {
    /// The share of the changes to the module's files a person made (each merged PR once per
    /// file it changed): whose knowledge the module is, in degree of authorship's unit.
    pub fn change_share(&self, person: &str) -> f64 {
        self.file_changes_by.get(person).copied().unwrap_or(0) as f64
            / self.file_changes.max(1) as f64
    }

    /// The share of the module's merged PRs a person authored.
    pub fn pr_share(&self, person: &str) -> f64 {
        self.changes_by.get(person).copied().unwrap_or(0) as f64 / self.changes.max(1) as f64
    }
}

impl Detector for KnowledgeSilo {
    fn kind(&self) -> FindingKind {
        FindingKind::KnowledgeSilo
    }

    fn explain(&self) -> &'static str {
        include_str!("knowledge_silo.md")
    }

    fn lookback_months(&self, config: &crate::config::Config) -> usize {
        config.thresholds.knowledge_silo.window_months.max(1) - 1
    }

    fn detect(&self, input: &DetectorInput) -> PolarsResult<Outcome> {
        let t = &input.config.thresholds.knowledge_silo;
        let mut outcome = Outcome::default();
        let modules = input.module_knowledge()?;
        let large_enough = |m: &ModuleKnowledge| {
            m.files >= t.min_module_files && m.changes >= t.min_module_changes
        };
        // Modules with a team and enough files and changes: the base rate's denominator
        // (`tests/data/real/knowledge_silo.md` reads this line).
        let judged = modules
            .iter()
            .filter(|m| m.team.is_some() && large_enough(m))
            .count();
        tracing::debug!("knowledge_silo {}: {judged} modules judged", input.month);
        // A team none of whose modules is large enough is not judged, with what is missing.
        let mut largest: BTreeMap<&str, &ModuleKnowledge> = BTreeMap::new();
        for module in modules {
            let Some(team) = module.team.as_deref() else {
                continue;
            };
            let entry = largest.entry(team).or_insert(module);
            if (module.changes, module.files) > (entry.changes, entry.files) {
                *entry = module;
            }
        }
        for team in input.roster.teams() {
            let judged = modules
                .iter()
                .any(|m| m.team.as_deref() == Some(team) && large_enough(m));
            if judged {
                continue;
            }
            let have = match largest.get(team) {
                Some(m) => format!(
                    "the largest, {} in {}, has {} code files and {} merged PRs changing them",
                    m.module, m.repo, m.files, m.changes
                ),
                None => "no merged PR of its repositories changed code files in a directory".into(),
            };
            outcome.not_judged.push(NotJudged {
                kind: FindingKind::KnowledgeSilo,
                month: None,
                subject: format!("team:{team}"),
                reason: format!(
                    "no module of {team} has at least {} code files and {} merged PRs changing \
                     them over the last {} months ({have}); fetch a longer history or lower \
                     min_module_changes",
                    t.min_module_files, t.min_module_changes, t.window_months
                ),
            });
        }
        let mut by_team: BTreeMap<String, Vec<&ModuleKnowledge>> = BTreeMap::new();
        for module in modules {
            let Some(team) = &module.team else { continue };
            let Some(holder) = module.holders.first() else {
                continue;
            };
            if module.truck_factor == 1
                && large_enough(module)
                && module.change_share(holder) >= t.holder_share
            {
                by_team.entry(team.clone()).or_default().push(module);
            }
        }
        for (team, silos) in by_team {
            let size = input.roster.members(&team).len();
            if size < t.min_team_size {
                outcome.not_judged.push(NotJudged {
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
                        "holder_pr_share": (module.pr_share(holder) * 1000.0).round() / 1000.0,
                        "holder_knowledge_share_with_reviews":
                            (held / knowledge.max(1e-9) * 1000.0).round() / 1000.0,
                        "files": module.files,
                        "changes": module.changes,
                        "file_changes": module.file_changes,
                        "files_known_by_one_person": module.single_person_files,
                    }),
                );
                described.push(format!(
                    "{} in {} ({} code files changed by {} merged PRs; {holder} made {:.0} % of \
                     the changes to its files, in {:.0} % of the PRs)",
                    module.module,
                    module.repo,
                    module.files,
                    module.changes,
                    share * 100.0,
                    module.pr_share(holder) * 100.0
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
                    "{} of {team_s} modules {} known by one person only (truck factor 1 over the \
                     last {} months, reviews included): {}.",
                    silos.len(),
                    if silos.len() == 1 { "is" } else { "are" },
                    t.window_months,
                    described.join("; "),
                    team_s = super::possessive(&team),
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

pub use crate::common::files::module_of;

/// Knowledge per module over the window ending with the input's month. Detectors read it through
/// [`DetectorInput::module_knowledge`], which computes it once per run.
pub(super) fn module_knowledge(input: &DetectorInput) -> PolarsResult<Vec<ModuleKnowledge>> {
    let t = &input.config.thresholds.knowledge_silo;
    let rules = input.config.knowledge.rules();
    let window = input.month.trailing(t.window_months.max(1));
    let span = micros_span(window[0], input.month);
    let merged = input
        .table("pull_requests")
        .filter(crate::common::time::within("merged_at", span))
        .select([
            col("repo"),
            col("number"),
            col("author"),
            col("merged_at").cast(DataType::Int64).alias("merged_us"),
        ]);
    // One row per merged PR and path it changed (a PR's commits touching a file once), in
    // merge order.
    let changes = input
        .table("file_changes")
        .filter(col("number").is_not_null().and(col("path").is_not_null()))
        .select([col("repo"), col("number"), col("path")])
        .join(
            merged.clone(),
            [col("repo"), col("number")],
            [col("repo"), col("number")],
            JoinArgs::new(JoinType::Inner),
        )
        .unique(None, UniqueKeepStrategy::First)
        .sort(
            ["merged_us", "repo", "number", "path"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    if changes.height() == 0 {
        return Ok(Vec::new());
    }
    // Code files in a module only: the rules are per distinct path, not per row.
    let paths = changes.column("path")?.unique()?;
    let (mut kept, mut module_names) = (Vec::new(), Vec::new());
    for path in paths.str()?.iter().flatten() {
        if let Some(module) = module_of(path).filter(|_| rules.is_code(path)) {
            kept.push(path.to_string());
            module_names.push(module);
        }
    }
    let modules_of_paths = DataFrame::new(
        kept.len(),
        vec![
            Column::new("path".into(), kept),
            Column::new("module".into(), module_names),
        ],
    )?;
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
        .filter(not_bot("author", change_bots).and(col("author").is_not_null()))
        .join(
            modules_of_paths.lazy(),
            [col("path")],
            [col("path")],
            JoinArgs {
                maintain_order: MaintainOrderJoin::Left,
                ..JoinArgs::new(JoinType::Inner)
            },
        )
        .collect()?;
    if changes.height() == 0 {
        return Ok(Vec::new());
    }
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
    // Changes per module and author: merged PRs, each once however many files it touched.
    let module_prs = changes
        .clone()
        .lazy()
        .group_by([col("repo"), col("module"), col("author")])
        .agg([col("number").n_unique().cast(DataType::Int64).alias("n")])
        .collect()?;
    let per_repo = changes
        .lazy()
        .group_by([col("repo"), col("author")])
        .agg([col("number").n_unique().cast(DataType::Int64).alias("n")])
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
    #[derive(Default)]
    struct ModuleFiles {
        authors: Vec<BTreeSet<String>>,
        knowledge: BTreeMap<String, f64>,
        file_changes_by: BTreeMap<String, usize>,
        single: usize,
    }
    let mut modules: BTreeMap<(String, String), ModuleFiles> = BTreeMap::new();
    for ((repo, path), history) in &files {
        let Some(module) = module_of(path) else {
            continue;
        };
        let mut people: BTreeSet<&String> = history.changes.keys().collect();
        people.extend(history.reviews.keys());
        let (_, authors) = degree_of_authorship(
            history.first.as_ref(),
            &history.changes,
            &history.reviews,
            t.review_weight,
        );
        let entry = modules.entry((repo.clone(), module)).or_default();
        entry.authors.push(authors);
        if people.len() == 1 {
            entry.single += 1;
        }
        for (person, n) in &history.changes {
            *entry.knowledge.entry(person.clone()).or_default() += n;
            *entry.file_changes_by.entry(person.clone()).or_default() += *n as usize;
        }
        for (person, n) in &history.reviews {
            *entry.knowledge.entry(person.clone()).or_default() += t.review_weight * n;
        }
    }
    let mut prs_by: BTreeMap<(String, String), BTreeMap<String, usize>> = BTreeMap::new();
    for (((repo, module), author), n) in str_values(&module_prs, "repo")?
        .into_iter()
        .zip(str_values(&module_prs, "module")?)
        .zip(str_values(&module_prs, "author")?)
        .zip(i64_values(&module_prs, "n")?)
    {
        if let (Some(repo), Some(module), Some(author), Some(n)) = (repo, module, author, n) {
            prs_by
                .entry((repo, module))
                .or_default()
                .insert(author, n as usize);
        }
    }
    // A module's changes: its distinct merged PRs (an author's PRs are their own).
    let module_totals = module_prs
        .lazy()
        .group_by([col("repo"), col("module")])
        .agg([col("n").sum().alias("n")])
        .collect()?;
    let mut totals: BTreeMap<(String, String), usize> = BTreeMap::new();
    for ((repo, module), n) in str_values(&module_totals, "repo")?
        .into_iter()
        .zip(str_values(&module_totals, "module")?)
        .zip(i64_values(&module_totals, "n")?)
    {
        if let (Some(repo), Some(module), Some(n)) = (repo, module, n) {
            totals.insert((repo, module), n as usize);
        }
    }
    Ok(modules
        .into_iter()
        .map(|((repo, module), m)| {
            let (truck_factor, holders) = truck_factor(&m.authors);
            let key = (repo.clone(), module.clone());
            ModuleKnowledge {
                team: team_of_repo.get(&repo).cloned(),
                changes: totals.get(&key).copied().unwrap_or(0),
                changes_by: prs_by.remove(&key).unwrap_or_default(),
                file_changes: m.file_changes_by.values().sum(),
                file_changes_by: m.file_changes_by,
                repo,
                module,
                files: m.authors.len(),
                truck_factor,
                holders,
                knowledge: m.knowledge,
                single_person_files: m.single,
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::identity::Roster;
    use crate::metrics::Metrics;
    use crate::period::Month;

    /// A team of three on `acme/api`; `prs` are (author, paths), merged a day apart in 2024-03.
    fn outcome(prs: &[(&str, Vec<String>)]) -> Outcome {
        let day = 86_400_000_000_i64;
        let start = micros_span(Month::new(2024, 3).unwrap(), Month::new(2024, 3).unwrap()).0;
        let (mut numbers, mut authors, mut merged) = (Vec::new(), Vec::new(), Vec::new());
        let (mut change_numbers, mut paths) = (Vec::new(), Vec::new());
        for (i, (author, files)) in prs.iter().enumerate() {
            numbers.push(i as i64 + 1);
            authors.push(author.to_string());
            merged.push(start + i as i64 * day / 2);
            for path in files {
                change_numbers.push(i as i64 + 1);
                paths.push(path.clone());
            }
        }
        let n = numbers.len();
        let m = paths.len();
        let frame = |columns: Vec<Column>| {
            let height = columns.first().map_or(0, |c| c.len());
            DataFrame::new(height, columns).unwrap().lazy()
        };
        let tables: BTreeMap<&'static str, LazyFrame> = [
            (
                "pull_requests",
                frame(vec![
                    Column::new("repo".into(), vec!["acme/api"; n]),
                    Column::new("number".into(), numbers),
                    Column::new("author".into(), authors),
                    Column::new("merged_at".into(), merged),
                ]),
            ),
            (
                "file_changes",
                frame(vec![
                    Column::new("repo".into(), vec!["acme/api"; m]),
                    Column::new("number".into(), change_numbers),
                    Column::new("path".into(), paths),
                ]),
            ),
            (
                "reviews",
                frame(vec![
                    Column::new("repo".into(), Vec::<String>::new()),
                    Column::new("number".into(), Vec::<i64>::new()),
                    Column::new("reviewer".into(), Vec::<String>::new()),
                ]),
            ),
            (
                "people",
                frame(vec![
                    Column::new("person".into(), vec!["ana", "leo", "mei"]),
                    Column::new("team".into(), vec!["api"; 3]),
                    Column::new("role".into(), vec!["engineer"; 3]),
                ]),
            ),
        ]
        .into_iter()
        .collect();
        let config = Config::default();
        let roster = Roster::from_tables(&tables).unwrap();
        let metrics = Metrics::default();
        let input = DetectorInput::new(
            Month::new(2024, 3).unwrap(),
            &metrics,
            &tables,
            &config,
            &roster,
        );
        KnowledgeSilo.detect(&input).unwrap()
    }

    fn files(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    /// Ana's 12 PRs to src/jobs and the others' 12 to src/web: src/jobs is Ana's alone.
    fn silo_history() -> Vec<(&'static str, Vec<String>)> {
        let mut prs = Vec::new();
        for i in 0..12 {
            prs.push((
                "ana",
                files(&["src/jobs/a.rs", "src/jobs/b.rs", "src/jobs/c.rs"]),
            ));
            let other = if i % 2 == 0 { "leo" } else { "mei" };
            prs.push((
                other,
                files(&["src/web/a.rs", "src/web/b.rs", "src/web/c.rs"]),
            ));
        }
        prs
    }

    #[test]
    fn a_module_one_person_changes_in_enough_prs_is_a_silo() {
        let found = outcome(&silo_history());
        assert_eq!(found.findings.len(), 1, "{:?}", found.not_judged);
        assert!(
            found.findings[0].headline.contains("src/jobs"),
            "{}",
            found.findings[0].headline
        );
        assert!(!found.findings[0].headline.contains("src/web"));
    }

    #[test]
    fn one_pr_touching_many_files_is_one_change() {
        // Before: 40 files × 1 PR met the 12 changes. Now it is one change, not enough.
        let many: Vec<String> = (0..40).map(|i| format!("src/jobs/f{i}.rs")).collect();
        let found = outcome(&[("ana", many)]);
        assert!(found.findings.is_empty());
        let reason = &found.not_judged[0].reason;
        assert!(
            reason
                .contains("the largest, src/jobs in acme/api, has 40 code files and 1 merged PRs"),
            "{reason}"
        );
    }

    #[test]
    fn generated_files_and_files_at_the_root_are_no_module() {
        // Ana's 12 PRs touch only the root and generated or documentation files.
        let prs: Vec<_> = (0..12)
            .map(|_| {
                (
                    "ana",
                    files(&[
                        "go.mod",
                        "go.sum",
                        "main.go",
                        "docs/a.md",
                        "api/x.pb.go",
                        "api/y.pb.go",
                        "api/z.pb.go",
                    ]),
                )
            })
            .collect();
        let found = outcome(&prs);
        assert!(found.findings.is_empty());
        assert_eq!(found.not_judged.len(), 1);
        assert!(
            found.not_judged[0]
                .reason
                .contains("no merged PR of its repositories changed code files in a directory"),
            "{}",
            found.not_judged[0].reason
        );
    }

    #[test]
    fn modules_are_directories_and_root_files_are_in_none() {
        assert_eq!(module_of("src/jobs/mod.rs").as_deref(), Some("src/jobs"));
        assert_eq!(module_of("lib/x.rs").as_deref(), Some("lib"));
        assert_eq!(module_of("go.mod"), None);
        assert_eq!(module_of("Cargo.toml"), None);
    }
}
