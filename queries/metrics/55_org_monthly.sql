-- org_monthly: the whole organisation per month, every PR, ticket and person counted once however
-- many teams they belong to (summing outcome_monthly or output_monthly over teams counts the work
-- of a person in two teams twice; this is the total to quote for the organisation), and the
-- series behind the report's trends. Percentiles over every PR (not a median of team medians);
-- the after-hours share over every human action in the actor's own time zone. DORA's keys come
-- from `delivery_org_monthly` (every deployment to production once); `pr_failure_rate` is the
-- share of merged PRs that failed, not DORA's change failure rate.
WITH prs AS (
    SELECT month,
           COUNT(*) AS prs_merged,
           COUNT(DISTINCT author) AS authors,
           MEDIAN(cycle_h) AS cycle_p50_h,
           QUANTILE_CONT(cycle_h, 0.9) AS cycle_p90_h,
           MEDIAN(pickup_h) AS pickup_p50_h,
           MEDIAN(pickup_wh) AS pickup_p50_wh,
           MEDIAN(lead_time_h) AS lead_time_p50_h,
           AVG(failed) AS pr_failure_rate
    FROM pr_phases
    GROUP BY month
),
tickets AS (
    SELECT strftime(resolved_at, '%Y-%m') AS month,
           COUNT(*) AS tickets_resolved,
           AVG(CASE WHEN COALESCE(reopen_count, 0) > 0 THEN 1.0 ELSE 0.0 END) AS reopen_rate
    FROM issues
    WHERE resolved_at IS NOT NULL
    GROUP BY strftime(resolved_at, '%Y-%m')
),
active AS (
    SELECT month, COUNT(DISTINCT person) AS active_people
    FROM active_days
    GROUP BY month
),
activity AS (
    SELECT month,
           SUM(actions) AS actions,
           SUM(after_hours_actions) * 1.0 / SUM(actions) AS after_hours_share,
           SUM(weekend_actions) * 1.0 / SUM(actions) AS weekend_share
    FROM person_monthly
    WHERE role <> 'bot'
    GROUP BY month
),
months AS (
    SELECT month FROM prs UNION SELECT month FROM tickets UNION SELECT month FROM activity
    UNION SELECT month FROM delivery_org_monthly
)
SELECT m.month,
       COALESCE(p.prs_merged, 0) AS prs_merged,
       COALESCE(p.authors, 0) AS authors,
       COALESCE(a.active_people, 0) AS active_people,
       p.cycle_p50_h, p.cycle_p90_h, p.pickup_p50_h, p.pickup_p50_wh, p.lead_time_p50_h,
       dv.lead_time_p90_h,
       dv.deployments, dv.deploys_per_week, dv.repo_deploys_per_week_p50, dv.deploy_days,
       dv.failed_deployments,
       dv.change_failure_rate, dv.recovery_p50_h, dv.recoveries,
       p.pr_failure_rate,
       COALESCE(t.tickets_resolved, 0) AS tickets_resolved,
       t.reopen_rate,
       h.after_hours_share, h.weekend_share
FROM months AS m
LEFT JOIN prs AS p ON p.month = m.month
LEFT JOIN tickets AS t ON t.month = m.month
LEFT JOIN active AS a ON a.month = m.month
LEFT JOIN activity AS h ON h.month = m.month
LEFT JOIN delivery_org_monthly AS dv ON dv.month = m.month
ORDER BY m.month
