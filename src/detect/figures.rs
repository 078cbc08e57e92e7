//! What each detector's evidence figures mean, written once: a plain label, a unit, the
//! threshold the figure is held to (from `[thresholds]`) and the figure that holds its usual
//! level, in the order of importance. The report, the HTML and the retro all show evidence
//! through this table; `report.json` keeps the figures under the names the detectors give them.
//!
//! A figure marked [`Figure::shown`] is in the finding's evidence table; the others stay in
//! `report.json` only: internal factors (a Gini coefficient, the absence factor), flags whose
//! meaning the threshold column says (`*_over_threshold`), the usual levels themselves (shown
//! beside the figure they are the usual of), and counts the headline already says. Every figure a
//! detector writes has an entry: the test below reads the detectors' sources to check.
//!
//! Labels may name another figure in braces (`{window_months}`): the report puts its value in.

use std::sync::LazyLock;

use super::FindingKind;
use crate::config::Thresholds;

/// How a figure's value is read and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// A 0–1 fraction, shown as a percentage.
    Share,
    /// A signed relative change (0.35 is 35 % more), shown as `+35 %`.
    Change,
    /// Hours, shown as hours or, from 48, days.
    Hours,
    Minutes,
    /// A whole count of things, with their name: `Count("PRs")` shows `35 PRs`.
    Count(&'static str),
    /// A number with a decimal and the things it counts: `6.4 tickets`.
    Rate(&'static str),
    /// A ratio, shown as `1.8×`.
    Times,
    /// A day (`2026-10-09`) or other text, shown as it is.
    Text,
    /// A probability (given as a number or as text like `3.6e-7`), shown as `1 in 2.8 million`.
    Chance,
    /// Shares of the last months, oldest first.
    Shares,
}

/// Which side of its threshold a figure must be on to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    AtLeast,
    AtMost,
    Above,
}

/// The threshold a figure is held to: a key of `[thresholds]`, read from the configuration the
/// report was made with.
#[derive(Debug, Clone, Copy)]
pub struct Threshold {
    pub bound: Bound,
    pub value: fn(&Thresholds) -> f64,
}

impl Threshold {
    /// Whether `value` is on the counting side of the threshold.
    pub fn reached(&self, value: f64, thresholds: &Thresholds) -> bool {
        let limit = (self.value)(thresholds);
        match self.bound {
            Bound::AtLeast => value >= limit - 1e-9,
            Bound::AtMost => value <= limit + 1e-9,
            Bound::Above => value > limit,
        }
    }
}

/// Where a figure's usual level is: another figure of the same finding, and whose level it is.
#[derive(Debug, Clone, Copy)]
pub struct Usual {
    pub figure: &'static str,
    /// `the rest of the team`, `their own, before`, `other teams`.
    pub whose: &'static str,
}

/// One evidence figure of one kind of finding.
#[derive(Debug, Clone, Copy)]
pub struct Figure {
    pub kind: FindingKind,
    pub name: &'static str,
    pub label: &'static str,
    pub unit: Unit,
    pub threshold: Option<Threshold>,
    pub usual: Option<Usual>,
    /// In the evidence table (in this table's order), or in `report.json` only.
    pub shown: bool,
}

impl Figure {
    const fn new(kind: FindingKind, name: &'static str, label: &'static str, unit: Unit) -> Self {
        Figure {
            kind,
            name,
            label,
            unit,
            threshold: None,
            usual: None,
            shown: true,
        }
    }
    const fn json_only(mut self) -> Self {
        self.shown = false;
        self
    }
    const fn at_least(mut self, value: fn(&Thresholds) -> f64) -> Self {
        self.threshold = Some(Threshold {
            bound: Bound::AtLeast,
            value,
        });
        self
    }
    const fn at_most(mut self, value: fn(&Thresholds) -> f64) -> Self {
        self.threshold = Some(Threshold {
            bound: Bound::AtMost,
            value,
        });
        self
    }
    const fn above(mut self, value: fn(&Thresholds) -> f64) -> Self {
        self.threshold = Some(Threshold {
            bound: Bound::Above,
            value,
        });
        self
    }
    const fn usual(mut self, figure: &'static str, whose: &'static str) -> Self {
        self.usual = Some(Usual { figure, whose });
        self
    }
}

