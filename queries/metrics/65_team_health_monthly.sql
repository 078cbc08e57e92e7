-- team_health_monthly: per team and month, how the team works — people active, actions, the
-- share of actions after the actor's own working hours and at weekends, and work in progress
-- at the month's end (PRs opened by the team's people and not yet merged or closed; tickets
-- assigned to them, started and not resolved). Team aggregates only: nobody is named.
WITH activity AS (
    SELECT team, month,
           COUNT(*) AS people_active,
           SUM(actions) AS actions,
           SUM(after_hours_actions) * 1.0 / SUM(actions) AS after_hours_share,
           SUM(weekend_actions) * 1.0 / SUM(actions) AS weekend_share
    FROM person_monthly
    WHERE role <> 'bot'
    GROUP BY team, month
),
open_prs AS (
    SELECT pe.team, a.month, COUNT(*) AS open_prs
    FROM (SELECT DISTINCT month FROM person_monthly) AS a
    CROSS JOIN pull_requests AS p
    JOIN people AS pe ON pe.person = p.author
    WHERE strftime(p.created_at, '%Y-%m') <= a.month
      AND (COALESCE(p.merged_at, p.closed_at) IS NULL
           OR strftime(COALESCE(p.merged_at, p.closed_at), '%Y-%m') > a.month)
    GROUP BY pe.team, a.month
),
open_tickets AS (
    SELECT pe.team, a.month, COUNT(*) AS tickets_in_progress
    FROM (SELECT DISTINCT month FROM person_monthly) AS a
    CROSS JOIN issues AS i
    JOIN people AS pe ON pe.person = i.assignee
    WHERE i.started_at IS NOT NULL
      AND strftime(i.started_at, '%Y-%m') <= a.month
      AND (i.resolved_at IS NULL OR strftime(i.resolved_at, '%Y-%m') > a.month)
    GROUP BY pe.team, a.month
)
SELECT a.team, a.month, a.people_active, a.actions, a.after_hours_share, a.weekend_share,
       COALESCE(o.open_prs, 0) AS open_prs,
       COALESCE(t.tickets_in_progress, 0) AS tickets_in_progress
FROM activity AS a
LEFT JOIN open_prs AS o ON o.team = a.team AND o.month = a.month
LEFT JOIN open_tickets AS t ON t.team = a.team AND t.month = a.month
ORDER BY a.team, a.month
