-- Placeholder: the durable private fan-out of polls (branch pgaps fills this in).
SELECT 1;
