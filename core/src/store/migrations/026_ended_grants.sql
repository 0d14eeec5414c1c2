-- v26: the shares of the person's own record this device saw in force, by
-- share id, and whether it has seen each end. A grant seen to end is never
-- taken again here, however the relay serves it afterwards (the eighteenth
-- attacker run: the relay cleared a revocation the patient's device had
-- seen, and the device wrapped the next epoch to the clinician again).
-- A revocation lives only on the relay; what a device saw is its own.
CREATE TABLE seen_grants (
    space    TEXT NOT NULL,
    share_id TEXT NOT NULL,
    ended    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (space, share_id)
) STRICT, WITHOUT ROWID;
