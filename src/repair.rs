//! `teamlens fetch --repair`: what a damaged data directory lost, and how far back each source
//! must read to bring it back.
//!
//! The store finds the damaged files ([`Store::damage`]); this module works out, from each
//! file's table, month partition and the sources its rows came from (all recorded in the
//! manifest), which sources to rewind and to when, and which lost rows no fetch can bring back
//! (simulated or imported data). The rewound sync state and the dropped files are committed
//! together ([`Store::set_aside`]), so a repair killed half-way leaves either the damaged
//! directory (and the same repair to run again) or a consistent one whose next fetch re-reads
//! what was lost.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::Value;

use crate::sources::{git, github, jira, linear};
use crate::store::{Damage, Manifest, StoreError};

/// How far back a source must read again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rewind {
    /// Items updated since this time (the start of the earliest damaged month).
    From(DateTime<Utc>),
    /// Everything: a damaged file was not partitioned by month.
    All,
}

impl Rewind {
    fn earliest(self, other: Rewind) -> Rewind {
        match (self, other) {
            (Rewind::From(a), Rewind::From(b)) => Rewind::From(a.min(b)),
            _ => Rewind::All,
        }
    }

    fn from(self) -> Option<DateTime<Utc>> {
        match self {
            Rewind::From(time) => Some(time),
            Rewind::All => None,
        }
    }
}

/// What a repair does.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Sources whose sync state is rewound, and to when.
    pub rewinds: BTreeMap<String, Rewind>,
    /// The rewound sync state of those sources, to commit with the dropped files.
    pub states: BTreeMap<String, Value>,
    /// Sources of data no fetch can bring back that the damaged files may have held
    /// (`simulate`, `import`), each with what to do instead.
    pub not_refetchable: Vec<(String, String)>,
}

/// The sources a fetch can read again.
const FETCHED: &[&str] = &[
    github::normalize::SOURCE,
    git::SOURCE,
    jira::normalize::SOURCE,
    linear::SOURCE,
];

/// Works out the repair of `damage` against the manifest's sync state.
pub fn plan(manifest: &Manifest, damage: &[Damage], data_dir: &Path) -> Plan {
    let known: BTreeSet<&str> = manifest.sources.keys().map(String::as_str).collect();
    let mut rewinds: BTreeMap<String, Rewind> = BTreeMap::new();
    for item in damage {
        let rewind = item.month().map_or(Rewind::All, |month| {
            let start = month.first_day().and_hms_opt(0, 0, 0).unwrap_or_default();
            Rewind::From(Utc.from_utc_datetime(&start))
        });
        // A file that does not say where its rows came from may hold any source's.
        let sources: Vec<&str> = if item.file.sources.is_empty() {
            known.iter().copied().collect()
        } else {
            item.file.sources.iter().map(String::as_str).collect()
        };
        for source in sources {
            if FETCHED.contains(&source) && known.contains(source) {
                rewinds
                    .entry(source.to_string())
                    .and_modify(|r| *r = r.earliest(rewind))
                    .or_insert(rewind);
            }
        }
    }
    let mut states = BTreeMap::new();
    for (source, rewind) in &rewinds {
        let Some(mut state) = manifest.sources.get(source).cloned() else {
            continue;
        };
        match source.as_str() {
            s if s == github::normalize::SOURCE => {
                github::sync::rewind(&mut state, rewind.from());
            }
            s if s == git::SOURCE => git::sync::rewind(&mut state),
            s if s == jira::normalize::SOURCE => jira::sync::rewind(&mut state, rewind.from()),
            s if s == linear::SOURCE => linear::sync::rewind(&mut state, rewind.from()),
            _ => continue,
        }
        states.insert(source.clone(), state);
    }
    let mut not_refetchable = Vec::new();
    if !damage.is_empty() {
        let dir = data_dir.display();
        if known.contains("simulate") {
            not_refetchable.push((
                "simulate".to_string(),
                format!(
                    "simulated rows cannot be fetched: run `teamlens simulate --out {dir}` again \
                     (with the seed and sizes it was made with)"
                ),
            ));
        }
        if known.contains("import") {
            not_refetchable.push((
                "import".to_string(),
                format!(
                    "imported rows cannot be fetched: run `teamlens --data-dir {dir} import PATH` \
                     again with the files they came from"
                ),
            ));
        }
    }
    Plan {
        rewinds,
        states,
        not_refetchable,
    }
}

