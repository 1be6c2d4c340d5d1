-- The outbox (every message that is not a direct reply), schedules rebuilt at start-up, and
-- broadcasts, the first feature on both.

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    key             TEXT    NOT NULL UNIQUE,        -- idempotency: one occurrence, one recipient
    chat_id         INTEGER NOT NULL,
    user_id         INTEGER,                        -- the recipient, for a private chat
    kind            TEXT    NOT NULL,               -- what caused it: broadcast, report, ...
    ref_id          INTEGER,                        -- e.g. the broadcast's id
    text            TEXT    NOT NULL,               -- HTML, already in the recipient's language
    reply_markup    TEXT,                           -- JSON, or NULL
    status          TEXT    NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'sending', 'sent', 'blocked', 'not_started',
                                      'failed', 'cancelled')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    not_before      TEXT    NOT NULL,               -- do not try before (retry_after, back-off)
    reason          TEXT,                           -- why it failed or was retried
    message_id      INTEGER,                        -- Telegram's id once delivered
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE INDEX outbox_due ON outbox (status, not_before, id);
CREATE INDEX outbox_by_ref ON outbox (kind, ref_id, status);
-- "Is an earlier message to this chat still unfinished?" looks only at unfinished rows.
CREATE INDEX outbox_unfinished_by_chat ON outbox (chat_id, id)
    WHERE status IN ('pending', 'sending');

CREATE TABLE schedules (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    kind            TEXT    NOT NULL,               -- broadcast, ...
    ref_id          INTEGER NOT NULL,
    hub_id          INTEGER REFERENCES hubs (id) ON DELETE CASCADE,
    rule            TEXT    NOT NULL CHECK (rule IN ('once', 'daily', 'weekly')),
    at_local        TEXT    NOT NULL,               -- 'YYYY-MM-DD HH:MM' (once) or 'HH:MM'
    weekdays        TEXT,                           -- 'mon,thu' for weekly rules
    timezone        TEXT    NOT NULL,               -- local times stay local across DST
    next_fire       TEXT,                           -- UTC; NULL once nothing is left to fire
    active          INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at      TEXT    NOT NULL
);

CREATE INDEX schedules_due ON schedules (active, next_fire);

-- One row per occurrence that was handled: firing the same occurrence twice finds it here.
CREATE TABLE schedule_runs (
    schedule_id     INTEGER NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    occurrence      TEXT    NOT NULL,               -- UTC
    outcome         TEXT    NOT NULL CHECK (outcome IN ('fired', 'skipped')),
    handled_at      TEXT    NOT NULL,
    PRIMARY KEY (schedule_id, occurrence)
);

CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    hub_id          INTEGER REFERENCES hubs (id) ON DELETE CASCADE,   -- NULL: every hub
    sender_id       INTEGER NOT NULL REFERENCES users (id),
    text            TEXT    NOT NULL,               -- as the sender typed it (plain text)
    post_in_group   INTEGER NOT NULL DEFAULT 0 CHECK (post_in_group IN (0, 1)),
    status          TEXT    NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'scheduled', 'sending', 'done', 'cancelled')),
    send_at         TEXT,                           -- UTC, for a scheduled broadcast
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    reported_at     TEXT
);

CREATE INDEX broadcasts_by_hub ON broadcasts (hub_id, created_at);
