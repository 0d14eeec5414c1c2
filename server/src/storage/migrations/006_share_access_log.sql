-- v6: every time a clinician reads a patient's shared records. One row per
-- sitting: pulls by the same clinician, of the same scopes, within ten
-- minutes of the last extend it (requests, records served, last time), so
-- the patient reads "Dr Okafor read your care plan and diary at 09:02".
CREATE TABLE share_accesses (
    id                TEXT PRIMARY KEY,
    patient_account   TEXT NOT NULL REFERENCES accounts (id),
    clinician_account TEXT NOT NULL REFERENCES accounts (id),
    scopes            TEXT NOT NULL,
    first_ms          BIGINT NOT NULL,
    last_ms           BIGINT NOT NULL,
    requests          BIGINT NOT NULL,
    records           BIGINT NOT NULL
);
CREATE INDEX share_accesses_by_patient ON share_accesses (patient_account, last_ms);
