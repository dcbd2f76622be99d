// name: targets_shared_car_t_car_nk
// title: Targets shared by CAR-T and CAR-NK
// description: Targets of both CAR-T and CAR-NK products, with distinct trials for each platform.
// columns: target, car_t_trials, car_nk_trials
MATCH (t:Trial)-[:HAS_PRODUCT]->(p:Product)-[:TARGETS]->(x:Target)
WHERE p.platform IN ['CAR-T', 'CAR-NK']
WITH x, collect(DISTINCT CASE WHEN p.platform = 'CAR-T' THEN t.id END) AS car_t,
        collect(DISTINCT CASE WHEN p.platform = 'CAR-NK' THEN t.id END) AS car_nk
WHERE size(car_t) > 0 AND size(car_nk) > 0
RETURN x.id AS target, size(car_t) AS car_t_trials, size(car_nk) AS car_nk_trials
ORDER BY car_t_trials + car_nk_trials DESC, target
