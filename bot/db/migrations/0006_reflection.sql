-- Reflection prompts, the private journal, quiet hours and pauses (issue 9).

-- Hub settings: prompts at the hub's local time or at each member's own ('hub' | 'member'), and
-- the hours after which an unanswered prompt gets its one nudge (0: no nudge).
ALTER TABLE hubs ADD COLUMN prompt_timing TEXT NOT NULL DEFAULT 'hub'
    CHECK (prompt_timing IN ('hub', 'member'));
ALTER TABLE hubs ADD COLUMN nudge_hours INTEGER NOT NULL DEFAULT 24
    CHECK (nudge_hours BETWEEN 0 AND 168);

-- Hub holidays: no prompts from the first day to the last, both included, in the hub's zone.
CREATE TABLE hub_holidays (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    hub_id          INTEGER NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    first_day       TEXT    NOT NULL,               -- 'YYYY-MM-DD'
    last_day        TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    CHECK (first_day <= last_day)
);
CREATE INDEX hub_holidays_by_hub ON hub_holidays (hub_id, first_day);

-- A member may stop a hub's prompts without leaving it.
ALTER TABLE memberships ADD COLUMN prompts_off INTEGER NOT NULL DEFAULT 0
    CHECK (prompts_off IN (0, 1));

-- Quiet hours ('HH:MM' in the member's own zone; start = end is refused) and a pause (UTC).
ALTER TABLE users ADD COLUMN quiet_start TEXT;
ALTER TABLE users ADD COLUMN quiet_end TEXT;
ALTER TABLE users ADD COLUMN paused_until TEXT;

-- A prompt: its text as the facilitator typed it, or a key of the built-in library (each member
-- then reads it in their own language). Its timing is a row in `schedules` (kind 'prompt').
CREATE TABLE prompts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    hub_id          INTEGER NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    author_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    text            TEXT    NOT NULL,               -- plain text; for a library prompt, English
    library_key     TEXT,
    status          TEXT    NOT NULL DEFAULT 'active'
                    CHECK (status IN ('active', 'paused', 'deleted')),
    created_at      TEXT    NOT NULL,
    deleted_at      TEXT
);
CREATE INDEX prompts_by_hub ON prompts (hub_id, status);

-- One row per occurrence and member the prompt went to: the figures /prompts shows (counts only)
-- and what a reply, an Answer, a Skip or a nudge refers to.
CREATE TABLE prompt_sends (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    prompt_id       INTEGER NOT NULL REFERENCES prompts (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    occurrence      TEXT    NOT NULL,               -- the occurrence's local date, 'YYYY-MM-DD'
    sent_at         TEXT    NOT NULL,               -- UTC: when it was written to the outbox
    status          TEXT    NOT NULL DEFAULT 'sent'
                    CHECK (status IN ('sent', 'answered', 'skipped')),
    nudged_at       TEXT,
    UNIQUE (prompt_id, occurrence, user_id)
);
CREATE INDEX prompt_sends_by_user ON prompt_sends (user_id, sent_at);
-- The nudge sweep reads only unanswered, un-nudged sends.
CREATE INDEX prompt_sends_to_nudge ON prompt_sends (sent_at)
    WHERE status = 'sent' AND nudged_at IS NULL;

-- A reflection: what a member wrote to one prompt (several messages within a few minutes are
-- one reflection). The prompt's text is copied so the journal outlives a deleted prompt.
CREATE TABLE reflections (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hub_id          INTEGER REFERENCES hubs (id) ON DELETE SET NULL,
    send_id         INTEGER REFERENCES prompt_sends (id) ON DELETE SET NULL,
    prompt_text     TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,               -- the last part: later parts join within a window
    shared_at       TEXT,
    shared_anonymously INTEGER CHECK (shared_anonymously IN (0, 1))
);
CREATE INDEX reflections_by_user ON reflections (user_id, created_at);

CREATE TABLE reflection_parts (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    reflection_id   INTEGER NOT NULL REFERENCES reflections (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL CHECK (kind IN ('text', 'voice', 'photo')),
    text            TEXT    NOT NULL DEFAULT '',    -- the message, or a caption
    file_id         TEXT,                           -- Telegram's file id of a voice note or photo
    message_id      INTEGER NOT NULL,
    created_at      TEXT    NOT NULL
);
CREATE INDEX reflection_parts_by_reflection ON reflection_parts (reflection_id, id);

-- Prompts and nudges may be held back by quiet hours and pauses; other rows never are.
ALTER TABLE outbox ADD COLUMN holdable INTEGER NOT NULL DEFAULT 0 CHECK (holdable IN (0, 1));
-- A reply to a prompt finds the prompt by the message it answers.
CREATE INDEX outbox_prompt_messages ON outbox (chat_id, message_id) WHERE kind = 'prompt';
