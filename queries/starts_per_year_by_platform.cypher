// name: starts_per_year_by_platform
// title: Trial starts per year per platform
// description: Distinct trials with a start year, per start year and platform; `since` (an int year) keeps start_year >= since.
// param: since = null
// columns: start_year, platform, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE t.start_year IS NOT NULL AND ($since IS NULL OR t.start_year >= $since)
RETURN t.start_year AS start_year, p.platform AS platform, count(DISTINCT t) AS trials
ORDER BY start_year, platform
