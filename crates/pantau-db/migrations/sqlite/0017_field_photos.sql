-- What a unit's reporter says about a follow-up action between visits (done or not, a note,
-- photos), for the officer to check at the next visit; and photos of the follow-ups and of
-- visits, stored as files outside the web root under a random name.
-- postgres/0017_field_photos.sql is generated from this file by tools/pg_migration.sh.

CREATE TABLE ibm_action_follow_ups (
    id INTEGER PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES ibm_visit_actions (id) ON DELETE CASCADE,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    done INTEGER NOT NULL DEFAULT 0 CHECK (done IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    reported_by TEXT NOT NULL,
    reported_at TEXT NOT NULL
);
CREATE INDEX ibm_action_follow_ups_unit ON ibm_action_follow_ups (unit_id, action_id);

CREATE TABLE ibm_photos (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    follow_up_id BIGINT REFERENCES ibm_action_follow_ups (id) ON DELETE CASCADE,
    visit_id BIGINT REFERENCES ibm_visits (id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX ibm_photos_unit ON ibm_photos (unit_id);
