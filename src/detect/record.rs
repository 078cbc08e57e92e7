//! Each detector's track record on real histories, as `teamlens validate` measured it:
//! `assets/track_record.json` is that command's JSON output over the real corpus
//! (docs/detectors.md, "Detectors on real histories", gives the command), embedded so that
//! `teamlens explain` and every report's appendix say how often a finding of the kind appears on
//! real teams and, where it could be measured, how often it held up. A test checks the file is the command's output
//! shape and that docs/detectors.md shows the same figures.

use serde::Deserialize;

use super::FindingKind;

const TRACK_RECORD: &str = include_str!("../../assets/track_record.json");

#[derive(Debug, Deserialize)]
struct Record {
    histories: Vec<String>,
    months: usize,
    base_rates: Vec<Rate>,
    attrition: Attrition,
}

#[derive(Debug, Deserialize)]
struct Rate {
    kind: String,
    unit: String,
    findings: usize,
    subject_months: usize,
    per_100: Option<f64>,
    not_judged_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Attrition {
    leavers: usize,
    precision: Share,
    recall: Share,
}

#[derive(Debug, Deserialize)]
struct Share {
    hits: usize,
    of: usize,
    value: Option<f64>,
    low: Option<f64>,
    high: Option<f64>,
}

impl Share {
    fn text(&self) -> String {
        match (self.value, self.low, self.high) {
            (Some(v), Some(l), Some(h)) => format!(
                "{v:.2} ({} of {}, 95 % interval {l:.2}–{h:.2})",
                self.hits, self.of
            ),
            _ => "not measurable (no case)".to_string(),
        }
    }
}

fn record() -> Option<Record> {
    serde_json::from_str(TRACK_RECORD).ok()
}

/// One sentence (or two) on how the detector of `kind` did on real histories; `None` when the
/// embedded record cannot be read (a test makes sure it can).
pub fn track_record(kind: FindingKind) -> Option<String> {
    let record = record()?;
    let Some(rate) = record.base_rates.iter().find(|r| r.kind == kind.name()) else {
        return Some(format!(
            "No track record on real histories yet: the record ({} public histories, teamlens \
             validate) was measured before this detector existed; it is scored on the \
             simulator only (teamlens eval).",
            record.histories.len()
        ));
    };
    let on = format!(
        "On {} public histories ({} monthly reports, each as of its month's end; teamlens \
         validate)",
        record.histories.len(),
        record.months
    );
    let mut text = match (rate.per_100, &rate.not_judged_reason) {
        (Some(per_100), _) => format!(
            "{on}: {} findings per 100 {}-months ({} in {}).",
            if per_100 < 1.0 {
                format!("{per_100:.2}")
            } else {
                format!("{per_100:.1}")
            },
            rate.unit,
            rate.findings,
            rate.subject_months
        ),
        (None, Some(reason)) => {
            format!("{on}: never judged there, as the histories lack what it needs ({reason}).")
        }
        (None, None) => format!("{on}: nothing to judge."),
    };
    if kind == FindingKind::AttritionRisk {
        text.push_str(&format!(
            " Against the {} regulars who left: precision {}, recall {}.",
            record.attrition.leavers,
            record.attrition.precision.text(),
            record.attrition.recall.text()
        ));
    }
    Some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_detector_has_a_record() {
        assert!(
            record().is_some(),
            "assets/track_record.json does not parse"
        );
        for kind in FindingKind::ALL {
            let text = track_record(kind).unwrap_or_else(|| panic!("{}", kind.name()));
            assert!(
                text.starts_with("On ") || text.starts_with("No track record"),
                "{text}"
            );
        }
    }
}
