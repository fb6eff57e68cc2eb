-- 0007: databases loaded with the seed before 0006 get what a new one now starts
-- with, wherever the seed's rows are still as the seed wrote them, so that no
-- editor's work is overwritten:
--   - the seed helplines' keywords, where the line still has the seed's slug and name
--     and no keywords of its own;
--   - the Cumbria article's link to the Stop It Now! deterrence campaign no longer
--     counts its outcomes: the week of action was the regional and national
--     campaign's work;
--   - the cost of the 101 and 18001 101 contacts, which are not free to call, where
--     none is given;
--   - seed text that made claims the seed facts do not (shared/seed-content.md), where
--     the text is still the seed's word for word.
-- Each item changed gets a new version and updated_at, an update event in the changes
-- feed when the public can see it, and the search index is refilled.
CREATE TEMP TABLE fixed (item_type TEXT NOT NULL, item_id INTEGER NOT NULL, PRIMARY KEY (item_type, item_id));

-- Keywords.
INSERT OR IGNORE INTO fixed SELECT 'helpline', id FROM helplines WHERE slug = 'stop-it-now' AND name = 'Stop It Now! helpline' AND keywords = '[]' AND deleted_at IS NULL;
UPDATE helplines SET keywords = '["paedophile","pedophile","paedophilia","pedophilia","am I a paedophile","am I a pedophile","attracted to children","sexual thoughts about children","worried about my sexual thoughts","worried about my thoughts","worried about my own behaviour","worried about my online behaviour","viewing indecent images of children","looking at child abuse images","stop looking at images","worried about another adult","worried about a family member","worried about my partner","worried about my child''s sexual behaviour","harmful sexual behaviour","adult survivor of child sexual abuse","prevent child sexual abuse","confidential help","anonymous help"]'
    WHERE slug = 'stop-it-now' AND name = 'Stop It Now! helpline' AND keywords = '[]' AND deleted_at IS NULL;
INSERT OR IGNORE INTO fixed SELECT 'helpline', id FROM helplines WHERE slug = 'crimestoppers' AND name = 'Crimestoppers' AND keywords = '[]' AND deleted_at IS NULL;
UPDATE helplines SET keywords = '["report abuse anonymously","report a crime anonymously","report someone anonymously","report child abuse images","report someone viewing child abuse images","tell the police anonymously","anonymous tip","anonymous report","report without giving my name"]'
    WHERE slug = 'crimestoppers' AND name = 'Crimestoppers' AND keywords = '[]' AND deleted_at IS NULL;
INSERT OR IGNORE INTO fixed SELECT 'helpline', id FROM helplines WHERE slug = 'police-101' AND name = 'Police non-emergency number (101)' AND keywords = '[]' AND deleted_at IS NULL;
UPDATE helplines SET keywords = '["police non-emergency number","non emergency","report a crime","report a concern","contact the police","local police","report child abuse images to the police"]'
    WHERE slug = 'police-101' AND name = 'Police non-emergency number (101)' AND keywords = '[]' AND deleted_at IS NULL;
INSERT OR IGNORE INTO fixed SELECT 'helpline', id FROM helplines WHERE slug = 'emergency-999' AND name = 'Emergency services (999)' AND keywords = '[]' AND deleted_at IS NULL;
UPDATE helplines SET keywords = '["emergency","child in immediate danger","child in danger now","life at risk","crime happening now","call the police now","112","emergency text","emergencySMS","BSL 999"]'
    WHERE slug = 'emergency-999' AND name = 'Emergency services (999)' AND keywords = '[]' AND deleted_at IS NULL;

-- The article's outcomes count for the regional and national campaign only.
INSERT OR IGNORE INTO fixed SELECT 'campaign', x.campaign_id FROM article_campaigns x
    WHERE x.reports_work AND x.article_id IN (SELECT id FROM articles WHERE slug = 'cumbria-week-of-action-online-child-sexual-abuse' AND deleted_at IS NULL)
    AND x.campaign_id IN (SELECT id FROM campaigns WHERE slug = 'stop-it-now-deterrence' AND deleted_at IS NULL);
