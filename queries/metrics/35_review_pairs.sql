-- review_pairs: per month (of the review), who reviewed whose pull requests, and how often.
-- Self-reviews and bots are left out. Feeds the reviewer x author matrix.
SELECT strftime(r.submitted_at, '%Y-%m') AS month,
       r.reviewer, p.author,
       COUNT(*) AS reviews,
       SUM(CASE WHEN r.state = 'approved' THEN 1 ELSE 0 END) AS approvals
FROM reviews AS r
JOIN pull_requests AS p ON r.repo = p.repo AND r.number = p.number
WHERE r.reviewer <> p.author
  AND NOT ends_with(r.reviewer, '[bot]') AND r.reviewer NOT IN (SELECT login FROM bots)
  AND NOT ends_with(p.author, '[bot]') AND p.author NOT IN (SELECT login FROM bots)
GROUP BY strftime(r.submitted_at, '%Y-%m'), r.reviewer, p.author
ORDER BY month, reviewer, author
