-- output_monthly: per team and month, how much activity there was. Output is shown per team,
-- never per person: it measures activity, not value.
WITH prs AS (
    SELECT team, month,
           COUNT(*) AS prs_merged,
           COUNT(DISTINCT author) AS authors,
           SUM(size) AS lines_changed,
           MEDIAN(size) AS median_pr_size
    FROM pr_phases
    GROUP BY team, month
),
opened AS (
    SELECT COALESCE(pe.team, 'unassigned') AS team,
           strftime(p.created_at, '%Y-%m') AS month,
           COUNT(*) AS prs_opened
    FROM pull_requests AS p
    LEFT JOIN people AS pe ON pe.person = p.author
    WHERE NOT ends_with(p.author, '[bot]') AND p.author NOT IN (SELECT login FROM bots)
    GROUP BY COALESCE(pe.team, 'unassigned'), strftime(p.created_at, '%Y-%m')
),
commit_counts AS (
    SELECT m.team, m.month, COUNT(*) AS commits
    FROM pr_commits AS c
    JOIN pr_phases AS m ON c.repo = m.repo AND c.number = m.number
    WHERE NOT COALESCE(c.is_merge, FALSE)
    GROUP BY m.team, m.month
),
tickets AS (
    SELECT COALESCE(pe.team, 'unassigned') AS team,
           strftime(i.resolved_at, '%Y-%m') AS month,
           COUNT(*) AS tickets_closed
    FROM issues AS i
    LEFT JOIN people AS pe ON pe.person = i.assignee
    WHERE i.resolved_at IS NOT NULL
    GROUP BY COALESCE(pe.team, 'unassigned'), strftime(i.resolved_at, '%Y-%m')
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
