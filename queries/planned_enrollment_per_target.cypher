// name: planned_enrollment_per_target
// title: Planned enrollment per target
// description: Sum of planned enrollment over the distinct trials of each target (a trial without enrollment counts as a trial and adds 0).
// columns: target, trials, enrollment
MATCH (t:Trial)-[:HAS_PRODUCT]->(:Product)-[:TARGETS]->(x:Target)
WITH DISTINCT x, t
RETURN x.id AS target, count(t) AS trials, toInteger(sum(coalesce(t.enrollment, 0))) AS enrollment
ORDER BY enrollment DESC, target
