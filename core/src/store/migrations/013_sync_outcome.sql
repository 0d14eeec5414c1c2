-- v13: whether the last failed sync could not reach the relay (offline)
-- or was refused, kept with the other attempt figures, so a restarted app
-- (or the next `pph` command) shows "offline" rather than "idle".
ALTER TABLE sync_state ADD COLUMN offline INTEGER NOT NULL DEFAULT 0;
