-- v21: how each account's password is stretched (docs/adr/0024): Argon2id's
-- salt, chosen at random by the device, and parameters, as JSON
-- (pph_protocol::kdf::Kdf), served before sign-in and changed with the
-- password. NULL: an account made before, salted by its email with the
-- fixed parameters; its device sets one at its next sign-in. Written in SQL
-- for both backends.
ALTER TABLE accounts ADD COLUMN kdf TEXT;
