// name: heme_only_targets
// title: Targets in haematological but not solid tumours
// description: Targets of trials in haematological conditions that no trial of a solid-tumour condition targets; trials counts the haematological trials.
// columns: target, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(:Product)-[:TARGETS]->(x:Target)
MATCH (t)-[:STUDIES]->(c:Condition)
WHERE c.category = 'haematological'
WITH x, count(DISTINCT t) AS trials
WITH x, trials, [(x)<-[:TARGETS]-(:Product)<-[:HAS_PRODUCT]-(:Trial)-[:STUDIES]->(d:Condition)
                 WHERE d.category = 'solid' | d.id] AS solid
WHERE size(solid) = 0
RETURN x.id AS target, trials
ORDER BY trials DESC, target
