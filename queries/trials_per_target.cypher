// name: trials_per_target
// title: Trials per target
// description: Distinct trials per target (targets of the trials' products), optionally only trials in a condition (id, name or synonym) and/or a condition category (solid, haematological, autoimmune, other) and/or products of a platform. `registry` (ClinicalTrials.gov, ChiCTR, EU CTR, CTIS …), `status` (overall status, e.g. RECRUITING), `since` … `until` (start years, inclusive; trials without a start year drop out) and `cell_source` (autologous, allogeneic, cord blood, iPSC, cell line; of the counted product; allogeneic includes the cord-blood, iPSC and cell-line products) slice the landscape.
// param: condition = null
// param: category = null
// param: platform = null
// param: registry = null
// param: status = null
// param: since = null
// param: until = null
// param: cell_source = null
// columns: target, symbol, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
WHERE ($platform IS NULL OR p.platform = $platform)
  AND ($registry IS NULL OR $registry IN coalesce(t.registries, []))
  AND ($status IS NULL OR t.status = $status)
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
  AND ($until IS NULL OR (t.start_year IS NOT NULL AND t.start_year <= $until))
  AND ($cell_source IS NULL OR p.cell_source = $cell_source
       OR ($cell_source = 'allogeneic' AND p.cell_source IN ['cord blood', 'iPSC', 'cell line']))
WITH t, x, [(p)-[:TESTED_IN]->(c:Condition)
       WHERE ($condition IS NULL OR c.id = $condition OR $condition IN coalesce(c.broader, [])
              OR toLower(c.name) = toLower($condition)
              OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition)))
         AND ($category IS NULL OR c.category = $category)
       | c.id] AS in_condition
WHERE ($condition IS NULL AND $category IS NULL) OR size(in_condition) > 0
RETURN x.id AS target, x.symbol AS symbol, count(DISTINCT t) AS trials
ORDER BY trials DESC, target