/// The label of a knowledge-silo module (its figure is named `repo:module` and holds an object):
/// `{module}` and `{holder}` are the module's.
pub const MODULE_LABEL: &str =
    "Share of the changes to {module} made by {holder}, the one person who knows it";

/// The figure of a knowledge-silo finding's module (`repo:module`): its holder's share of the
/// module's changes, held to `holder_share`.
pub fn module_figure() -> &'static Figure {
    static MODULE: Figure = Figure::new(
        FindingKind::KnowledgeSilo,
        "holder_change_share",
        MODULE_LABEL,
        Unit::Share,
    )
    .at_least(|t| t.knowledge_silo.holder_share);
    &MODULE
}

/// Whether a figure name is a knowledge-silo module's (`repo:module`).
pub fn is_module(name: &str) -> bool {
    name.contains(':')
}

/// The figures of a kind, in order of importance.
pub fn of(kind: FindingKind) -> impl Iterator<Item = &'static Figure> {
    ALL.iter().filter(move |f| f.kind == kind)
}

/// The entry for one figure of one kind.
pub fn find(kind: FindingKind, name: &str) -> Option<&'static Figure> {
    of(kind).find(|f| f.name == name)
}

const TEAM: &str = "the rest of the team";
const BEFORE: &str = "their own, months before";
const TEAM_BEFORE: &str = "the team, months before";
const EXPECTED: &str = "expected at their own pace";

