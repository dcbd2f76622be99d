// name: target_momentum
// title: Target momentum
// description: Targets whose trial starts grew most: distinct trials of each target that started in the three years up to `until` (default 2025, the last complete year at this release) against the three years before, for targets with a trial in the recent three.
// param: until = 2025
// columns: target, symbol, recent, earlier, growth
MATCH (t:Trial)-[:HAS_PRODUCT]->(:Product)-[:TARGETS]->(x:Target)
WHERE t.start_year IS NOT NULL AND t.start_year >= $until - 5 AND t.start_year <= $until
WITH x, collect(DISTINCT CASE WHEN t.start_year >= $until - 2 THEN t.id END) AS recent,
     collect(DISTINCT CASE WHEN t.start_year <= $until - 3 THEN t.id END) AS earlier
WITH x, size(recent) AS recent, size(earlier) AS earlier
WHERE recent > 0
RETURN x.id AS target, x.symbol AS symbol, recent, earlier, recent - earlier AS growth
ORDER BY growth DESC, recent DESC, target
