// name: recruiting_in_country
// title: Recruiting trials in a country
// description: Trials with a product and a site in the country (ISO alpha-2) that are recruiting, not yet recruiting or enrolling by invitation; optionally in a condition.
// param: country = "CN"
// param: condition = null
// columns: nct_id, title, platforms, status
MATCH (t:Trial)-[:HAS_SITE]->(:Site)-[:LOCATED_IN]->(k:Country)
WHERE k.id = $country
  AND t.status IN ['RECRUITING', 'NOT_YET_RECRUITING', 'ENROLLING_BY_INVITATION']
WITH DISTINCT t
WITH t, [(t)-[:STUDIES]->(c:Condition)
       WHERE c.id = $condition OR $condition IN coalesce(c.broader, [])
          OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
MATCH (t)-[:HAS_PRODUCT]->(p:Product)
WITH t, p
ORDER BY p.platform
WITH t, collect(DISTINCT p.platform) AS platforms
RETURN t.id AS nct_id, t.title AS title, platforms, t.status AS status
ORDER BY nct_id
