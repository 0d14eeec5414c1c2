-- v21: which refused envelopes prove an epoch's key will never come: its
-- beginner's own envelope, signed by a trusted identity, that held a key
-- other than the one committed to or did not open (`poisoned`). Only then
-- is what is sealed under that epoch set aside; a refusal for any other
-- reason (an identity not yet accepted, another holder's envelope) is
-- waited past.
ALTER TABLE refused_envelopes ADD COLUMN poisoned INTEGER NOT NULL DEFAULT 0;
