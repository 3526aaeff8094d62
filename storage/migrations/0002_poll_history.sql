-- Dépêche schema, version 2: change history of each feed, for adaptive polling intervals.
-- last_changed_at: the last poll that found new entries (UTC text, as elsewhere).
-- change_interval_s: smoothed seconds between observed changes (NULL until two changes).
ALTER TABLE feeds ADD COLUMN last_changed_at TEXT;
ALTER TABLE feeds ADD COLUMN change_interval_s REAL;
