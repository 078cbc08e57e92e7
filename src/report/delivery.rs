//! The report's "Delivery (DORA)" section: DORA's four keys in the period's last month, each
//! with the performance band its value falls in and the source of its definition; each team's
//! keys; the deployments that failed, with why.
//!
//! The figures are SQL metrics (`deploy_outcomes`, `delivery_monthly`, `delivery_org_monthly`);
//! this module selects the period's rows and names bands, it computes no metric.
//!
//! Definitions: DORA's guide to its software delivery performance metrics
//! ([`DEFINITIONS`]); the 2023 rename of "time to restore service" to "failed deployment
//! recovery time" ([`RENAME`]). Bands: the four performance levels of the Accelerate State of
//! DevOps Report 2023 ([`BANDS`]), as ranges the way Apache DevLake encodes them
//! ([`BANDS_AS_RANGES`]): DORA reports each level's typical answer per metric, not boundaries.

use polars::prelude::*;
use serde::Serialize;

use crate::metrics::{Metric, Metrics};

/// DORA's guide to the metrics: what each measures.
pub const DEFINITIONS: &str = "https://dora.dev/guides/dora-metrics/";
/// DORA's history of the metrics: "time to restore service" became "failed deployment recovery
/// time" in the 2023 report.
pub const RENAME: &str = "https://dora.dev/guides/dora-metrics/history/";
/// The report whose performance levels name the bands.
pub const BANDS: &str = "https://dora.dev/research/2023/dora-report/";
/// The 2023 levels as ranges: Apache DevLake's table of them.
pub const BANDS_AS_RANGES: &str = "https://github.com/apache/incubator-devlake/blob/main/backend/plugins/dora/models/migrationscripts/20240223_add_dora_2023_benchmark.go";

/// How many failed deployments the report's table lists; `data/failed_deployments.csv` and
/// report.json have them all.
const FAILED_SHOWN: usize = 15;

/// The section as report.json carries it (`delivery`).
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// Whether any deployment to production is recorded; without one the keys say "no
    /// deployments recorded" rather than a figure of 0.
    pub recorded: bool,
    /// The environments counted as production (`[dora] environments`).
    pub environments: Vec<String>,
    /// Whose keys: `organisation`, or the team of a team's view.
    pub scope: String,
    pub month: String,
    pub keys: Vec<DoraKey>,
    /// The deployments of the period that failed, oldest first (in a team's view, none: a
    /// deployment's failure is not one team's).
    pub failed: Vec<FailedDeployment>,
    /// Where the keys' definitions are, and where the bands come from.
    pub definitions_source: &'static str,
    pub bands_source: &'static str,
    pub bands_as_ranges: &'static str,
    pub rename_source: &'static str,
}

/// One of the four keys.
#[derive(Debug, Clone, Serialize)]
pub struct DoraKey {
    /// `deployment_frequency`, `lead_time`, `change_failure_rate` or
    /// `failed_deployment_recovery_time`.
    pub key: &'static str,
    pub label: &'static str,
    /// The figure the band is read from: deployments a week, median hours, a share.
    pub value: Option<f64>,
    /// The figure in words, with what it rests on.
    pub text: String,
    /// `elite`, `high`, `medium` or `low`; `None` when there is no figure.
    pub band: Option<&'static str>,
    /// The band's range in DORA's words.
    pub band_range: &'static str,
    pub definition: &'static str,
    pub source: &'static str,
}

/// A deployment that failed, with its evidence.
#[derive(Debug, Clone, Serialize)]
pub struct FailedDeployment {
    pub repo: String,
    pub environment: String,
    pub at: String,
    /// `failed status`, `incident`, `revert` or `hotfix`: the first that applies.
    pub reason: String,
    /// Every reason, with the incident's key and the PRs: `incident INC-1; hotfix #7`.
    pub evidence: String,
    pub recovery_h: Option<f64>,
}

/// What the deployments the keys count rest on (report.json `coverage.deployments`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct DeploymentCoverage {
    /// `[dora] environments`: the environments whose deployments count.
    pub environments: Vec<String>,
    /// Deployments to those environments in the data as analysed.
    pub deployments: usize,
    /// Sources that wrote pull requests but no deployment to those environments, such as a
    /// git clone or a GitHub repository that does not use deployments: their changes have no
    /// lead time, and their teams no deployment figures.
    pub sources_without: Vec<String>,
    /// Other environments deployments were recorded to, with how many: not counted, unless
    /// `[dora] environments` names them.
    pub other_environments: Vec<String>,
    /// Incidents that name no PR (`owner/name#N`): no deployment can be blamed for them, so
    /// they fail none.
    pub incidents_without_pr: usize,
}

