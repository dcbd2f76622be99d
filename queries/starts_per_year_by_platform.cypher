// name: starts_per_year_by_platform
// title: Trial starts per year per platform
// description: Distinct trials with a start year, per start year and platform, and how many of them started (the start was made as of the record: `started`); `since` … `until` (int years, inclusive) keep start_year in that range; `registry`, `status` and `cell_source` (of the counted product) slice the landscape.
// param: since = null
// param: until = null
// param: registry = null
// param: status = null
// param: cell_source = null
// columns: start_year, platform, trials, started
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE t.start_year IS NOT NULL
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
  AND ($until IS NULL OR (t.start_year IS NOT NULL AND t.start_year <= $until))
  AND ($registry IS NULL OR $registry IN coalesce(t.registries, []))
  AND ($status IS NULL OR t.status = $status)
  AND ($cell_source IS NULL OR p.cell_source = $cell_source
       OR ($cell_source = 'allogeneic' AND p.cell_source IN ['cord blood', 'iPSC', 'cell line']))
RETURN t.start_year AS start_year, p.platform AS platform, count(DISTINCT t) AS trials,
       count(DISTINCT CASE WHEN t.started THEN t END) AS started
ORDER BY start_year, platform
