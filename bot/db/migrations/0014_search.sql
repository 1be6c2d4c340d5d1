-- The stemmed search index, beside questions_fts (which stays as it is: exact words and prefixes
-- of the text as typed). One row per answered question, rowid = questions.id. Its columns hold
-- no display text, only search forms computed in Python (bot/search_terms.py): each content
-- word as typed (normalised) and its stems in the hub's and the asker's languages, Hebrew and
-- Arabic proclitics stripped. `hub` holds one token, 'h<hub id>', so a query names its hubs
-- inside the full-text expression and the index itself skips every other hub's rows.
--
-- detail=column: no word positions are kept (no phrase or NEAR queries are ever built), which
-- makes the index a good deal smaller; bm25 still ranks by column and rarity.
--
-- Rows are written by Python (QuestionRepository.index_answered) when a question is answered or
-- its answer corrected, and for existing rows by the migration step 0014_search.py right after
-- this script. Removing a question, or moving it out of 'answered', removes its row here.

CREATE VIRTUAL TABLE questions_search USING fts5 (
    hub, text, answer,
    detail = column,
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER questions_search_delete AFTER DELETE ON questions BEGIN
    DELETE FROM questions_search WHERE rowid = old.id;
END;

CREATE TRIGGER questions_search_unanswered AFTER UPDATE OF status ON questions
WHEN new.status <> 'answered' BEGIN
    DELETE FROM questions_search WHERE rowid = old.id;
END;