INSERT OR IGNORE INTO fixed SELECT 'article', x.article_id FROM article_campaigns x
    WHERE x.reports_work AND x.article_id IN (SELECT id FROM articles WHERE slug = 'cumbria-week-of-action-online-child-sexual-abuse' AND deleted_at IS NULL)
    AND x.campaign_id IN (SELECT id FROM campaigns WHERE slug = 'stop-it-now-deterrence' AND deleted_at IS NULL);
UPDATE article_campaigns SET reports_work = FALSE
    WHERE reports_work AND article_id IN (SELECT id FROM articles WHERE slug = 'cumbria-week-of-action-online-child-sexual-abuse' AND deleted_at IS NULL)
    AND campaign_id IN (SELECT id FROM campaigns WHERE slug = 'stop-it-now-deterrence' AND deleted_at IS NULL);

-- 101 is not free to call.
INSERT OR IGNORE INTO fixed SELECT 'helpline', helpline_id FROM contacts
    WHERE cost = '' AND value IN ('101', '18001 101')
    AND helpline_id IN (SELECT id FROM helplines WHERE slug = 'police-101' AND deleted_at IS NULL);
UPDATE contacts SET cost = 'Your phone provider may charge for the call'
    WHERE cost = '' AND value IN ('101', '18001 101')
    AND helpline_id IN (SELECT id FROM helplines WHERE slug = 'police-101' AND deleted_at IS NULL);

-- Claims the seed facts do not make.
INSERT OR IGNORE INTO fixed SELECT 'organisation', id FROM organisations WHERE slug = 'cumbria-cyber-and-digital-crime-unit' AND deleted_at IS NULL AND description = 'The force''s unit for online offending, led by Detective Inspector Fiona Gray and funded by Cumbria''s Police, Fire and Crime Commissioner.';
UPDATE organisations SET description = 'The force''s Cyber and Digital Crime Unit, led by Detective Inspector Fiona Gray and funded by Cumbria''s Police, Fire and Crime Commissioner. It targets people who view or share indecent images of children and those who contact children inappropriately online.'
    WHERE slug = 'cumbria-cyber-and-digital-crime-unit' AND deleted_at IS NULL AND description = 'The force''s unit for online offending, led by Detective Inspector Fiona Gray and funded by Cumbria''s Police, Fire and Crime Commissioner.';
INSERT OR IGNORE INTO fixed SELECT 'organisation', id FROM organisations WHERE slug = 'crimestoppers' AND deleted_at IS NULL AND description = 'An independent charity that takes reports of crime anonymously and passes them on to the police or other agencies.';
UPDATE organisations SET description = 'A charity that takes reports of crime anonymously and passes them on to the police or other agencies.'
    WHERE slug = 'crimestoppers' AND deleted_at IS NULL AND description = 'An independent charity that takes reports of crime anonymously and passes them on to the police or other agencies.';
INSERT OR IGNORE INTO fixed SELECT 'organisation', id FROM organisations WHERE slug = 'cumbria-police-fire-and-crime-commissioner' AND deleted_at IS NULL AND description = 'The office of Cumbria''s elected Police, Fire and Crime Commissioner, Peter McCall. It funds the Cyber and Digital Crime Unit.';
UPDATE organisations SET description = 'The office of Cumbria''s Police, Fire and Crime Commissioner, Peter McCall. It funds the Cyber and Digital Crime Unit.'
    WHERE slug = 'cumbria-police-fire-and-crime-commissioner' AND deleted_at IS NULL AND description = 'The office of Cumbria''s elected Police, Fire and Crime Commissioner, Peter McCall. It funds the Cyber and Digital Crime Unit.';
INSERT OR IGNORE INTO fixed SELECT 'organisation', id FROM organisations WHERE slug = 'uk-police-forces' AND deleted_at IS NULL AND description = 'The territorial police forces of the United Kingdom, reached through the 101 non-emergency number.';
UPDATE organisations SET description = 'The police forces of the United Kingdom. The 101 non-emergency number reaches the local force.'
    WHERE slug = 'uk-police-forces' AND deleted_at IS NULL AND description = 'The territorial police forces of the United Kingdom, reached through the 101 non-emergency number.';
INSERT OR IGNORE INTO fixed SELECT 'organisation', id FROM organisations WHERE slug = 'uk-emergency-services' AND deleted_at IS NULL AND description = 'Police, fire, ambulance and coastguard, reached through 999.';
UPDATE organisations SET description = 'The UK''s emergency services, reached through 999 (112 also works).'
    WHERE slug = 'uk-emergency-services' AND deleted_at IS NULL AND description = 'Police, fire, ambulance and coastguard, reached through 999.';
