// name: target_platform_matrix
// title: Target × platform matrix
// description: Distinct trials per (target, platform) pair, where the target and the platform belong to the same product.
// columns: target, platform, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
RETURN x.id AS target, p.platform AS platform, count(DISTINCT t) AS trials
ORDER BY trials DESC, target, platform
