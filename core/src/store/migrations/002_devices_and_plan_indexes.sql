-- v2: name the devices that wrote history ("changed on Ann's phone"), and
-- index plan children by plan, which v1 scanned for.
CREATE TABLE devices (
    node       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    first_seen INTEGER NOT NULL
) STRICT;

-- Every node already in the log gets a placeholder name; the local device
-- renames itself on its next open.
INSERT INTO devices (node, name, first_seen)
SELECT node, 'device ' || substr(node, 1, 6), min(hlc_wall) FROM change_log GROUP BY node;

CREATE INDEX plan_contacts_by_plan ON plan_contacts (plan_id);
CREATE INDEX plan_goals_by_plan ON plan_goals (plan_id);
CREATE INDEX plan_activities_by_plan ON plan_activities (plan_id);
CREATE INDEX plan_reviews_by_plan ON plan_reviews (plan_id);
CREATE INDEX plan_completions_by_plan ON plan_completions (plan_id, local_date);

-- Opening a store finds the newest clock stamp; v1 scanned the log for it.
CREATE INDEX change_log_by_hlc ON change_log (hlc_wall, hlc_counter);
