-- v2: group roles and invite codes. A group's creator is its facilitator;
-- everyone else joins as a member with an invite code, which expires and can
-- be revoked. Codes are stored hashed, like tokens.
ALTER TABLE space_members ADD COLUMN role TEXT NOT NULL DEFAULT 'member';
UPDATE space_members SET role = 'facilitator'
WHERE EXISTS (
    SELECT 1 FROM spaces s
    WHERE s.id = space_members.space AND s.kind = 'group' AND s.owner = space_members.account_id
);

CREATE TABLE group_invites (
    code_hash  TEXT PRIMARY KEY,
    space      TEXT NOT NULL REFERENCES spaces (id),
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_ms BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL,
    revoked_ms BIGINT
);
CREATE INDEX group_invites_by_space ON group_invites (space);