static ALL: LazyLock<Vec<Figure>> = LazyLock::new(|| {
    use FindingKind::*;
    use Unit::*;
    vec![
        // review_bottleneck
        Figure::new(
            ReviewBottleneck,
            "approval_share",
            "Share of the team's merged PRs they approved, last {window_months} months",
            Share,
        )
        .at_least(|t| t.review_bottleneck.approval_share),
        Figure::new(
            ReviewBottleneck,
            "last_gate_share",
            "Share whose last approval before merge was theirs, last {window_months} months",
            Share,
        )
        .at_least(|t| t.review_bottleneck.last_gate_share),
        Figure::new(
            ReviewBottleneck,
            "approval_share_this_month",
            "Share they approved this month",
            Share,
        )
        .at_least(|t| t.review_bottleneck.month_share_floor),
        Figure::new(
            ReviewBottleneck,
            "pr_hours_waiting_on_them",
            "Time the team's PRs waited on them alone (wall-clock)",
            Count("PR-hours"),
        ),
        Figure::new(
            ReviewBottleneck,
            "their_median_wait_h",
            "Median wait for their review (wall-clock)",
            Hours,
        )
        .usual("others_median_wait_h", "other reviewers"),
        Figure::new(
            ReviewBottleneck,
            "others_median_wait_h",
            "Median wait for other reviewers",
            Hours,
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "window_median_wait_wh",
            "Median wait for their review over the window (their working time)",
            Hours,
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "window_others_median_wait_wh",
            "Median wait for other reviewers over the window (their working time)",
            Hours,
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "merged_prs",
            "PRs the team merged",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "prs_they_could_approve",
            "Merged PRs they could approve (not their own)",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "approved_prs",
            "PRs they approved",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "last_gate_prs",
            "PRs whose last approval was theirs",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "window_months",
            "Months the shares are measured over",
            Count("months"),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "window_prs_they_could_approve",
            "PRs they could approve over those months",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "pickup_p50_h_when_present",
            "Median time to first review while they were there (wall-clock)",
            Hours,
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "pickup_p50_h_when_away",
            "Median time to first review while they were away (wall-clock)",
            Hours,
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "weeks_away",
            "Weeks they were away",
            Count("weeks"),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "approval_gini",
            "How unevenly the team's approvals are spread (Gini, 0 even to 1 one person)",
            Rate(""),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "approval_absence_factor",
            "Fewest people who together gave half the approvals",
            Count("people"),
        )
        .json_only(),
        Figure::new(
            ReviewBottleneck,
            "team_size",
            "People who could review",
            Count("people"),
        )
        .json_only(),
        // micromanagement
        Figure::new(
            Micromanagement,
            "review_share",
            "Share of the team's PRs they reviewed",
            Share,
        )
        .at_least(|t| t.micromanagement.review_share)
        .usual("review_share_team_normal", TEAM),
        Figure::new(
            Micromanagement,
            "changes_after_peer_approval_share",
            "Share where they asked for changes after a peer approved",
            Share,
        )
        .at_least(|t| t.micromanagement.changes_after_approval_share)
        .usual("changes_after_peer_approval_share_team_normal", TEAM),
        Figure::new(
            Micromanagement,
            "commits_on_others_prs_share",
            "Share they pushed commits to",
            Share,
        )
        .at_least(|t| t.micromanagement.commits_on_others_share)
        .usual("commits_on_others_prs_share_team_normal", TEAM),
        Figure::new(
            Micromanagement,
            "ticket_rewrite_share",
            "Share of others' tickets they rewrote",
            Share,
        )
        .at_least(|t| t.micromanagement.ticket_rewrite_share)
        .usual("ticket_rewrite_share_team_normal", TEAM),
        Figure::new(
            Micromanagement,
            "reassignment_share",
            "Share of others' tickets they re-assigned",
            Share,
        )
        .at_least(|t| t.micromanagement.reassignment_share)
        .usual("reassignment_share_team_normal", TEAM),
        Figure::new(
            Micromanagement,
            "review_share_team_normal",
            "Share of the team's PRs the rest of the team reviewed (median)",
            Share,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "changes_after_peer_approval_share_team_normal",
            "The same for the rest of the team (median)",
            Share,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "commits_on_others_prs_share_team_normal",
            "The same for the rest of the team (median)",
            Share,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "ticket_rewrite_share_team_normal",
            "The same for the rest of the team (median)",
            Share,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "reassignment_share_team_normal",
            "The same for the rest of the team (median)",
            Share,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "review_share_over_threshold",
            "Review share past its threshold",
            Text,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "changes_after_peer_approval_share_over_threshold",
            "Changes after approval past its threshold",
            Text,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "commits_on_others_prs_share_over_threshold",
            "Commits on others' PRs past its threshold",
            Text,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "ticket_rewrite_share_over_threshold",
            "Ticket rewrites past their threshold",
            Text,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "reassignment_share_over_threshold",
            "Re-assignments past their threshold",
            Text,
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "signals_over_threshold",
            "Signals past their threshold, of five",
            Count("signals"),
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "team_prs_reviewed",
            "The team's PRs reviewed this month (not the manager's own)",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            Micromanagement,
            "team_tickets_changed",
            "The team's tickets changed this month",
            Count("tickets"),
        )
        .json_only(),
        // absentee_manager
        Figure::new(
            AbsenteeManager,
            "manager_actions_per_pr",
            "The manager's visible actions per PR the team opened",
            Rate("actions"),
        )
        .at_most(|t| t.absentee_manager.max_actions_per_pr),
        Figure::new(
            AbsenteeManager,
            "pickup_ratio",
            "Time to first review, against other teams",
            Times,
        )
        .at_least(|t| t.absentee_manager.pickup_ratio),
        Figure::new(
            AbsenteeManager,
            "team_pickup_p50_h",
            "Median time to first review in the team (wall-clock)",
            Hours,
        )
        .usual("other_teams_pickup_p50_h", "other teams"),
        Figure::new(
            AbsenteeManager,
            "stale_prs_per_person",
            "PRs left untouched at the month's end, per person",
            Rate("PRs"),
        )
        .at_least(|t| t.absentee_manager.stale_per_person),
        Figure::new(
            AbsenteeManager,
            "manager_actions",
            "The manager's visible actions (reviews, comments, ticket changes)",
            Count("actions"),
        )
        .json_only(),
        Figure::new(
            AbsenteeManager,
            "prs_opened_by_team",
            "PRs the team opened",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            AbsenteeManager,
            "other_teams_pickup_p50_h",
            "Median time to first review in other teams (wall-clock)",
            Hours,
        )
        .json_only(),
        Figure::new(
            AbsenteeManager,
            "stale_prs_at_month_end",
            "PRs left untouched at the month's end",
            Count("PRs"),
        )
        .json_only(),
        // wont_let_go
        Figure::new(
            WontLetGo,
            "manager_share_of_merged_prs",
            "Share of the team's merged PRs they wrote",
            Share,
        )
        .at_least(|t| t.wont_let_go.author_share),
        Figure::new(
            WontLetGo,
            "manager_prs_against_median_engineer",
            "Their merged PRs against the team's median engineer's",
            Times,
        )
        .at_least(|t| t.wont_let_go.median_engineer_ratio),
        Figure::new(
            WontLetGo,
            "median_engineer_merged_prs",
            "The team's median engineer's merged PRs",
            Rate("PRs"),
        )
        .json_only(),
        Figure::new(
            WontLetGo,
            "merged_without_approval",
            "Their PRs merged without an approval",
            Count("PRs"),
        )
        .at_least(|t| t.wont_let_go.unapproved_merges as f64),
        Figure::new(
            WontLetGo,
            "reviews_dismissed",
            "Others' reviews they dismissed",
            Count("reviews"),
        )
        .at_least(|t| t.wont_let_go.dismissals as f64),
        // The headline names the module; its share of the changes is the figure.
        Figure::new(
            WontLetGo,
            "module_only_they_know",
            "A module only they know",
            Text,
        )
        .json_only(),
        Figure::new(
            WontLetGo,
            "their_share_of_its_changes",
            "Their share of that module's changes",
            Share,
        )
        .at_least(|t| t.wont_let_go.silo_change_share),
        Figure::new(
            WontLetGo,
            "team_merged_prs",
            "PRs the team merged",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            WontLetGo,
            "manager_merged_prs",
            "PRs they wrote that were merged",
            Count("PRs"),
        )
        .json_only(),
        // overload
        Figure::new(
            Overload,
            "added_mid_sprint_share",
            "Share of sprint work added after the sprint started",
            Share,
        )
        .at_least(|t| t.overload.added_mid_sprint_share),
        Figure::new(
            Overload,
            "wip_per_person_at_month_end",
            "Tickets in progress per person at the month's end",
            Rate("tickets"),
        )
        .above(|t| t.overload.wip_per_person),
        Figure::new(
            Overload,
            "sprint_completion_ratio",
            "Share of sprint tickets done by the sprint's end",
            Share,
        )
        .at_most(|t| t.overload.completion_ratio),
        Figure::new(
            Overload,
            "unplanned_share",
            "Share of new tickets that were unplanned",
            Share,
        )
        .at_least(|t| t.overload.unplanned_share),
        Figure::new(
            Overload,
            "wip_agreement_per_person",
            "The team's agreed limit of tickets in progress per person",
            Rate("tickets"),
        )
        .json_only(),
        Figure::new(
            Overload,
            "sprint_assignments",
            "Tickets put into the month's sprints",
            Count("tickets"),
        )
        .json_only(),
        Figure::new(
            Overload,
            "tickets_created",
            "Tickets created this month",
            Count("tickets"),
        )
        .json_only(),
        Figure::new(
            Overload,
            "signals_over_threshold",
            "Signals past their threshold, of four",
            Count("signals"),
        )
        .json_only(),
        // burnout_risk
        Figure::new(
            BurnoutRisk,
            "after_hours_share",
            "Share of their actions outside working hours or at weekends",
            Share,
        )
        .at_least(|t| t.burnout_risk.after_hours_share)
        .usual("baseline_after_hours_share", BEFORE),
        Figure::new(
            BurnoutRisk,
            "after_hours_share_last_3_months",
            "That share in each of the last three months",
            Shares,
        ),
        // Held to `fortnight_active_share` only for the severity: not a threshold of the finding.
        Figure::new(
            BurnoutRisk,
            "busiest_fortnight_active_days",
            "Days they were active in their busiest fortnight (of 14)",
            Count("days"),
        ),
        Figure::new(
            BurnoutRisk,
            "weekend_share",
            "Share of their actions at weekends",
            Share,
        ),
        Figure::new(
            BurnoutRisk,
            "days_with_after_hours_work",
            "Days with work outside working hours or at a weekend",
            Count("days"),
        )
        .json_only(),
        Figure::new(
            BurnoutRisk,
            "active_days",
            "Days they were active this month",
            Count("days"),
        )
        .json_only(),
        Figure::new(
            BurnoutRisk,
            "usual_active_days",
            "Days they were active in their usual month",
            Count("days"),
        )
        .json_only(),
        Figure::new(
            BurnoutRisk,
            "actions",
            "Their actions this month",
            Count("actions"),
        ),
        Figure::new(
            BurnoutRisk,
            "baseline_after_hours_share",
            "Their share outside working hours, months before",
            Share,
        )
        .json_only(),
        Figure::new(
            BurnoutRisk,
            "busiest_fortnight_start",
            "First day of their busiest fortnight",
            Text,
        )
        .json_only(),
        // knowledge_silo: one figure per module (`repo:module`, see `module_figure`), and
        Figure::new(
            KnowledgeSilo,
            "window_months",
            "Months of history that count as knowledge",
            Count("months"),
        )
        .json_only(),
        // attrition_risk
        Figure::new(AttritionRisk, "last_activity", "Last activity", Text),
        Figure::new(
            AttritionRisk,
            "work_items_this_month",
            "PRs they opened or reviewed this month",
            Count("PRs"),
        )
        .usual("expected_work_items_this_month", EXPECTED),
        Figure::new(
            AttritionRisk,
            "work_items_month_before",
            "PRs they opened or reviewed the month before",
            Count("PRs"),
        )
        .usual("expected_work_items_month_before", EXPECTED),
        Figure::new(
            AttritionRisk,
            "ratio_to_expected_this_month",
            "This month's work against what was expected",
            Share,
        )
        .at_most(|t| t.attrition_risk.fade_ratio),
        Figure::new(
            AttritionRisk,
            "fade_p_value",
            "Chance of so little work over the two months at their own pace",
            Chance,
        )
        .at_most(|t| t.attrition_risk.fade_p_value),
        Figure::new(
            AttritionRisk,
            "ratio_to_expected_month_before",
            "The month before's work against what was expected",
            Share,
        )
        .at_most(|t| t.attrition_risk.fade_ratio)
        .json_only(),
        Figure::new(
            AttritionRisk,
            "expected_work_items_this_month",
            "PRs expected this month at their own pace",
            Rate("PRs"),
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "expected_work_items_month_before",
            "PRs expected the month before at their own pace",
            Rate("PRs"),
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "prs_opened_this_month",
            "PRs they opened this month",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "prs_reviewed_this_month",
            "Others' PRs they reviewed this month",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "team_change_this_month",
            "Their teammates' own change this month (1 is as usual)",
            Times,
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "team_change_month_before",
            "Their teammates' own change the month before",
            Times,
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "baseline_work_items_per_working_day",
            "PRs they opened or reviewed per working day, months before",
            Rate("PRs"),
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "baseline_dispersion",
            "How much more their months swing than a steady pace's (1 is no more)",
            Times,
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "working_days_this_month",
            "Their working days this month",
            Count("days"),
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "known_days_off_this_month",
            "Their known days off this month",
            Count("days"),
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "active_days_this_month",
            "Days they were active this month",
            Count("days"),
        )
        .json_only(),
        Figure::new(
            AttritionRisk,
            "baseline_actions_per_month",
            "Their actions a month, months before",
            Rate("actions"),
        )
        .json_only(),
        Figure::new(AttritionRisk, "stopped", "Stopped altogether", Text).json_only(),
        // output_outcome_divergence
        Figure::new(
            OutputOutcomeDivergence,
            "output_rise",
            "Rise in PRs opened per active person-day",
            Change,
        )
        .at_least(|t| t.output_outcome_divergence.output_rise),
        Figure::new(
            OutputOutcomeDivergence,
            "cycle_time_change",
            "Change in median cycle time",
            Change,
        )
        .at_least(|t| t.output_outcome_divergence.cycle_time_rise),
        Figure::new(
            OutputOutcomeDivergence,
            "cycle_p50_h",
            "Median cycle time (first commit to merge)",
            Hours,
        )
        .usual("cycle_p50_h_baseline", TEAM_BEFORE),
        Figure::new(
            OutputOutcomeDivergence,
            "opened_size_change",
            "Change in the median size of the PRs opened",
            Change,
        )
        .at_most(|t| -t.output_outcome_divergence.size_drop),
        Figure::new(
            OutputOutcomeDivergence,
            "pr_failure_rate",
            "Share of merged PRs that failed (reverted or named by an incident)",
            Share,
        )
        .usual("pr_failure_rate_baseline", TEAM_BEFORE),
        Figure::new(
            OutputOutcomeDivergence,
            "prs_merged",
            "PRs merged",
            Count("PRs"),
        )
        .usual("prs_merged_per_month_baseline", TEAM_BEFORE)
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "prs_opened",
            "PRs opened",
            Count("PRs"),
        )
        .usual("prs_opened_per_month_baseline", TEAM_BEFORE)
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "prs_per_active_day",
            "PRs merged per active person-day",
            Rate("PRs"),
        )
        .usual("prs_per_active_day_baseline", TEAM_BEFORE)
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "median_opened_pr_size",
            "Median size of the PRs opened",
            Count("lines"),
        )
        .usual("median_opened_pr_size_baseline", TEAM_BEFORE)
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "median_pr_size",
            "Median size of the PRs merged",
            Count("lines"),
        )
        .usual("median_pr_size_baseline", TEAM_BEFORE)
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "active_authors",
            "People who opened PRs",
            Count("people"),
        )
        .usual("active_authors_baseline", TEAM_BEFORE)
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "active_person_days",
            "Active person-days",
            Count("days"),
        )
        .usual("active_person_days_per_month_baseline", TEAM_BEFORE)
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "prs_per_author",
            "PRs merged per author",
            Rate("PRs"),
        )
        .usual("prs_per_author_baseline", TEAM_BEFORE)
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "merged_rise",
            "Rise in PRs merged per active person-day",
            Change,
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "opened_rise",
            "Rise in PRs opened per active person-day",
            Change,
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "cycle_p50_h_baseline",
            "Median cycle time, months before",
            Hours,
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "pr_failure_rate_baseline",
            "Share of merged PRs that failed, months before",
            Share,
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "change_failure_rate",
            "The share of merged PRs that failed, under its name before report.json's schema 5 \
             (not DORA's change failure rate)",
            Share,
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "change_failure_rate_baseline",
            "The share of merged PRs that failed in the months before, under its name before \
             report.json's schema 5",
            Share,
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "prs_merged_per_month_baseline",
            "PRs merged a month, months before",
            Rate("PRs"),
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "prs_opened_per_month_baseline",
            "PRs opened a month, months before",
            Rate("PRs"),
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "prs_per_active_day_baseline",
            "PRs merged per active person-day, months before",
            Rate("PRs"),
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "median_opened_pr_size_baseline",
            "Median size of the PRs opened, months before",
            Count("lines"),
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "median_pr_size_baseline",
            "Median size of the PRs merged, months before",
            Count("lines"),
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "active_authors_baseline",
            "People who opened PRs, months before",
            Count("people"),
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "active_person_days_per_month_baseline",
            "Active person-days a month, months before",
            Rate("days"),
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "prs_per_author_baseline",
            "PRs merged per author a month, months before",
            Rate("PRs"),
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "baseline_months",
            "The months before, compared with",
            Text,
        )
        .json_only(),
        Figure::new(
            OutputOutcomeDivergence,
            "pr_splitting",
            "PRs cut finer without shipping faster",
            Text,
        )
        .json_only(),
        // rubber_stamp_review
        Figure::new(
            RubberStampReview,
            "stamp_share",
            "Share of their approvals of large PRs given within minutes, without a comment",
            Share,
        )
        .at_least(|t| t.rubber_stamp_review.min_share),
        Figure::new(
            RubberStampReview,
            "stamps_over_two_months",
            "Such approvals over this month and the one before",
            Count("approvals"),
        )
        .at_least(|t| t.rubber_stamp_review.min_count as f64),
        Figure::new(
            RubberStampReview,
            "median_minutes_to_approve",
            "Median time to approve them",
            Minutes,
        )
        .usual(
            "median_minutes_to_approve_all_large",
            "all their large approvals",
        ),
        Figure::new(
            RubberStampReview,
            "median_lines_stamped",
            "Median size of the PRs approved that fast",
            Count("lines"),
        ),
        Figure::new(
            RubberStampReview,
            "stamps_this_month",
            "Such approvals this month",
            Count("approvals"),
        )
        .json_only(),
        Figure::new(
            RubberStampReview,
            "approvals_of_prs_over_min_lines",
            "Their approvals of large PRs",
            Count("approvals"),
        )
        .json_only(),
        Figure::new(
            RubberStampReview,
            "median_minutes_to_approve_all_large",
            "Median time to approve any large PR",
            Minutes,
        )
        .json_only(),
        // ai_output_without_outcome
        Figure::new(
            AiOutputWithoutOutcome,
            "ai_share",
            "Share of merged PRs made with an assistant ({window})",
            Share,
        )
        .at_least(|t| t.ai_output_without_outcome.min_share)
        .usual("ai_share_baseline", TEAM_BEFORE),
        Figure::new(
            AiOutputWithoutOutcome,
            "failure_ratio",
            "Failure rate of the AI-assisted PRs over the other PRs'",
            Times,
        )
        .at_least(|t| t.ai_output_without_outcome.outcome_ratio),
        Figure::new(
            AiOutputWithoutOutcome,
            "ai_failure_rate",
            "AI-assisted PRs that failed (reverted, or named by an incident)",
            Share,
        )
        .usual("other_failure_rate", "the team's other PRs"),
        Figure::new(
            AiOutputWithoutOutcome,
            "rework_ratio",
            "Rework rate of the AI-assisted PRs over the other PRs'",
            Times,
        )
        .at_least(|t| t.ai_output_without_outcome.outcome_ratio),
        Figure::new(
            AiOutputWithoutOutcome,
            "ai_rework_rate",
            "AI-assisted PRs reworked within 21 days",
            Share,
        )
        .usual("other_rework_rate", "the team's other PRs"),
        Figure::new(
            AiOutputWithoutOutcome,
            "ai_prs",
            "AI-assisted merged PRs",
            Count("PRs"),
        )
        .at_least(|t| t.ai_output_without_outcome.min_ai_prs as f64)
        .json_only(),
        Figure::new(
            AiOutputWithoutOutcome,
            "other_prs",
            "Other merged PRs",
            Count("PRs"),
        )
        .at_least(|t| t.ai_output_without_outcome.min_other_prs as f64)
        .json_only(),
        Figure::new(
            AiOutputWithoutOutcome,
            "ai_failed",
            "AI-assisted PRs that failed",
            Count("PRs"),
        )
        .json_only(),
        Figure::new(
            AiOutputWithoutOutcome,
            "ai_share_baseline",
            "Share made with an assistant, months before",
            Share,
        )
        .json_only(),
        Figure::new(
            AiOutputWithoutOutcome,
            "other_failure_rate",
            "Other PRs that failed",
            Share,
        )
        .json_only(),
        Figure::new(
            AiOutputWithoutOutcome,
            "other_rework_rate",
            "Other PRs reworked within 21 days",
            Share,
        )
        .json_only(),
        Figure::new(AiOutputWithoutOutcome, "window", "Months judged", Text).json_only(),
    ]
});

