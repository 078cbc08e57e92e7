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

/// The AI-assisted share of merged PRs at which the retro asks about it: about one PR in seven,
/// enough to be part of how the team works. The same level as the detector's default
/// `min_share`, but the retro asks whether or not the outcomes lag.
pub const RETRO_SHARE: f64 = 0.15;

/// The retro's question about AI-assisted work, when it matters: in the report's month at least
/// [`RETRO_SHARE`] of the merged PRs were AI-assisted, and both groups have at least
/// [`MIN_GROUP_PRS`] PRs to compare. Returns the title, the question and the evidence; the
/// evidence gives both groups' rework and failure with their intervals and says when the
/// intervals overlap, so that the team discusses a difference only where there is one.
pub fn retro_point(
    months: &[crate::report::charts::AiMonth],
    month: &str,
) -> Option<(String, String, Vec<String>)> {
    let m = months.iter().find(|m| m.month == month)?;
    let all = m.ai.prs + m.other.prs;
    if all == 0 || m.ai.prs < MIN_GROUP_PRS as u32 || m.other.prs < MIN_GROUP_PRS as u32 {
        return None;
    }
    let share = f64::from(m.ai.prs) / f64::from(all);
    if share < RETRO_SHARE {
        return None;
    }
    let pct = |part: u32, whole: u32| -> String {
        match wilson(u64::from(part), u64::from(whole)) {
            Some((low, high)) => format!(
                "{:.0} % ({:.0}–{:.0} %, n = {whole})",
                f64::from(part) / f64::from(whole) * 100.0,
                low * 100.0,
                high * 100.0
            ),
            None => "not recorded".to_string(),
        }
    };
    let apart = |(a_part, a_whole): (u32, u32), (o_part, o_whole): (u32, u32)| -> &'static str {
        match (
            wilson(u64::from(a_part), u64::from(a_whole)),
            wilson(u64::from(o_part), u64::from(o_whole)),
        ) {
            (Some((a_low, a_high)), Some((o_low, o_high))) if a_low > o_high || o_low > a_high => {
                "a difference beyond chance"
            }
            (Some(_), Some(_)) => "the intervals overlap: no clear difference",
            _ => "not comparable",
        }
    };
    let evidence = vec![
        format!(
            "{} of {} merged PRs in {month} were made with an assistant or by an agent ({:.0} %).",
            m.ai.prs,
            all,
            share * 100.0
        ),
        format!(
            "Reworked within 21 days: AI-assisted {}, other {}; {}.",
            pct(m.ai.reworked, m.ai.rework_prs),
            pct(m.other.reworked, m.other.rework_prs),
            apart(
                (m.ai.reworked, m.ai.rework_prs),
                (m.other.reworked, m.other.rework_prs)
            )
        ),
        format!(
            "Failed: AI-assisted {}, other {}; {}.",
            pct(m.ai.failed, m.ai.prs),
            pct(m.other.failed, m.other.prs),
            apart((m.ai.failed, m.ai.prs), (m.other.failed, m.other.prs))
        ),
    ];
    Some((
        "AI-assisted work".to_string(),
        format!(
            "{:.0} % of our merged PRs were made with an assistant. Where does it help us, where \
             does it cost us review or rework later, and do we review its changes differently?",
            share * 100.0
        ),
        evidence,
    ))
}

/// `ai_monthly`'s rows with their intervals and sample notes: `metrics.ai_side_by_side`.
pub fn side_by_side(rows: Vec<Value>) -> Vec<Value> {
    rows.into_iter()
        .map(|mut row| {
            let prs = count(&row, "prs");
            // Rework is judged over the PRs whose 21 days the data cover (`rework_prs`).
            for (key, whole, interval) in [
                ("failed", prs, "failure_interval"),
                ("reworked", count(&row, "rework_prs"), "rework_interval"),
            ] {
                row[interval] = match wilson(count(&row, key), whole) {
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

    #[test]
    fn the_retro_asks_about_ai_work_only_when_it_matters() {
        use crate::report::charts::{AiGroup, AiMonth};
        let group = |prs, failed, reworked, rework_prs| AiGroup {
            prs,
            failed,
            reworked,
            rework_prs,
        };
        let month = |ai: AiGroup, other: AiGroup| {
            vec![AiMonth {
                month: "2026-10".into(),
                ai,
                other,
            }]
        };
        // A third of the PRs, rework far apart: asked, and the difference is called one.
        let (_, question, evidence) = retro_point(
            &month(group(30, 1, 24, 30), group(60, 1, 12, 60)),
            "2026-10",
        )
        .unwrap();
        assert!(question.starts_with("33 % of our merged PRs"), "{question}");
        assert!(
            evidence[1].contains("a difference beyond chance"),
            "{evidence:?}"
        );
        assert!(evidence[2].contains("no clear difference"), "{evidence:?}");
        // Under the share, too few in a group, another month: not asked.
        assert!(retro_point(&month(group(10, 0, 0, 10), group(90, 0, 0, 90)), "2026-10").is_none());
        assert!(retro_point(&month(group(9, 0, 0, 9), group(10, 0, 0, 10)), "2026-10").is_none());
        assert!(retro_point(&month(group(30, 0, 0, 30), group(60, 0, 0, 60)), "2026-09").is_none());
        // Rework not yet known for any PR: said, not 0 %.
        let (_, _, evidence) =
            retro_point(&month(group(30, 0, 0, 0), group(60, 0, 0, 0)), "2026-10").unwrap();
        assert!(evidence[1].contains("not recorded"), "{evidence:?}");
    }
}
