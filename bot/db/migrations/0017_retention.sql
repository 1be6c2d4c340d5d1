-- Data minimisation (branch ops): finished deliveries to private chats are deleted after
-- [retention] days; what they counted survives as numbers without any person in them.

-- The daily retention job walks finished rows oldest first.
CREATE INDEX outbox_finished_by_age ON outbox (updated_at, id)
    WHERE status IN ('sent', 'blocked', 'not_started', 'failed', 'cancelled');

-- How many deliveries of a thing sent to many (an announcement, a meeting invitation, a survey
-- invitation...: bot/db/retention.py COUNTED_KINDS) ended in each status, for the rows the
-- retention job deleted: figures and exports add these to the outbox rows still present.
-- No person in it: kind, the thing's id, a status and a number.
CREATE TABLE delivery_counts (
    kind            TEXT    NOT NULL,
    ref_id          INTEGER NOT NULL,
    status          TEXT    NOT NULL,
    count           INTEGER NOT NULL,
    PRIMARY KEY (kind, ref_id, status)
) WITHOUT ROWID;

-- The daily maintenance jobs (retention, backups): when each last ran, so a day missed while the
-- bot was down is caught up at start-up and two sweeps never run the same day's job twice.
CREATE TABLE maintenance_runs (
    kind            TEXT    PRIMARY KEY,
    last_run        TEXT    NOT NULL                -- UTC
) WITHOUT ROWID;
