-- A unit reporter's grant reaches one IBM unit (as an institution operator's reaches one
-- institution); its office is the unit's coaching office.
-- postgres/0016_unit_reporters.sql is generated from this file by tools/pg_migration.sh.

ALTER TABLE grants ADD COLUMN unit_id BIGINT REFERENCES ibm_units (id) ON DELETE CASCADE;
CREATE INDEX grants_unit ON grants (unit_id);

-- Raised by every correction of a report: a correction sent from an older version, or a new
-- report sent for a period someone else has reported, is refused instead of overwriting it.
ALTER TABLE ibm_reports ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
