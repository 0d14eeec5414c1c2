-- v14: each invite's verifier (the key of its code's secret half), so that
-- a code ends when someone who joined with it leaves or is removed: the
-- members' devices take no one new through it (docs/adr/0020), and a
-- newcomer the relay still let in would be a reader no device wraps to,
-- whom every epoch begun must reach (the twelfth attacker run: the group's
-- key stopped turning over). Invites from v13 keep NULL and end by their
-- expiry or revocation alone.
ALTER TABLE group_invites ADD COLUMN verifier TEXT;
