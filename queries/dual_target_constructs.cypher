// name: dual_target_constructs
// title: Dual-target constructs and their trials
// description: Products whose construct is dual (one construct, two targets), with their trial, platform and sorted target ids.
// columns: nct_id, product, platform, targets
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE p.construct = 'dual'
OPTIONAL MATCH (p)-[:TARGETS]->(x:Target)
WITH t, p, x
ORDER BY x.id
WITH t, p, collect(DISTINCT x.id) AS targets
RETURN t.id AS nct_id, p.name AS product, p.platform AS platform, targets
ORDER BY nct_id, product
