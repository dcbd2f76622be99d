// name: trials_in_condition
// title: Trials in a condition
// description: Every trial with a product tested in a condition: the sorted target ids and platforms of those products, phase, lead sponsor (null if none) and status.
// param: condition = "AML"
// columns: nct_id, title, targets, platforms, phase, sponsor, status
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WITH t, p, [(p)-[:TESTED_IN]->(c:Condition)
       WHERE c.id = $condition OR $condition IN coalesce(c.broader, [])
          OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
WITH t, p
ORDER BY p.platform
WITH t, collect(DISTINCT p.platform) AS platforms, collect(p) AS products
OPTIONAL MATCH (t)-[:HAS_PRODUCT]->(q:Product)-[:TARGETS]->(x:Target)
WHERE q IN products
WITH t, platforms, x
ORDER BY x.id
WITH t, platforms, collect(DISTINCT x.id) AS targets
OPTIONAL MATCH (t)-[:HAS_PHASE]->(ph:Phase)
WITH t, platforms, targets, min(ph.name) AS phase
OPTIONAL MATCH (t)-[s:SPONSORED_BY]->(o:Organization)
WHERE s.role = 'lead'
WITH t, platforms, targets, phase, min(o.name) AS sponsor
RETURN t.id AS nct_id, t.title AS title, targets, platforms, phase, sponsor, t.status AS status
ORDER BY nct_id
