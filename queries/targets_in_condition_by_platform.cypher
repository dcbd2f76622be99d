// name: targets_in_condition_by_platform
// title: Targets pursued in a condition, by platform
// description: Targets of the products tested in a condition (id, name or synonym, e.g. AML; a basket trial's products only in the conditions of their targets' lineage), with distinct trials per platform and target. `registry` (ClinicalTrials.gov, ChiCTR, EU CTR, CTIS …), `status` (overall status, e.g. RECRUITING), `since` … `until` (start years, inclusive; trials without a start year drop out) and `cell_source` (autologous, allogeneic, cord blood, iPSC, cell line; of the counted product; allogeneic includes the cord-blood, iPSC and cell-line products) slice the landscape.
// param: condition = "AML"
// param: registry = null
// param: status = null
// param: since = null
// param: until = null
// param: cell_source = null
// columns: platform, target, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
WHERE ($registry IS NULL OR $registry IN coalesce(t.registries, []))
  AND ($status IS NULL OR t.status = $status)
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
  AND ($until IS NULL OR (t.start_year IS NOT NULL AND t.start_year <= $until))
  AND ($cell_source IS NULL OR p.cell_source = $cell_source
       OR ($cell_source = 'allogeneic' AND p.cell_source IN ['cord blood', 'iPSC', 'cell line']))
WITH t, p, x, [(p)-[:TESTED_IN]->(c:Condition)
       WHERE c.id = $condition OR $condition IN coalesce(c.broader, [])
          OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
RETURN p.platform AS platform, x.id AS target, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, target
