// name: countries_per_platform
// title: Countries per platform
// description: Distinct trials per platform and site country (ISO alpha-2), optionally for one platform.
// param: platform = null
// columns: platform, country, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE $platform IS NULL OR p.platform = $platform
MATCH (t)-[:HAS_SITE]->(:Site)-[:LOCATED_IN]->(k:Country)
RETURN p.platform AS platform, k.id AS country, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, country
