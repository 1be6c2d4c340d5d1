-- Placeholder: the stemmed search index (branch search fills this in).
SELECT 1;
