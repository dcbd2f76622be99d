// name: sponsors_for_target_in_condition
// title: Sponsors pursuing a target in a condition
// description: Sponsors (lead or collaborator) of trials with a product targeting the target that is tested in the condition (id, symbol or synonym such as BCMA or CLL1), optionally a product of one platform, with sponsor class and distinct trials.
// param: target = "CD33"
// param: condition = "AML"
// param: platform = null
// columns: sponsor, sponsor_class, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
WHERE ($platform IS NULL OR p.platform = $platform)
  AND (toLower(x.id) = toLower($target) OR toLower(x.symbol) = toLower($target)
       OR any(syn IN coalesce(x.synonyms, []) WHERE toLower(syn) = toLower($target)))
WITH t, [(p)-[:TESTED_IN]->(c:Condition)
       WHERE c.id = $condition OR $condition IN coalesce(c.broader, [])
          OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
WITH DISTINCT t
MATCH (t)-[:SPONSORED_BY]->(o:Organization)
RETURN o.name AS sponsor, o.org_class AS sponsor_class, count(DISTINCT t) AS trials
ORDER BY trials DESC, sponsor, sponsor_class
