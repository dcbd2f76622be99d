// name: top_sponsors_for_platform
// title: Top sponsors per platform
// description: Lead sponsors with the most distinct trials of a platform; ties by name; the first `limit` rows.
// param: platform = "CAR-T"
// param: limit = 10
// columns: sponsor, sponsor_class, trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)
WHERE p.platform = $platform
MATCH (t)-[s:SPONSORED_BY]->(o:Organization)
WHERE s.role = 'lead'
RETURN o.name AS sponsor, o.org_class AS sponsor_class, count(DISTINCT t) AS trials
ORDER BY trials DESC, sponsor, sponsor_class
LIMIT $limit
