// name: construct_target_pairs
// title: Target pairs combined in one construct
// description: Pairs of targets (target_a < target_b) that one dual construct combines, with the number of distinct trials.
// columns: target_a, target_b, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(a:Target)
WHERE p.construct = 'dual'
MATCH (p)-[:TARGETS]->(b:Target)
WHERE a.id < b.id
RETURN a.id AS target_a, b.id AS target_b, count(DISTINCT t) AS trials
ORDER BY trials DESC, target_a, target_b
