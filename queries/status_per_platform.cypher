// name: status_per_platform
// title: Status per platform
// description: Distinct trials per platform and overall status (ClinicalTrials.gov API v2 enum, e.g. RECRUITING). `registry`, `since` … `until` (start years, inclusive) and `cell_source` (of the counted product) slice the landscape.
// param: registry = null
// param: since = null
// param: until = null
// param: cell_source = null
// columns: platform, status, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE ($registry IS NULL OR $registry IN coalesce(t.registries, []))
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
  AND ($until IS NULL OR (t.start_year IS NOT NULL AND t.start_year <= $until))
  AND ($cell_source IS NULL OR p.cell_source = $cell_source
       OR ($cell_source = 'allogeneic' AND p.cell_source IN ['cord blood', 'iPSC', 'cell line']))
RETURN p.platform AS platform, t.status AS status, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, status
