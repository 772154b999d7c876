-- Aggregate values received from other systems (DHIS2 dataValueSets, ADX), kept beside Pantau's
-- own figures so the two can be reconciled: one value per source, year, indicator and office.
-- postgres/0007_external_values.sql is generated from this file by tools/pg_migration.sh.
CREATE TABLE external_values (
    source TEXT NOT NULL,
    year BIGINT NOT NULL,
    indicator TEXT NOT NULL,
    office_id BIGINT NOT NULL REFERENCES offices (id),
    value BIGINT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (source, year, indicator, office_id)
);
