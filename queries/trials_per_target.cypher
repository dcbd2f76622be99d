// name: trials_per_target
// title: Trials per target
// description: Distinct trials per target (targets of the trials' products), optionally only trials in a condition and/or products of a platform.
// param: condition = null
// param: platform = null
// columns: target, symbol, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
WHERE $platform IS NULL OR p.platform = $platform
WITH t, x, [(t)-[:STUDIES]->(c:Condition)
       WHERE c.id = $condition OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
RETURN x.id AS target, x.symbol AS symbol, count(DISTINCT t) AS trials
ORDER BY trials DESC, target
