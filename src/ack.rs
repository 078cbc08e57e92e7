//! Acknowledged findings: a finding the team knows and has accepted for now (a required code
//! owner who approves most merges, a manager covering a vacancy), with the reason and the last
//! month it holds. Until then the report lists it under "acknowledged" instead of among the
//! findings, and the retro names the acknowledgements about to expire, so an acceptance is
//! revisited rather than forgotten.
//!
//! They are kept in `teamlens.acks.toml` beside the configuration file, a plain file the team
//! reviews and commits like teamlens.toml, never in the data directory (which a repair or a new
//! fetch may rebuild).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::detect::{Finding, FindingKind};
use crate::period::Month;

/// The file's name, beside the configuration file.
pub const FILE_NAME: &str = "teamlens.acks.toml";

/// One acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ack {
    /// A finding kind's name, such as `review_bottleneck`.
    pub kind: String,
    /// The finding's subject: a person, or a team (`payments` or `team:payments`).
    pub subject: String,
    /// The last month it holds (`YYYY-MM`).
    pub until: String,
    /// Why the finding is accepted, in the team's words.
    pub reason: String,
    /// When it was recorded (`YYYY-MM-DD`).
    pub added: String,
}

impl Ack {
    /// Whether this acknowledgement covers `finding` (its kind and subject, in a month up to
    /// `until`).
    pub fn covers(&self, finding: &Finding) -> bool {
        let in_time = self
            .until
            .parse::<Month>()
            .is_ok_and(|until| Month::of(finding.period.from) <= until);
        in_time
            && finding.kind.name() == self.kind
            && (finding.subject == self.subject
                || finding.subject.strip_prefix("team:") == Some(self.subject.as_str()))
    }

    /// The last month it holds.
    pub fn until(&self) -> Option<Month> {
        self.until.parse().ok()
    }
}

/// Every acknowledgement of a configuration, and where they are kept.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Acks {
    pub path: PathBuf,
    pub acks: Vec<Ack>,
}

/// The file as written: a list of `[[ack]]` tables.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AckFile {
    #[serde(default)]
    ack: Vec<Ack>,
}

/// Why acknowledgements could not be read, checked or written.
#[derive(Debug, thiserror::Error)]
pub enum AckError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}; fix or remove the entry (`teamlens ack --list` shows them)", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("unknown finding kind `{0}`; the kinds are: {1}")]
    UnknownKind(String, String),
    #[error(
        "--until {until} has passed (the current month is {now}): give the last month the acknowledgement should hold"
    )]
    Expired { until: Month, now: Month },
    #[error("give a --reason: an acknowledgement without one cannot be reviewed when it expires")]
    NoReason,
    #[error("nothing acknowledges {kind} for {subject}; `teamlens ack --list` shows what does")]
    NotFound { kind: String, subject: String },
    #[error(transparent)]
    Write(#[from] crate::store::StoreError),
}

impl Acks {
    /// The acknowledgements beside `config` (none when the file does not exist).
    pub fn load(config: &Path) -> Result<Acks, AckError> {
        let path = path_beside(config);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Acks {
                    path,
                    acks: Vec::new(),
                });
            }
            Err(source) => return Err(AckError::Io { path, source }),
        };
        let file: AckFile = toml::from_str(&text).map_err(|error| AckError::Parse {
            path: path.clone(),
            message: error.message().to_string(),
        })?;
        for ack in &file.ack {
            let problem = if FindingKind::from_name(&ack.kind).is_none() {
                Some(format!("unknown finding kind `{}`", ack.kind))
            } else if ack.until().is_none() {
                Some(format!(
                    "until = \"{}\" for {} {} is not a month (YYYY-MM)",
                    ack.until, ack.kind, ack.subject
                ))
            } else {
                None
            };
            if let Some(message) = problem {
                return Err(AckError::Parse { path, message });
            }
        }
        Ok(Acks {
            path,
            acks: file.ack,
        })
    }

    /// Records an acknowledgement, replacing one of the same kind and subject.
    pub fn add(
        &mut self,
        kind: &str,
        subject: &str,
        until: Month,
        reason: &str,
        today: chrono::NaiveDate,
    ) -> Result<(), AckError> {
        let Some(kind) = FindingKind::from_name(kind) else {
            return Err(AckError::UnknownKind(kind.to_string(), kind_names()));
        };
        let now = Month::of(today);
        if until < now {
            return Err(AckError::Expired { until, now });
        }
        if reason.trim().is_empty() {
            return Err(AckError::NoReason);
        }
        self.acks
            .retain(|a| !(a.kind == kind.name() && a.subject == subject));
        self.acks.push(Ack {
            kind: kind.name().to_string(),
            subject: subject.to_string(),
            until: until.to_string(),
            reason: reason.trim().to_string(),
            added: today.to_string(),
        });
        self.acks
            .sort_by(|a, b| (&a.kind, &a.subject).cmp(&(&b.kind, &b.subject)));
        Ok(())
    }

    /// Removes the acknowledgement of a kind and subject.
    pub fn remove(&mut self, kind: &str, subject: &str) -> Result<(), AckError> {
        let before = self.acks.len();
        self.acks
            .retain(|a| !(a.kind == kind && a.subject == subject));
        if self.acks.len() == before {
            return Err(AckError::NotFound {
                kind: kind.to_string(),
                subject: subject.to_string(),
            });
        }
        Ok(())
    }

    /// Writes the file whole, atomically.
    pub fn save(&self) -> Result<(), AckError> {
        let file = AckFile {
            ack: self.acks.clone(),
        };
        let body = toml::to_string(&file).map_err(|error| AckError::Parse {
            path: self.path.clone(),
            message: error.to_string(),
        })?;
        let text = format!(
            "# Findings the team knows and accepts for now (`teamlens ack`): each is listed as\n\
             # acknowledged in reports up to its `until` month, and the retro names it as it expires.\n\n{body}"
        );
        crate::store::write_atomically(&self.path, text.as_bytes())?;
        Ok(())
    }

    /// The acknowledgement covering a finding, if one does.
    pub fn covering(&self, finding: &Finding) -> Option<&Ack> {
        self.acks.iter().find(|a| a.covers(finding))
    }

    /// Acknowledgements whose last month is `month` or the month after: what a retro in
    /// `month` should bring up again.
    pub fn expiring(&self, month: Month) -> Vec<&Ack> {
        self.acks
            .iter()
            .filter(|a| a.until().is_some_and(|u| u >= month && u <= month.next()))
            .collect()
    }
}

