-- 0004: find scheduled items quickly: the response cache asks for the next
-- publication time, and the scheduler for items whose time has come.
CREATE INDEX articles_scheduled ON articles (published_at) WHERE status = 'scheduled' AND deleted_at IS NULL;
CREATE INDEX helplines_scheduled ON helplines (published_at) WHERE status = 'scheduled' AND deleted_at IS NULL;
CREATE INDEX campaigns_scheduled ON campaigns (published_at) WHERE status = 'scheduled' AND deleted_at IS NULL;
