-- v18: clinicians the relay's operator vouches for (docs/SECURITY.md,
-- "Clinicians the operator vouches for"), one by one (accounts.verified_ms)
-- or by their organisation's email domain (verified_domains): a patient's
-- share is granted only to a verified clinician. Written in SQL for both
-- backends.
ALTER TABLE accounts ADD COLUMN verified_ms BIGINT;
CREATE TABLE verified_domains (
    domain   TEXT PRIMARY KEY,
    added_ms BIGINT NOT NULL
);
