-- Quiet hours and pauses (issue 9): outbox rows held back, urgent announcements.

-- A held row stays 'pending' with held_until set (UTC, on the scheduler's clock). The release
-- job clears it when that time comes; the delivery worker then decides again with the member's
-- current settings (held again if they changed). NULL: not held.
ALTER TABLE outbox ADD COLUMN held_until TEXT;

-- The worker walks sendable rows in id order: held rows (100,000 of them overnight) are simply
-- not in the index it walks, so they cost the hot path nothing.
DROP INDEX outbox_pending_by_id;
CREATE INDEX outbox_pending_by_id ON outbox (id) WHERE status = 'pending' AND held_until IS NULL;

-- "Is an earlier message to this chat still unfinished?" does not see held rows: a held prompt
-- does not block a later reply or an urgent announcement to the same member.
DROP INDEX outbox_unfinished_by_chat;
CREATE INDEX outbox_unfinished_by_chat ON outbox (chat_id, id)
    WHERE status IN ('pending', 'sending') AND held_until IS NULL;

-- "When is the next row due?" seeks straight past held rows (held_until IS NULL is an equality).
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (status, held_until, not_before, id);

-- The release job and a member changing their settings read held rows only.
CREATE INDEX outbox_held ON outbox (held_until) WHERE held_until IS NOT NULL;
CREATE INDEX outbox_held_by_user ON outbox (user_id) WHERE held_until IS NOT NULL;

-- An urgent announcement passes quiet hours; others wait for them to end.
ALTER TABLE broadcasts ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1));
