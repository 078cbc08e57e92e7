-- output_monthly: per team and month, how much activity there was. Output is shown per team,
-- never per person: it measures activity, not value. A person's work counts in every team they
-- belong to (`memberships`); `org_monthly` counts it once.
WITH team_prs AS (
    SELECT COALESCE(ms.team, 'unassigned') AS team, p.month, p.author, p.size, p.repo, p.number
    FROM pr_phases AS p
    LEFT JOIN memberships AS ms ON ms.person = p.author
),
prs AS (
    SELECT team, month,
           COUNT(*) AS prs_merged,
           COUNT(DISTINCT author) AS authors,
           SUM(size) AS lines_changed,
           MEDIAN(size) AS median_pr_size
    FROM team_prs
    GROUP BY team, month
),
opened AS (
    SELECT COALESCE(ms.team, 'unassigned') AS team,
           strftime(p.created_at, '%Y-%m') AS month,
           COUNT(*) AS prs_opened
    FROM pull_requests AS p
    LEFT JOIN memberships AS ms ON ms.person = p.author
    WHERE NOT ends_with(p.author, '[bot]') AND p.author NOT IN (SELECT login FROM bots)
    GROUP BY COALESCE(ms.team, 'unassigned'), strftime(p.created_at, '%Y-%m')
),
commit_counts AS (
    SELECT m.team, m.month, COUNT(*) AS commits
    FROM pr_commits AS c
    JOIN team_prs AS m ON c.repo = m.repo AND c.number = m.number
    WHERE NOT COALESCE(c.is_merge, FALSE)
    GROUP BY m.team, m.month
),
tickets AS (
    SELECT COALESCE(ms.team, 'unassigned') AS team,
           strftime(i.resolved_at, '%Y-%m') AS month,
           COUNT(*) AS tickets_closed
    FROM issues AS i
    LEFT JOIN memberships AS ms ON ms.person = i.assignee
    WHERE i.resolved_at IS NOT NULL
    GROUP BY COALESCE(ms.team, 'unassigned'), strftime(i.resolved_at, '%Y-%m')
),
base AS (
    SELECT COALESCE(p.team, t.team) AS team,
           COALESCE(p.month, t.month) AS month,
           COALESCE(p.prs_merged, 0) AS prs_merged,
           COALESCE(p.authors, 0) AS authors,
           COALESCE(p.lines_changed, 0) AS lines_changed,
           p.median_pr_size,
           COALESCE(t.tickets_closed, 0) AS tickets_closed
    FROM prs AS p
    FULL JOIN tickets AS t ON t.team = p.team AND t.month = p.month
)
SELECT b.team, b.month, b.prs_merged,
       COALESCE(o.prs_opened, 0) AS prs_opened,
       b.authors,
       COALESCE(c.commits, 0) AS commits,
       b.lines_changed, b.median_pr_size, b.tickets_closed
FROM base AS b
LEFT JOIN commit_counts AS c ON c.team = b.team AND c.month = b.month
LEFT JOIN opened AS o ON o.team = b.team AND o.month = b.month
ORDER BY team, month
