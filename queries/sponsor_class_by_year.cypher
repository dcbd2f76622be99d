// name: sponsor_class_by_year
// title: Industry vs academic share per year
// description: Distinct cell-therapy trials (is_cell_therapy = true) with a start year, per start year and lead-sponsor class.
// columns: start_year, sponsor_class, trials
MATCH (t:Trial)-[s:SPONSORED_BY]->(o:Organization)
WHERE t.is_cell_therapy = true AND t.start_year IS NOT NULL AND s.role = 'lead'
RETURN t.start_year AS start_year, o.org_class AS sponsor_class, count(DISTINCT t) AS trials
ORDER BY start_year, sponsor_class
