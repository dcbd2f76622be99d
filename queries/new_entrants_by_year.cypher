// name: new_entrants_by_year
// title: New entrants per year
// description: Lead sponsor × target pairs by the start year of the pair's first trial (a sponsor entering a target), optionally for one platform; the number of distinct sponsors among them.
// param: platform = null
// columns: start_year, entrants, sponsors
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
WHERE t.start_year IS NOT NULL AND ($platform IS NULL OR p.platform = $platform)
MATCH (t)-[s:SPONSORED_BY]->(o:Organization)
WHERE s.role = 'lead'
WITH o, x, min(t.start_year) AS first_year
RETURN first_year AS start_year, count(*) AS entrants, count(DISTINCT o) AS sponsors
ORDER BY start_year
