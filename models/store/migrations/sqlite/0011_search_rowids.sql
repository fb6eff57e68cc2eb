-- 0011: the search index's row ids become a type code × 10^12 + the item's id (articles
-- from 1000000000001, campaigns from 2000000000001, helplines from 3000000000001)
-- instead of the item's id × 4 + 1 (article), 2 (helpline) or 3 (campaign), so that
-- each type's rows are one range of row ids. FTS5 takes a range of row ids as the
-- bounds of its scan, and reads matches in row id order in either direction: a search
-- reads the matches of the types it wants, helplines first, and stops at its limit
-- (see searchtiers.go). The rows keep their text; only their ids change. Then the
-- index, left in many segments among the old rows' deletions, is merged into one.
CREATE TEMP TABLE search_relayout AS
    SELECT rowid AS old, item_type, item_id, title, summary, body, topics, keywords FROM search_index;
DELETE FROM search_index;
INSERT INTO search_index (rowid, item_type, item_id, title, summary, body, topics, keywords)
SELECT CASE old % 4 WHEN 1 THEN 1000000000000 WHEN 2 THEN 3000000000000 ELSE 2000000000000 END + old / 4,
    item_type, item_id, title, summary, body, topics, keywords
FROM search_relayout ORDER BY 1;
DROP TABLE search_relayout;
INSERT INTO search_index (search_index) VALUES ('optimize');
