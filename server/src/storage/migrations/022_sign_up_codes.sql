-- v22: the codes that prove a sign-up's email (docs/adr/0025), one per
-- email: its HMAC under the relay's secret (a copy of the database alone
-- cannot be searched for it), until it expires, is used, or has been tried
-- too often. An email with an account gets a row too, under a hash no code
-- matches, so that asking costs the same work either way. Written in SQL
-- for both backends.
CREATE TABLE sign_up_codes (
    email      TEXT PRIMARY KEY,
    code_hash  TEXT NOT NULL,
    expires_ms BIGINT NOT NULL,
    tries_left INTEGER NOT NULL
);
