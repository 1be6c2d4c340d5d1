-- The delivery worker reads pending rows in id order from where it last read: this index lets it
-- walk them in that order and stop at its page size, instead of reading and sorting every due row.
CREATE INDEX outbox_pending_by_id ON outbox (id) WHERE status = 'pending';

-- A reply that waited in the outbox (its chat had no budget) still quotes the command it answers.
ALTER TABLE outbox ADD COLUMN reply_to_message_id INTEGER;
