-- v13: group membership a device can check (docs/adr/0020). Each member
-- keeps the admission their device signed (a chain of signatures back to
-- the group's founder, as JSON the relay cannot forge), and each invite
-- the signed invite its facilitator's device made, whose key comes from
-- the code's secret half that the relay never sees. Invites from before
-- carry no such key and could admit no one a device would take: they end.
ALTER TABLE space_members ADD COLUMN admission TEXT;
ALTER TABLE group_invites ADD COLUMN invite TEXT;
DELETE FROM group_invites;