/// Where the definition of a trend is, for the trends that are one of DORA's keys.
pub fn source_of(metric: &str) -> Option<&'static str> {
    match metric {
        "recovery_p50_h" => Some(RENAME),
        "repo_deploys_per_week_p50"
        | "deploys_per_week"
        | "lead_time_p50_h"
        | "change_failure_rate" => Some(DEFINITIONS),
        _ => None,
    }
}

/// The band of a trend's current value, for the trends that are one of DORA's keys.
pub fn band_of(metric: &str, value: Option<f64>) -> Option<&'static str> {
    let value = value?;
    let band = match metric {
        "repo_deploys_per_week_p50" | "deploys_per_week" => {
            frequency_band(value, if value > 0.0 { 1.0 } else { 0.0 })
        }
        "lead_time_p50_h" => lead_time_band(value),
        "change_failure_rate" => failure_band(value),
        "recovery_p50_h" => recovery_band(value),
        _ => return None,
    };
    Some(band.0)
}

/// A performance band and its range, in DORA's words.
type Band = (&'static str, &'static str);

/// Deployments a week → band. On demand is more than one a day; "fewer than once per month"
/// is a month without one.
fn frequency_band(per_week: f64, deployments: f64) -> Band {
    if per_week > 7.0 {
        ("elite", "on demand (multiple deploys per day)")
    } else if per_week >= 1.0 {
        ("high", "between once per day and once per week")
    } else if deployments >= 1.0 {
        ("medium", "between once per week and once per month")
    } else {
        ("low", "fewer than once per month")
    }
}

/// Median lead time in hours → band.
fn lead_time_band(hours: f64) -> Band {
    if hours < 24.0 {
        ("elite", "less than one day")
    } else if hours < 24.0 * 7.0 {
        ("high", "between one day and one week")
    } else if hours < 24.0 * 30.0 {
        ("medium", "between one week and one month")
    } else {
        ("low", "more than one month")
    }
}

/// Change failure rate → band.
fn failure_band(rate: f64) -> Band {
    if rate <= 0.05 {
        ("elite", "0–5 %")
    } else if rate <= 0.10 {
        ("high", "5–10 %")
    } else if rate <= 0.15 {
        ("medium", "10–15 %")
    } else {
        ("low", "more than 15 %")
    }
}

/// Median recovery time in hours → band.
fn recovery_band(hours: f64) -> Band {
    if hours < 1.0 {
        ("elite", "less than one hour")
    } else if hours < 24.0 {
        ("high", "less than one day")
    } else if hours < 24.0 * 7.0 {
        ("medium", "between one day and one week")
    } else {
        ("low", "more than one week")
    }
}

fn hours(h: f64) -> String {
    if h >= 48.0 {
        format!("{:.1} days", h / 24.0)
    } else {
        format!("{h:.1} h")
    }
}

fn plural(n: f64, one: &str, many: &str) -> String {
    format!("{n:.0} {}", if n == 1.0 { one } else { many })
}

