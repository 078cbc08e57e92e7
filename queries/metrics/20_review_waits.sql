-- review_waits: one row per review request of a human reviewer on a human's pull request.
-- The reviewer's clock starts when they are asked: the later of the request and the PR leaving
-- draft. It ends at their first review after that, when the request is removed, or when the PR
-- closes, whichever comes first. `blocking_h` is the part of the wait during which no one else
-- had approved yet: PR-hours that waited on this reviewer alone.
WITH requests AS (
    SELECT q.repo, q.number, q.requested AS reviewer, q.requested_at, q.removed_at,
           p.author, p.url, p.title,
           COALESCE(pe.team, 'unassigned') AS team,
           COALESCE(p.merged_at, p.closed_at) AS ended_at,
           GREATEST(q.requested_at, COALESCE(p.ready_at, p.created_at)) AS clock_start
    FROM review_requests AS q
    JOIN pull_requests AS p ON q.repo = p.repo AND q.number = p.number
    LEFT JOIN people AS pe ON pe.person = p.author
    WHERE q.requested <> p.author
      AND NOT ends_with(q.requested, '[bot]')
      AND NOT starts_with(q.requested, 'team:')
      AND q.requested NOT IN (SELECT login FROM bots)
      AND NOT ends_with(p.author, '[bot]')
      AND p.author NOT IN (SELECT login FROM bots)
),
human_reviews AS (
    SELECT repo, number, reviewer, state, submitted_at
    FROM reviews
    WHERE NOT ends_with(reviewer, '[bot]') AND reviewer NOT IN (SELECT login FROM bots)
),
answers AS (
    SELECT q.repo, q.number, q.reviewer, q.requested_at,
           MIN(CASE WHEN r.reviewer = q.reviewer AND r.submitted_at >= q.clock_start
                    THEN r.submitted_at END) AS first_review_at,
           MIN(CASE WHEN r.reviewer <> q.reviewer AND r.reviewer <> q.author
                     AND r.state = 'approved' AND r.submitted_at >= q.clock_start
                    THEN r.submitted_at END) AS other_approval_at
    FROM requests AS q
    LEFT JOIN human_reviews AS r ON r.repo = q.repo AND r.number = q.number
    GROUP BY q.repo, q.number, q.reviewer, q.requested_at
),
clocks AS (
    SELECT q.*, a.first_review_at, a.other_approval_at,
           LEAST(a.first_review_at, q.removed_at, q.ended_at) AS clock_end
    FROM requests AS q
    JOIN answers AS a
      ON a.repo = q.repo AND a.number = q.number AND a.reviewer = q.reviewer
     AND a.requested_at = q.requested_at
)
SELECT repo, number, reviewer, author, team, url, title, requested_at, clock_start, clock_end,
       strftime(clock_start, '%Y-%m') AS month,
       CASE WHEN clock_end IS NULL THEN 'open'
            WHEN clock_end = first_review_at THEN 'reviewed'
            WHEN clock_end = removed_at THEN 'removed'
            ELSE 'closed' END AS outcome,
       -- An open request's wait is not over: NULL, not 0 (GREATEST ignores a NULL argument).
       CASE WHEN clock_end IS NOT NULL THEN
           GREATEST(0.0, (EXTRACT(EPOCH FROM clock_end) - EXTRACT(EPOCH FROM clock_start)) / 3600.0)
       END AS wait_h,
       CASE WHEN clock_end IS NOT NULL OR other_approval_at IS NOT NULL THEN
           GREATEST(0.0, (EXTRACT(EPOCH FROM LEAST(clock_end, other_approval_at)) - EXTRACT(EPOCH FROM clock_start)) / 3600.0)
       END AS blocking_h
FROM clocks