#[cfg(test)]
mod tests {
    use super::*;

    /// The detectors' sources, to find every figure name they write.
    const SOURCES: [(FindingKind, &str); 11] = [
        (
            FindingKind::ReviewBottleneck,
            include_str!("review_bottleneck.rs"),
        ),
        (
            FindingKind::Micromanagement,
            include_str!("micromanagement.rs"),
        ),
        (
            FindingKind::AbsenteeManager,
            include_str!("absentee_manager.rs"),
        ),
        (FindingKind::WontLetGo, include_str!("wont_let_go.rs")),
        (FindingKind::Overload, include_str!("overload.rs")),
        (FindingKind::BurnoutRisk, include_str!("burnout_risk.rs")),
        (
            FindingKind::KnowledgeSilo,
            include_str!("knowledge_silo.rs"),
        ),
        (
            FindingKind::AttritionRisk,
            include_str!("attrition_risk.rs"),
        ),
        (
            FindingKind::OutputOutcomeDivergence,
            include_str!("output_outcome_divergence.rs"),
        ),
        (
            FindingKind::RubberStampReview,
            include_str!("rubber_stamp_review.rs"),
        ),
        (
            FindingKind::AiOutputWithoutOutcome,
            include_str!("ai_output_without_outcome.rs"),
        ),
    ];