/// The four keys from one row of `delivery_monthly` or `delivery_org_monthly` (JSON, as the
/// report holds rows), or from none.
fn keys(row: Option<&serde_json::Value>, recorded: bool) -> Vec<DoraKey> {
    let figure = |name: &str| row.and_then(|r| r.get(name)).and_then(|v| v.as_f64());
    let not_recorded = "no deployments recorded".to_string();
    let deployments = figure("deployments");
    // The organisation's band is read from its median repository: DORA measures one
    // application at a time, and a total grows with the number of repositories.
    let per_week = figure("repo_deploys_per_week_p50").or(figure("deploys_per_week"));
    let frequency = match (deployments, per_week) {
        (Some(n), Some(w)) => (
            Some(w),
            match figure("repo_deploys_per_week_p50") {
                Some(_) => format!(
                    "{w:.1} a week for the median repository ({} in all, on {})",
                    plural(n, "deployment", "deployments"),
                    plural(figure("deploy_days").unwrap_or(0.0), "day", "days")
                ),
                None => format!(
                    "{w:.1} a week ({} on {})",
                    plural(n, "deployment", "deployments"),
                    plural(figure("deploy_days").unwrap_or(0.0), "day", "days")
                ),
            },
            Some(frequency_band(w, n)),
        ),
        _ => (None, not_recorded.clone(), None),
    };
    let lead = match figure("lead_time_p50_h") {
        Some(p50) => (
            Some(p50),
            format!(
                "median {}, p90 {} ({})",
                hours(p50),
                figure("lead_time_p90_h").map_or_else(|| "—".into(), hours),
                plural(figure("deployed_prs").unwrap_or(0.0), "PR", "PRs")
            ),
            Some(lead_time_band(p50)),
        ),
        None if !recorded => (None, not_recorded.clone(), None),
        None => (None, "no PR merged this month has shipped".into(), None),
    };
    let failure = match (figure("change_failure_rate"), deployments) {
        (Some(rate), Some(n)) => (
            Some(rate),
            format!(
                "{:.1} % ({:.0} of {} failed)",
                rate * 100.0,
                figure("failed_deployments").unwrap_or(0.0),
                plural(n, "deployment", "deployments"),
            ),
            Some(failure_band(rate)),
        ),
        (_, Some(_)) => (None, "no deployment this month".into(), None),
        _ => (None, not_recorded.clone(), None),
    };
    let recovery = match (figure("recovery_p50_h"), deployments) {
        (Some(p50), _) => (
            Some(p50),
            format!(
                "median {} ({} recovered)",
                hours(p50),
                plural(figure("recoveries").unwrap_or(0.0), "failure", "failures")
            ),
            Some(recovery_band(p50)),
        ),
        (None, Some(_)) => (
            None,
            "no failed deployment has recovered this month".into(),
            None,
        ),
        _ => (None, not_recorded, None),
    };
    [
        (
            "deployment_frequency",
            "Deployment frequency",
            frequency,
            "How often changes are deployed to production.",
        ),
        (
            "lead_time",
            "Lead time for changes",
            lead,
            "First commit to the first deployment to production that shipped the change.",
        ),
        (
            "change_failure_rate",
            "Change failure rate",
            failure,
            "Deployments that fail in production and need a hotfix, a rollback or an \
             incident's fix, over all deployments.",
        ),
        (
            "failed_deployment_recovery_time",
            "Failed deployment recovery time",
            recovery,
            "From a failed deployment to its recovery (formerly \"time to restore service\").",
        ),
    ]
    .into_iter()
    .map(|(key, label, (value, text, band), definition)| DoraKey {
        key,
        label,
        value,
        text,
        band: band.map(|b: Band| b.0),
        band_range: band.map_or("", |b: Band| b.1),
        definition,
        source: if key == "failed_deployment_recovery_time" {
            RENAME
        } else {
            DEFINITIONS
        },
    })
    .collect()
}

impl Delivery {
    /// The organisation's keys for `month` from `delivery_org_monthly`, and the period's failed
    /// deployments from `deploy_outcomes` (rows as the report holds them).
    pub fn assemble(
        metrics: &Metrics,
        month: &str,
        months: &[String],
        environments: &[String],
    ) -> Result<Delivery, super::ReportError> {
        let org = super::rows(metrics.get(Metric::DeliveryOrgMonthly))?;
        let outcomes = metrics.get(Metric::DeployOutcomes);
        let recorded = outcomes.height() > 0;
        let row = org.iter().find(|r| r["month"].as_str() == Some(month));
        // Only the period's failed deployments become rows: a large organisation deploys
        // tens of thousands of times a year.
        let failed = if recorded {
            let period = Series::new("months".into(), months.to_vec());
            super::rows(
                &outcomes
                    .clone()
                    .lazy()
                    .filter(
                        col("failed")
                            .eq(lit(1))
                            .and(col("month").is_in(lit(period).implode(true), false)),
                    )
                    .collect()?,
            )?
            .iter()
            .map(failed_deployment)
            .collect()
        } else {
            Vec::new()
        };
        Ok(Delivery {
            recorded,
            environments: environments.to_vec(),
            scope: "organisation".into(),
            month: month.to_string(),
            keys: keys(row, recorded),
            failed,
            definitions_source: DEFINITIONS,
            bands_source: BANDS,
            bands_as_ranges: BANDS_AS_RANGES,
            rename_source: RENAME,
        })
    }

    /// A team's view: the team's keys from its `delivery_monthly` row (`rows`, the period's
    /// rows of that metric), or the organisation's when the view has several teams.
    pub fn for_teams(&self, teams: &[String], rows: &[serde_json::Value]) -> Delivery {
        let (scope, keys) = match teams {
            [team] => {
                let row = rows.iter().find(|r| {
                    r["team"].as_str() == Some(team.as_str())
                        && r["month"].as_str() == Some(&self.month)
                });
                let deploys = row.is_some_and(|r| !r["deployments"].is_null());
                (team.clone(), keys(row, self.recorded && deploys))
            }
            _ => (self.scope.clone(), self.keys.clone()),
        };
        Delivery {
            recorded: self.recorded,
            environments: self.environments.clone(),
            scope,
            month: self.month.clone(),
            keys,
            failed: Vec::new(),
            definitions_source: self.definitions_source,
            bands_source: self.bands_source,
            bands_as_ranges: self.bands_as_ranges,
            rename_source: self.rename_source,
        }
    }

