-- review_load: per team (of the PR's author), month (of the merge) and reviewer: how many of the
-- team's merged PRs the reviewer approved, and on how many theirs was the last approval before
-- the merge (the gate). Shares are of the PRs the reviewer could approve: not their own.
-- One pass over the approvals: each reviewer's approval of a PR, and whether one of theirs was
-- the PR's last approval.
WITH approvals AS (
    SELECT r.repo, r.number, r.reviewer, m.team, m.month,
           MAX(CASE WHEN r.submitted_at = m.last_approval_at THEN 1 ELSE 0 END) AS gate
    FROM reviews AS r
    JOIN pr_phases AS m ON r.repo = m.repo AND r.number = m.number
    WHERE r.state = 'approved' AND r.reviewer <> m.author AND r.submitted_at <= m.merged_at
      AND NOT ends_with(r.reviewer, '[bot]') AND r.reviewer NOT IN (SELECT login FROM bots)
    GROUP BY r.repo, r.number, r.reviewer, m.team, m.month
),
team_months AS (
    SELECT team, month, COUNT(*) AS merged_prs FROM pr_phases GROUP BY team, month
),
authored AS (
    SELECT team, month, author, COUNT(*) AS own_prs FROM pr_phases GROUP BY team, month, author
),
per_reviewer AS (
    SELECT team, month, reviewer,
           COUNT(*) AS approved_prs,
           SUM(gate) AS last_gate_prs
    FROM approvals
    GROUP BY team, month, reviewer
)
SELECT p.team, p.month, p.reviewer,
       COALESCE(rp.team, 'unassigned') AS reviewer_team,
       COALESCE(rp.role, 'unknown') AS reviewer_role,
       t.merged_prs,
       t.merged_prs - COALESCE(o.own_prs, 0) AS eligible_prs,
       p.approved_prs, p.last_gate_prs,
       p.approved_prs * 1.0 / GREATEST(1, t.merged_prs - COALESCE(o.own_prs, 0)) AS approval_share,
       p.last_gate_prs * 1.0 / GREATEST(1, t.merged_prs - COALESCE(o.own_prs, 0)) AS last_gate_share
FROM per_reviewer AS p
JOIN team_months AS t ON t.team = p.team AND t.month = p.month
LEFT JOIN authored AS o ON o.team = p.team AND o.month = p.month AND o.author = p.reviewer
LEFT JOIN people AS rp ON rp.person = p.reviewer
ORDER BY p.team, p.month, p.approved_prs DESC, p.reviewer
