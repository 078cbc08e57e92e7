-- activity_heatmap: human actions per month by weekday (0 = Monday) and hour of the day, both
-- in the actor's own time zone — when the organisation works, for the after-hours heatmap.
-- `activity_local` holds people's actions only: bots are left out when it is built.
SELECT month,
       (local_day + 3) % 7 AS weekday,
       local_hour,
       COUNT(*) AS actions
FROM activity_local
GROUP BY month, (local_day + 3) % 7, local_hour
ORDER BY month, weekday, local_hour
