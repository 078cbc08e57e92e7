-- ai_monthly: per team, month and group (`ai`: made with an assistant or by an agent; `other`),
-- the output and outcome of the team's merged PRs side by side (`ai_prs`). A PR counts in every
-- team of its owner (`memberships`). Counts come with every rate, so a small sample says so:
-- the report gives 95 % Wilson intervals from `failed` over `prs` and `reworked` over
-- `rework_prs` (the PRs whose 21 days the data cover; the others are not recorded), and the detector
-- judges no group under its minimum. `team_prs`, `team_lines`: the team's whole month, for the
-- shares; `recorded_prs`: PRs whose stored text could show an assistant (0 = not recorded, not
-- "none used"). comments_per_100_lines: comments over changed lines x 100; reviewer load: the
-- reviews the group's PRs took.
WITH team_prs AS (
    SELECT COALESCE(ms.team, 'unassigned') AS team, a.month,
           CASE WHEN a.ai_assisted = 'none' THEN 'other' ELSE 'ai' END AS grp,
           a.ai_assisted, a.size, a.cycle_h, a.pickup_h, a.review_h, a.review_rounds, a.comments,
           a.failed, a.reworked, a.recorded
    FROM ai_prs AS a
    LEFT JOIN memberships AS ms ON ms.person = a.owner
),
totals AS (
    SELECT team, month, COUNT(*) AS team_prs, SUM(size) AS team_lines,
           SUM(recorded) AS recorded_prs
    FROM team_prs
    GROUP BY team, month
),
groups AS (
    SELECT team, month, grp,
           COUNT(*) AS prs,
           SUM(CASE WHEN ai_assisted = 'agent' THEN 1 ELSE 0 END) AS agent_prs,
           SUM(size) AS lines,
           MEDIAN(cycle_h) AS cycle_p50_h,
           MEDIAN(pickup_h) AS pickup_p50_h,
           MEDIAN(review_h) AS review_p50_h,
           AVG(review_rounds) AS review_rounds_avg,
           SUM(review_rounds) AS reviews,
           SUM(comments) AS comments,
           SUM(failed) AS failed,
           COALESCE(SUM(reworked), 0) AS reworked,
           COUNT(reworked) AS rework_prs
    FROM team_prs
    GROUP BY team, month, grp
)
SELECT g.team, g.month, g.grp, g.prs, g.agent_prs, g.lines, g.cycle_p50_h, g.pickup_p50_h,
       g.review_p50_h, g.review_rounds_avg, g.reviews, g.comments,
       CASE WHEN g.lines > 0 THEN 100.0 * g.comments / g.lines END AS comments_per_100_lines,
       g.failed, g.reworked, g.rework_prs,
       CAST(g.failed AS DOUBLE) / g.prs AS failure_rate,
       CASE WHEN g.rework_prs > 0 THEN CAST(g.reworked AS DOUBLE) / g.rework_prs END AS rework_rate,
       t.team_prs, t.team_lines, t.recorded_prs
FROM groups AS g
JOIN totals AS t ON t.team = g.team AND t.month = g.month
ORDER BY g.team, g.month, g.grp
