-- v9: who wrapped each envelope (docs/adr/0018), so that an account's
-- deletion takes with it the envelopes it sent, which name it and which
-- no device can check any more once its identity is gone (the epochs'
-- other holders give them again). '' for envelopes from before, and for
-- the place-holders of departed accounts.
ALTER TABLE key_envelopes ADD COLUMN sender TEXT NOT NULL DEFAULT '';
