-- Web Push delivery: the coding each subscription asked for, the access
-- token to hand back in each push (sealed with a key kith holds, see
-- store/push.go), and when sending last worked or failed, for the settings
-- page. The VAPID key pair cannot be made in SQL: kith makes it at start
-- when the settings table has none.
ALTER TABLE push_subscriptions ADD COLUMN standard INTEGER NOT NULL DEFAULT 0;
ALTER TABLE push_subscriptions ADD COLUMN sealed_token BLOB;
ALTER TABLE push_subscriptions ADD COLUMN last_success_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE push_subscriptions ADD COLUMN last_failure_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE push_subscriptions ADD COLUMN last_error TEXT NOT NULL DEFAULT '';
