-- v4: adherence reads (activity, local day, outcome) for thousands of
-- completions; keep the outcome as a column and cover the query with an
-- index so it never decrypts or parses the records themselves.
ALTER TABLE plan_completions ADD COLUMN outcome TEXT;
UPDATE plan_completions SET outcome = json_extract(doc, '$.outcome');
CREATE INDEX plan_completions_marks ON plan_completions (plan_id, local_date, activity_id, outcome);
DROP INDEX plan_completions_by_plan;
