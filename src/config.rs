//! `teamlens.toml`: the thresholds of the detectors and the report's choices.
//!
//! Every key has a documented default, so the file is optional; unknown keys are rejected with the
//! list of valid ones, because a misspelt threshold silently ignored would make a detector judge
//! by a number the user believes they changed.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The whole configuration file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub thresholds: Thresholds,
    pub report: ReportConfig,
}

/// Report options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReportConfig {
    /// Logins to treat as bots besides those ending in `[bot]` and people with role `bot`.
    pub bots: Vec<String>,
    /// How many of the longest-waiting PRs a finding links to.
    pub evidence_links: usize,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            bots: Vec::new(),
            evidence_links: 5,
        }
    }
}

/// One table per detector; see `teamlens explain KIND` and README for what each number means.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    pub review_bottleneck: ReviewBottleneckThresholds,
    pub output_outcome_divergence: DivergenceThresholds,
}

/// When one person has become the gate every merge waits on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewBottleneckThresholds {
    /// Fewer merged PRs in a team-month than this: too little data to judge.
    pub min_merged_prs: usize,
    /// Fewer people who could review (the team's non-bot members) than this: one reviewer is
    /// normal, not a bottleneck (a two-person team always reviews each other).
    pub min_team_size: usize,
    /// Share of the team's merged PRs (not authored by the person) that the person approved.
    pub approval_share: f64,
    /// Share of those PRs whose last approval before merge was the person's.
    pub last_gate_share: f64,
    /// Approval share from which the finding is an `alert` rather than a `warn`.
    pub alert_share: f64,
    /// The shares are measured over this many months ending with the reported one: a gate is a
    /// standing arrangement, while one reviewer carrying a team whose others are on holiday for
    /// a month is not.
    pub window_months: usize,
    /// In the reported month itself the person must still have approved at least this share, or
    /// they have stopped being the gate.
    pub month_share_floor: f64,
}

impl Default for ReviewBottleneckThresholds {
    fn default() -> Self {
        ReviewBottleneckThresholds {
            min_merged_prs: 10,
            min_team_size: 3,
            approval_share: 0.6,
            last_gate_share: 0.5,
            alert_share: 0.8,
            window_months: 3,
            month_share_floor: 0.4,
        }
    }
}

/// When a team's output rises while its outcomes do not improve.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DivergenceThresholds {
    /// Months before the reported one that form the baseline.
    pub baseline_months: usize,
    /// Fewer merged PRs than this in the month or in the baseline's average month: no judgement.
    pub min_merged_prs: usize,
    /// Relative rise of merged PRs over the baseline's monthly average that counts as rising output.
    pub output_rise: f64,
    /// Relative rise of median cycle time that counts as a worse outcome.
    pub cycle_time_rise: f64,
    /// Rise of the change failure rate, in absolute points (0.05 = five percentage points).
    pub failure_rate_rise: f64,
    /// Relative drop of the median PR size that, with rising counts and no faster cycle time,
    /// marks PR splitting.
    pub size_drop: f64,
}

impl Default for DivergenceThresholds {
    fn default() -> Self {
        DivergenceThresholds {
            baseline_months: 3,
            min_merged_prs: 15,
            output_rise: 0.3,
            cycle_time_rise: 0.2,
            failure_rate_rise: 0.05,
            size_drop: 0.3,
        }
    }
}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("configuration file {path} is not valid: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Config {
    /// Loads `path`; when `required` is false a missing file means the defaults.
    pub fn load(path: &Path, required: bool) -> Result<Config, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Config::default());
            }
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        Config::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.to_path_buf(),
            message,
        })
    }

    /// Parses the text of a configuration file and checks the values' ranges.
    pub fn parse(text: &str) -> Result<Config, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let b = &self.thresholds.review_bottleneck;
        let d = &self.thresholds.output_outcome_divergence;
        for (key, value) in [
            (
                "thresholds.review_bottleneck.approval_share",
                b.approval_share,
            ),
            (
                "thresholds.review_bottleneck.last_gate_share",
                b.last_gate_share,
            ),
            ("thresholds.review_bottleneck.alert_share", b.alert_share),
            (
                "thresholds.review_bottleneck.month_share_floor",
                b.month_share_floor,
            ),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(format!("{key} = {value}: a share must be between 0 and 1"));
            }
        }
        for (key, value) in [
            (
                "thresholds.output_outcome_divergence.output_rise",
                d.output_rise,
            ),
            (
                "thresholds.output_outcome_divergence.cycle_time_rise",
                d.cycle_time_rise,
            ),
            (
                "thresholds.output_outcome_divergence.failure_rate_rise",
                d.failure_rate_rise,
            ),
            (
                "thresholds.output_outcome_divergence.size_drop",
                d.size_drop,
            ),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(format!("{key} = {value}: must be a non-negative number"));
            }
        }
        if b.window_months == 0 {
            return Err("thresholds.review_bottleneck.window_months must be at least 1".into());
        }
        if d.baseline_months == 0 {
            return Err(
                "thresholds.output_outcome_divergence.baseline_months must be at least 1".into(),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_means_the_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn a_threshold_can_be_changed() {
        let config =
            Config::parse("[thresholds.review_bottleneck]\napproval_share = 0.7\n").unwrap();
        assert_eq!(config.thresholds.review_bottleneck.approval_share, 0.7);
        assert_eq!(config.thresholds.review_bottleneck.min_merged_prs, 10);
    }

    #[test]
    fn a_misspelt_key_is_rejected_with_the_valid_ones() {
        let error =
            Config::parse("[thresholds.review_bottleneck]\napproval_shar = 0.7\n").unwrap_err();
        assert!(error.contains("approval_shar"), "{error}");
        assert!(error.contains("approval_share"), "{error}");
    }

    #[test]
    fn a_share_above_one_is_rejected() {
        let error =
            Config::parse("[thresholds.review_bottleneck]\napproval_share = 60\n").unwrap_err();
        assert!(error.contains("between 0 and 1"), "{error}");
    }

    #[test]
    fn a_missing_optional_file_is_fine_and_a_required_one_is_not() {
        let missing = Path::new("/nonexistent/teamlens.toml");
        assert!(Config::load(missing, false).is_ok());
        assert!(Config::load(missing, true).is_err());
    }
}