UPDATE topics SET description = 'Viewing or sharing indecent images of children, which is a crime.'
    WHERE slug = 'indecent-images-of-children' AND description = 'Viewing, sharing or making sexual images of children, which is a crime.';
UPDATE topics SET description = 'Telling the police or a charity such as Crimestoppers about a crime or a concern.'
    WHERE slug = 'reporting-crime' AND description = 'Telling the police or an independent charity about a crime or a concern.';
INSERT OR IGNORE INTO fixed SELECT 'helpline', id FROM helplines WHERE slug = 'stop-it-now' AND deleted_at IS NULL AND description = 'Confidential advice for anyone worried about child sexual abuse: people worried about their own sexual thoughts or behaviour towards children, people worried about another adult or about a child''s or young person''s sexual behaviour, professionals, and adult survivors. Callers do not have to say who they are.';
UPDATE helplines SET description = 'Confidential help for anyone worried about child sexual abuse: people worried about their own sexual thoughts or behaviour towards children, people worried about another adult or about a child''s or young person''s sexual behaviour, professionals, and adult survivors. Callers do not have to say who they are.'
    WHERE slug = 'stop-it-now' AND deleted_at IS NULL AND description = 'Confidential advice for anyone worried about child sexual abuse: people worried about their own sexual thoughts or behaviour towards children, people worried about another adult or about a child''s or young person''s sexual behaviour, professionals, and adult survivors. Callers do not have to say who they are.';
INSERT OR IGNORE INTO fixed SELECT 'helpline', id FROM helplines WHERE slug = 'crimestoppers' AND deleted_at IS NULL AND confidentiality_note = 'Crimestoppers promises anonymity rather than confidentiality: calls are not traced (no caller line display) and IP addresses are removed from online forms, but what you report is passed on.';
UPDATE helplines SET confidentiality_note = 'Crimestoppers promises anonymity rather than confidentiality: there is no caller line display and IP addresses are removed from online forms, but what you report is passed on.'
    WHERE slug = 'crimestoppers' AND deleted_at IS NULL AND confidentiality_note = 'Crimestoppers promises anonymity rather than confidentiality: calls are not traced (no caller line display) and IP addresses are removed from online forms, but what you report is passed on.';
INSERT OR IGNORE INTO fixed SELECT 'campaign', id FROM campaigns WHERE slug = 'tackling-online-child-sexual-exploitation' AND deleted_at IS NULL AND summary = 'Police work across the region and the country against online child sexual exploitation. Cumbria Constabulary''s Cyber and Digital Crime Unit took part with a week of action. The campaign''s formal name and dates are not given in our source.';
UPDATE campaigns SET summary = 'A regional and national campaign to tackle online sexual exploitation. Cumbria Constabulary''s Cyber and Digital Crime Unit took part with a week of action. The campaign''s formal name and dates are not given in our source.'
    WHERE slug = 'tackling-online-child-sexual-exploitation' AND deleted_at IS NULL AND summary = 'Police work across the region and the country against online child sexual exploitation. Cumbria Constabulary''s Cyber and Digital Crime Unit took part with a week of action. The campaign''s formal name and dates are not given in our source.';
INSERT OR IGNORE INTO fixed SELECT 'campaign', id FROM campaigns WHERE slug = 'stop-it-now-deterrence' AND deleted_at IS NULL AND summary = 'National messaging from the Lucy Faithfull Foundation, shared by police forces on social media, that points people worried about their own behaviour towards children to the Stop It Now! helpline.';
UPDATE campaigns SET summary = 'National messaging from the Lucy Faithfull Foundation, shared by police forces on social media, that points people worried about their own behaviour to the Stop It Now! helpline.'
    WHERE slug = 'stop-it-now-deterrence' AND deleted_at IS NULL AND summary = 'National messaging from the Lucy Faithfull Foundation, shared by police forces on social media, that points people worried about their own behaviour towards children to the Stop It Now! helpline.';
