// name: phase_by_platform
// title: Phase distribution per platform
// description: Distinct trials per platform and phase (the Phase node's name, e.g. Phase 1/Phase 2). `registry` (ClinicalTrials.gov, ChiCTR, EU CTR, CTIS …), `status` (overall status, e.g. RECRUITING), `since` … `until` (start years, inclusive; trials without a start year drop out) and `cell_source` (autologous, allogeneic, cord blood, iPSC, cell line; of the counted product; allogeneic includes the cord-blood, iPSC and cell-line products) slice the landscape.
// param: registry = null
// param: status = null
// param: since = null
// param: until = null
// param: cell_source = null
// columns: platform, phase, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE ($registry IS NULL OR $registry IN coalesce(t.registries, []))
  AND ($status IS NULL OR t.status = $status)
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
  AND ($until IS NULL OR (t.start_year IS NOT NULL AND t.start_year <= $until))
  AND ($cell_source IS NULL OR p.cell_source = $cell_source
       OR ($cell_source = 'allogeneic' AND p.cell_source IN ['cord blood', 'iPSC', 'cell line']))
MATCH (t)-[:HAS_PHASE]->(ph:Phase)
RETURN p.platform AS platform, ph.name AS phase, count(DISTINCT t) AS trials
ORDER BY platform, phase
