// name: allogeneic_by_country
// title: Allogeneic products by country
// description: Distinct trials with an allogeneic product, per platform and site country (ISO alpha-2); `since` (an int year) keeps trials that started that year or later.
// param: since = null
// columns: platform, country, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE p.cell_source = 'allogeneic'
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
MATCH (t)-[:HAS_SITE]->(:Site)-[:LOCATED_IN]->(k:Country)
RETURN p.platform AS platform, k.id AS country, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, country
