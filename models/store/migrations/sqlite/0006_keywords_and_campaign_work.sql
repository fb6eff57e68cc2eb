-- 0006: helplines get keywords, the search terms editors keep in the words people in
-- need use (a JSON array of strings): indexed for search, never shown to the public.
-- An article's link to a campaign says whether the article reports work done for that
-- campaign (reports_work): only then do its outcomes count in the campaign's totals.
-- Every link made before this counted, so each keeps counting until an editor says
-- otherwise; migration 0007 corrects the seed's own links.
ALTER TABLE helplines ADD COLUMN keywords TEXT NOT NULL DEFAULT '[]';
ALTER TABLE article_campaigns ADD COLUMN reports_work BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE article_campaigns SET reports_work = TRUE;

-- The search index gets a keywords column. FTS5 tables cannot gain a column, so the
-- index is made again and refilled, as models/store/searchindex.go fills it.
DROP TABLE search_index;
CREATE VIRTUAL TABLE search_index USING fts5 (
    item_type UNINDEXED, -- article, helpline, campaign
    item_id UNINDEXED,
    title,    -- title or name
    summary,  -- summary, or a helpline's description
    body,     -- article body text; organisation names, contacts, confidentiality note
    topics,   -- topic and audience names; a campaign's hashtags
    keywords, -- a helpline's keywords; ranked, never shown in snippets
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics, keywords)
SELECT a.id * 4 + 1, 'article', a.id,
    replace(replace(a.title, char(57344), ''), char(57345), ''),
    replace(replace(a.summary, char(57344), ''), char(57345), ''),
    replace(replace(COALESCE(b.body_text, ''), char(57344), ''), char(57345), ''),
    replace(replace(COALESCE((SELECT group_concat(t.name, ' ') FROM article_topics x JOIN topics t ON t.id = x.topic_id
        WHERE x.article_id = a.id), ''), char(57344), ''), char(57345), ''),
    ''
FROM articles a LEFT JOIN article_bodies b ON b.article_id = a.id WHERE a.deleted_at IS NULL;

INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics, keywords)
SELECT h.id * 4 + 2, 'helpline', h.id,
    replace(replace(h.name, char(57344), ''), char(57345), ''),
    replace(replace(h.description, char(57344), ''), char(57345), ''),
    replace(replace(concat_ws(' ', o.name, h.confidentiality_note,
        (SELECT group_concat(concat_ws(' ', c.label, c.display, c.note), ' ') FROM contacts c WHERE c.helpline_id = h.id)),
        char(57344), ''), char(57345), ''),
    replace(replace(COALESCE((SELECT group_concat(t.name, ' ') FROM helpline_topics x JOIN topics t ON t.id = x.topic_id
        WHERE x.helpline_id = h.id), ''), char(57344), ''), char(57345), ''),
    replace(replace(COALESCE((SELECT group_concat(j.value, ' ') FROM json_each(h.keywords) j), ''), char(57344), ''), char(57345), '')
FROM helplines h LEFT JOIN organisations o ON o.id = h.organisation_id AND o.deleted_at IS NULL
WHERE h.deleted_at IS NULL;

INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics, keywords)
SELECT c.id * 4 + 3, 'campaign', c.id,
    replace(replace(c.name, char(57344), ''), char(57345), ''),
    replace(replace(c.summary, char(57344), ''), char(57345), ''),
    replace(replace(concat_ws(' ', o.name, (SELECT group_concat(p.name, ' ') FROM campaign_partners x
        JOIN organisations p ON p.id = x.organisation_id AND p.deleted_at IS NULL WHERE x.campaign_id = c.id)),
        char(57344), ''), char(57345), ''),
    replace(replace(COALESCE((SELECT group_concat(j.value, ' ') FROM json_each(c.hashtags) j), ''), char(57344), ''), char(57345), ''),
    ''
FROM campaigns c LEFT JOIN organisations o ON o.id = c.organiser_id AND o.deleted_at IS NULL
WHERE c.deleted_at IS NULL;
