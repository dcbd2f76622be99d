// name: cell_source_by_platform_year
// title: Autologous vs allogeneic by platform and start year
// description: Distinct trials per platform, product cell source and start year; only products with a cell source and trials with a start year.
// columns: platform, cell_source, start_year, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE p.cell_source IS NOT NULL AND t.start_year IS NOT NULL
RETURN p.platform AS platform, p.cell_source AS cell_source, t.start_year AS start_year,
       count(DISTINCT t) AS trials
ORDER BY platform, start_year, cell_source