/// `teamlens.acks.toml` in the configuration file's folder.
pub fn path_beside(config: &Path) -> PathBuf {
    config
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join(FILE_NAME)
}

fn kind_names() -> String {
    FindingKind::ALL
        .iter()
        .map(|k| k.name())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::{Basis, Evidence, Severity};
    use chrono::NaiveDate;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn finding(kind: FindingKind, subject: &str, month: &str) -> Finding {
        let month: Month = month.parse().unwrap();
        Finding {
            kind,
            subject: subject.into(),
            period: month.into(),
            severity: Severity::Warn,
            headline: String::new(),
            evidence: Evidence::default(),
            question: String::new(),
            basis: Basis::default(),
        }
    }

    #[test]
    fn an_acknowledgement_covers_its_kind_and_subject_up_to_its_month() {
        let work = tempfile::tempdir().unwrap();
        let mut acks = Acks::load(&work.path().join("teamlens.toml")).unwrap();
        assert!(acks.acks.is_empty());
        let until: Month = "2026-12".parse().unwrap();
        acks.add(
            "review_bottleneck",
            "mira",
            until,
            "required code owner",
            day("2026-11-03"),
        )
        .unwrap();
        acks.add(
            "overload",
            "payments",
            until,
            "migration",
            day("2026-11-03"),
        )
        .unwrap();
        acks.save().unwrap();
        let acks = Acks::load(&work.path().join("teamlens.toml")).unwrap();
        assert_eq!(acks.acks.len(), 2);
        let bottleneck = |subject, month| finding(FindingKind::ReviewBottleneck, subject, month);
        assert!(acks.covering(&bottleneck("mira", "2026-12")).is_some());
        assert!(acks.covering(&bottleneck("mira", "2027-01")).is_none());
        assert!(acks.covering(&bottleneck("eva", "2026-12")).is_none());
        let team = finding(FindingKind::Overload, "team:payments", "2026-11");
        assert!(acks.covering(&team).is_some());
        assert!(
            acks.covering(&finding(FindingKind::Micromanagement, "mira", "2026-11"))
                .is_none()
        );
        assert_eq!(acks.expiring("2026-11".parse().unwrap()).len(), 2);
        assert!(acks.expiring("2026-10".parse().unwrap()).is_empty());
    }

    #[test]
    fn bad_acknowledgements_are_refused_with_what_to_do() {
        let work = tempfile::tempdir().unwrap();
        let mut acks = Acks::load(&work.path().join("teamlens.toml")).unwrap();
        let until: Month = "2026-10".parse().unwrap();
        let today = day("2026-11-03");
        let unknown = acks.add("bottleneck", "mira", until, "x", today);
        assert!(
            unknown
                .unwrap_err()
                .to_string()
                .contains("review_bottleneck")
        );
        let past = acks.add("review_bottleneck", "mira", until, "x", today);
        assert!(past.unwrap_err().to_string().contains("has passed"));
        let next = until.next().next();
        let silent = acks.add("review_bottleneck", "mira", next, " ", today);
        assert!(matches!(silent, Err(AckError::NoReason)));
        assert!(matches!(
            acks.remove("review_bottleneck", "mira"),
            Err(AckError::NotFound { .. })
        ));
        std::fs::write(
            work.path().join(FILE_NAME),
            "[[ack]]\nkind = \"overlaod\"\nsubject = \"x\"\nuntil = \"2026-12\"\nreason = \"r\"\nadded = \"2026-11-01\"\n",
        )
        .unwrap();
        let error = Acks::load(&work.path().join("teamlens.toml")).unwrap_err();
        assert!(error.to_string().contains("overlaod"), "{error}");
    }
}
