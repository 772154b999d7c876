-- Foundation: areas, offices, users, grants, sessions, audit. Mirrors postgres/0001_foundation.sql;
-- only identity columns and flags differ (sqlx's Any driver cannot decode SQLite BOOLEAN, so flags
-- are INTEGER 0/1 here and BOOLEAN there). Dates are ISO-8601 TEXT on both backends.

CREATE TABLE areas (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_code TEXT,
    name TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    source TEXT NOT NULL
);
CREATE UNIQUE INDEX areas_current_code ON areas (code) WHERE valid_to IS NULL;
CREATE INDEX areas_current_parent ON areas (parent_code, code) WHERE valid_to IS NULL;
CREATE INDEX areas_code_history ON areas (code, valid_from);

CREATE TABLE area_lineage (
    id INTEGER PRIMARY KEY,
    from_code TEXT NOT NULL,
    to_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX area_lineage_from ON area_lineage (from_code);
CREATE INDEX area_lineage_to ON area_lineage (to_code);

CREATE TABLE offices (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    level TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id BIGINT REFERENCES offices (id),
    path TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    email TEXT NOT NULL DEFAULT '',
    head_name TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    updated_at TEXT NOT NULL
);
CREATE INDEX offices_path ON offices (path);
CREATE INDEX offices_parent ON offices (parent_id);

CREATE TABLE office_areas (
    office_id BIGINT NOT NULL REFERENCES offices (id) ON DELETE CASCADE,
    area_code TEXT NOT NULL,
    PRIMARY KEY (office_id, area_code)
);
CREATE INDEX office_areas_area ON office_areas (area_code);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    full_name TEXT NOT NULL,
    email TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    language TEXT NOT NULL DEFAULT 'id',
    created_at TEXT NOT NULL,
    password_changed_at TEXT NOT NULL
);

CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    office_id BIGINT NOT NULL REFERENCES offices (id),
    created_at TEXT NOT NULL,
    UNIQUE (user_id, role, office_id)
);
CREATE INDEX grants_office ON grants (office_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    user_agent TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    office_path TEXT,
    before_json TEXT,
    after_json TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE INDEX audit_log_user ON audit_log (user_id);
CREATE INDEX audit_log_office ON audit_log (office_path);
