-- Personal data sealed at rest (see src/registry/crypt.rs): the data keys,
-- each wrapped by the master key named, which is never in the database; and
-- the blind index of the permit number, which look-ups use instead of it.

CREATE TABLE data_keys (
    id TEXT PRIMARY KEY,
    wrapped TEXT NOT NULL,
    master_key_id TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX data_keys_master ON data_keys (master_key_id);

-- Filled for rows from before by the sealing at start.
ALTER TABLE permits ADD COLUMN number_index TEXT;
DROP INDEX permits_number;
CREATE INDEX permits_number_index ON permits (number_index);
