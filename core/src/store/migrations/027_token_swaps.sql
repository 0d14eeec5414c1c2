-- v27: when the device's token was made, and the one it is swapping it for
-- (kept before it asks, so a crash mid-swap loses neither): the relay's
-- sessions end a lifetime after they were made and after a month unused,
-- so a device swaps its token once it is a day old (docs/SECURITY.md,
-- "Sessions and devices"). NULL for a token made before: swapped first.
ALTER TABLE sync_account ADD COLUMN token_since_ms INTEGER;
ALTER TABLE sync_account ADD COLUMN next_token TEXT;
