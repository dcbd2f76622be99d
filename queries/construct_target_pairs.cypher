// name: construct_target_pairs
// title: Target pairs combined in one construct
// description: Pairs of targets (target_a < target_b) that one dual construct combines, with the number of distinct trials; optionally only trials in a condition (id, name or synonym) and/or a condition category (solid, haematological, autoimmune, other).
// param: condition = null
// param: category = null
// columns: target_a, target_b, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(a:Target)
WHERE p.construct = 'dual'
WITH t, p, a, [(p)-[:TESTED_IN]->(c:Condition)
       WHERE ($condition IS NULL OR c.id = $condition OR $condition IN coalesce(c.broader, [])
              OR toLower(c.name) = toLower($condition)
              OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition)))
         AND ($category IS NULL OR c.category = $category)
       | c.id] AS matching
WHERE ($condition IS NULL AND $category IS NULL) OR size(matching) > 0
MATCH (p)-[:TARGETS]->(b:Target)
WHERE a.id < b.id
RETURN a.id AS target_a, b.id AS target_b, count(DISTINCT t) AS trials
ORDER BY trials DESC, target_a, target_b
