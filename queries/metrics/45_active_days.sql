-- active_days: per person and month, the days (UTC dates) on which the person did something
-- visible: a commit on a PR, a review, a PR opened, a comment. Output is measured per active
-- person-day so that the month after the summer holidays is not mistaken for a surge. A person
-- in two teams has a row in each, as their work counts in each team's output.
WITH activity AS (
    SELECT author AS person, authored_at AS at FROM pr_commits WHERE NOT COALESCE(is_merge, FALSE)
    UNION ALL
    SELECT reviewer AS person, submitted_at AS at FROM reviews
    UNION ALL
    SELECT author AS person, created_at AS at FROM pull_requests
    UNION ALL
    SELECT author AS person, created_at AS at FROM comments
)
SELECT COALESCE(ms.team, 'unassigned') AS team,
       a.person,
       strftime(a.at, '%Y-%m') AS month,
       COUNT(DISTINCT CAST(a.at AS DATE)) AS active_days
FROM activity AS a
LEFT JOIN memberships AS ms ON ms.person = a.person
WHERE NOT ends_with(a.person, '[bot]')
  AND a.person NOT IN (SELECT login FROM bots)
GROUP BY COALESCE(ms.team, 'unassigned'), a.person, strftime(a.at, '%Y-%m')
ORDER BY team, a.person, month
