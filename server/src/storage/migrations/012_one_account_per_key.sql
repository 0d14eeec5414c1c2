-- v12: an X25519 public key (and so the identity that signed it, whose
-- binding names no account) belongs to one account: a member who copied
-- another's key and identity onto their own account made every device stop
-- trusting the first holder and stopped the group's key turning over (the
-- fifth attacker run). NULLs (accounts without keys) repeat freely.
CREATE UNIQUE INDEX accounts_one_per_public_key ON accounts (public_key);