INSERT OR IGNORE INTO fixed SELECT 'article', id FROM articles WHERE slug = 'cumbria-week-of-action-online-child-sexual-abuse' AND deleted_at IS NULL AND summary = 'Cumbria Constabulary''s Cyber and Digital Crime Unit spent a week targeting people suspected of viewing indecent images of children. Six children were safeguarded, two warrants executed and two people arrested.';
UPDATE articles SET summary = 'Cumbria Constabulary''s Cyber and Digital Crime Unit spent a week targeting people suspected of accessing indecent images of children. Six children were safeguarded, two warrants executed and two people arrested.'
    WHERE slug = 'cumbria-week-of-action-online-child-sexual-abuse' AND deleted_at IS NULL AND summary = 'Cumbria Constabulary''s Cyber and Digital Crime Unit spent a week targeting people suspected of viewing indecent images of children. Six children were safeguarded, two warrants executed and two people arrested.';
-- The phrase sits on one line of the Markdown, so it reads the same in all three forms.
INSERT OR IGNORE INTO fixed SELECT 'article', article_id FROM article_bodies
    WHERE instr(body_markdown, 'held a week of action, which the force called a') > 0
    AND article_id IN (SELECT id FROM articles WHERE slug = 'cumbria-week-of-action-online-child-sexual-abuse' AND deleted_at IS NULL);
UPDATE article_bodies SET body_markdown = replace(body_markdown, 'held a week of action, which the force called a', 'held a week of action, described as a'),
    body_html = replace(body_html, 'held a week of action, which the force called a', 'held a week of action, described as a'), body_text = replace(body_text, 'held a week of action, which the force called a', 'held a week of action, described as a')
    WHERE instr(body_markdown, 'held a week of action, which the force called a') > 0
    AND article_id IN (SELECT id FROM articles WHERE slug = 'cumbria-week-of-action-online-child-sexual-abuse' AND deleted_at IS NULL);

-- Every item changed is a new version, and those the public sees are in the feed.
UPDATE organisations SET version = version + 1, updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
    WHERE id IN (SELECT item_id FROM fixed WHERE item_type = 'organisation');
INSERT INTO changes (at, item_type, item_id, slug, action, tombstone)
    SELECT strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 'organisation', id, slug, 'update', FALSE FROM organisations
    WHERE deleted_at IS NULL AND id IN (SELECT item_id FROM fixed WHERE item_type = 'organisation') ORDER BY id;
UPDATE helplines SET version = version + 1, updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
    WHERE id IN (SELECT item_id FROM fixed WHERE item_type = 'helpline');
INSERT INTO changes (at, item_type, item_id, slug, action, tombstone)
    SELECT strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 'helpline', id, slug, 'update', FALSE FROM helplines
    WHERE status IN ('published', 'scheduled') AND published_at <= strftime('%Y-%m-%d %H:%M:%f+00:00', 'now') AND deleted_at IS NULL AND id IN (SELECT item_id FROM fixed WHERE item_type = 'helpline') ORDER BY id;
UPDATE campaigns SET version = version + 1, updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
    WHERE id IN (SELECT item_id FROM fixed WHERE item_type = 'campaign');
INSERT INTO changes (at, item_type, item_id, slug, action, tombstone)
    SELECT strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 'campaign', id, slug, 'update', FALSE FROM campaigns
    WHERE status IN ('published', 'scheduled') AND published_at <= strftime('%Y-%m-%d %H:%M:%f+00:00', 'now') AND deleted_at IS NULL AND id IN (SELECT item_id FROM fixed WHERE item_type = 'campaign') ORDER BY id;
UPDATE articles SET version = version + 1, updated_at = max(updated_at, strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'))
    WHERE id IN (SELECT item_id FROM fixed WHERE item_type = 'article');
INSERT INTO changes (at, item_type, item_id, slug, action, tombstone)
    SELECT strftime('%Y-%m-%d %H:%M:%f+00:00', 'now'), 'article', id, slug, 'update', FALSE FROM articles
    WHERE status IN ('published', 'scheduled') AND published_at <= strftime('%Y-%m-%d %H:%M:%f+00:00', 'now') AND deleted_at IS NULL AND id IN (SELECT item_id FROM fixed WHERE item_type = 'article') ORDER BY id;
UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'content_version';
UPDATE meta SET value = max(value, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')) WHERE key = 'content_changed_at';
DROP TABLE fixed;

-- The search index, refilled as 0006 fills it.
DELETE FROM search_index;
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
