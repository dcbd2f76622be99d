// name: heme_only_targets
// title: Targets in haematological but not solid tumours
// description: Targets of products tested in haematological conditions that no product tested in a solid tumour targets; trials counts the haematological trials.
// columns: target, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
MATCH (p)-[:TESTED_IN]->(c:Condition)
WHERE c.category = 'haematological'
WITH x, count(DISTINCT t) AS trials
WITH x, trials, [(x)<-[:TARGETS]-(:Product)-[:TESTED_IN]->(d:Condition)
                 WHERE d.category = 'solid' | d.id] AS solid
WHERE size(solid) = 0
RETURN x.id AS target, trials
ORDER BY trials DESC, target
