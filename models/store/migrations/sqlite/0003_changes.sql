-- 0003: the changes feed describes what the public can see: each row is an event on
-- public content, and removals are tombstones. The time of the last content write
-- is kept beside the content version, for Last-Modified.
DELETE FROM changes;
ALTER TABLE changes ADD COLUMN tombstone BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX changes_item ON changes (item_type, item_id, id);
INSERT INTO meta (key, value) VALUES ('content_changed_at', '');
-- Every item the public can see now starts the feed, in the order it was made.
INSERT INTO changes (at, item_type, item_id, slug, action)
SELECT at, item_type, item_id, slug, 'create' FROM (
    SELECT created_at AS at, 'organisation' AS item_type, id AS item_id, slug FROM organisations WHERE deleted_at IS NULL
    UNION ALL
    SELECT created_at, 'helpline', id, slug FROM helplines
        WHERE deleted_at IS NULL AND status IN ('published', 'scheduled') AND published_at <= CURRENT_TIMESTAMP
    UNION ALL
    SELECT created_at, 'campaign', id, slug FROM campaigns
        WHERE deleted_at IS NULL AND status IN ('published', 'scheduled') AND published_at <= CURRENT_TIMESTAMP
    UNION ALL
    SELECT created_at, 'article', id, slug FROM articles
        WHERE deleted_at IS NULL AND status IN ('published', 'scheduled') AND published_at <= CURRENT_TIMESTAMP
) ORDER BY at, item_type, item_id;
