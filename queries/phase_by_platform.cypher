// name: phase_by_platform
// title: Phase distribution per platform
// description: Distinct trials per platform and phase (the Phase node's name, e.g. Phase 1/Phase 2).
// columns: platform, phase, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
MATCH (t)-[:HAS_PHASE]->(ph:Phase)
RETURN p.platform AS platform, ph.name AS phase, count(DISTINCT t) AS trials
ORDER BY platform, phase
