-- time_in_status: per team, month and ticket status, how long tickets stayed in the status
-- before leaving it that month (stretches of `status_intervals` that ended in the month), on the
-- wall clock (`*_h`) and in the assignee's working time (`*_wh`): how many, median and p90, and
-- the ticket-hours the status held in all (what makes a status the one that holds work longest).
-- A ticket counts in every team of its assignee (`memberships`); unassigned ones in
-- `unassigned`. Stretches still open at the month's end are not here: the stuck tickets are.
SELECT COALESCE(ms.team, 'unassigned') AS team, s.month, s.status, s.status_category,
       COUNT(*) AS stretches,
       COUNT(DISTINCT s.key) AS tickets,
       MEDIAN(s.hours) AS p50_h,
       QUANTILE_CONT(s.hours, 0.9) AS p90_h,
       SUM(s.hours) AS ticket_hours,
       MEDIAN(s.working_hours) AS p50_wh,
       QUANTILE_CONT(s.working_hours, 0.9) AS p90_wh,
       SUM(s.working_hours) AS ticket_working_hours
FROM status_intervals AS s
LEFT JOIN memberships AS ms ON ms.person = s.assignee
WHERE s.month IS NOT NULL
GROUP BY COALESCE(ms.team, 'unassigned'), s.month, s.status, s.status_category
ORDER BY team, month, status
