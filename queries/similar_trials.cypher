// name: similar_trials
// title: Trials most similar to a given trial
// description: Other trials sharing at least one target or condition with the given trial; score = 2 * shared_targets + shared_conditions; the first `limit`.
// param: nct_id = "NCT05008575"
// param: limit = 10
// columns: nct_id, title, shared_targets, shared_conditions, score
MATCH (g:Trial {id: $nct_id})
OPTIONAL MATCH (g)-[:HAS_PRODUCT]->(:Product)-[:TARGETS]->(x:Target)
WITH g, collect(DISTINCT x.id) AS g_targets
OPTIONAL MATCH (g)-[:STUDIES]->(c:Condition)
WITH g, g_targets, collect(DISTINCT c.id) AS g_conditions
OPTIONAL MATCH (g)-[:HAS_PRODUCT]->(:Product)-[:TARGETS]->(:Target)<-[:TARGETS]-(:Product)<-[:HAS_PRODUCT]-(o1:Trial)
WITH g, g_targets, g_conditions, collect(DISTINCT o1) AS by_target
OPTIONAL MATCH (g)-[:STUDIES]->(:Condition)<-[:STUDIES]-(o2:Trial)
WITH g, g_targets, g_conditions, by_target, collect(DISTINCT o2) AS by_condition
UNWIND by_target + by_condition AS o
WITH DISTINCT g, g_targets, g_conditions, o
WHERE o <> g
OPTIONAL MATCH (o)-[:HAS_PRODUCT]->(:Product)-[:TARGETS]->(y:Target)
WHERE y.id IN g_targets
WITH g_conditions, o, count(DISTINCT y) AS shared_targets
OPTIONAL MATCH (o)-[:STUDIES]->(d:Condition)
WHERE d.id IN g_conditions
WITH o, shared_targets, count(DISTINCT d) AS shared_conditions
RETURN o.id AS nct_id, o.title AS title, shared_targets, shared_conditions,
       2 * shared_targets + shared_conditions AS score
ORDER BY score DESC, nct_id
LIMIT $limit
