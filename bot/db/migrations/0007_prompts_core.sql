-- Prompts core (issue 9): why an occurrence was skipped, and when Telegram accepted a prompt.

-- 'late' (beyond its kind's grace, e.g. the bot was down), 'holiday' (a hub holiday), ...
ALTER TABLE schedule_runs ADD COLUMN reason TEXT;

-- When Telegram accepted the prompt message (the scheduler's clock): the nudge counts from here.
ALTER TABLE prompt_sends ADD COLUMN delivered_at TEXT;
CREATE INDEX prompt_sends_by_prompt ON prompt_sends (prompt_id, user_id, occurrence);
-- A reply to a nudge finds its prompt as a reply to the prompt does.
CREATE INDEX outbox_nudge_messages ON outbox (chat_id, message_id) WHERE kind = 'nudge';
