-- Placeholder: data minimisation and backups (branch ops) fills this in.
SELECT 1;
