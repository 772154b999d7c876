-- Programme figures as BNN reports them: how many institutions each office is to coach in a
-- year on each track (national priority set by BNN RI, regular by BNNP and BNNK), and
-- institutions' coaching in the years before Pantau, imported from the directorate's records
-- (one row per institution and year, without scores).
-- postgres/0014_programme.sql is generated from this file by tools/pg_migration.sh.

CREATE TABLE sni_targets (
    office_id BIGINT NOT NULL REFERENCES offices (id),
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    target INTEGER NOT NULL CHECK (target >= 0),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (year, office_id, kind)
);

CREATE TABLE sni_history (
    id INTEGER PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    result TEXT NOT NULL,
    certified_on TEXT,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (institution_id, year)
);
CREATE INDEX sni_history_year ON sni_history (year);
