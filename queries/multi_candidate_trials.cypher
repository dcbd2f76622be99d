// name: multi_candidate_trials
// title: Trials testing several candidate products
// description: Trials with two or more products: how many, and their sorted distinct platforms.
// columns: nct_id, title, products, platforms
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WITH t, p
ORDER BY p.platform
WITH t, count(DISTINCT p) AS products, collect(DISTINCT p.platform) AS platforms
WHERE products >= 2
RETURN t.id AS nct_id, t.title AS title, products, platforms
ORDER BY products DESC, nct_id
