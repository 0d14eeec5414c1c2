-- v15: each membership keeps the verifier of the code it joined with, so
-- that the code ends when the member leaves, is removed or deletes their
-- account (docs/adr/0020): the members' devices take no one new through a
-- code someone left by, and a newcomer the relay let in by it would stall
-- the group's key. Written in SQL for both backends, without reading JSON.
ALTER TABLE space_members ADD COLUMN joined_with TEXT;
