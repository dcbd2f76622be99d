// name: trials_per_platform
// title: Trials per platform
// description: Distinct trials per cell-therapy platform (the platforms of a trial's products).
// columns: platform, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
RETURN p.platform AS platform, count(DISTINCT t) AS trials
ORDER BY trials DESC, platform
