-- v16: reviews a clinician proposes from a consultation, which the person
-- accepts (recording the review) or declines; and, for judging what a
-- clinician writes into a personal space, the clinicians each space is
-- shared with now and their scopes (JSON, as the server last said).
CREATE TABLE plan_proposals (
    id      TEXT PRIMARY KEY,
    doc     TEXT NOT NULL,
    plan_id TEXT NOT NULL,
    decided INTEGER NOT NULL
) STRICT;
CREATE INDEX plan_proposals_by_plan ON plan_proposals (plan_id, decided);

ALTER TABLE sync_spaces ADD COLUMN clinicians TEXT NOT NULL DEFAULT '[]';
