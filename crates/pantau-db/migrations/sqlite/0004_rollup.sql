-- Keys lead with the year: every dashboard query asks for one year.
-- Roll-ups maintained in the same transaction as every IBM write, so the national and provincial
-- dashboards read a few hundred office rows instead of every unit and report.
-- postgres/0004_rollup.sql is generated from this file by tools/pg_migration.sh.

-- Target-versus-achievement counts per office (the unit's own office) and year.
CREATE TABLE ibm_rollup_targets (
    office_id BIGINT NOT NULL REFERENCES offices (id),
    year INTEGER NOT NULL,
    units BIGINT NOT NULL DEFAULT 0,
    berkelanjutan BIGINT NOT NULL DEFAULT 0,
    berkelanjutan_mandiri BIGINT NOT NULL DEFAULT 0,
    baru BIGINT NOT NULL DEFAULT 0,
    baru_mandiri BIGINT NOT NULL DEFAULT 0,
    with_target BIGINT NOT NULL DEFAULT 0,
    assessed BIGINT NOT NULL DEFAULT 0,
    on_target BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (year, office_id)
);

-- Operating units of a year by the month they started operating and the last month they
-- reported ('' for never): enough to count due, missing and silent for any day.
CREATE TABLE ibm_rollup_units (
    office_id BIGINT NOT NULL REFERENCES offices (id),
    year INTEGER NOT NULL,
    start_period TEXT NOT NULL,
    last_period TEXT NOT NULL,
    units BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (year, office_id, start_period, last_period)
);

-- Reports inside their unit's operating window, per office, period and due date.
CREATE TABLE ibm_rollup_reports (
    office_id BIGINT NOT NULL REFERENCES offices (id),
    year INTEGER NOT NULL,
    period TEXT NOT NULL,
    due_date TEXT NOT NULL,
    on_time BIGINT NOT NULL DEFAULT 0,
    late BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (year, office_id, period, due_date)
);

-- Per operating unit: start and last reported month, to list silent units without a scan.
CREATE TABLE ibm_rollup_unit_state (
    unit_id BIGINT PRIMARY KEY REFERENCES ibm_units (id) ON DELETE CASCADE,
    start_period TEXT NOT NULL,
    last_period TEXT NOT NULL
);
CREATE INDEX ibm_rollup_unit_state_last ON ibm_rollup_unit_state (last_period, unit_id);
