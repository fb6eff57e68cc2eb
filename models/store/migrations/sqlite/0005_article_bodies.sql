-- 0005: article bodies move to a table of their own. An article row then holds only
-- what lists and filters read, so scanning and joining articles never has to step
-- over kilobytes of text to reach a publication time.
CREATE TABLE article_bodies (
    article_id    INTEGER PRIMARY KEY REFERENCES articles (id) ON DELETE CASCADE,
    body_markdown TEXT NOT NULL DEFAULT '',
    body_html     TEXT NOT NULL DEFAULT '',
    body_text     TEXT NOT NULL DEFAULT ''
);
INSERT INTO article_bodies (article_id, body_markdown, body_html, body_text)
    SELECT id, body_markdown, body_html, body_text FROM articles;
ALTER TABLE articles DROP COLUMN body_markdown;
ALTER TABLE articles DROP COLUMN body_html;
ALTER TABLE articles DROP COLUMN body_text;
