-- Codes other systems (DHIS2, ADX receivers) use for Pantau's indicators and offices. A code
-- without a row here is sent as Pantau's own code.
-- postgres/0006_exchange_mapping.sql is generated from this file by tools/pg_migration.sh.
CREATE TABLE exchange_mappings (
    kind TEXT NOT NULL CHECK (kind IN ('indicator', 'org_unit', 'data_set')),
    pantau_code TEXT NOT NULL,
    external_code TEXT NOT NULL,
    PRIMARY KEY (kind, pantau_code)
);
