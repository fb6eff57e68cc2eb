-- 0010: work done at write time, so that reads are cheap while editors write.
--
-- Each article the public may see (published, or scheduled to be) keeps its public
-- JSON, rendered in the transaction of every write that changes the article or
-- anything it shows: as a list shows it in article_list, and as its own page shows it
-- in article_pages. article_list is clustered on the public list's order, so a page of
-- the list is one range of one b-tree with the JSON in it. until is the first moment a
-- fragment stops being right without a write (a linked campaign or helpline scheduled
-- to go live then); rendered_at is when it was made. Articles without fragments (rows
-- written around the store) get them when the store opens.
CREATE TABLE article_list (
    published_at TIMESTAMP NOT NULL,
    id           INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    slug         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    until        TIMESTAMP,
    short        TEXT NOT NULL,
    PRIMARY KEY (published_at, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX article_list_id ON article_list (id);

CREATE TABLE article_pages (
    article_id  INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    until       TIMESTAMP,
    rendered_at TIMESTAMP NOT NULL,
    full        TEXT NOT NULL
);

-- What each write changed, for the response caches of every instance: the content
-- version it made and the tags of what it touched ("article", "article/<slug>", …, or
-- "*" for everything). Old rows are pruned by the writes themselves.
CREATE TABLE cache_invalidations (
    version INTEGER PRIMARY KEY,
    tags    TEXT NOT NULL
);