    /// The view without the organisation's keys: a report of several teams read from their
    /// rows alone (`crate::scope`) has no organisation-wide figure to show, and says why.
    pub fn without_keys(&self) -> Delivery {
        Delivery {
            keys: self
                .keys
                .iter()
                .map(|k| DoraKey {
                    value: None,
                    text: "left out: a report of some teams reads their rows, not the \
                           organisation's (the organisation's report has it)"
                        .into(),
                    band: None,
                    ..k.clone()
                })
                .collect(),
            ..self.clone()
        }
    }

    /// The failed deployments the report's table shows: the first [`FAILED_SHOWN`].
    pub fn failed_shown(&self) -> &[FailedDeployment] {
        &self.failed[..self.failed.len().min(FAILED_SHOWN)]
    }
}

/// A row of `deploy_outcomes` that failed, in words.
fn failed_deployment(row: &serde_json::Value) -> FailedDeployment {
    let text = |key: &str| row[key].as_str().unwrap_or_default().to_string();
    let flag = |key: &str| row[key].as_i64() == Some(1);
    let mut evidence = Vec::new();
    if flag("failed_status") {
        evidence.push("status failure".to_string());
    }
    if flag("incident") {
        evidence.push(format!("incident {}", text("incident_key")));
    }
    if flag("reverted") {
        evidence.push(match row["revert_pr"].as_i64() {
            Some(n) => format!("reverted by #{n}"),
            None => "reverted".into(),
        });
    }
    if flag("hotfixed") {
        evidence.push(match row["hotfix_pr"].as_i64() {
            Some(n) => format!("hotfix #{n}"),
            None => "hotfix".into(),
        });
    }
    FailedDeployment {
        repo: text("repo"),
        environment: text("environment"),
        at: text("at")
            .replace('T', " ")
            .trim_end_matches('Z')
            .to_string(),
        reason: text("failure_reason"),
        evidence: evidence.join("; "),
        recovery_h: row["recovery_h"].as_f64(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_follow_the_2023_levels() {
        assert_eq!(frequency_band(10.0, 43.0).0, "elite");
        assert_eq!(
            frequency_band(7.0, 31.0).0,
            "high",
            "once a day is not several"
        );
        assert_eq!(frequency_band(0.5, 2.0).0, "medium");
        assert_eq!(frequency_band(0.0, 0.0).0, "low");
        assert_eq!(lead_time_band(23.9).0, "elite");
        assert_eq!(lead_time_band(24.0).0, "high");
        assert_eq!(lead_time_band(24.0 * 29.0).0, "medium");
        assert_eq!(lead_time_band(24.0 * 31.0).0, "low");
        assert_eq!(failure_band(0.05).0, "elite");
        assert_eq!(failure_band(0.0501).0, "high");
        assert_eq!(failure_band(0.15).0, "medium");
        assert_eq!(failure_band(0.151).0, "low");
        assert_eq!(recovery_band(0.5).0, "elite");
        assert_eq!(recovery_band(23.0).0, "high");
        assert_eq!(recovery_band(25.0).0, "medium");
        assert_eq!(recovery_band(24.0 * 8.0).0, "low");
    }

    #[test]
    fn without_deployments_every_key_says_so_and_names_no_band() {
        for key in keys(None, false) {
            assert_eq!(key.text, "no deployments recorded", "{}", key.key);
            assert_eq!(key.band, None);
            assert_eq!(key.value, None);
        }
    }

    #[test]
    fn a_month_of_figures_reads_as_words_with_its_band() {
        let row = serde_json::json!({
            "deployments": 11, "deploy_days": 11, "deploys_per_week": 2.484,
            "failed_deployments": 4, "change_failure_rate": 0.364,
            "recovery_p50_h": 25.5, "recoveries": 4,
            "lead_time_p50_h": 7.0, "lead_time_p90_h": 10.3, "deployed_prs": 10,
        });
        let keys = keys(Some(&row), true);
        let text: Vec<(&str, &str, Option<&str>)> = keys
            .iter()
            .map(|k| (k.key, k.text.as_str(), k.band))
            .collect();
        assert_eq!(
            text,
            [
                (
                    "deployment_frequency",
                    "2.5 a week (11 deployments on 11 days)",
                    Some("high")
                ),
                (
                    "lead_time",
                    "median 7.0 h, p90 10.3 h (10 PRs)",
                    Some("elite")
                ),
                (
                    "change_failure_rate",
                    "36.4 % (4 of 11 deployments failed)",
                    Some("low")
                ),
                (
                    "failed_deployment_recovery_time",
                    "median 25.5 h (4 failures recovered)",
                    Some("medium")
                ),
            ]
        );
    }
}
