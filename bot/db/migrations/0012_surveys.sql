-- Surveys: several questions, sent privately to the members of one hub (or of every hub, for a
-- network admin), open from `opens_at` until the deadline `closes_at` (UTC instants).
--
-- Anonymity: who has finished (`survey_participants`, for reminders) is kept apart from what was
-- answered (`survey_responses` / `survey_answers`). An anonymous response has no user id, a random
-- id, no time, and its answers live in a WITHOUT ROWID table keyed by that random id, so neither a
-- column nor the insertion order joins an answer to a member. Unfinished answers are kept per
-- member in `survey_drafts` (so one can go back and finish later) and leave it when the member
-- finishes, or at the deadline.
CREATE TABLE surveys (
    id          INTEGER PRIMARY KEY,
    hub_id      INTEGER REFERENCES hubs(id) ON DELETE CASCADE,   -- NULL: every hub (network admin)
    author_id   INTEGER NOT NULL,
    title       TEXT NOT NULL,
    anonymous   INTEGER NOT NULL CHECK (anonymous IN (0, 1)),
    opens_at    TEXT NOT NULL,
    closes_at   TEXT NOT NULL,
    reminders   TEXT NOT NULL DEFAULT '[]',      -- JSON list of minutes before the deadline
    before_id   INTEGER REFERENCES surveys(id),  -- this survey is the "after" of that one
    status      TEXT NOT NULL DEFAULT 'scheduled'
                CHECK (status IN ('scheduled', 'open', 'closed', 'cancelled')),
    created_at  TEXT NOT NULL,
    closed_at   TEXT
);
CREATE INDEX surveys_by_hub ON surveys(hub_id, id);

CREATE TABLE survey_questions (
    id          INTEGER PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,                -- 1..n
    kind        TEXT NOT NULL CHECK (kind IN ('single', 'multiple', 'scale', 'text')),
    text        TEXT NOT NULL,
    options     TEXT NOT NULL DEFAULT '[]',      -- JSON list (single/multiple)
    UNIQUE (survey_id, position)
);

-- Who was invited, and whether they finished: the only per-member record of an anonymous survey.
CREATE TABLE survey_participants (
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    finished    INTEGER NOT NULL DEFAULT 0 CHECK (finished IN (0, 1)),
    PRIMARY KEY (survey_id, user_id)
) WITHOUT ROWID;
CREATE INDEX survey_participants_by_user ON survey_participants(user_id);

-- Unfinished answers, per member (value: JSON — a list of option indexes, a scale 1..5, a text).
CREATE TABLE survey_drafts (
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    question_id INTEGER NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
    value       TEXT NOT NULL,
    PRIMARY KEY (survey_id, user_id, question_id)
) WITHOUT ROWID;
CREATE INDEX survey_drafts_by_user ON survey_drafts(user_id);

-- Submitted answers. `id` is random (secrets), `user_id` NULL when the survey is anonymous.
CREATE TABLE survey_responses (
    id          INTEGER NOT NULL PRIMARY KEY,
    survey_id   INTEGER NOT NULL REFERENCES surveys(id) ON DELETE CASCADE,
    user_id     INTEGER,
    complete    INTEGER NOT NULL DEFAULT 1 CHECK (complete IN (0, 1))  -- 0: taken at the deadline
) WITHOUT ROWID;
CREATE INDEX survey_responses_by_survey ON survey_responses(survey_id);
CREATE INDEX survey_responses_by_user ON survey_responses(user_id) WHERE user_id IS NOT NULL;

CREATE TABLE survey_answers (
    response_id INTEGER NOT NULL REFERENCES survey_responses(id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES survey_questions(id) ON DELETE CASCADE,
    value       TEXT NOT NULL,                   -- JSON, as in survey_drafts
    PRIMARY KEY (response_id, question_id)
) WITHOUT ROWID;
CREATE INDEX survey_answers_by_question ON survey_answers(question_id);