/// Removes the staging folders of the rewound sources: an interrupted fetch's checkpoint holds
/// the bounds from before the rewind and would resume past the lost rows. Done before the
/// rewind is committed, so a kill in between costs only the interrupted fetch's progress.
pub fn clear_staging(data_dir: &Path, plan: &Plan) -> Result<(), StoreError> {
    for source in plan.rewinds.keys() {
        let dir = data_dir.join("staging").join(source);
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|source| StoreError::Io {
                path: dir.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

/// One line per rewound source, for the user.
pub fn describe(rewind: Rewind) -> String {
    match rewind {
        Rewind::From(time) => format!("items updated since {}", time.format("%Y-%m-%d")),
        Rewind::All => "its whole history".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{FileEntry, Problem};
    use serde_json::json;

    fn damaged(path: &str, sources: &[&str]) -> Damage {
        Damage {
            table: "reviews".into(),
            file: FileEntry {
                path: path.into(),
                rows: 3,
                bytes: 10,
                sha256: "00".into(),
                sources: sources.iter().map(|s| s.to_string()).collect(),
            },
            problem: Problem::Checksum,
        }
    }

    fn manifest(sources: Value) -> Manifest {
        serde_json::from_value(json!({
            "format": 1,
            "written_at": "2026-11-01T00:00:00Z",
            "tables": {},
            "sources": sources,
        }))
        .unwrap()
    }

    #[test]
    fn the_earliest_damaged_month_rewinds_github_but_never_before_its_first_since() {
        let m = manifest(json!({
            "github": {"repositories": {"acme/api": {
                "marks": {"pull_requests": "2026-10-20T00:00:00Z", "issues": null,
                          "deployments": "2026-10-01T00:00:00Z", "releases": null},
                "default_branch": "main", "last_run": "r1", "fetched_at": null,
                "since": "2026-08-15T00:00:00Z"}}},
            "jira": {"projects": {"OPS": {"mark": "2026-10-20T00:00:00Z"}}},
        }));
        let damage = [
            damaged("tables/reviews/month=2026-09/part-a.parquet", &["github"]),
            damaged("tables/reviews/month=2026-07/part-b.parquet", &["github"]),
        ];
        let plan = plan(&m, &damage, Path::new(".teamlens"));
        assert_eq!(plan.rewinds.len(), 1, "jira's rows were not in the files");
        let repo = &plan.states["github"]["repositories"]["acme/api"]["marks"];
        assert_eq!(repo["pull_requests"], "2026-08-15T00:00:00Z");
        assert_eq!(repo["issues"], Value::Null);
        assert!(plan.not_refetchable.is_empty());
    }

    #[test]
    fn an_unpartitioned_file_of_unknown_origin_rewinds_every_source_and_names_simulated_data() {
        let m = manifest(json!({
            "git": {"repositories": {"api": {"path": "/x", "tip": "abc"}}},
            "linear": {"teams": {"PAY": {"mark": "2026-10-20T00:00:00Z"}}},
            "simulate": {"seed": 1},
        }));
        let plan = plan(
            &m,
            &[damaged("tables/people/part-c.parquet", &[])],
            Path::new("d"),
        );
        assert_eq!(plan.rewinds["git"], Rewind::All);
        assert_eq!(
            plan.states["git"]["repositories"]["api"]["tip"],
            Value::Null
        );
        assert_eq!(plan.states["linear"]["teams"]["PAY"]["mark"], Value::Null);
        assert_eq!(plan.not_refetchable[0].0, "simulate");
        assert!(
            plan.not_refetchable[0]
                .1
                .contains("teamlens simulate --out d")
        );
    }
}
