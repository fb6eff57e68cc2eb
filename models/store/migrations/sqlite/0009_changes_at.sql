-- 0009: the changes feed is read from a time (since=<time>): the first event at or
-- after it is found on this index, not by reading the whole feed.
CREATE INDEX changes_at ON changes (at);
