// name: trials_in_condition
// title: Trials in a condition
// description: Every trial in a condition with a product: sorted target ids and platforms, phase, lead sponsor (null if none) and status.
// param: condition = "AML"
// columns: nct_id, title, targets, platforms, phase, sponsor, status
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WITH t, p, [(t)-[:STUDIES]->(c:Condition)
       WHERE c.id = $condition OR $condition IN coalesce(c.broader, [])
          OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
WITH t, p
ORDER BY p.platform
WITH t, collect(DISTINCT p.platform) AS platforms
OPTIONAL MATCH (t)-[:HAS_PRODUCT]->(:Product)-[:TARGETS]->(x:Target)
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
