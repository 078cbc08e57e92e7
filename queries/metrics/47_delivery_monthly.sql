-- delivery_monthly: DORA's four keys per team and month (docs/report.md, "Delivery (DORA)").
-- A deployment counts once in every team whose people authored a PR it listed (all of an
-- author's teams, through `memberships`); one that listed no PR of a person with a team counts
-- under 'unassigned'. Organisation totals count each deployment once (`delivery_org_monthly`).
-- A team no deployment was ever counted for has NULL deployment figures ("no deployments
-- recorded", never 0); in a month without a deployment, a team that deploys has 0 and no change
-- failure rate. Lead time is `pr_phases.lead_time_h` (first commit → first deployment to
-- production that shipped the PR), by the month of the merge, as `outcome_monthly` has it.
-- The authors come from `deployed_pr_authors`, not `pull_requests`: a report reading a window
-- of months holds few PRs of the deployments before it, and whether a team ever deployed is
-- the whole history's answer.
WITH deploy_teams AS (
    SELECT DISTINCT dp.deploy_id, ms.team
    FROM deploy_prs AS dp
    JOIN deployed_pr_authors AS p ON p.repo = dp.repo AND p.number = dp.number
    JOIN memberships AS ms ON ms.person = p.author
    WHERE NOT ends_with(p.author, '[bot]') AND p.author NOT IN (SELECT login FROM bots)
),
team_deploys AS (
    SELECT COALESCE(t.team, 'unassigned') AS team, o.month, o.month_days, o.at, o.failed,
           o.recovery_h
    FROM deploy_outcomes AS o
    LEFT JOIN deploy_teams AS t ON t.deploy_id = o.deploy_id
),
deploying AS (
    SELECT DISTINCT team FROM team_deploys
),
deploys AS (
    SELECT team, month,
           COUNT(*) AS deployments,
           COUNT(DISTINCT CAST(x.at AS DATE)) AS deploy_days,
           COUNT(*) * 7.0 / MAX(month_days) AS deploys_per_week,
           SUM(failed) AS failed_deployments,
           AVG(failed * 1.0) AS change_failure_rate,
           MEDIAN(recovery_h) AS recovery_p50_h,
           COUNT(recovery_h) AS recoveries
    FROM team_deploys AS x
    GROUP BY team, month
),
lead AS (
    SELECT COALESCE(ms.team, 'unassigned') AS team, p.month,
           MEDIAN(p.lead_time_h) AS lead_time_p50_h,
           QUANTILE_CONT(p.lead_time_h, 0.9) AS lead_time_p90_h,
           COUNT(p.lead_time_h) AS deployed_prs
    FROM pr_phases AS p
    LEFT JOIN memberships AS ms ON ms.person = p.author
    GROUP BY COALESCE(ms.team, 'unassigned'), p.month
),
base AS (
    SELECT COALESCE(d.team, l.team) AS team, COALESCE(d.month, l.month) AS month,
           d.deployments, d.deploy_days, d.deploys_per_week, d.failed_deployments,
           d.change_failure_rate, d.recovery_p50_h, d.recoveries,
           l.lead_time_p50_h, l.lead_time_p90_h, l.deployed_prs
    FROM deploys AS d
    FULL JOIN lead AS l ON l.team = d.team AND l.month = d.month
)
SELECT b.team, b.month,
       CASE WHEN g.team IS NOT NULL THEN COALESCE(b.deployments, 0) END AS deployments,
       CASE WHEN g.team IS NOT NULL THEN COALESCE(b.deploy_days, 0) END AS deploy_days,
       CASE WHEN g.team IS NOT NULL THEN COALESCE(b.deploys_per_week, 0.0) END AS deploys_per_week,
       CASE WHEN g.team IS NOT NULL THEN COALESCE(b.failed_deployments, 0) END AS failed_deployments,
       b.change_failure_rate,
       b.recovery_p50_h,
       CASE WHEN g.team IS NOT NULL THEN COALESCE(b.recoveries, 0) END AS recoveries,
       b.lead_time_p50_h, b.lead_time_p90_h,
       COALESCE(b.deployed_prs, 0) AS deployed_prs
FROM base AS b
LEFT JOIN deploying AS g ON g.team = b.team
ORDER BY b.team, b.month
