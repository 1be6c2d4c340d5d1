-- Placeholder: the per-day activity of members for /stats (branch stats) fills this in.
SELECT 1;
