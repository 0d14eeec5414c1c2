-- v19: a session is the chain of tokens from one sign-in through the
-- swaps that followed (the twenty-first attacker run): its id, and when it
-- began, carried from token to token, so that a chain cannot outlive a
-- year without the password, the devices list shows each sign-in (one who
-- signs in under another device's name shows as a second entry), and a
-- copy detected ends the chain once. A recovery code's session only sets
-- new keys. NULLs (tokens made before): the token is its own session, begun
-- when it was made. Written in SQL for both backends.
ALTER TABLE device_tokens ADD COLUMN session_id TEXT;
ALTER TABLE device_tokens ADD COLUMN signed_in_ms BIGINT;
ALTER TABLE device_tokens ADD COLUMN recovery_only INTEGER NOT NULL DEFAULT 0;
CREATE INDEX device_tokens_by_session ON device_tokens (account_id, session_id);
