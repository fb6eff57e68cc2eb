-- 0003: the search index, in place of SQLite's FTS5 table: the same columns, filled by the
-- store in each write's transaction, and rowid with the same meaning (a type code x
-- 10^12 + the item's id: articles 1, campaigns 2, helplines 3), so that each type's
-- rows are one range. document weighs the columns as the ranking does: title A,
-- summary and keywords B, topics C, body D. It uses the 'simple' configuration, which
-- lower-cases words and neither stems them nor drops stop words, as SQLite's unicode61
-- tokenizer does: the same query finds the same items on both databases, and names
-- such as "Stop It Now!" keep every word. (unicode61 also folds diacritics; that is
-- left to the store, which can fold the text before it writes it.)
CREATE TABLE search_index (
    rowid     BIGINT PRIMARY KEY,
    item_type TEXT NOT NULL, -- article, helpline, campaign
    item_id   BIGINT NOT NULL,
    title     TEXT NOT NULL DEFAULT '', -- title or name
    summary   TEXT NOT NULL DEFAULT '', -- summary, or a helpline's description
    body      TEXT NOT NULL DEFAULT '', -- article body text; organisation names, contacts, confidentiality note
    topics    TEXT NOT NULL DEFAULT '', -- topic and audience names; a campaign's hashtags
    keywords  TEXT NOT NULL DEFAULT '', -- a helpline's keywords; ranked, never shown in snippets
    document  TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A') ||
        setweight(to_tsvector('simple', summary), 'B') ||
        setweight(to_tsvector('simple', keywords), 'B') ||
        setweight(to_tsvector('simple', topics), 'C') ||
        setweight(to_tsvector('simple', body), 'D')) STORED,
    UNIQUE (item_type, item_id)
);
CREATE INDEX search_index_document ON search_index USING GIN (document);
