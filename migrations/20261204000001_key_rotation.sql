-- Key rotation and compromise: the trust lists the registry has published
-- (the newest is served, and only a higher sequence may follow it), the
-- sequence every writer sees when it takes the head row, and the key each
-- permit's live credential is signed with (what a compromise re-issues).

CREATE TABLE trust_lists (
    sequence BIGINT PRIMARY KEY,
    document TEXT NOT NULL,
    accepted_at BIGINT NOT NULL,
    accepted_by TEXT NOT NULL
);

ALTER TABLE registry_head ADD COLUMN trust_sequence BIGINT NOT NULL DEFAULT 0;

-- The verification method of the live credential; rows from before are the
-- registry's first key's, filled at start.
ALTER TABLE permits ADD COLUMN signed_by TEXT;
CREATE INDEX permits_signed_by ON permits (signed_by, state);
