-- org_monthly: the whole organisation per month, every PR, ticket and person counted once however
-- many teams they belong to. Summing outcome_monthly or output_monthly over teams counts the work
-- of a person in two teams twice; this is the total to quote for the organisation.
WITH prs AS (
    SELECT month,
           COUNT(*) AS prs_merged,
           COUNT(DISTINCT author) AS authors,
           MEDIAN(cycle_h) AS cycle_p50_h,
           QUANTILE_CONT(cycle_h, 0.9) AS cycle_p90_h,
           MEDIAN(lead_time_h) AS lead_time_p50_h,
           AVG(failed) AS change_failure_rate
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
months AS (
    SELECT COALESCE(p.month, t.month) AS month,
           COALESCE(p.prs_merged, 0) AS prs_merged,
           COALESCE(p.authors, 0) AS authors,
           p.cycle_p50_h, p.cycle_p90_h, p.lead_time_p50_h, p.change_failure_rate,
           COALESCE(t.tickets_resolved, 0) AS tickets_resolved,
           t.reopen_rate
    FROM prs AS p
    FULL JOIN tickets AS t ON t.month = p.month
)
SELECT m.month, m.prs_merged, m.authors,
       COALESCE(a.active_people, 0) AS active_people,
       m.cycle_p50_h, m.cycle_p90_h, m.lead_time_p50_h, m.change_failure_rate,
       m.tickets_resolved, m.reopen_rate
FROM months AS m
LEFT JOIN active AS a ON a.month = m.month
ORDER BY m.month
