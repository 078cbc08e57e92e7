-- delivery_org_monthly: DORA's four keys for the whole organisation per month, each deployment to
-- production counted once (docs/report.md, "Delivery (DORA)"). With no deployment to production
-- recorded at all, the deployment figures are NULL ("no deployments recorded"), never 0; a month
-- without one, when others have them, has 0 deployments and no change failure rate.
-- DORA measures one application at a time: an organisation's deployments a week grow with its
-- number of repositories, so its frequency is also given as the median repository's
-- (`repo_deploys_per_week_p50`, over the repositories with a deployment recorded, 0 in a month
-- without one).
WITH recorded AS (
    SELECT COUNT(*) AS deployments FROM deploy_outcomes
),
deploys AS (
    SELECT month,
           COUNT(*) AS deployments,
           COUNT(DISTINCT CAST(x.at AS DATE)) AS deploy_days,
           COUNT(*) * 7.0 / MAX(month_days) AS deploys_per_week,
           SUM(failed) AS failed_deployments,
           AVG(failed * 1.0) AS change_failure_rate,
           MEDIAN(recovery_h) AS recovery_p50_h,
           COUNT(recovery_h) AS recoveries
    FROM deploy_outcomes AS x
    GROUP BY month
),
lead AS (
    SELECT month,
           MEDIAN(lead_time_h) AS lead_time_p50_h,
           QUANTILE_CONT(lead_time_h, 0.9) AS lead_time_p90_h,
           COUNT(lead_time_h) AS deployed_prs
    FROM pr_phases
    GROUP BY month
),
months AS (
    SELECT month FROM deploys UNION SELECT month FROM lead
),
deploying_repos AS (
    SELECT DISTINCT repo FROM deploy_outcomes
),
repo_months AS (
    SELECT repo, month, COUNT(*) * 7.0 / MAX(month_days) AS per_week
    FROM deploy_outcomes
    GROUP BY repo, month
),
repo_rates AS (
    SELECT m.month, MEDIAN(COALESCE(rm.per_week, 0.0)) AS repo_deploys_per_week_p50
    FROM months AS m
    CROSS JOIN deploying_repos AS r
    LEFT JOIN repo_months AS rm ON rm.repo = r.repo AND rm.month = m.month
    GROUP BY m.month
)
SELECT m.month,
       CASE WHEN r.deployments > 0 THEN COALESCE(d.deployments, 0) END AS deployments,
       CASE WHEN r.deployments > 0 THEN COALESCE(d.deploy_days, 0) END AS deploy_days,
       CASE WHEN r.deployments > 0 THEN COALESCE(d.deploys_per_week, 0.0) END AS deploys_per_week,
       rr.repo_deploys_per_week_p50,
       CASE WHEN r.deployments > 0 THEN COALESCE(d.failed_deployments, 0) END AS failed_deployments,
       d.change_failure_rate,
       d.recovery_p50_h,
       CASE WHEN r.deployments > 0 THEN COALESCE(d.recoveries, 0) END AS recoveries,
       l.lead_time_p50_h, l.lead_time_p90_h,
       COALESCE(l.deployed_prs, 0) AS deployed_prs
FROM months AS m
CROSS JOIN recorded AS r
LEFT JOIN deploys AS d ON d.month = m.month
LEFT JOIN lead AS l ON l.month = m.month
LEFT JOIN repo_rates AS rr ON rr.month = m.month
ORDER BY m.month
