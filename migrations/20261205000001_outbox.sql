-- Every change of an application's state, as a CloudEvents 1.0 record, for
-- the department's notification service (SMS, LINE) to read in order. Written
-- in the same transaction as the change: a committed change has its event,
-- and an event is never written for a change that did not commit. `seq` is
-- gapless and in commit order (writers are serialized by the head row).
-- `data` holds no personal data.
CREATE TABLE outbox (
    seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    type TEXT NOT NULL,
    subject TEXT NOT NULL,
    time BIGINT NOT NULL,
    data TEXT NOT NULL
);
