// name: lymphodepletion_by_platform
// title: Lymphodepletion regimens per platform
// description: Agents a trial uses for lymphodepletion, with distinct trials per platform and agent name.
// columns: platform, agent, trials
MATCH (t:Trial)-[u:USES_AGENT]->(a:Agent)
WHERE u.role = 'lymphodepletion'
MATCH (t)-[:HAS_PRODUCT]->(p:Product)
RETURN p.platform AS platform, a.name AS agent, count(DISTINCT t) AS trials
ORDER BY platform, trials DESC, agent
