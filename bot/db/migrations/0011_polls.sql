-- Quick polls (native Telegram polls). One row per poll; one per message Telegram holds it in
-- (the hub's group, or each member's private chat), with Telegram's poll id; per-member answers
-- for named polls (an empty list is a retracted vote); counts for anonymous ones (from `poll`).
CREATE TABLE polls (
    id INTEGER PRIMARY KEY,
    hub_id INTEGER NOT NULL REFERENCES hubs(id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL,
    question TEXT NOT NULL,
    options TEXT NOT NULL,            -- JSON list of option texts
    anonymous INTEGER NOT NULL,
    multiple INTEGER NOT NULL,
    private INTEGER NOT NULL,         -- 1: sent to each member privately
    closes_at TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_at TEXT NOT NULL,
    closed_at TEXT,
    remind_at TEXT                    -- the reminder-once marker: set once, never again
);
CREATE INDEX polls_hub ON polls(hub_id, id);

CREATE TABLE poll_messages (
    poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    tg_poll_id TEXT NOT NULL UNIQUE,
    counts TEXT,                      -- JSON list: the latest counts of an anonymous poll
    total INTEGER NOT NULL DEFAULT 0,
    closed INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (poll_id, chat_id)
);

CREATE TABLE poll_votes (
    poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    option_ids TEXT NOT NULL,         -- JSON list; '[]' is a retracted vote
    updated_at TEXT NOT NULL,
    PRIMARY KEY (poll_id, user_id)
);
