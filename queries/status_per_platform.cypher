// name: status_per_platform
// title: Status per platform
// description: Distinct trials per platform and overall status (ClinicalTrials.gov API v2 enum, e.g. RECRUITING).
// columns: platform, status, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
RETURN p.platform AS platform, t.status AS status, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, status
