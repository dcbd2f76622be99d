// name: targets_first_seen_after
// title: Targets first seen after a date
// description: Targets whose earliest trial start_date (ISO string, compared as text) is on or after `date`; trials counts all the target's trials.
// param: date = "2024-01-01"
// columns: target, first_start, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(:Product)-[:TARGETS]->(x:Target)
WITH x, min(t.start_date) AS first_start, count(DISTINCT t) AS trials
WHERE first_start >= $date
RETURN x.id AS target, first_start, trials
ORDER BY first_start, target
