-- status_intervals: one row per stretch a ticket spent in one status, from its status changes
-- (`status_moves`: `issue_events` with field = 'status', each with the ticket's next change). A
-- ticket enters a status with each move into it and leaves with its next move; before its first recorded move it was in that move's `from` status since it was created.
-- A ticket with no recorded move has been in its current status since it was created. `left_at`
-- is NULL for the status it is still in (the stretch is not over: its length is not known yet,
-- not 0). Each stretch is measured on the wall clock (`hours`) and in the working time of the
-- ticket's assignee (`working_hours`; the organisation's calendar when it has none), the person
-- the work waits on. The category is the status's as the stored tickets use it
-- (`status_categories`); a status no stored ticket is in has none recorded.
WITH stretches AS (
    -- Into a status with each move, until the next one (`status_moves`, src/metrics/derived.rs).
    SELECT m.source, m.key, m.to_status AS status, m.at AS entered_at, m.next_at AS left_at
    FROM status_moves AS m
    UNION ALL
    -- From creation to the first move, in the status that move left.
    SELECT m.source, m.key, m.from_status AS status, i.created_at AS entered_at, m.at AS left_at
    FROM status_moves AS m
    JOIN issues AS i ON i.source = m.source AND i.key = m.key
    WHERE m.first AND m.from_status IS NOT NULL
    UNION ALL
    -- Never moved: in the current status since creation.
    SELECT i.source, i.key, i.status, i.created_at AS entered_at, NULL AS left_at
    FROM issues AS i
    LEFT JOIN (SELECT source, key FROM status_moves WHERE first) AS f
      ON f.source = i.source AND f.key = i.key
    WHERE f.key IS NULL AND i.status IS NOT NULL
),
placed AS (
    SELECT s.source, s.key, s.status, c.status_category, i.assignee, s.entered_at, s.left_at,
           COALESCE(pc.calendar, 0) AS calendar,
           CAST(FLOOR(EXTRACT(EPOCH FROM s.entered_at) / 86400) AS BIGINT) AS entered_day,
           CAST(FLOOR(EXTRACT(EPOCH FROM s.left_at) / 86400) AS BIGINT) AS left_day
    FROM stretches AS s
    JOIN issues AS i ON i.source = s.source AND i.key = s.key
    LEFT JOIN status_categories AS c ON c.status = s.status
    LEFT JOIN person_calendars AS pc ON pc.person = i.assignee
)
SELECT p.source, p.key, p.status, p.status_category, p.assignee, p.entered_at, p.left_at,
       strftime(p.left_at, '%Y-%m') AS month,
       CASE WHEN p.left_at IS NOT NULL THEN
           GREATEST(0.0, (EXTRACT(EPOCH FROM p.left_at) - EXTRACT(EPOCH FROM p.entered_at)) / 3600.0)
       END AS hours,
       CASE WHEN p.left_at IS NOT NULL THEN
           GREATEST(0.0, ((wl.before_s
               + LEAST(GREATEST(EXTRACT(EPOCH FROM p.left_at) - wl.a_start_s, 0.0), wl.a_len_s)
               + LEAST(GREATEST(EXTRACT(EPOCH FROM p.left_at) - wl.b_start_s, 0.0), wl.b_len_s))
             - (we.before_s
               + LEAST(GREATEST(EXTRACT(EPOCH FROM p.entered_at) - we.a_start_s, 0.0), we.a_len_s)
               + LEAST(GREATEST(EXTRACT(EPOCH FROM p.entered_at) - we.b_start_s, 0.0), we.b_len_s))) / 3600.0)
       END AS working_hours
FROM placed AS p
LEFT JOIN working_time AS we ON we.calendar = p.calendar AND we.day = p.entered_day
LEFT JOIN working_time AS wl ON wl.calendar = p.calendar AND wl.day = p.left_day
