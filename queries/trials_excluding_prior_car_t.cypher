// name: trials_excluding_prior_car_t
// title: Trials excluding prior CAR-T
// description: Cell-therapy trials (optionally in a condition) whose eligibility excludes patients who had CAR-T before.
// param: condition = null
// columns: nct_id, title
MATCH (t:Trial)
WHERE t.is_cell_therapy = true AND t.excludes_prior_car_t = true
WITH t, [(t)-[:STUDIES]->(c:Condition)
       WHERE c.id = $condition OR $condition IN coalesce(c.broader, [])
          OR toLower(c.name) = toLower($condition)
          OR any(syn IN coalesce(c.synonyms, []) WHERE toLower(syn) = toLower($condition))
       | c.id] AS in_condition
WHERE $condition IS NULL OR size(in_condition) > 0
RETURN t.id AS nct_id, t.title AS title
ORDER BY nct_id
