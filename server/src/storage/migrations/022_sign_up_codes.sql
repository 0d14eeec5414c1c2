-- v22: the codes that prove a sign-up's email (docs/adr/0025), one per
-- email and asking device (its personal space's id, which it signs up
-- with): its HMAC under the relay's secret (a copy of the database alone
-- cannot be searched for it), until it expires, is used, or has been tried
-- too often. A device's code is tried and replaced only by whoever knows
-- that id, so no one else can spend it. An email with an account gets a
-- row too, under a hash no code matches, so that asking costs the same work
-- either way. Written in SQL for both backends.
CREATE TABLE sign_up_codes (
    email          TEXT NOT NULL,
    personal_space TEXT NOT NULL,
    code_hash      TEXT NOT NULL,
    expires_ms     BIGINT NOT NULL,
    tries_left     INTEGER NOT NULL,
    PRIMARY KEY (email, personal_space)
);
