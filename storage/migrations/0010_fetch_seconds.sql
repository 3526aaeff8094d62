-- 0010: how long the feed's server took to answer its last fetch (seconds, whatever the
-- outcome: a body, a 304 or a failure; NULL until it was asked once). A cycle claims the feeds
-- that answered slowly first, so that their wait overlaps the other feeds' polls instead of
-- ending the cycle (storage.feeds.DUE_ORDER_SQL).
ALTER TABLE feeds ADD COLUMN fetch_seconds REAL;
