-- 0002: one full-text index over articles, helplines and campaigns, for q on the
-- lists and for /api/v1/search. It replaces articles_fts and its triggers: the index
-- holds text from related rows (topic and organisation names, contacts, hashtags),
-- which triggers on one table cannot keep right, so the store refreshes an item's row
-- in the transaction of every write (models/searchindex.go). Unpublished items stay
-- indexed; queries join back to the item's table for visibility. An item's rowid is
-- id * 4 + 1 (article), 2 (helpline) or 3 (campaign). The private-use characters
-- U+E000 and U+E001 are removed from indexed text: they mark matches in snippets.

DROP TRIGGER articles_fts_insert;
DROP TRIGGER articles_fts_delete;
DROP TRIGGER articles_fts_update;
DROP TABLE articles_fts;

CREATE VIRTUAL TABLE search_index USING fts5 (
    item_type UNINDEXED, -- article, helpline, campaign
    item_id UNINDEXED,
    title,   -- title or name
    summary, -- summary, or a helpline's description
    body,    -- article body text; organisation names, contacts, confidentiality note
    topics,  -- topic and audience names; a campaign's hashtags
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics)
SELECT a.id * 4 + 1, 'article', a.id,
    replace(replace(a.title, char(57344), ''), char(57345), ''),
    replace(replace(a.summary, char(57344), ''), char(57345), ''),
    replace(replace(a.body_text, char(57344), ''), char(57345), ''),
    replace(replace(COALESCE((SELECT group_concat(t.name, ' ') FROM article_topics x JOIN topics t ON t.id = x.topic_id
        WHERE x.article_id = a.id), ''), char(57344), ''), char(57345), '')
FROM articles a WHERE a.deleted_at IS NULL;

INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics)
SELECT h.id * 4 + 2, 'helpline', h.id,
    replace(replace(h.name, char(57344), ''), char(57345), ''),
    replace(replace(h.description, char(57344), ''), char(57345), ''),
    replace(replace(concat_ws(' ', o.name, h.confidentiality_note,
        (SELECT group_concat(concat_ws(' ', c.label, c.display, c.note), ' ') FROM contacts c WHERE c.helpline_id = h.id)),
        char(57344), ''), char(57345), ''),
    replace(replace(COALESCE((SELECT group_concat(t.name, ' ') FROM helpline_topics x JOIN topics t ON t.id = x.topic_id
        WHERE x.helpline_id = h.id), ''), char(57344), ''), char(57345), '')
FROM helplines h LEFT JOIN organisations o ON o.id = h.organisation_id AND o.deleted_at IS NULL
WHERE h.deleted_at IS NULL;

INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics)
SELECT c.id * 4 + 3, 'campaign', c.id,
    replace(replace(c.name, char(57344), ''), char(57345), ''),
    replace(replace(c.summary, char(57344), ''), char(57345), ''),
    replace(replace(concat_ws(' ', o.name, (SELECT group_concat(p.name, ' ') FROM campaign_partners x
        JOIN organisations p ON p.id = x.organisation_id AND p.deleted_at IS NULL WHERE x.campaign_id = c.id)),
        char(57344), ''), char(57345), ''),
    replace(replace(COALESCE((SELECT group_concat(j.value, ' ') FROM json_each(c.hashtags) j), ''), char(57344), ''), char(57345), '')
FROM campaigns c LEFT JOIN organisations o ON o.id = c.organiser_id AND o.deleted_at IS NULL
WHERE c.deleted_at IS NULL;
