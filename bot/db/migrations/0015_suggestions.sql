-- Placeholder: counts of the "already answered?" suggestions (branch ask fills this in).
SELECT 1;
