// name: dual_target_constructs
// title: Dual-target constructs and their trials
// description: Products whose construct is dual (one construct, two targets), with their trial, platform and sorted target ids; optionally only trials in a condition (id, name or synonym) and/or a condition category (solid, haematological, autoimmune, other).
// param: condition = null
// param: category = null
// columns: nct_id, product, platform, targets
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE p.construct = 'dual'
WITH t, p, [(p)-[:TESTED_IN]->(c:Condition)
       WHERE ($condition IS NULL OR c.id = $condition OR $condition IN coalesce(c.broader, [])
              OR toLower(c.name) = toLower($condition)
              OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition)))
         AND ($category IS NULL OR c.category = $category)
       | c.id] AS matching
WHERE ($condition IS NULL AND $category IS NULL) OR size(matching) > 0
OPTIONAL MATCH (p)-[:TARGETS]->(x:Target)
WITH t, p, x
ORDER BY x.id
WITH t, p, collect(DISTINCT x.id) AS targets
RETURN t.id AS nct_id, p.name AS product, p.platform AS platform, targets
ORDER BY nct_id, product
