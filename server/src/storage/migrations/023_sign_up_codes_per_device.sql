-- v23: a sign-up code belongs to the email and the asking device (its
-- personal space's id, which it signs up with), so that only that device
-- tries it: a stranger asking for the same email, or guessing, neither
-- replaces nor spends it (docs/adr/0025, the twenty-sixth attacker run).
-- Codes live half an hour and are asked for again, so the table is made
-- anew rather than carried over. Written in SQL for both backends.
DROP TABLE sign_up_codes;
CREATE TABLE sign_up_codes (
    email          TEXT NOT NULL,
    personal_space TEXT NOT NULL,
    code_hash      TEXT NOT NULL,
    expires_ms     BIGINT NOT NULL,
    tries_left     INTEGER NOT NULL,
    PRIMARY KEY (email, personal_space)
);
