// name: targets_in_condition_by_platform
// title: Targets pursued in a condition, by platform
// description: Targets of the products of trials in a condition (id, name or synonym, e.g. AML), with distinct trials per platform and target.
// param: condition = "AML"
// columns: platform, target, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
WITH t, p, x, [(t)-[:STUDIES]->(c:Condition)
       WHERE c.id = $condition OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
RETURN p.platform AS platform, x.id AS target, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, target
