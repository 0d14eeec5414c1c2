-- v5: records between two people (a timebank exchange). The relay keeps the
-- other party each was created with, so it serves their changes only to
-- the two of them and the group's facilitators.
ALTER TABLE entity_owners ADD COLUMN party TEXT;
