-- Putting a permit on the worker's phone (OpenID4VCI 1.0, pre-authorized code
-- flow). Secrets are stored only as SHA-256 hashes (hex).

-- A credential offer for a permit. `uri_hash` is the hash of the secret in the
-- offer's URI, `code_hash` of the pre-authorized code, `tx_hash` of the
-- transaction code (salted with the code), `access_hash` of the access token
-- once the code is redeemed. `state`: open → redeemed → issued; or locked
-- (too many wrong transaction codes), or replaced (a newer offer for the same
-- permit). `attempts` counts wrong transaction codes.
CREATE TABLE credential_offers (
    id TEXT PRIMARY KEY,
    permit_id TEXT NOT NULL,
    uri_hash TEXT NOT NULL UNIQUE,
    code_hash TEXT NOT NULL UNIQUE,
    tx_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    access_hash TEXT UNIQUE,
    access_expires_at BIGINT,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX credential_offers_permit ON credential_offers (permit_id);

-- Each c_nonce handed out, until it is used or expires.
CREATE TABLE credential_nonces (
    nonce_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

-- The credentials a permit had before its live one (which is the permits row):
-- each keeps its status index for ever and is revoked (`reason`: rebound).
CREATE TABLE retired_credentials (
    permit_id TEXT NOT NULL,
    shard BIGINT NOT NULL,
    status_index BIGINT NOT NULL,
    reason TEXT NOT NULL,
    credential_json TEXT NOT NULL,
    retired_at BIGINT NOT NULL,
    UNIQUE (shard, status_index)
);
CREATE INDEX retired_credentials_permit ON retired_credentials (permit_id);
