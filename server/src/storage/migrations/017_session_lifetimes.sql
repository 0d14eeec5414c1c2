-- v17: sessions end (docs/SECURITY.md, "Sessions and devices"): when a
-- token was last used (written at most hourly), and the token that
-- replaced it when its device swapped it for a fresh one; a replaced
-- token presented after its grace signs its device out. Written in SQL for
-- both backends.
ALTER TABLE device_tokens ADD COLUMN last_seen_ms BIGINT;
ALTER TABLE device_tokens ADD COLUMN replaced_by TEXT;
CREATE INDEX device_tokens_by_device ON device_tokens (account_id, node);
