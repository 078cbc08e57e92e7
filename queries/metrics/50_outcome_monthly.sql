-- outcome_monthly: per team and month, how fast and how safely work reached users. Medians and
-- percentiles with their counts; never a mean alone. A PR counts in every team of its author
-- (`memberships`), a ticket in every team of its assignee; `org_monthly` counts each once. The
-- waits' medians are given on both clocks (`*_h` wall, `*_wh` working; see 10_pr_phases.sql).
-- `pr_failure_rate` is the share of merged PRs that failed (reverted, or named by an incident);
-- `change_failure_rate` is DORA's, failed deployments over deployments, from `delivery_monthly`.
WITH team_prs AS (
    SELECT COALESCE(ms.team, 'unassigned') AS team, p.month, p.cycle_h, p.coding_h, p.pickup_h,
           p.review_h, p.merge_h, p.pickup_wh, p.review_wh, p.merge_wh, p.lead_time_h, p.failed
    FROM pr_phases AS p
    LEFT JOIN memberships AS ms ON ms.person = p.author
),
prs AS (
    SELECT team, month,
           COUNT(*) AS prs_merged,
           MEDIAN(cycle_h) AS cycle_p50_h,
           QUANTILE_CONT(cycle_h, 0.75) AS cycle_p75_h,
           QUANTILE_CONT(cycle_h, 0.9) AS cycle_p90_h,
           MEDIAN(coding_h) AS coding_p50_h,
           MEDIAN(pickup_h) AS pickup_p50_h,
           MEDIAN(review_h) AS review_p50_h,
           MEDIAN(merge_h) AS merge_p50_h,
           MEDIAN(pickup_wh) AS pickup_p50_wh,
           MEDIAN(review_wh) AS review_p50_wh,
           MEDIAN(merge_wh) AS merge_p50_wh,
           MEDIAN(lead_time_h) AS lead_time_p50_h,
           COUNT(lead_time_h) AS deployed_prs,
           AVG(failed) AS pr_failure_rate
    FROM team_prs
    GROUP BY team, month
),
tickets AS (
    SELECT COALESCE(ms.team, 'unassigned') AS team,
           strftime(i.resolved_at, '%Y-%m') AS month,
           COUNT(*) AS tickets_resolved,
           AVG(CASE WHEN COALESCE(i.reopen_count, 0) > 0 THEN 1.0 ELSE 0.0 END) AS reopen_rate
    FROM issues AS i
    LEFT JOIN memberships AS ms ON ms.person = i.assignee
    WHERE i.resolved_at IS NOT NULL
    GROUP BY COALESCE(ms.team, 'unassigned'), strftime(i.resolved_at, '%Y-%m')
),
outcome AS (
    SELECT COALESCE(p.team, t.team) AS team,
           COALESCE(p.month, t.month) AS month,
           COALESCE(p.prs_merged, 0) AS prs_merged,
           p.cycle_p50_h, p.cycle_p75_h, p.cycle_p90_h,
           p.coding_p50_h, p.pickup_p50_h, p.review_p50_h, p.merge_p50_h,
           p.pickup_p50_wh, p.review_p50_wh, p.merge_p50_wh,
           p.lead_time_p50_h, COALESCE(p.deployed_prs, 0) AS deployed_prs,
           p.pr_failure_rate,
           COALESCE(t.tickets_resolved, 0) AS tickets_resolved,
           t.reopen_rate
    FROM prs AS p
    FULL JOIN tickets AS t ON t.team = p.team AND t.month = p.month
)
SELECT o.team, o.month, o.prs_merged, o.cycle_p50_h, o.cycle_p75_h, o.cycle_p90_h,
       o.coding_p50_h, o.pickup_p50_h, o.review_p50_h, o.merge_p50_h,
       o.pickup_p50_wh, o.review_p50_wh, o.merge_p50_wh,
       o.lead_time_p50_h, o.deployed_prs, dv.change_failure_rate, o.pr_failure_rate,
       o.tickets_resolved, o.reopen_rate
FROM outcome AS o
LEFT JOIN delivery_monthly AS dv ON dv.team = o.team AND dv.month = o.month
ORDER BY o.team, o.month
