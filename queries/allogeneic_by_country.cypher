// name: allogeneic_by_country
// title: Allogeneic products by country
// description: Distinct trials with an allogeneic product (donor, cord-blood, iPSC or cell-line cells), per platform and site country (ISO alpha-2); `since` … `until` (int years, inclusive) keep trials that started in those years; `registry` and `status` keep trials registered there or of that overall status.
// param: since = null
// param: until = null
// param: registry = null
// param: status = null
// columns: platform, country, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE p.cell_source IN ['allogeneic', 'cord blood', 'iPSC', 'cell line']
  AND ($since IS NULL OR (t.start_year IS NOT NULL AND t.start_year >= $since))
  AND ($until IS NULL OR (t.start_year IS NOT NULL AND t.start_year <= $until))
  AND ($registry IS NULL OR $registry IN coalesce(t.registries, []))
  AND ($status IS NULL OR t.status = $status)
MATCH (t)-[:HAS_SITE]->(:Site)-[:LOCATED_IN]->(k:Country)
RETURN p.platform AS platform, k.id AS country, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, country
