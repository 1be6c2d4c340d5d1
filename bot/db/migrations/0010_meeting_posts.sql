-- The text a meeting's group post shows now (after its last edit), so that an edit after a
-- restart is compared with what Telegram shows, not with the text first sent: an edit that
-- changes nothing is refused by Telegram ("message is not modified").
ALTER TABLE meeting_occurrences ADD COLUMN group_text TEXT;
