-- The signed exchange with partner agencies (RFC 9421): their keys, the
-- nonces seen within the signature window, the Section 62 notifications of the
-- Industrial Estate Authority, and the blind index the stay-extension look-up
-- by passport uses. Nothing here is personal data in clear: the worker's data
-- of a notification is in its application (sealed), and the look-up goes by
-- the keyed index of (nationality, document number).

-- A partner agency's key, registered by an administrator: what it may speak for.
CREATE TABLE partner_keys (
    key_id TEXT PRIMARY KEY,
    agency TEXT NOT NULL,
    -- The Ed25519 public key, multibase (z…, 0xed01 prefix).
    public_key TEXT NOT NULL,
    -- JSON arrays: the estate codes it may speak for, the purposes it may state.
    estates TEXT NOT NULL,
    purposes TEXT NOT NULL,
    not_before BIGINT NOT NULL,
    not_after BIGINT NOT NULL,
    registered_by TEXT NOT NULL,
    registered_at BIGINT NOT NULL
);

-- Each nonce once per key, kept for the signature window (then purged).
CREATE TABLE partner_nonces (
    key_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (key_id, nonce)
);
CREATE INDEX partner_nonces_expiry ON partner_nonces (expires_at);

-- A Section 62 notification, once per agency and notification id.
CREATE TABLE s62_notifications (
    agency TEXT NOT NULL,
    notification_id TEXT NOT NULL,
    -- SHA-256 of the body first received: a second body under the same id is refused.
    body_digest TEXT NOT NULL,
    application_id TEXT NOT NULL,
    estate TEXT NOT NULL,
    permission_ref TEXT NOT NULL,
    key_id TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (agency, notification_id)
);
CREATE INDEX s62_notifications_application ON s62_notifications (application_id);

-- Where an application came from: NULL (submitted here) or 'ieat', and the
-- agency's reference (IEAT's permission).
ALTER TABLE applications ADD COLUMN source TEXT;
ALTER TABLE applications ADD COLUMN source_ref TEXT;

-- The keyed blind index of (nationality, document number); filled for rows
-- from before by the sealing at start.
ALTER TABLE permits ADD COLUMN passport_index TEXT;
CREATE INDEX permits_passport_index ON permits (passport_index);

-- The keyed blind index of the holder key (`credentialSubject.id`, a did:key)
-- a permit is bound to: the worker's own requests, signed with that key, find
-- their permits by it. Filled for rows from before by the sealing at start.
ALTER TABLE permits ADD COLUMN holder_index TEXT;
CREATE INDEX permits_holder_index ON permits (holder_index);
