-- pr_phases: one row per merged pull request by a human author, with its phases in hours.
-- Definitions (docs/report.md, "Definitions"): coding = first commit -> ready; pickup = ready -> first
-- review by someone other than the author and not a bot; review = first review -> last approval;
-- merge = last approval -> merged; cycle = first commit -> merged; lead time = first commit ->
-- first deployment that shipped the PR. Reviews after the merge do not count. Reviews dated at
-- the merge itself (git trailers, bors `r=`: the review's own time is not recorded) cannot tell
-- pickup, review and merge apart, so those three phases are NULL, not zero, and cycle time stands
-- alone. A PR no deployment shipped has no lead time (NULL: GREATEST ignores a NULL argument,
-- so every such difference is guarded, or it would read 0). `team` is the
-- author's primary team; team aggregates join `memberships` to count every team of the author.
WITH human_reviews AS (
    SELECT r.repo, r.number, r.reviewer, r.state, r.submitted_at
    FROM reviews AS r
    JOIN pull_requests AS p ON r.repo = p.repo AND r.number = p.number
    WHERE r.reviewer <> p.author
      AND NOT ends_with(r.reviewer, '[bot]')
      AND r.reviewer NOT IN (SELECT login FROM bots)
      AND p.merged_at IS NOT NULL
      AND r.submitted_at <= p.merged_at
),
review_bounds AS (
    SELECT repo, number,
           MIN(submitted_at) AS first_review_at,
           MAX(CASE WHEN state = 'approved' THEN submitted_at END) AS last_approval_at,
           COUNT(*) AS reviews,
           SUM(CASE WHEN state = 'approved' THEN 1 ELSE 0 END) AS approvals
    FROM human_reviews
    GROUP BY repo, number
),
merged AS (
    SELECT p.repo, p.number, p.author, p.title, p.url, p.merged_by, p.created_at,
           COALESCE(p.ready_at, p.created_at) AS ready_at,
           COALESCE(p.first_commit_at, p.created_at) AS first_commit_at,
           p.merged_at,
           COALESCE(p.additions, 0) + COALESCE(p.deletions, 0) AS size
    FROM pull_requests AS p
    WHERE p.merged_at IS NOT NULL
      AND NOT ends_with(p.author, '[bot]')
      AND p.author NOT IN (SELECT login FROM bots)
)
SELECT m.repo, m.number, m.author,
       COALESCE(pe.team, 'unassigned') AS team,
       m.title, m.url, m.merged_by, m.size,
       m.first_commit_at, m.created_at, m.ready_at, b.first_review_at, b.last_approval_at, m.merged_at,
       strftime(m.merged_at, '%Y-%m') AS month,
       COALESCE(b.reviews, 0) AS reviews,
       COALESCE(b.approvals, 0) AS approvals,
       GREATEST(0.0, (EXTRACT(EPOCH FROM m.ready_at) - EXTRACT(EPOCH FROM m.first_commit_at)) / 3600.0) AS coding_h,
       CASE WHEN b.first_review_at < m.merged_at THEN
           GREATEST(0.0, (EXTRACT(EPOCH FROM b.first_review_at) - EXTRACT(EPOCH FROM m.ready_at)) / 3600.0)
       END AS pickup_h,
       CASE WHEN b.first_review_at < m.merged_at THEN
           GREATEST(0.0, (EXTRACT(EPOCH FROM b.last_approval_at) - EXTRACT(EPOCH FROM b.first_review_at)) / 3600.0)
       END AS review_h,
       CASE WHEN b.first_review_at IS NULL OR b.first_review_at < m.merged_at THEN
           GREATEST(0.0, (EXTRACT(EPOCH FROM m.merged_at) - EXTRACT(EPOCH FROM COALESCE(b.last_approval_at, m.ready_at))) / 3600.0)
       END AS merge_h,
       GREATEST(0.0, (EXTRACT(EPOCH FROM m.merged_at) - EXTRACT(EPOCH FROM m.first_commit_at)) / 3600.0) AS cycle_h,
       CASE WHEN d.deployed_at IS NOT NULL THEN
           GREATEST(0.0, (EXTRACT(EPOCH FROM d.deployed_at) - EXTRACT(EPOCH FROM m.first_commit_at)) / 3600.0)
       END AS lead_time_h,
       CASE WHEN f.number IS NULL THEN 0 ELSE 1 END AS failed
FROM merged AS m
LEFT JOIN review_bounds AS b ON b.repo = m.repo AND b.number = m.number
LEFT JOIN people AS pe ON pe.person = m.author
LEFT JOIN pr_deploys AS d ON d.repo = m.repo AND d.number = m.number
LEFT JOIN pr_failures AS f ON f.repo = m.repo AND f.number = m.number
