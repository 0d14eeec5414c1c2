-- v10: each share carries its patient's signature (docs/adr/0018), made on
-- the patient's device over the share's id, both accounts, the scopes and
-- the end: the patient's devices wrap keys only to a clinician named by a
-- grant their identity signed. NULL for shares from before, which name no
-- reader any more (the patient grants again).
ALTER TABLE shares ADD COLUMN signature TEXT;
