-- IBM monitoring: configurable reference lists and stages, units with yearly categories,
-- recovery agents, stage assessments, periodic reports, monitoring visits, annual evaluation.
-- postgres/0002_ibm.sql is generated from this file by tools/pg_migration.sh.

CREATE TABLE ref_items (
    id INTEGER PRIMARY KEY,
    list TEXT NOT NULL,
    code TEXT NOT NULL,
    name_id TEXT NOT NULL,
    name_en TEXT NOT NULL,
    ordinal INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (list, code)
);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE ibm_stages (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    ordinal INTEGER NOT NULL,
    name_id TEXT NOT NULL,
    name_en TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE ibm_stage_criteria (
    id INTEGER PRIMARY KEY,
    stage_id BIGINT NOT NULL REFERENCES ibm_stages (id),
    code TEXT NOT NULL UNIQUE,
    text_id TEXT NOT NULL,
    text_en TEXT NOT NULL,
    mandatory INTEGER NOT NULL DEFAULT 1 CHECK (mandatory IN (0, 1)),
    ordinal INTEGER NOT NULL DEFAULT 0,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);

CREATE TABLE ibm_units (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    village_code TEXT NOT NULL,
    office_id BIGINT NOT NULL REFERENCES offices (id),
    year_formed INTEGER NOT NULL,
    decree_number TEXT NOT NULL DEFAULT '',
    funding_source TEXT NOT NULL,
    desa_bersinar INTEGER NOT NULL DEFAULT 0 CHECK (desa_bersinar IN (0, 1)),
    priority_area INTEGER NOT NULL DEFAULT 0 CHECK (priority_area IN (0, 1)),
    status TEXT NOT NULL,
    status_date TEXT NOT NULL,
    status_reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ibm_units_office ON ibm_units (office_id);
CREATE INDEX ibm_units_village ON ibm_units (village_code);

CREATE TABLE ibm_unit_status_log (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    from_status TEXT NOT NULL,
    to_status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    effective_date TEXT NOT NULL,
    username TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX ibm_unit_status_log_unit ON ibm_unit_status_log (unit_id);

CREATE TABLE ibm_unit_years (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    category TEXT NOT NULL,
    target_stage_id BIGINT REFERENCES ibm_stages (id),
    confirmed INTEGER NOT NULL DEFAULT 1 CHECK (confirmed IN (0, 1)),
    UNIQUE (unit_id, year)
);
CREATE INDEX ibm_unit_years_year ON ibm_unit_years (year, category);

CREATE TABLE ibm_agents (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    full_name TEXT NOT NULL,
    sex TEXT NOT NULL,
    role TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    phone TEXT NOT NULL DEFAULT '',
    joined_year INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX ibm_agents_unit ON ibm_agents (unit_id);

CREATE TABLE ibm_agent_trainings (
    id INTEGER PRIMARY KEY,
    agent_id BIGINT NOT NULL REFERENCES ibm_agents (id) ON DELETE CASCADE,
    training_code TEXT NOT NULL,
    held_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX ibm_agent_trainings_agent ON ibm_agent_trainings (agent_id);

CREATE TABLE ibm_assessments (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    status TEXT NOT NULL,
    achieved_stage_id BIGINT REFERENCES ibm_stages (id),
    achieved_ordinal INTEGER,
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    submitted_by TEXT,
    submitted_at TEXT,
    verified_by TEXT,
    verified_at TEXT,
    finalized_by TEXT,
    finalized_at TEXT,
    UNIQUE (unit_id, year)
);

CREATE TABLE ibm_assessment_criteria (
    assessment_id BIGINT NOT NULL REFERENCES ibm_assessments (id) ON DELETE CASCADE,
    criterion_id BIGINT NOT NULL REFERENCES ibm_stage_criteria (id),
    met INTEGER NOT NULL DEFAULT 0 CHECK (met IN (0, 1)),
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assessment_id, criterion_id)
);

CREATE TABLE ibm_reports (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    period TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    due_date TEXT NOT NULL,
    late INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    submitted_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (unit_id, period)
);

CREATE TABLE ibm_report_lines (
    id INTEGER PRIMARY KEY,
    report_id BIGINT NOT NULL REFERENCES ibm_reports (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    item_code TEXT NOT NULL,
    sex TEXT NOT NULL DEFAULT '',
    age_band TEXT NOT NULL DEFAULT '',
    risk_level TEXT NOT NULL DEFAULT '',
    count BIGINT NOT NULL CHECK (count >= 0)
);
CREATE INDEX ibm_report_lines_report ON ibm_report_lines (report_id);

CREATE TABLE ibm_visits (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    visit_date TEXT NOT NULL,
    mode TEXT NOT NULL,
    officer TEXT NOT NULL,
    findings TEXT NOT NULL DEFAULT '',
    recommendations TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE INDEX ibm_visits_unit ON ibm_visits (unit_id, visit_date);

CREATE TABLE ibm_visit_actions (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    visit_id BIGINT NOT NULL REFERENCES ibm_visits (id) ON DELETE CASCADE,
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL,
    closed_visit_id BIGINT REFERENCES ibm_visits (id),
    updated_at TEXT NOT NULL
);
CREATE INDEX ibm_visit_actions_unit ON ibm_visit_actions (unit_id, status);

CREATE TABLE ibm_action_reviews (
    id INTEGER PRIMARY KEY,
    action_id BIGINT NOT NULL REFERENCES ibm_visit_actions (id) ON DELETE CASCADE,
    visit_id BIGINT NOT NULL REFERENCES ibm_visits (id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE ibm_evaluations (
    id INTEGER PRIMARY KEY,
    unit_id BIGINT NOT NULL REFERENCES ibm_units (id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    operational_status TEXT NOT NULL,
    obstacles_text TEXT NOT NULL DEFAULT '',
    drivers_text TEXT NOT NULL DEFAULT '',
    solutions TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    UNIQUE (unit_id, year)
);

CREATE TABLE ibm_evaluation_factors (
    evaluation_id BIGINT NOT NULL REFERENCES ibm_evaluations (id) ON DELETE CASCADE,
    factor_id BIGINT NOT NULL REFERENCES ref_items (id),
    PRIMARY KEY (evaluation_id, factor_id)
);

-- Seeded defaults. The official instrument is not public: these are the project's own wording,
-- editable by a national admin.
INSERT INTO settings (key, value, updated_at) VALUES
    ('ibm.report_period_months', '1', '2026-01-01T00:00:00Z'),
    ('ibm.report_due_days', '10', '2026-01-01T00:00:00Z'),
    ('ibm.silent_after_periods', '3', '2026-01-01T00:00:00Z');

INSERT INTO ref_items (list, code, name_id, name_en, ordinal) VALUES
    ('activity', 'sosialisasi', 'Sosialisasi', 'Awareness sessions', 1),
    ('activity', 'pemetaan', 'Pemetaan', 'Mapping', 2),
    ('activity', 'penjangkauan', 'Penjangkauan', 'Outreach', 3),
    ('activity', 'lainnya', 'Kegiatan lainnya', 'Other activities', 4),
    ('service', 'skrining', 'Skrining', 'Screening', 1),
    ('service', 'intervensi_singkat', 'Intervensi singkat', 'Brief intervention', 2),
    ('service', 'konseling', 'Konseling', 'Counselling', 3),
    ('service', 'dukungan_keluarga', 'Dukungan keluarga', 'Family support', 4),
    ('service', 'rujukan', 'Rujukan', 'Referral', 5),
    ('service', 'bina_lanjut', 'Bina lanjut', 'Follow-up', 6),
    ('age_band', 'lt18', '< 18 tahun', 'under 18', 1),
    ('age_band', '18_25', '18–25 tahun', '18–25', 2),
    ('age_band', '26_40', '26–40 tahun', '26–40', 3),
    ('age_band', 'gt40', '> 40 tahun', 'over 40', 4),
    ('risk_level', 'ringan', 'Risiko ringan', 'Mild risk', 1),
    ('risk_level', 'sedang', 'Risiko sedang', 'Moderate risk', 2),
    ('risk_level', 'berat', 'Risiko berat', 'Severe risk', 3),
    ('obstacle', 'stigma', 'Stigma dan takut proses hukum', 'Stigma and fear of prosecution', 1),
    ('obstacle', 'komitmen_desa', 'Komitmen kepala desa lemah', 'Weak commitment of the village head', 2),
    ('obstacle', 'anggaran', 'Anggaran terbatas', 'Limited budget', 3),
    ('obstacle', 'ap_tidak_aktif', 'Agen Pemulihan tidak aktif', 'Recovery agents inactive', 4),
    ('obstacle', 'dukungan_keluarga', 'Dukungan keluarga kurang', 'Little family support', 5),
    ('obstacle', 'monitoring', 'Pemantauan kurang', 'Weak monitoring', 6),
    ('driver', 'komitmen_desa', 'Komitmen kepala desa', 'Village head commitment', 1),
    ('driver', 'dana_desa', 'Dukungan dana desa', 'Village budget support', 2),
    ('driver', 'jejaring_faskes', 'Jejaring dengan puskesmas/faskes', 'Network with health centres', 3),
    ('driver', 'ap_aktif', 'Agen Pemulihan aktif', 'Active recovery agents', 4),
    ('driver', 'tokoh_masyarakat', 'Dukungan tokoh masyarakat/agama', 'Community and religious leaders', 5),
    ('driver', 'desa_bersinar', 'Program Desa Bersinar', 'Desa Bersinar programme', 6),
    ('training', 'ap_dasar', 'Pelatihan dasar Agen Pemulihan', 'Recovery agent basic training', 1),
    ('training', 'ap_lanjutan', 'Pelatihan lanjutan Agen Pemulihan', 'Recovery agent advanced training', 2),
    ('training', 'skrining_assist', 'Pelatihan skrining (ASSIST)', 'Screening training (ASSIST)', 3);

INSERT INTO ibm_stages (code, ordinal, name_id, name_en, description) VALUES
    ('pembentukan', 1, 'Pembentukan', 'Formation', 'Unit terbentuk dengan SK dan Agen Pemulihan terlatih.'),
    ('operasional_awal', 2, 'Operasional awal', 'Early operation', 'Kegiatan dasar berjalan dan dilaporkan rutin.'),
    ('berkembang', 3, 'Berkembang', 'Developing', 'Layanan pemulihan diberikan dan rujukan berjalan.'),
    ('prima', 4, 'Prima', 'Prime', 'Unit berkelanjutan dengan dukungan desa dan layanan lanjutan.');

INSERT INTO ibm_stage_criteria (stage_id, code, text_id, text_en, mandatory, ordinal) VALUES
    ((SELECT id FROM ibm_stages WHERE code = 'pembentukan'), 'sk_terbit', 'SK pembentukan unit terbit', 'Unit decree issued', TRUE, 1),
    ((SELECT id FROM ibm_stages WHERE code = 'pembentukan'), 'ap_terlatih', 'Minimal dua Agen Pemulihan terlatih', 'At least two trained recovery agents', TRUE, 2),
    ((SELECT id FROM ibm_stages WHERE code = 'pembentukan'), 'sekretariat', 'Ada sekretariat atau posko', 'A secretariat or post exists', FALSE, 3),
    ((SELECT id FROM ibm_stages WHERE code = 'operasional_awal'), 'sosialisasi_pemetaan', 'Sosialisasi dan pemetaan dilakukan', 'Awareness and mapping done', TRUE, 1),
    ((SELECT id FROM ibm_stages WHERE code = 'operasional_awal'), 'laporan_rutin', 'Laporan rutin tiga periode berturut-turut', 'Reports for three periods in a row', TRUE, 2),
    ((SELECT id FROM ibm_stages WHERE code = 'berkembang'), 'layanan_skrining', 'Skrining dan intervensi singkat diberikan', 'Screening and brief intervention given', TRUE, 1),
    ((SELECT id FROM ibm_stages WHERE code = 'berkembang'), 'rujukan_berjalan', 'Rujukan ke faskes/lembaga berjalan', 'Referrals to facilities work', TRUE, 2),
    ((SELECT id FROM ibm_stages WHERE code = 'berkembang'), 'jejaring', 'Jejaring dengan puskesmas terbentuk', 'Network with the health centre', FALSE, 3),
    ((SELECT id FROM ibm_stages WHERE code = 'prima'), 'dukungan_anggaran', 'Dukungan anggaran desa/daerah', 'Village or regional budget support', TRUE, 1),
    ((SELECT id FROM ibm_stages WHERE code = 'prima'), 'bina_lanjut', 'Layanan bina lanjut berjalan', 'Follow-up services run', TRUE, 2),
    ((SELECT id FROM ibm_stages WHERE code = 'prima'), 'inovasi', 'Ada inovasi berbasis kearifan lokal', 'A local-wisdom innovation', FALSE, 3);
