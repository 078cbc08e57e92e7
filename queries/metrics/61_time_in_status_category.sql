-- time_in_status_category: time_in_status by status category (todo, in_progress, done) rather
-- than by the tracker's own status names, so teams with different boards compare: per team and
-- month, the stretches that ended in the month, their median and p90 on both clocks. A status
-- whose category no stored ticket records is `not recorded`.
SELECT COALESCE(ms.team, 'unassigned') AS team, s.month,
       COALESCE(s.status_category, 'not recorded') AS status_category,
       COUNT(*) AS stretches,
       COUNT(DISTINCT s.key) AS tickets,
       MEDIAN(s.hours) AS p50_h,
       QUANTILE_CONT(s.hours, 0.9) AS p90_h,
       MEDIAN(s.working_hours) AS p50_wh,
       QUANTILE_CONT(s.working_hours, 0.9) AS p90_wh
FROM status_intervals AS s
LEFT JOIN memberships AS ms ON ms.person = s.assignee
WHERE s.month IS NOT NULL
GROUP BY COALESCE(ms.team, 'unassigned'), s.month, COALESCE(s.status_category, 'not recorded')
ORDER BY team, month, status_category
