-- v23: the admissions this device took as a group's members, by their
-- member's identity and the invite they answered (`admission_key`: what
-- the member cannot vary, as they can a signature or a nonce), and when the
-- relay stopped listing them (docs/adr/0020). An admission seen to end is
-- never taken again here, nor a new one made through it: a relay that puts
-- a removed member back (with the admission they had, signed again, or
-- answered again) gets nothing from this device; they rejoin with a new
-- code, as a new admission.
CREATE TABLE group_admissions (
    space       TEXT NOT NULL,
    admission   TEXT NOT NULL,
    account     TEXT NOT NULL,
    ended_ms    INTEGER,
    PRIMARY KEY (space, admission)
) STRICT, WITHOUT ROWID;
