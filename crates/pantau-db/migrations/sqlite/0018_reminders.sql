-- The daily digest by email: each account may turn it off, and the day it was last sent keeps
-- a second run on the same day from sending it twice.
-- postgres/0018_reminders.sql is generated from this file by tools/pg_migration.sh.

ALTER TABLE users ADD COLUMN reminders INTEGER NOT NULL DEFAULT 1 CHECK (reminders IN (0, 1));
ALTER TABLE users ADD COLUMN reminded_on TEXT NOT NULL DEFAULT '';
