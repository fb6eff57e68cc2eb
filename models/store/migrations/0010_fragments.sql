-- 0010: work done at write time, so that reads are cheap while editors write.
--
-- Each article keeps its public JSON, as a list shows it (public_short) and as its own
-- page shows it (public_full), rendered in the transaction of every write that changes
-- the article or anything it shows. public_until is the first moment the fragments stop
-- being right without a write (a linked campaign or helpline scheduled to go live then);
-- public_at is when they were rendered. NULL fragments (rows written around the store)
-- are rendered when the store opens, and read the slow way until then.
ALTER TABLE articles ADD COLUMN public_short TEXT;
ALTER TABLE articles ADD COLUMN public_full TEXT;
ALTER TABLE articles ADD COLUMN public_until TIMESTAMP;
ALTER TABLE articles ADD COLUMN public_at TIMESTAMP;

-- What each write changed, for the response caches of every instance: the content
-- version it made and the tags of what it touched ("article", "article/<slug>", …, or
-- "*" for everything). Old rows are pruned by the writes themselves.
CREATE TABLE cache_invalidations (
    version INTEGER PRIMARY KEY,
    tags    TEXT NOT NULL
);
