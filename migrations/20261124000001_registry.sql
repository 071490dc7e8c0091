-- The registry's schema. One text for SQLite and PostgreSQL: BIGINT and TEXT
-- only, flags as 0/1, times as Unix seconds (UTC).

-- One row that every write updates first, so that writers are serialized on
-- both engines: it holds the head of the audit chain and the open shard.
CREATE TABLE registry_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    audit_seq BIGINT NOT NULL,
    audit_hash TEXT NOT NULL,
    current_shard BIGINT NOT NULL
);
INSERT INTO registry_head (id, audit_seq, audit_hash, current_shard)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 1);

CREATE TABLE permits (
    id TEXT PRIMARY KEY,
    lineage TEXT NOT NULL,
    predecessor TEXT,
    successor TEXT,
    permit_number TEXT NOT NULL,
    state TEXT NOT NULL,
    shard BIGINT NOT NULL,
    status_index BIGINT NOT NULL,
    revoked_bit BIGINT NOT NULL,
    suspended_bit BIGINT NOT NULL,
    valid_until BIGINT NOT NULL,
    employer TEXT NOT NULL,
    estate TEXT,
    input_json TEXT NOT NULL,
    payload TEXT NOT NULL,
    credential_json TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    -- An index is handed out once, for ever.
    UNIQUE (shard, status_index)
);
CREATE INDEX permits_number ON permits (permit_number);
CREATE INDEX permits_employer ON permits (employer);
CREATE INDEX permits_estate ON permits (estate);
CREATE INDEX permits_lineage ON permits (lineage);

CREATE TABLE permit_events (
    permit_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    actor TEXT NOT NULL,
    related TEXT,
    audit_seq BIGINT NOT NULL,
    PRIMARY KEY (permit_id, n)
);

-- One row per published list; `sequence` only grows.
CREATE TABLE status_lists (
    shard BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    PRIMARY KEY (shard, purpose)
);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    scope TEXT,
    label TEXT,
    created_at BIGINT NOT NULL,
    revoked_at BIGINT
);

CREATE TABLE idempotency (
    token_id TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status BIGINT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (token_id, idem_key)
);

CREATE TABLE applications (
    id TEXT PRIMARY KEY,
    state TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    input_json TEXT NOT NULL,
    permit_id TEXT,
    reason TEXT,
    submitted_at BIGINT NOT NULL,
    decided_at BIGINT
);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
