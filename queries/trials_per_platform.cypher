// name: trials_per_platform
// title: Trials per platform
// description: Distinct trials per cell-therapy platform (the platforms of a trial's products); optionally only trials registered in one registry (ClinicalTrials.gov, ChiCTR, EU CTR, CTIS, IRCT …).
// param: registry = null
// columns: platform, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE $registry IS NULL OR $registry IN coalesce(t.registries, [])
RETURN p.platform AS platform, count(DISTINCT t) AS trials
ORDER BY trials DESC, platform
