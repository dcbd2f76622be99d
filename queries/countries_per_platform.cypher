// name: countries_per_platform
// title: Countries per platform
// description: Distinct trials per platform and site country (ISO alpha-2), optionally for one platform. `registry` (ClinicalTrials.gov, ChiCTR, EU CTR, CTIS …), `status` (overall status, e.g. RECRUITING), `since` … `until` (start years, inclusive; trials without a start year drop out) and `cell_source` (autologous, allogeneic, cord blood, iPSC, cell line; of the counted product; allogeneic includes the cord-blood, iPSC and cell-line products) slice the landscape.
// param: platform = null
// param: registry = null
// param: status = null
// param: since = null
// param: until = null
// param: cell_source = null
// columns: platform, country, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE ($platform IS NULL OR p.platform = $platform)
  AND ($registry IS NULL OR $registry IN coalesce(t.registries, []))
  AND ($status IS NULL OR t.status = $status)
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
  AND ($until IS NULL OR (t.start_year IS NOT NULL AND t.start_year <= $until))
  AND ($cell_source IS NULL OR p.cell_source = $cell_source
       OR ($cell_source = 'allogeneic' AND p.cell_source IN ['cord blood', 'iPSC', 'cell line']))
MATCH (t)-[:HAS_SITE]->(:Site)-[:LOCATED_IN]->(k:Country)
RETURN p.platform AS platform, k.id AS country, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, country
