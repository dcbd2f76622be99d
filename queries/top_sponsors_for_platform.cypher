// name: top_sponsors_for_platform
// title: Top sponsors per platform
// description: Lead sponsors with the most distinct trials of a platform; ties by name; the first `limit` rows. `registry` (ClinicalTrials.gov, ChiCTR, EU CTR, CTIS …), `status` (overall status, e.g. RECRUITING), `since` … `until` (start years, inclusive; trials without a start year drop out) and `cell_source` (autologous, allogeneic, cord blood, iPSC, cell line; of the counted product; allogeneic includes the cord-blood, iPSC and cell-line products) slice the landscape.
// param: platform = "CAR-T"
// param: limit = 10
// param: registry = null
// param: status = null
// param: since = null
// param: until = null
// param: cell_source = null
// columns: sponsor, sponsor_class, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE p.platform = $platform
  AND ($registry IS NULL OR $registry IN coalesce(t.registries, []))
  AND ($status IS NULL OR t.status = $status)
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
  AND ($until IS NULL OR (t.start_year IS NOT NULL AND t.start_year <= $until))
  AND ($cell_source IS NULL OR p.cell_source = $cell_source
       OR ($cell_source = 'allogeneic' AND p.cell_source IN ['cord blood', 'iPSC', 'cell line']))
MATCH (t)-[s:SPONSORED_BY]->(o:Organization)
WHERE s.role = 'lead'
RETURN o.name AS sponsor, o.org_class AS sponsor_class, count(DISTINCT t) AS trials
ORDER BY trials DESC, sponsor, sponsor_class
LIMIT $limit