    /// The string literals right after each `marker` in `source`: `.figure("name"` gives `name`.
    fn literals_after<'a>(source: &'a str, marker: &str) -> Vec<&'a str> {
        source
            .match_indices(marker)
            .filter_map(|(at, _)| {
                let rest = source[at + marker.len()..].trim_start();
                let rest = rest.strip_prefix('"')?;
                Some(&rest[..rest.find('"')?])
            })
            .collect()
    }

    /// Every figure name the detectors write, by kind: `.figure("…"` and `.rounded("…"`, and
    /// the three each micromanagement signal gives (`signal`: the figure, its team normal and
    /// whether it is over its threshold).
    fn written() -> Vec<(FindingKind, String)> {
        let mut names = Vec::new();
        for (kind, source) in SOURCES {
            for marker in [".figure(", ".rounded("] {
                for name in literals_after(source, marker) {
                    names.push((kind, name.to_string()));
                }
            }
            if let Some(at) = source.find("let names = [") {
                let block = &source[at..at + source[at..].find("];").unwrap()];
                for name in literals_after(block, "\n") {
                    for suffix in ["", "_team_normal", "_over_threshold"] {
                        names.push((kind, format!("{name}{suffix}")));
                    }
                }
            }
        }
        names
    }

    #[test]
    fn every_figure_a_detector_writes_has_a_label_and_every_label_a_figure() {
        let written = written();
        assert!(written.len() > 100, "{} figure names found", written.len());
        let missing: Vec<_> = written
            .iter()
            .filter(|(kind, name)| find(*kind, name).is_none())
            .collect();
        assert!(missing.is_empty(), "figures without a label: {missing:?}");
        let stale: Vec<_> = ALL
            .iter()
            .filter(|f| !written.contains(&(f.kind, f.name.to_string())))
            .map(|f| (f.kind, f.name))
            .collect();
        assert!(
            stale.is_empty(),
            "labels of figures no detector writes: {stale:?}"
        );
        for figure in ALL.iter() {
            for reference in [figure.usual.map(|u| u.figure)].into_iter().flatten() {
                assert!(
                    find(figure.kind, reference).is_some(),
                    "{}: its usual level {reference} is no figure",
                    figure.name
                );
            }
        }
    }

    /// An evidence table the reader takes in at a glance: at most five figures a finding.
    #[test]
    fn each_kind_shows_at_most_five_figures_and_at_least_one() {
        for kind in FindingKind::ALL {
            let shown = of(kind).filter(|f| f.shown).count();
            // A silo's evidence is its modules, one figure each (`module_figure`).
            let range = if kind == FindingKind::KnowledgeSilo {
                0..=0
            } else {
                1..=5
            };
            assert!(range.contains(&shown), "{kind:?}: {shown} figures shown");
        }
    }

    #[test]
    fn thresholds_are_read_from_the_configuration_on_their_side() {
        let mut thresholds = Thresholds::default();
        let share = find(FindingKind::Micromanagement, "review_share")
            .unwrap()
            .threshold
            .unwrap();
        assert!(share.reached(0.6, &thresholds) && !share.reached(0.59, &thresholds));
        thresholds.micromanagement.review_share = 0.8;
        assert!(!share.reached(0.7, &thresholds));
        let wip = find(FindingKind::Overload, "wip_per_person_at_month_end")
            .unwrap()
            .threshold
            .unwrap();
        assert!(!wip.reached(3.0, &thresholds) && wip.reached(3.1, &thresholds));
        let completion = find(FindingKind::Overload, "sprint_completion_ratio")
            .unwrap()
            .threshold
            .unwrap();
        assert!(completion.reached(0.3, &thresholds) && !completion.reached(0.55, &thresholds));
    }
}
