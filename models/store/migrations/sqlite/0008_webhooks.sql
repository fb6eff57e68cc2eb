-- 0008: webhooks. Subscriptions, and an outbox of messages written in the same
-- transaction as the change that causes them, delivered by a worker that claims
-- each one with a lease, so that several instances never send the same attempt.

CREATE TABLE webhooks (
    id                   INTEGER PRIMARY KEY,
    url                  TEXT NOT NULL,
    events               TEXT NOT NULL, -- JSON array of event type patterns
    types                TEXT NOT NULL DEFAULT '[]', -- JSON array of item types; [] for all
    regions              TEXT NOT NULL DEFAULT '[]', -- JSON array of region slugs; [] for all
    description          TEXT NOT NULL DEFAULT '',
    secret               TEXT NOT NULL, -- whsec_… (the server signs with it, so it cannot be a hash)
    previous_secret      TEXT,          -- still signed with until previous_until
    previous_until       TIMESTAMP,
    status               TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'failing')),
    failure_reason       TEXT,
    failing_since        TIMESTAMP,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    deleted_at           TIMESTAMP
);

-- One message body per change event, shared by every subscription that gets it.
CREATE TABLE webhook_events (
    id         INTEGER PRIMARY KEY,
    change_id  INTEGER, -- NULL for test events
    event_type TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The outbox: one row per message to one subscription. state is pending until a
-- 2xx answer (delivered) or the last attempt of the schedule fails (failed).
CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    webhook_id      INTEGER NOT NULL REFERENCES webhooks (id),
    event_id        INTEGER NOT NULL REFERENCES webhook_events (id),
    msg_id          TEXT NOT NULL UNIQUE, -- the webhook-id header, the same on every attempt
    item_key        TEXT NOT NULL,        -- e.g. helpline:12; messages of one item go in order
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_by      TEXT,
    claimed_until   TIMESTAMP,
    last_status     INTEGER,
    last_error      TEXT,
    created_at      TIMESTAMP NOT NULL,
    delivered_at    TIMESTAMP
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_item ON webhook_deliveries (webhook_id, item_key, id) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);

-- Every attempt, for the deliveries log.
CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries (id),
    at          TIMESTAMP NOT NULL,
    status_code INTEGER, -- NULL when no HTTP answer came
    duration_ms INTEGER NOT NULL,
    error       TEXT,
    response    TEXT,    -- the first bytes of the answer's body
    instance    TEXT NOT NULL
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

-- The regions each item reached when it was last announced, so that a subscription
-- filtered by region also hears of an item that leaves its region.
CREATE TABLE webhook_item_regions (
    item_type TEXT NOT NULL,
    item_id   INTEGER NOT NULL,
    regions   TEXT NOT NULL, -- JSON array of region slugs
    PRIMARY KEY (item_type, item_id)
);
