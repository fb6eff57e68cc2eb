-- 0005: public JSON of articles rendered at write time (SQLite's 0010). SQLite keeps
-- article_list clustered on the list's order (WITHOUT ROWID); here the primary key's
-- index serves the same range reads. "full" is a reserved word in PostgreSQL, so
-- queries quote it (SQLite takes the quoted name too).
CREATE TABLE article_list (
    published_at TIMESTAMPTZ NOT NULL,
    id           BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    slug         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    until        TIMESTAMPTZ,
    short        TEXT NOT NULL,
    PRIMARY KEY (published_at, id)
);
CREATE UNIQUE INDEX article_list_id ON article_list (id);

CREATE TABLE article_pages (
    article_id  BIGINT PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    until       TIMESTAMPTZ,
    rendered_at TIMESTAMPTZ NOT NULL,
    "full"      TEXT NOT NULL
);

-- What each write changed, for the response caches of every instance.
CREATE TABLE cache_invalidations (
    version BIGINT PRIMARY KEY,
    tags    TEXT NOT NULL -- space-separated tags, or '*'
);
