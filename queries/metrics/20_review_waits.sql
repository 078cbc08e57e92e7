-- review_waits: one row per review request of a human reviewer on a human's pull request.
-- The reviewer's clock starts when they are asked: the later of the request and the PR leaving
-- draft. It ends at their first review after that, when the request is removed, or when the PR
-- closes, whichever comes first. `blocking_h` is the part of the wait during which no one else
-- had approved yet: PR-hours that waited on this reviewer alone.
-- Each wait is given twice: on the wall clock (`wait_h`, `blocking_h`) and in the reviewer's own
-- working time (`wait_wh`, `blocking_wh`): their zone, hours, weekends, holidays and days off,
-- laid out by day in `working_time` (src/metrics/calendar.rs). The working time up to an instant
-- is that day's `before_s` plus the part of the day's one or two working stretches before it.
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
           LEAST(a.first_review_at, q.removed_at, q.ended_at) AS clock_end,
           LEAST(a.first_review_at, q.removed_at, q.ended_at, a.other_approval_at) AS blocking_end
    FROM requests AS q
    JOIN answers AS a
      ON a.repo = q.repo AND a.number = q.number AND a.reviewer = q.reviewer
     AND a.requested_at = q.requested_at
),
calendars AS (
    SELECT c.*, COALESCE(pc.calendar, 0) AS calendar,
           CAST(FLOOR(EXTRACT(EPOCH FROM c.clock_start) / 86400) AS BIGINT) AS start_day,
           CAST(FLOOR(EXTRACT(EPOCH FROM c.clock_end) / 86400) AS BIGINT) AS end_day,
           CAST(FLOOR(EXTRACT(EPOCH FROM c.blocking_end) / 86400) AS BIGINT) AS blocking_day
    FROM clocks AS c
    LEFT JOIN person_calendars AS pc ON pc.person = c.reviewer
),
working AS (
    SELECT c.*,
           ws.before_s
             + LEAST(GREATEST(EXTRACT(EPOCH FROM c.clock_start) - ws.a_start_s, 0.0), ws.a_len_s)
             + LEAST(GREATEST(EXTRACT(EPOCH FROM c.clock_start) - ws.b_start_s, 0.0), ws.b_len_s) AS start_ws,
           we.before_s
             + LEAST(GREATEST(EXTRACT(EPOCH FROM c.clock_end) - we.a_start_s, 0.0), we.a_len_s)
             + LEAST(GREATEST(EXTRACT(EPOCH FROM c.clock_end) - we.b_start_s, 0.0), we.b_len_s) AS end_ws,
           wb.before_s
             + LEAST(GREATEST(EXTRACT(EPOCH FROM c.blocking_end) - wb.a_start_s, 0.0), wb.a_len_s)
             + LEAST(GREATEST(EXTRACT(EPOCH FROM c.blocking_end) - wb.b_start_s, 0.0), wb.b_len_s) AS blocking_ws
    FROM calendars AS c
    LEFT JOIN working_time AS ws ON ws.calendar = c.calendar AND ws.day = c.start_day
    LEFT JOIN working_time AS we ON we.calendar = c.calendar AND we.day = c.end_day
    LEFT JOIN working_time AS wb ON wb.calendar = c.calendar AND wb.day = c.blocking_day
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
       END AS blocking_h,
       CASE WHEN clock_end IS NOT NULL THEN GREATEST(0.0, (end_ws - start_ws) / 3600.0) END AS wait_wh,
       CASE WHEN clock_end IS NOT NULL OR other_approval_at IS NOT NULL THEN
           GREATEST(0.0, (blocking_ws - start_ws) / 3600.0)
       END AS blocking_wh
FROM working
