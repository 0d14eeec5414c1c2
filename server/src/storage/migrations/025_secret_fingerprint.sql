-- v25: a keyed fingerprint of the secret the relay processes serving this
-- database share (an HMAC under it, which reveals nothing of it), so a
-- process started with another secret file is refused instead of
-- answering codes and unknown emails differently from the others. One
-- row. Written in SQL for both backends.
CREATE TABLE secret_fingerprint (
    id          INTEGER PRIMARY KEY,
    fingerprint TEXT NOT NULL
);
