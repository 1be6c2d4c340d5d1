-- Meetings: announce, RSVP, reminders, calendar files, attendance and feedback (issue 10).

-- Hub settings: reminder offsets in minutes before the start, largest first ('1440,60': a day
-- and an hour before), and whether attendees get a feedback request after a meeting.
ALTER TABLE hubs ADD COLUMN reminder_offsets TEXT NOT NULL DEFAULT '1440,60';
ALTER TABLE hubs ADD COLUMN meeting_feedback INTEGER NOT NULL DEFAULT 0
    CHECK (meeting_feedback IN (0, 1));

-- A meeting, or a series of them ("repeats weekly / every 2 weeks until a date").
CREATE TABLE meetings (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    hub_id          INTEGER NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    author_id       INTEGER REFERENCES users (id) ON DELETE SET NULL,
    title           TEXT    NOT NULL,
    place           TEXT    NOT NULL DEFAULT '',    -- a place, or an http(s) link
    timezone        TEXT    NOT NULL,               -- the hub's zone when it was planned
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes BETWEEN 1 AND 1440),
    repeat_weeks    INTEGER NOT NULL DEFAULT 0 CHECK (repeat_weeks IN (0, 1, 2)),
    repeat_until    TEXT,                           -- 'YYYY-MM-DD', the series' last day
    uid             TEXT    NOT NULL UNIQUE,        -- iCalendar UID: stable across moves
    sequence        INTEGER NOT NULL DEFAULT 0,     -- iCalendar SEQUENCE: bumped on a change
    status          TEXT    NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'cancelled')),
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);
CREATE INDEX meetings_by_hub ON meetings (hub_id, status);

-- Each occurrence (one for a single meeting), with its own start: a move changes one row, and
-- RSVPs, reminders, attendance and feedback belong to an occurrence.
CREATE TABLE meeting_occurrences (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id      INTEGER NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    starts_local    TEXT    NOT NULL,               -- 'YYYY-MM-DD HH:MM' in the meeting's zone
    starts_at       TEXT    NOT NULL,               -- UTC
    original_start  TEXT    NOT NULL,               -- UTC as first planned (iCalendar RECURRENCE-ID)
    status          TEXT    NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'cancelled')),
    sequence        INTEGER NOT NULL DEFAULT 0,
    group_message_id INTEGER,                       -- the group post whose counts stay current
    attendance_at   TEXT,                           -- when attendance was last saved
    feedback_at     TEXT,                           -- when feedback requests were written
    UNIQUE (meeting_id, original_start)
);
CREATE INDEX meeting_occurrences_by_start ON meeting_occurrences (starts_at, status);

CREATE TABLE meeting_rsvps (
    occurrence_id   INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    answer          TEXT    NOT NULL CHECK (answer IN ('yes', 'maybe', 'no')),
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (occurrence_id, user_id)
);

CREATE TABLE meeting_attendance (
    occurrence_id   INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    present         INTEGER NOT NULL CHECK (present IN (0, 1)),
    PRIMARY KEY (occurrence_id, user_id)
);

-- Who was asked for feedback and whether they answered, kept apart from the answers: a rating
-- and a sentence carry no member unless the member chose to sign it.
CREATE TABLE meeting_feedback_requests (
    occurrence_id   INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    answered        INTEGER NOT NULL DEFAULT 0 CHECK (answered IN (0, 1)),
    PRIMARY KEY (occurrence_id, user_id)
);

CREATE TABLE meeting_feedback (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    occurrence_id   INTEGER NOT NULL REFERENCES meeting_occurrences (id) ON DELETE CASCADE,
    rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment         TEXT,
    signed_by       INTEGER REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX meeting_feedback_by_occurrence ON meeting_feedback (occurrence_id);
