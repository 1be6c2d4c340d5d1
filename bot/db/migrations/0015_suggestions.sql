-- "Already answered?" in /ask: before a question is posted, similar answered questions of the
-- asker's hubs are offered. Two tables:
--
-- suggestion_counts: the figure facilitators read ("answered before asking: N of M"). Counts per
-- hub and UTC day only: no question text, no user id.
CREATE TABLE suggestion_counts (
    hub_id INTEGER NOT NULL REFERENCES hubs(id) ON DELETE CASCADE,
    day TEXT NOT NULL,                          -- UTC date, YYYY-MM-DD
    shown INTEGER NOT NULL DEFAULT 0,           -- drafts that were offered suggestions
    answered INTEGER NOT NULL DEFAULT 0,        -- "That answers it": nothing was posted
    asked_anyway INTEGER NOT NULL DEFAULT 0,    -- "Ask anyway": the draft went on as before
    PRIMARY KEY (hub_id, day)
) WITHOUT ROWID;

-- suggestion_offers: which answered questions one draft was offered (rank 1 is the closest),
-- so that a button press can be checked against what was really shown (a forged press naming
-- another question changes nothing), and the draft's outcome, decided once. The draft is the
-- asker's own row in `questions` (drafts already are). After "Ask anyway" the list is dropped;
-- after "That answers it" it stays, shown once more with "🙋 Me too" on the closest.
CREATE TABLE suggestion_offers (
    draft_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions(id) ON DELETE CASCADE,
    rank INTEGER NOT NULL,
    PRIMARY KEY (draft_id, question_id)
) WITHOUT ROWID;

CREATE TABLE suggestion_outcomes (
    draft_id INTEGER PRIMARY KEY REFERENCES questions(id) ON DELETE CASCADE,
    hub_id INTEGER NOT NULL REFERENCES hubs(id) ON DELETE CASCADE,
    day TEXT NOT NULL,                          -- the day it was shown: where its outcome counts
    outcome TEXT CHECK (outcome IN ('answered', 'asked'))  -- NULL while the asker decides
);
