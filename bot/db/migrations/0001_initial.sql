-- Users, hubs and memberships. Times are UTC text, 'YYYY-MM-DDTHH:MM:SSZ'.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,            -- the Telegram user id
    first_name      TEXT    NOT NULL DEFAULT '',
    last_name       TEXT,
    username        TEXT,
    language_code   TEXT,                           -- as Telegram last reported it
    locale          TEXT,                           -- the user's own choice; wins over language_code
    timezone        TEXT,                           -- IANA name; NULL: the hub's, else the default
    started_at      TEXT,                           -- first private message: the bot may write to them
    blocked_at      TEXT,                           -- they blocked the bot; cleared when they return
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE hubs (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    name            TEXT    NOT NULL,
    code            TEXT    NOT NULL UNIQUE,        -- the join code of the deep link
    chat_id         INTEGER UNIQUE,                 -- the hub's Telegram group
    timezone        TEXT    NOT NULL,
    locale          TEXT    NOT NULL,
    moderation      INTEGER NOT NULL DEFAULT 0 CHECK (moderation IN (0, 1)),
    detached_at     TEXT,                           -- the bot was removed from the group
    created_by      INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at      TEXT    NOT NULL
);

CREATE TABLE memberships (
    hub_id          INTEGER NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role            TEXT    NOT NULL DEFAULT 'member' CHECK (role IN ('member', 'facilitator')),
    joined_at       TEXT    NOT NULL,
    PRIMARY KEY (hub_id, user_id)
);

CREATE INDEX memberships_by_user ON memberships (user_id, joined_at);
