// name: trials_admitting_ecog
// title: Trials admitting a performance status
// description: Cell-therapy trials in a condition whose eligibility admits ECOG up to at least `ecog` (ecog_max >= ecog).
// param: condition = "AML"
// param: ecog = 2
// columns: nct_id, title, ecog_max
MATCH (t:Trial)
WHERE t.is_cell_therapy = true AND t.ecog_max >= $ecog
WITH t, [(t)-[:STUDIES]->(c:Condition)
       WHERE c.id = $condition OR $condition IN coalesce(c.broader, [])
          OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
RETURN t.id AS nct_id, t.title AS title, t.ecog_max AS ecog_max
ORDER BY ecog_max DESC, nct_id
