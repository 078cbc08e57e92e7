//! AI-assisted work in the report: the share of each team's merged PRs and changed lines made
//! with an assistant or by an agent, and the two groups side by side (`ai_monthly`), each rate
//! with its count and a 95 % Wilson interval, so that a small sample says so instead of
//! persuading. Team figures only: `ai_monthly` has no person in it.

use serde_json::{Value, json};

/// Fewer PRs than this in a group: its rates are shown with "too few" beside them.
pub const MIN_GROUP_PRS: u64 = 10;

pub use crate::detect::stats::wilson;

fn count(row: &Value, key: &str) -> u64 {
    row[key]
        .as_u64()
        .or_else(|| row[key].as_f64().map(|v| v as u64))
        .unwrap_or(0)
}

/// `ai_monthly`'s rows with their intervals and sample notes: `metrics.ai_side_by_side`.
pub fn side_by_side(rows: Vec<Value>) -> Vec<Value> {
    rows.into_iter()
        .map(|mut row| {
            let prs = count(&row, "prs");
            for (key, interval) in [
                ("failed", "failure_interval"),
                ("reworked", "rework_interval"),
            ] {
                row[interval] = match wilson(count(&row, key), prs) {
                    Some((low, high)) => json!([low, high]),
                    None => Value::Null,
                };
            }
            row["sample"] = json!(if prs < MIN_GROUP_PRS {
                format!("n = {prs}, too few")
            } else {
                format!("n = {prs}")
            });
            row
        })
        .collect()
}

/// Per team and month, the share of merged PRs and of changed lines that are AI-assisted
/// (`metrics.ai_assisted_share`); `recorded` false where no stored text could show an assistant
/// (a store or import without the attribution columns): the share is then null, not 0.
pub fn shares(side: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for row in side {
        let (team, month) = (&row["team"], &row["month"]);
        let position = out
            .iter()
            .position(|r| &r["team"] == team && &r["month"] == month);
        let index = match position {
            Some(i) => i,
            None => {
                let recorded = count(row, "recorded_prs") > 0;
                out.push(json!({
                    "team": team, "month": month,
                    "prs": count(row, "team_prs"), "lines": count(row, "team_lines"),
                    "ai_prs": 0, "agent_prs": 0, "ai_lines": 0,
                    "recorded": recorded,
                }));
                out.len() - 1
            }
        };
        if row["grp"] == "ai" {
            out[index]["ai_prs"] = json!(count(row, "prs"));
            out[index]["agent_prs"] = json!(count(row, "agent_prs"));
            out[index]["ai_lines"] = json!(count(row, "lines"));
        }
    }
    for r in &mut out {
        let recorded = r["recorded"].as_bool().unwrap_or(false);
        let share = |part: u64, whole: u64| {
            if recorded && whole > 0 {
                json!(part as f64 / whole as f64)
            } else {
                Value::Null
            }
        };
        r["share_prs"] = share(count(r, "ai_prs"), count(r, "prs"));
        r["share_lines"] = share(count(r, "ai_lines"), count(r, "lines"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_widen_for_small_samples() {
        let (low, high) = wilson(1, 4).unwrap();
        assert!(low < 0.05 && high > 0.65, "{low} {high}");
        let (low, high) = wilson(25, 100).unwrap();
        assert!((low - 0.1754).abs() < 1e-3 && (high - 0.3430).abs() < 1e-3);
        assert_eq!(wilson(0, 0), None);
    }

    #[test]
    fn shares_say_not_recorded_rather_than_zero() {
        let rows = side_by_side(vec![
            json!({"team": "api", "month": "2026-10", "grp": "ai", "prs": 4, "agent_prs": 1, "lines": 400,
                   "failed": 1, "reworked": 2, "team_prs": 20, "team_lines": 1000, "recorded_prs": 20}),
            json!({"team": "api", "month": "2026-10", "grp": "other", "prs": 16, "agent_prs": 0, "lines": 600,
                   "failed": 0, "reworked": 3, "team_prs": 20, "team_lines": 1000, "recorded_prs": 20}),
            json!({"team": "web", "month": "2026-10", "grp": "other", "prs": 12, "agent_prs": 0, "lines": 300,
                   "failed": 0, "reworked": 0, "team_prs": 12, "team_lines": 300, "recorded_prs": 0}),
        ]);
        assert_eq!(rows[0]["sample"], "n = 4, too few");
        assert_eq!(rows[1]["sample"], "n = 16");
        let shares = shares(&rows);
        assert_eq!(shares[0]["share_prs"], 0.2);
        assert_eq!(shares[0]["share_lines"], 0.4);
        assert_eq!(shares[1]["share_prs"], Value::Null);
        assert_eq!(shares[1]["recorded"], false);
    }
}
