-- Never acknowledge what is not stored; one database, one issuer; tokens that
-- end; signatures ordered by sequence, never signed earlier than the last one.

-- The latest time the registry signed anything with (permits, status lists):
-- no signature is ever made with an earlier time.
ALTER TABLE registry_head ADD COLUMN last_signed_at BIGINT NOT NULL DEFAULT 0;

-- The issuer this database belongs to, recorded at its first start.
CREATE TABLE registry_issuer (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    did TEXT NOT NULL,
    public_key_multibase TEXT NOT NULL,
    recorded_at BIGINT NOT NULL
);

-- Every token ends. Tokens made before expiry existed end 90 days after their
-- creation, a bootstrap token one day after it.
ALTER TABLE tokens ADD COLUMN expires_at BIGINT;
UPDATE tokens SET expires_at = created_at + 86400 WHERE expires_at IS NULL AND label = 'bootstrap';
UPDATE tokens SET expires_at = created_at + 7776000 WHERE expires_at IS NULL;

-- The last good signature of each list, served until a newer one can be made.
ALTER TABLE status_lists ADD COLUMN signed_sequence BIGINT;
ALTER TABLE status_lists ADD COLUMN signed_at BIGINT;
ALTER TABLE status_lists ADD COLUMN signed_json TEXT;

-- Replaying a permit's audited history reads its entries by subject.
CREATE INDEX audit_log_subject ON audit_log (subject);

-- A row the writer inserts and deletes to learn whether writes work again.
CREATE TABLE write_probe (
    id BIGINT PRIMARY KEY,
    pad TEXT NOT NULL
);

-- A decision's reason, as a code from a fixed list: what a service-centre
-- officer may read. The registrar's own words stay in `reason`.
ALTER TABLE applications ADD COLUMN reason_code TEXT;
