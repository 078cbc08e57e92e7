-- ai_prs: one row per merged pull request with its class (`pr_ai`: made with an assistant,
-- authored by an agent, or neither) beside its outcome. An agent-authored PR is no person's
-- work: it stays out of `pr_phases` and every person metric (agents are not people), and counts
-- here for the team of the person who merged it (`owner`) — or, when a bot merged it (a merge
-- queue, bors), of the person who last reviewed it before the merge, else of no team
-- (`unassigned`), never of the bots; any other PR counts for its author's team.
-- Cycle time is `pr_phases`' definition (first commit -> merged), taken from it for people's
-- PRs and computed the same way for agents'; the phases exist for people's PRs only.
-- review_rounds: reviews submitted by someone other than the author, not a bot, before the
-- merge. comments: the PR's conversation and review-thread comments by people.
-- failed: `pr_failures` (reverted, or named by an incident). reworked: `pr_rework` (a later
-- change to one of its files within 21 days, by anyone): 1 or 0, and null (not recorded) when
-- the data end inside its 21 days or its files were not stored.
WITH merged AS (
    SELECT p.repo, p.number, p.author, p.merged_by, p.merged_at,
           COALESCE(p.first_commit_at, p.created_at) AS first_commit_at,
           COALESCE(p.additions, 0) + COALESCE(p.deletions, 0) AS size,
           COALESCE(a.ai_assisted, 'none') AS ai_assisted,
           a.tool,
           CASE WHEN a.recorded THEN 1 ELSE 0 END AS recorded
    FROM pull_requests AS p
    LEFT JOIN pr_ai AS a ON a.source = p.source AND a.repo = p.repo AND a.number = p.number
    WHERE p.merged_at IS NOT NULL
      AND (COALESCE(a.ai_assisted, 'none') = 'agent'
           OR (NOT ends_with(p.author, '[bot]') AND p.author NOT IN (SELECT login FROM bots)))
),
rounds AS (
    SELECT r.repo, r.number, COUNT(*) AS review_rounds
    FROM reviews AS r
    JOIN merged AS m ON m.repo = r.repo AND m.number = r.number
    WHERE r.reviewer <> m.author
      AND NOT ends_with(r.reviewer, '[bot]')
      AND r.reviewer NOT IN (SELECT login FROM bots)
      AND r.submitted_at <= m.merged_at
    GROUP BY r.repo, r.number
),
last_review AS (
    SELECT r.repo, r.number, MAX(r.submitted_at) AS at
    FROM reviews AS r
    JOIN merged AS m ON m.repo = r.repo AND m.number = r.number
    WHERE m.ai_assisted = 'agent'
      AND r.reviewer <> m.author
      AND NOT ends_with(r.reviewer, '[bot]')
      AND r.reviewer NOT IN (SELECT login FROM bots)
      AND r.submitted_at <= m.merged_at
    GROUP BY r.repo, r.number
),
agent_reviewer AS (
    SELECT r.repo, r.number, MIN(r.reviewer) AS reviewer
    FROM reviews AS r
    JOIN last_review AS l ON l.repo = r.repo AND l.number = r.number AND l.at = r.submitted_at
    WHERE NOT ends_with(r.reviewer, '[bot]')
      AND r.reviewer NOT IN (SELECT login FROM bots)
    GROUP BY r.repo, r.number
),
pr_comments AS (
    SELECT c.container AS repo, c.item, COUNT(*) AS comments
    FROM comments AS c
    WHERE c.target = 'pr'
      AND NOT ends_with(c.author, '[bot]')
      AND c.author NOT IN (SELECT login FROM bots)
    GROUP BY c.container, c.item
)
SELECT m.repo, m.number,
       CASE WHEN m.ai_assisted <> 'agent' THEN m.author
            WHEN m.merged_by IS NOT NULL AND NOT ends_with(m.merged_by, '[bot]')
                 AND mb.login IS NULL THEN m.merged_by
            ELSE ar.reviewer END AS owner,
       strftime(m.merged_at, '%Y-%m') AS month,
       m.ai_assisted, m.tool, m.recorded, m.size,
       COALESCE(ph.cycle_h,
                GREATEST(0.0, (EXTRACT(EPOCH FROM m.merged_at) - EXTRACT(EPOCH FROM m.first_commit_at)) / 3600.0)) AS cycle_h,
       ph.pickup_h, ph.review_h,
       COALESCE(r.review_rounds, 0) AS review_rounds,
       COALESCE(c.comments, 0) AS comments,
       CASE WHEN f.number IS NULL THEN 0 ELSE 1 END AS failed,
       CASE WHEN w.reworked THEN 1 WHEN NOT w.reworked THEN 0 END AS reworked
FROM merged AS m
LEFT JOIN pr_phases AS ph ON ph.repo = m.repo AND ph.number = m.number
LEFT JOIN rounds AS r ON r.repo = m.repo AND r.number = m.number
LEFT JOIN agent_reviewer AS ar ON ar.repo = m.repo AND ar.number = m.number
LEFT JOIN bots AS mb ON mb.login = m.merged_by
LEFT JOIN pr_comments AS c ON c.repo = m.repo AND c.item = CAST(m.number AS VARCHAR)
LEFT JOIN pr_failures AS f ON f.repo = m.repo AND f.number = m.number
LEFT JOIN pr_rework AS w ON w.repo = m.repo AND w.number = m.number
