-- 0001: the content model. Times are stored in UTC; dates (campaign periods) as YYYY-MM-DD text.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
INSERT INTO meta (key, value) VALUES ('content_version', '0');

CREATE TABLE regions (
    id        INTEGER PRIMARY KEY,
    slug      TEXT NOT NULL UNIQUE,
    name      TEXT NOT NULL,
    kind      TEXT NOT NULL, -- country, nation, police_force_area
    parent_id INTEGER REFERENCES regions (id),
    position  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX regions_parent ON regions (parent_id);

CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('topic', 'audience')),
    description TEXT NOT NULL DEFAULT ''
);

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    slug        TEXT NOT NULL,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('police', 'charity', 'government', 'media', 'other')),
    url         TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    parent_id   INTEGER REFERENCES organisations (id),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    deleted_at  TIMESTAMP,
    version     INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX organisations_slug ON organisations (slug) WHERE deleted_at IS NULL;
CREATE INDEX organisations_name ON organisations (name, id);

CREATE TABLE helplines (
    id                   INTEGER PRIMARY KEY,
    slug                 TEXT NOT NULL,
    name                 TEXT NOT NULL,
    organisation_id      INTEGER REFERENCES organisations (id),
    description          TEXT NOT NULL DEFAULT '',
    website              TEXT NOT NULL DEFAULT '',
    opening_hours        TEXT NOT NULL DEFAULT '{}', -- JSON: models.OpeningHours
    emergency            BOOLEAN NOT NULL DEFAULT FALSE,
    anonymous            BOOLEAN NOT NULL DEFAULT FALSE,
    confidential         BOOLEAN NOT NULL DEFAULT FALSE,
    confidentiality_note TEXT NOT NULL DEFAULT '',
    languages            TEXT NOT NULL DEFAULT '[]', -- JSON array of BCP 47 tags
    interpreters         TEXT NOT NULL DEFAULT '',
    last_verified_at     TIMESTAMP,
    status               TEXT NOT NULL DEFAULT 'draft',
    publish_at           TIMESTAMP,
    published_at         TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    deleted_at           TIMESTAMP,
    version              INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX helplines_slug ON helplines (slug) WHERE deleted_at IS NULL;
CREATE INDEX helplines_name ON helplines (name, id);
CREATE INDEX helplines_organisation ON helplines (organisation_id);

CREATE TABLE contacts (
    id            INTEGER PRIMARY KEY,
    helpline_id   INTEGER NOT NULL REFERENCES helplines (id) ON DELETE CASCADE,
    position      INTEGER NOT NULL,
    type          TEXT NOT NULL CHECK (type IN ('phone', 'textphone', 'sms', 'webchat', 'email', 'web')),
    label         TEXT NOT NULL DEFAULT '',
    value         TEXT NOT NULL,
    display       TEXT NOT NULL DEFAULT '',
    e164          TEXT NOT NULL DEFAULT '',
    uri           TEXT NOT NULL DEFAULT '',
    cost          TEXT NOT NULL DEFAULT '',
    anonymous     BOOLEAN NOT NULL DEFAULT FALSE,
    note          TEXT NOT NULL DEFAULT '',
    opening_hours TEXT -- JSON: models.OpeningHours; NULL means the helpline's hours apply
);
CREATE INDEX contacts_helpline ON contacts (helpline_id, position);
CREATE INDEX contacts_type ON contacts (type, helpline_id);

CREATE TABLE helpline_regions (
    helpline_id INTEGER NOT NULL REFERENCES helplines (id) ON DELETE CASCADE,
    region_id   INTEGER NOT NULL REFERENCES regions (id),
    PRIMARY KEY (helpline_id, region_id)
);
CREATE INDEX helpline_regions_region ON helpline_regions (region_id, helpline_id);

CREATE TABLE helpline_topics (
    helpline_id INTEGER NOT NULL REFERENCES helplines (id) ON DELETE CASCADE,
    topic_id    INTEGER NOT NULL REFERENCES topics (id),
    PRIMARY KEY (helpline_id, topic_id)
);
CREATE INDEX helpline_topics_topic ON helpline_topics (topic_id, helpline_id);

CREATE TABLE campaigns (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL,
    name            TEXT NOT NULL,
    summary         TEXT NOT NULL DEFAULT '',
    organiser_id    INTEGER REFERENCES organisations (id),
    scope           TEXT NOT NULL CHECK (scope IN ('local', 'regional', 'national')),
    starts_on       TEXT, -- YYYY-MM-DD; NULL when not known
    ends_on         TEXT,
    hashtags        TEXT NOT NULL DEFAULT '[]', -- JSON array
    status          TEXT NOT NULL DEFAULT 'draft',
    publish_at      TIMESTAMP,
    published_at    TIMESTAMP,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    deleted_at      TIMESTAMP,
    version         INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX campaigns_slug ON campaigns (slug) WHERE deleted_at IS NULL;
CREATE INDEX campaigns_name ON campaigns (name, id);
CREATE INDEX campaigns_organiser ON campaigns (organiser_id);
CREATE INDEX campaigns_dates ON campaigns (starts_on, ends_on);

CREATE TABLE campaign_partners (
    campaign_id     INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (campaign_id, organisation_id)
);
CREATE INDEX campaign_partners_organisation ON campaign_partners (organisation_id, campaign_id);

CREATE TABLE campaign_regions (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    region_id   INTEGER NOT NULL REFERENCES regions (id),
    PRIMARY KEY (campaign_id, region_id)
);
CREATE INDEX campaign_regions_region ON campaign_regions (region_id, campaign_id);

CREATE TABLE campaign_helplines (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    helpline_id INTEGER NOT NULL REFERENCES helplines (id),
    PRIMARY KEY (campaign_id, helpline_id)
);
CREATE INDEX campaign_helplines_helpline ON campaign_helplines (helpline_id, campaign_id);

CREATE TABLE articles (
    id                  INTEGER PRIMARY KEY,
    slug                TEXT NOT NULL,
    title               TEXT NOT NULL,
    summary             TEXT NOT NULL DEFAULT '',
    body_markdown       TEXT NOT NULL DEFAULT '',
    body_html           TEXT NOT NULL DEFAULT '',
    body_text           TEXT NOT NULL DEFAULT '',
    status              TEXT NOT NULL DEFAULT 'draft',
    publish_at          TIMESTAMP,
    published_at        TIMESTAMP,
    source_publisher_id INTEGER REFERENCES organisations (id),
    source_url          TEXT NOT NULL DEFAULT '',
    source_attribution  TEXT NOT NULL DEFAULT '',
    source_published_on TEXT, -- YYYY-MM-DD of the original report; NULL when not known
    image_url           TEXT NOT NULL DEFAULT '',
    image_alt           TEXT NOT NULL DEFAULT '',
    image_credit        TEXT NOT NULL DEFAULT '',
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    deleted_at          TIMESTAMP,
    version             INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX articles_slug ON articles (slug) WHERE deleted_at IS NULL;
-- The public list: newest first, keyset on (published_at, id).
CREATE INDEX articles_published ON articles (published_at DESC, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX articles_publisher ON articles (source_publisher_id);

CREATE TABLE article_regions (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    region_id  INTEGER NOT NULL REFERENCES regions (id),
    PRIMARY KEY (article_id, region_id)
);
CREATE INDEX article_regions_region ON article_regions (region_id, article_id);

CREATE TABLE article_topics (
    article_id INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    topic_id   INTEGER NOT NULL REFERENCES topics (id),
    PRIMARY KEY (article_id, topic_id)
);
CREATE INDEX article_topics_topic ON article_topics (topic_id, article_id);

CREATE TABLE article_campaigns (
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    PRIMARY KEY (article_id, campaign_id)
);
CREATE INDEX article_campaigns_campaign ON article_campaigns (campaign_id, article_id);

CREATE TABLE article_helplines (
    article_id  INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    helpline_id INTEGER NOT NULL REFERENCES helplines (id),
    PRIMARY KEY (article_id, helpline_id)
);
CREATE INDEX article_helplines_helpline ON article_helplines (helpline_id, article_id);

CREATE TABLE article_organisations (
    article_id      INTEGER NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    organisation_id INTEGER NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (article_id, organisation_id)
);
CREATE INDEX article_organisations_organisation ON article_organisations (organisation_id, article_id);

-- Outcomes of articles and campaigns: a metric key so that they can be totalled.
CREATE TABLE outcomes (
    id         INTEGER PRIMARY KEY,
    owner_type TEXT NOT NULL CHECK (owner_type IN ('article', 'campaign')),
    owner_id   INTEGER NOT NULL,
    position   INTEGER NOT NULL,
    metric     TEXT NOT NULL,
    label      TEXT NOT NULL,
    value      INTEGER, -- NULL when the source gives no count
    note       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outcomes_owner ON outcomes (owner_type, owner_id, position);

-- Old slugs keep answering with a redirect to the item's current slug.
CREATE TABLE slug_redirects (
    item_type TEXT NOT NULL,
    slug      TEXT NOT NULL,
    item_id   INTEGER NOT NULL,
    PRIMARY KEY (item_type, slug)
);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL UNIQUE,
    scope        TEXT NOT NULL CHECK (scope IN ('editor', 'admin')),
    prefix       TEXT NOT NULL,
    hash         TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at   TIMESTAMP
);
CREATE INDEX api_keys_prefix ON api_keys (prefix);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        TIMESTAMP NOT NULL,
    key_name  TEXT NOT NULL,
    action    TEXT NOT NULL,
    item_type TEXT NOT NULL,
    item_id   INTEGER NOT NULL,
    slug      TEXT NOT NULL,
    before    TEXT, -- JSON
    after     TEXT  -- JSON
);
CREATE INDEX audit_log_item ON audit_log (item_type, slug, id);

-- The changes feed for apps: one row per change to public content, in order.
CREATE TABLE changes (
    id        INTEGER PRIMARY KEY,
    at        TIMESTAMP NOT NULL,
    item_type TEXT NOT NULL,
    item_id   INTEGER NOT NULL,
    slug      TEXT NOT NULL,
    action    TEXT NOT NULL
);

-- Full-text search over articles: kept in step with the table by triggers; the query
-- joins back to articles for visibility.
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    title, summary, body_text,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts (rowid, title, summary, body_text) VALUES (new.id, new.title, new.summary, new.body_text);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text) VALUES ('delete', old.id, old.title, old.summary, old.body_text);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE ON articles BEGIN
    INSERT INTO articles_fts (articles_fts, rowid, title, summary, body_text) VALUES ('delete', old.id, old.title, old.summary, old.body_text);
    INSERT INTO articles_fts (rowid, title, summary, body_text) VALUES (new.id, new.title, new.summary, new.body_text);
END;
