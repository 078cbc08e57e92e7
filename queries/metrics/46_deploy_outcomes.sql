-- deploy_outcomes: one row per deployment to production (`[dora] environments`): whether it
-- failed, why, and when it recovered. DORA's change failure and failed deployment recovery;
-- docs/report.md ("Delivery (DORA)") gives the definitions and their sources.
-- The deployment that shipped a PR is the first one listing it whose status is not `failure`
-- (a failed deployment's PRs ship with the next one). A deployment failed when its own status
-- is `failure`, or when within `[dora] failure_window_days` after it (`window_end`):
--   - a merged PR reverts a PR it shipped;
--   - an incident is opened that names a PR it shipped;
--   - a hotfix is merged for it: one naming such an incident, or, for a hotfix naming no
--     incident at all, the latest deployment of its repository before the hotfix merged.
-- `failure_reason` names one (a failed status, else an incident, a revert, a hotfix); the flags
-- say each. It recovered at the latest of its failures' ends: the next deployment to the same
-- environment that did not fail (for a failed status), the deployment that shipped the revert
-- or the hotfix, the incident's resolution. While one of them has not ended, NULL.
WITH shipped AS (
    SELECT dp.repo, dp.number, MIN(dp.deploy_id) AS deploy_id
    FROM deploy_prs AS dp
    JOIN production_deploys AS d ON d.deploy_id = dp.deploy_id
    WHERE d.failed_status = 0
    GROUP BY dp.repo, dp.number
),
shipped_at AS (
    SELECT s.repo, s.number, s.deploy_id, d.at, d.window_end
    FROM shipped AS s
    JOIN production_deploys AS d ON d.deploy_id = s.deploy_id
),
revert_hits AS (
    SELECT s.deploy_id, r.repo, r.number
    FROM shipped_at AS s
    JOIN pull_requests AS r ON r.repo = s.repo AND r.reverts_number = s.number
    WHERE r.is_revert = TRUE AND r.merged_at > s.at AND r.merged_at <= s.window_end
),
reverts AS (
    SELECT h.deploy_id, MIN(h.number) AS revert_pr,
           CASE WHEN COUNT(*) = COUNT(fix.at) THEN MAX(fix.at) END AS recovered_at
    FROM revert_hits AS h
    LEFT JOIN shipped_at AS fix ON fix.repo = h.repo AND fix.number = h.number
    GROUP BY h.deploy_id
),
incident_hits AS (
    SELECT DISTINCT s.deploy_id, i.key, i.created_at, i.resolved_at
    FROM shipped_at AS s
    JOIN incident_links AS i ON i.repo = s.repo AND i.number = s.number
    WHERE i.created_at > s.at AND i.created_at <= s.window_end
),
incidents AS (
    SELECT deploy_id, MIN(key) AS incident_key,
           CASE WHEN COUNT(*) = COUNT(resolved_at) THEN MAX(resolved_at) END AS recovered_at
    FROM incident_hits
    GROUP BY deploy_id
),
incident_keys AS (
    SELECT DISTINCT key FROM incident_links
),
hotfix_incidents AS (
    SELECT h.repo, h.number, h.merged_at, COUNT(k.key) AS incidents_named
    FROM hotfix_links AS h
    LEFT JOIN incident_keys AS k ON k.key = h.incident_key
    GROUP BY h.repo, h.number, h.merged_at
),
named_hotfixes AS (
    SELECT DISTINCT ih.deploy_id, h.repo, h.number
    FROM hotfix_links AS h
    JOIN incident_hits AS ih ON ih.key = h.incident_key
    JOIN production_deploys AS d ON d.deploy_id = ih.deploy_id
    WHERE h.merged_at > d.at AND h.merged_at <= d.window_end
),
latest_before AS (
    SELECT h.repo, h.number, MAX(d.at) AS deployed_at
    FROM hotfix_incidents AS h
    JOIN production_deploys AS d ON d.repo = h.repo
    WHERE h.incidents_named = 0 AND d.failed_status = 0
      AND d.at < h.merged_at AND h.merged_at <= d.window_end
    GROUP BY h.repo, h.number
),
unnamed_hotfixes AS (
    SELECT MIN(d.deploy_id) AS deploy_id, l.repo, l.number
    FROM latest_before AS l
    JOIN production_deploys AS d ON d.repo = l.repo AND d.at = l.deployed_at
    WHERE d.failed_status = 0
    GROUP BY l.repo, l.number
),
hotfix_hits AS (
    SELECT deploy_id, repo, number FROM named_hotfixes
    UNION
    SELECT deploy_id, repo, number FROM unnamed_hotfixes
),
hotfixes AS (
    SELECT h.deploy_id, MIN(h.number) AS hotfix_pr,
           CASE WHEN COUNT(*) = COUNT(fix.at) THEN MAX(fix.at) END AS recovered_at
    FROM hotfix_hits AS h
    LEFT JOIN shipped_at AS fix ON fix.repo = h.repo AND fix.number = h.number
    GROUP BY h.deploy_id
),
listed AS (
    SELECT deploy_id, COUNT(*) AS prs FROM deploy_prs GROUP BY deploy_id
),
judged AS (
    SELECT d.deploy_id, d.source, d.repo, d.environment, d.at, d.month, d.month_days, d.status,
           COALESCE(p.prs, 0) AS prs,
           d.failed_status,
           CASE WHEN i.deploy_id IS NULL THEN 0 ELSE 1 END AS incident,
           CASE WHEN r.deploy_id IS NULL THEN 0 ELSE 1 END AS reverted,
           CASE WHEN h.deploy_id IS NULL THEN 0 ELSE 1 END AS hotfixed,
           i.incident_key, r.revert_pr, h.hotfix_pr,
           CASE WHEN d.failed_status = 1 THEN d.next_success_at END AS status_recovered_at,
           i.recovered_at AS incident_recovered_at,
           r.recovered_at AS revert_recovered_at,
           h.recovered_at AS hotfix_recovered_at
    FROM production_deploys AS d
    LEFT JOIN listed AS p ON p.deploy_id = d.deploy_id
    LEFT JOIN incidents AS i ON i.deploy_id = d.deploy_id
    LEFT JOIN reverts AS r ON r.deploy_id = d.deploy_id
    LEFT JOIN hotfixes AS h ON h.deploy_id = d.deploy_id
),
recovered AS (
    SELECT j.*,
           CASE WHEN failed_status + incident + reverted + hotfixed > 0 THEN 1 ELSE 0 END AS failed,
           CASE WHEN failed_status + incident + reverted + hotfixed > 0
                 AND (failed_status = 0 OR status_recovered_at IS NOT NULL)
                 AND (incident = 0 OR incident_recovered_at IS NOT NULL)
                 AND (reverted = 0 OR revert_recovered_at IS NOT NULL)
                 AND (hotfixed = 0 OR hotfix_recovered_at IS NOT NULL)
                THEN GREATEST(status_recovered_at, incident_recovered_at, revert_recovered_at,
                              hotfix_recovered_at)
           END AS recovered_at
    FROM judged AS j
)
SELECT r.deploy_id, r.source, r.repo, r.environment, r.at, r.month, r.month_days, r.status,
       r.prs, r.failed,
       CASE WHEN r.failed_status = 1 THEN 'failed status'
            WHEN r.incident = 1 THEN 'incident'
            WHEN r.reverted = 1 THEN 'revert'
            WHEN r.hotfixed = 1 THEN 'hotfix'
       END AS failure_reason,
       r.failed_status, r.incident, r.reverted, r.hotfixed, r.incident_key, r.revert_pr,
       r.hotfix_pr, r.recovered_at,
       CASE WHEN r.recovered_at IS NOT NULL THEN
           (EXTRACT(EPOCH FROM r.recovered_at) - EXTRACT(EPOCH FROM r.at)) / 3600.0
       END AS recovery_h
FROM recovered AS r
ORDER BY r.deploy_id
