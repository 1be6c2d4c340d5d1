-- The chat-scoped command menu last set for each person (a digest of its commands; NULL: none,
-- they see the default menus), so that a language or time-zone change, or a restart, calls
-- setMyCommands only when their menu really changes. People who may already have one are marked
-- unknown, so that their next refresh sets it once.

ALTER TABLE users ADD COLUMN menu TEXT;

UPDATE users SET menu = 'unknown';
