-- team_health_monthly: per team and month, how the team works — people active, actions, the
-- share of actions after the actor's own working hours and at weekends, and work in progress
-- at the month's end (PRs opened by the team's people and not yet merged or closed; tickets
-- assigned to them, started and not resolved). Team aggregates only: nobody is named. Work in
-- progress is counted from PRs and tickets grouped by the months they opened and ended (a few
-- thousand groups), not from every PR against every month.
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
months AS (SELECT DISTINCT month FROM person_monthly),
pr_spans AS (
    SELECT pe.team, s.opened, s.ended, COUNT(*) AS prs
    FROM (SELECT author,
                 strftime(created_at, '%Y-%m') AS opened,
                 strftime(COALESCE(merged_at, closed_at), '%Y-%m') AS ended
          FROM pull_requests) AS s
    JOIN people AS pe ON pe.person = s.author
    GROUP BY pe.team, s.opened, s.ended
),
open_prs AS (
    SELECT s.team, a.month, SUM(s.prs) AS open_prs
    FROM months AS a
    CROSS JOIN pr_spans AS s
    WHERE s.opened <= a.month AND (s.ended IS NULL OR s.ended > a.month)
    GROUP BY s.team, a.month
),
ticket_spans AS (
    SELECT pe.team, s.started, s.resolved, COUNT(*) AS tickets
    FROM (SELECT assignee,
                 strftime(started_at, '%Y-%m') AS started,
                 strftime(resolved_at, '%Y-%m') AS resolved
          FROM issues WHERE started_at IS NOT NULL) AS s
    JOIN people AS pe ON pe.person = s.assignee
    GROUP BY pe.team, s.started, s.resolved
),
open_tickets AS (
    SELECT s.team, a.month, SUM(s.tickets) AS tickets_in_progress
    FROM months AS a
    CROSS JOIN ticket_spans AS s
    WHERE s.started <= a.month AND (s.resolved IS NULL OR s.resolved > a.month)
    GROUP BY s.team, a.month
)
SELECT a.team, a.month, a.people_active, a.actions, a.after_hours_share, a.weekend_share,
       COALESCE(o.open_prs, 0) AS open_prs,
       COALESCE(t.tickets_in_progress, 0) AS tickets_in_progress
FROM activity AS a
LEFT JOIN open_prs AS o ON o.team = a.team AND o.month = a.month
LEFT JOIN open_tickets AS t ON t.team = a.team AND t.month = a.month
ORDER BY a.team, a.month
