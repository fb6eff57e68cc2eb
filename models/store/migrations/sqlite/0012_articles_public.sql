-- 0012: the ids of the articles the public may see, in an index of their own.
--
-- When the store opens it renders the fragments of any such article that has none
-- (rows written around the store). Finding them scanned the whole articles table on
-- every start, about 80 ms at 100,000 articles; this small partial index answers the
-- same question from its own pages.
CREATE INDEX articles_public ON articles (id)
    WHERE deleted_at IS NULL AND status IN ('published', 'scheduled') AND published_at IS NOT NULL;
