-- v16: the identities each epoch was begun for, as its beginner signed
-- them with its commitment (a JSON array, sorted; docs/adr/0021): devices
-- raise their sealing floor above an epoch begun for someone who has left,
-- whoever the relay later says holds it. Written in SQL for both backends.
ALTER TABLE key_epochs ADD COLUMN begun_for TEXT;
