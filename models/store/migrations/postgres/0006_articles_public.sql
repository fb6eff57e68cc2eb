-- 0006: the ids of the articles the public may see, in an index of their own, as
-- SQLite's 0012: the store's check at start-up for articles without fragments reads
-- it instead of the whole table.
CREATE INDEX articles_public ON articles (id)
    WHERE deleted_at IS NULL AND status IN ('published', 'scheduled') AND published_at IS NOT NULL;
