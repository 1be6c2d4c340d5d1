-- Questions: asked privately, optionally moderated, voted on, answered, searchable when answered.

CREATE TABLE questions (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    hub_id          INTEGER NOT NULL REFERENCES hubs (id) ON DELETE CASCADE,
    -- Kept only to deliver the answer and for the asker's own export and erasure; never shown
    -- to anyone when the question is anonymous.
    asker_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    anonymous       INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    text            TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'pending', 'open', 'answered', 'rejected', 'closed')),
    close_reason    TEXT,
    answer          TEXT,
    answered_by     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    answered_at     TEXT,
    answer_edits    INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE INDEX questions_by_hub ON questions (hub_id, status);
CREATE INDEX questions_by_asker ON questions (asker_id);

CREATE TABLE question_votes (
    question_id     INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      TEXT    NOT NULL,
    PRIMARY KEY (question_id, user_id)
);

CREATE INDEX question_votes_by_user ON question_votes (user_id);

-- Full-text search over answered questions, in any script (unicode61 folds case everywhere).
CREATE VIRTUAL TABLE questions_fts USING fts5 (
    text, answer, content = 'questions', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER questions_fts_insert AFTER INSERT ON questions BEGIN
    INSERT INTO questions_fts (rowid, text, answer) VALUES (new.id, new.text, new.answer);
END;

CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, text, answer)
    VALUES ('delete', old.id, old.text, old.answer);
END;

CREATE TRIGGER questions_fts_update AFTER UPDATE OF text, answer ON questions BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, text, answer)
    VALUES ('delete', old.id, old.text, old.answer);
    INSERT INTO questions_fts (rowid, text, answer) VALUES (new.id, new.text, new.answer);
END;
