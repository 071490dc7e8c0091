-- The application's journey: its number (the fee's reference), the fee, the
-- steps of its timeline, the bank's payments, and the attempts of the public
-- tracking. Personal data stays sealed (`applications.input_json`, the
-- registrar's words); what is clear here is what the queue, the fee and the
-- tracking need: states, times, amounts, the employer's juristic id.

-- Applications submitted before this migration keep their `ap_…` ids and
-- state; new ones are numbered `DWP<Buddhist year><7 digits>` and that number
-- is their id.
ALTER TABLE applications ADD COLUMN employer_id TEXT;
ALTER TABLE applications ADD COLUMN category TEXT;
-- When the application entered its current state (Unix seconds).
ALTER TABLE applications ADD COLUMN entered_at BIGINT;
-- The fee: amount in satang, and the last instant it may be paid.
ALTER TABLE applications ADD COLUMN fee_satang BIGINT;
ALTER TABLE applications ADD COLUMN fee_due_at BIGINT;
-- When the bank received the payment that paid it.
ALTER TABLE applications ADD COLUMN fee_paid_at BIGINT;
-- The keyed blind index of (number, worker's birth date): the tracking's check.
ALTER TABLE applications ADD COLUMN track_key TEXT;
CREATE INDEX applications_queue ON applications (state, entered_at);
CREATE INDEX applications_employer ON applications (employer_id, entered_at);

-- The last number given in each Buddhist year.
CREATE TABLE application_numbers (
    year BIGINT PRIMARY KEY,
    last BIGINT NOT NULL
);

-- Every step of every application, in order: who, when, what it moved to.
-- `detail` holds no personal data (a centre code, a match reference, a reason's
-- digest); the registrar's words are sealed in `words`.
CREATE TABLE application_steps (
    application_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    action TEXT NOT NULL,
    actor TEXT NOT NULL,
    by_token TEXT NOT NULL,
    at BIGINT NOT NULL,
    state TEXT NOT NULL,
    detail TEXT NOT NULL,
    words TEXT,
    PRIMARY KEY (application_id, n)
);

-- The bank's payments, one row per bank transaction id (the callback's
-- idempotency). `outcome` is `applied` (the fee it paid) or the reason it
-- waits in the reconciliation queue: `unknown_reference`, `wrong_amount`,
-- `already_paid`, `late`, `not_payable`, `inquiry_denied`, `inquiry_mismatch`.
CREATE TABLE payments (
    transaction_id TEXT PRIMARY KEY,
    reference1 TEXT NOT NULL,
    reference2 TEXT NOT NULL,
    amount_satang BIGINT NOT NULL,
    paid_at BIGINT NOT NULL,
    payer_bank TEXT NOT NULL,
    outcome TEXT NOT NULL,
    application_id TEXT,
    received_at BIGINT NOT NULL,
    via TEXT NOT NULL,
    settled_at BIGINT,
    settled_by TEXT
);
CREATE INDEX payments_queue ON payments (outcome, received_at);

-- The tracking's wrong answers, per application number and per client, for
-- the rate limit (kept an hour).
CREATE TABLE track_failures (
    subject TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX track_failures_subject ON track_failures (subject, at);

-- The documents attached to an application (PDF, JPEG or PNG, at most 5 MiB,
-- type checked by content). The file is sealed (`data`, base64 inside the
-- AEAD); the registrar alone reads it, on the record.
CREATE TABLE application_documents (
    application_id TEXT NOT NULL,
    n BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    uploaded_by TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (application_id, n)
);
