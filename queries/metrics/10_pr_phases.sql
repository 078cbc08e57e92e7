-- pr_phases: one row per merged pull request by a human author, with its phases in hours.
-- Definitions (docs/report.md, "Definitions"): coding = first commit -> ready; pickup = ready -> first
-- review by someone other than the author and not a bot; review = first review -> last approval;
-- merge = last approval -> merged; cycle = first commit -> merged; lead time = first commit ->
-- first deployment that shipped the PR. Reviews after the merge do not count. Reviews dated at
-- the merge itself (git trailers, bors `r=`: the review's own time is not recorded) cannot tell
-- pickup, review and merge apart, so those three phases are NULL, not zero, and cycle time stands
-- alone. A PR no deployment shipped has no lead time (NULL: GREATEST ignores a NULL argument,
-- so every such difference is guarded, or it would read 0). The three waits are also given in the
-- working time of the person waited on (`*_wh`; src/metrics/calendar.rs lays the calendars out):
-- pickup in the first reviewer's, review in the last approver's, merge in the merger's (the
-- author's when the source does not say who merged). `team` is the
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
first_reviewers AS (
    SELECT h.repo, h.number, MIN(h.reviewer) AS first_reviewer
    FROM human_reviews AS h
    JOIN review_bounds AS b
      ON b.repo = h.repo AND b.number = h.number AND h.submitted_at = b.first_review_at
    GROUP BY h.repo, h.number
),
last_approvers AS (
    SELECT h.repo, h.number, MIN(h.reviewer) AS last_approver
    FROM human_reviews AS h
    JOIN review_bounds AS b
      ON b.repo = h.repo AND b.number = h.number AND h.submitted_at = b.last_approval_at
    WHERE h.state = 'approved'
    GROUP BY h.repo, h.number
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
),
phases AS (
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
       CASE WHEN f.number IS NULL THEN 0 ELSE 1 END AS failed,
       COALESCE(b.last_approval_at, m.ready_at) AS merge_wait_from,
       COALESCE(cf.calendar, 0) AS pickup_calendar,
       COALESCE(cl.calendar, 0) AS review_calendar,
       COALESCE(cm.calendar, 0) AS merge_calendar
FROM merged AS m
LEFT JOIN review_bounds AS b ON b.repo = m.repo AND b.number = m.number
LEFT JOIN people AS pe ON pe.person = m.author
LEFT JOIN pr_deploys AS d ON d.repo = m.repo AND d.number = m.number
LEFT JOIN pr_failures AS f ON f.repo = m.repo AND f.number = m.number
LEFT JOIN first_reviewers AS fr ON fr.repo = m.repo AND fr.number = m.number
LEFT JOIN last_approvers AS la ON la.repo = m.repo AND la.number = m.number
LEFT JOIN person_calendars AS cf ON cf.person = fr.first_reviewer
LEFT JOIN person_calendars AS cl ON cl.person = la.last_approver
LEFT JOIN person_calendars AS cm ON cm.person = COALESCE(m.merged_by, m.author)
),
-- The working time up to each phase boundary, on the calendar of the person the phase waits on.
boundaries AS (
SELECT p.*,
       CAST(FLOOR(EXTRACT(EPOCH FROM p.ready_at) / 86400) AS BIGINT) AS ready_day,
       CAST(FLOOR(EXTRACT(EPOCH FROM p.first_review_at) / 86400) AS BIGINT) AS first_review_day,
       CAST(FLOOR(EXTRACT(EPOCH FROM p.last_approval_at) / 86400) AS BIGINT) AS last_approval_day,
       CAST(FLOOR(EXTRACT(EPOCH FROM p.merge_wait_from) / 86400) AS BIGINT) AS merge_wait_day,
       CAST(FLOOR(EXTRACT(EPOCH FROM p.merged_at) / 86400) AS BIGINT) AS merged_day
FROM phases AS p
),
working AS (
SELECT p.*,
       w1.before_s
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.ready_at) - w1.a_start_s, 0.0), w1.a_len_s)
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.ready_at) - w1.b_start_s, 0.0), w1.b_len_s) AS pickup_from_ws,
       w2.before_s
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.first_review_at) - w2.a_start_s, 0.0), w2.a_len_s)
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.first_review_at) - w2.b_start_s, 0.0), w2.b_len_s) AS pickup_to_ws,
       w3.before_s
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.first_review_at) - w3.a_start_s, 0.0), w3.a_len_s)
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.first_review_at) - w3.b_start_s, 0.0), w3.b_len_s) AS review_from_ws,
       w4.before_s
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.last_approval_at) - w4.a_start_s, 0.0), w4.a_len_s)
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.last_approval_at) - w4.b_start_s, 0.0), w4.b_len_s) AS review_to_ws,
       w5.before_s
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.merge_wait_from) - w5.a_start_s, 0.0), w5.a_len_s)
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.merge_wait_from) - w5.b_start_s, 0.0), w5.b_len_s) AS merge_from_ws,
       w6.before_s
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.merged_at) - w6.a_start_s, 0.0), w6.a_len_s)
         + LEAST(GREATEST(EXTRACT(EPOCH FROM p.merged_at) - w6.b_start_s, 0.0), w6.b_len_s) AS merge_to_ws
FROM boundaries AS p
LEFT JOIN working_time AS w1 ON w1.calendar = p.pickup_calendar AND w1.day = p.ready_day
LEFT JOIN working_time AS w2 ON w2.calendar = p.pickup_calendar AND w2.day = p.first_review_day
LEFT JOIN working_time AS w3 ON w3.calendar = p.review_calendar AND w3.day = p.first_review_day
LEFT JOIN working_time AS w4 ON w4.calendar = p.review_calendar AND w4.day = p.last_approval_day
LEFT JOIN working_time AS w5 ON w5.calendar = p.merge_calendar AND w5.day = p.merge_wait_day
LEFT JOIN working_time AS w6 ON w6.calendar = p.merge_calendar AND w6.day = p.merged_day
)
SELECT repo, number, author, team, title, url, merged_by, size,
       first_commit_at, created_at, ready_at, first_review_at, last_approval_at, merged_at,
       month, reviews, approvals, coding_h, pickup_h, review_h, merge_h, cycle_h, lead_time_h, failed,
       CASE WHEN pickup_h IS NOT NULL THEN GREATEST(0.0, (pickup_to_ws - pickup_from_ws) / 3600.0) END AS pickup_wh,
       CASE WHEN review_h IS NOT NULL THEN GREATEST(0.0, (review_to_ws - review_from_ws) / 3600.0) END AS review_wh,
       CASE WHEN merge_h IS NOT NULL THEN GREATEST(0.0, (merge_to_ws - merge_from_ws) / 3600.0) END AS merge_wh
FROM working
