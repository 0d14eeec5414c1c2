-- v23: the admissions this device took as a group's members, by the
-- member's signature (one per admission: each carries a fresh nonce), and
-- when the relay stopped listing them (docs/adr/0020). An admission seen to
-- end is never taken again here: a relay that puts a removed member back
-- with the admission they had gets nothing from this device; they rejoin
-- with a new code, as a new admission.
CREATE TABLE group_admissions (
    space       TEXT NOT NULL,
    sig         TEXT NOT NULL,
    account     TEXT NOT NULL,
    ended_ms    INTEGER,
    PRIMARY KEY (space, sig)
) STRICT, WITHOUT ROWID;
