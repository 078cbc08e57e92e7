-- active_days: per person and month, the days on which the person did pull-request work: a
-- commit on a PR, a review, a PR opened, a comment. Days are the person's own calendar days (in
-- their time zone, from `person_monthly`), so an evening's work in California is one day, not two
-- UTC dates. Output is measured per active person-day so that the month after the summer
-- holidays is not mistaken for a surge. A person in two teams has a row in each, as their work
-- counts in each team's output.
SELECT COALESCE(ms.team, 'unassigned') AS team,
       pm.person,
       pm.month,
       pm.pr_active_days AS active_days
FROM person_monthly AS pm
LEFT JOIN memberships AS ms ON ms.person = pm.person
WHERE pm.pr_active_days > 0
ORDER BY team, pm.person, pm.month
