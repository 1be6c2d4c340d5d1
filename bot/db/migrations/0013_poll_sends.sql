-- The durable fan-out of quick polls (bot/services/poll_sends.py).
--
-- One row per chat a poll goes to (each member's private chat, or the hub's group), written with
-- the poll in one transaction and drained by the poll sender, paced by the Bot's rate limiter;
-- a restart resumes what is 'pending' (and sends again what was 'sending' at a kill -9: at least
-- once). 'blocked' / 'not_started' / 'failed' keep why Telegram refused; 'cancelled': the poll
-- closed before its turn. The facilitator is told these counts once no row is pending.
CREATE TABLE poll_sends (
    poll_id INTEGER NOT NULL REFERENCES polls(id) ON DELETE CASCADE,
    chat_id INTEGER NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (
        status IN ('pending', 'sending', 'sent', 'blocked', 'not_started', 'failed', 'cancelled')
    ),
    reason TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before TEXT,                  -- a chat out of budget, a 429 or a network retry
    PRIMARY KEY (poll_id, chat_id)
);
CREATE INDEX poll_sends_open ON poll_sends(status, not_before) WHERE status IN ('pending', 'sending');

-- Stopping is durable too: a message of a closed poll with closed = 0 is stopped by the sender
-- (at start-up as well); the retries of a failing stopPoll are spaced by stop_after.
-- update_id: the newest `poll` update applied to the counts; an older one never overwrites it.
ALTER TABLE poll_messages ADD COLUMN update_id INTEGER;
ALTER TABLE poll_messages ADD COLUMN stop_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE poll_messages ADD COLUMN stop_after TEXT;

-- The results are queued once every message is stopped (final counts), in the same transaction
-- that sets results_queued; report_queued: the fan-out report to the author, once.
ALTER TABLE polls ADD COLUMN results_queued INTEGER NOT NULL DEFAULT 0;
ALTER TABLE polls ADD COLUMN report_queued INTEGER NOT NULL DEFAULT 0;
UPDATE polls SET results_queued = 1 WHERE status = 'closed';
UPDATE polls SET report_queued = 1;
