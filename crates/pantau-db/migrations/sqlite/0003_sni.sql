-- SNI 8807:2022 coaching: institutions, a versioned instrument (aspects, requirements, scale),
-- cohorts with participants and staff, assessments scored per requirement with evidence files,
-- asistensi/bimtek sessions with follow-up actions, BNN recommendations and LPK certification.
-- postgres/0003_sni.sql is generated from this file by tools/pg_migration.sh.

CREATE TABLE institutions (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    ownership TEXT NOT NULL,
    service_kind TEXT NOT NULL,
    modality TEXT NOT NULL,
    ipwl INTEGER NOT NULL DEFAULT 0 CHECK (ipwl IN (0, 1)),
    bnn_partner INTEGER NOT NULL DEFAULT 0 CHECK (bnn_partner IN (0, 1)),
    address TEXT NOT NULL DEFAULT '',
    area_code TEXT NOT NULL,
    office_id BIGINT NOT NULL REFERENCES offices (id),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX institutions_office ON institutions (office_id);

CREATE TABLE institution_documents (
    id INTEGER PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    doc_type TEXT NOT NULL,
    number TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    valid_until TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX institution_documents_institution ON institution_documents (institution_id);

ALTER TABLE grants ADD COLUMN institution_id BIGINT REFERENCES institutions (id);

CREATE TABLE sni_instruments (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    pass_threshold REAL NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
);

CREATE TABLE sni_aspects (
    id INTEGER PRIMARY KEY,
    instrument_id BIGINT NOT NULL REFERENCES sni_instruments (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name_id TEXT NOT NULL,
    name_en TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    UNIQUE (instrument_id, code)
);

CREATE TABLE sni_requirements (
    id INTEGER PRIMARY KEY,
    instrument_id BIGINT NOT NULL REFERENCES sni_instruments (id) ON DELETE CASCADE,
    aspect_id BIGINT NOT NULL REFERENCES sni_aspects (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    text_id TEXT NOT NULL,
    text_en TEXT NOT NULL,
    weight REAL NOT NULL CHECK (weight > 0),
    mandatory INTEGER NOT NULL DEFAULT 0 CHECK (mandatory IN (0, 1)),
    evidence_kind TEXT NOT NULL DEFAULT '',
    ordinal INTEGER NOT NULL,
    UNIQUE (instrument_id, code)
);
CREATE INDEX sni_requirements_aspect ON sni_requirements (aspect_id);

CREATE TABLE sni_scale (
    id INTEGER PRIMARY KEY,
    instrument_id BIGINT NOT NULL REFERENCES sni_instruments (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    label_id TEXT NOT NULL,
    label_en TEXT NOT NULL,
    value REAL,
    ordinal INTEGER NOT NULL,
    UNIQUE (instrument_id, code)
);

CREATE TABLE sni_cohorts (
    id INTEGER PRIMARY KEY,
    year INTEGER NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    office_id BIGINT NOT NULL REFERENCES offices (id),
    instrument_id BIGINT NOT NULL REFERENCES sni_instruments (id),
    start_date TEXT NOT NULL,
    end_date TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sni_participants (
    id INTEGER PRIMARY KEY,
    cohort_id BIGINT NOT NULL REFERENCES sni_cohorts (id) ON DELETE CASCADE,
    institution_id BIGINT NOT NULL REFERENCES institutions (id),
    UNIQUE (cohort_id, institution_id)
);

CREATE TABLE sni_staff (
    participant_id BIGINT NOT NULL REFERENCES sni_participants (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    duty TEXT NOT NULL,
    PRIMARY KEY (participant_id, user_id, duty)
);

CREATE TABLE sni_assessments (
    id INTEGER PRIMARY KEY,
    participant_id BIGINT NOT NULL REFERENCES sni_participants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    assessed_on TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    updated_at TEXT NOT NULL,
    submitted_by TEXT,
    verified_by TEXT,
    finalized_by TEXT
);
CREATE INDEX sni_assessments_participant ON sni_assessments (participant_id, kind);

CREATE TABLE sni_scores (
    assessment_id BIGINT NOT NULL REFERENCES sni_assessments (id) ON DELETE CASCADE,
    requirement_id BIGINT NOT NULL REFERENCES sni_requirements (id),
    scale_code TEXT NOT NULL,
    comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (assessment_id, requirement_id)
);

CREATE TABLE sni_evidence (
    id INTEGER PRIMARY KEY,
    assessment_id BIGINT NOT NULL REFERENCES sni_assessments (id) ON DELETE CASCADE,
    requirement_id BIGINT NOT NULL REFERENCES sni_requirements (id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    stored_name TEXT NOT NULL UNIQUE,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX sni_evidence_assessment ON sni_evidence (assessment_id, requirement_id);

CREATE TABLE sni_sessions (
    id INTEGER PRIMARY KEY,
    participant_id BIGINT NOT NULL REFERENCES sni_participants (id) ON DELETE CASCADE,
    session_type TEXT NOT NULL,
    mode TEXT NOT NULL,
    tier TEXT NOT NULL,
    held_on TEXT NOT NULL,
    attendees TEXT NOT NULL DEFAULT '',
    findings TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX sni_sessions_participant ON sni_sessions (participant_id, held_on);

CREATE TABLE sni_session_topics (
    session_id BIGINT NOT NULL REFERENCES sni_sessions (id) ON DELETE CASCADE,
    requirement_id BIGINT NOT NULL REFERENCES sni_requirements (id),
    PRIMARY KEY (session_id, requirement_id)
);

CREATE TABLE sni_actions (
    id INTEGER PRIMARY KEY,
    participant_id BIGINT NOT NULL REFERENCES sni_participants (id) ON DELETE CASCADE,
    session_id BIGINT REFERENCES sni_sessions (id) ON DELETE CASCADE,
    requirement_id BIGINT REFERENCES sni_requirements (id),
    description TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_date TEXT NOT NULL,
    status TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX sni_actions_participant ON sni_actions (participant_id, status);

CREATE TABLE sni_recommendations (
    id INTEGER PRIMARY KEY,
    participant_id BIGINT NOT NULL UNIQUE REFERENCES sni_participants (id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    basis_assessment_id BIGINT NOT NULL REFERENCES sni_assessments (id),
    note TEXT NOT NULL DEFAULT ''
);

CREATE TABLE sni_certifications (
    id INTEGER PRIMARY KEY,
    institution_id BIGINT NOT NULL REFERENCES institutions (id) ON DELETE CASCADE,
    lpk_code TEXT NOT NULL,
    status TEXT NOT NULL,
    applied_on TEXT NOT NULL,
    certificate_number TEXT NOT NULL DEFAULT '',
    issued_on TEXT,
    valid_until TEXT,
    updated_at TEXT NOT NULL
);
CREATE INDEX sni_certifications_institution ON sni_certifications (institution_id);

INSERT INTO ref_items (list, code, name_id, name_en, ordinal) VALUES
    ('lpk', 'sucofindo', 'PT Sucofindo', 'PT Sucofindo', 1),
    ('lpk', 'gis', 'GIS', 'GIS', 2),
    ('document', 'izin_operasional', 'Izin operasional', 'Operating licence', 1),
    ('document', 'akta_pendirian', 'Akta pendirian', 'Deed of establishment', 2),
    ('document', 'sk_ipwl', 'SK IPWL', 'IPWL decree', 3),
    ('document', 'nib', 'Nomor Induk Berusaha', 'Business identification number', 4);

INSERT INTO settings (key, value, updated_at) VALUES
    ('sni.certificate_warning_days', '90', '2026-01-01T00:00:00Z');

-- The default instrument, in the project's own words: the official SNI text is a paid BSN
-- document and not available here. National admins edit it or import another.
INSERT INTO sni_instruments (code, title, pass_threshold, active, created_at) VALUES
    ('sni8807-2022-pantau', 'SNI 8807:2022 — instrumen pembinaan (rumusan Pantau)', 0.8, TRUE, '2026-01-01T00:00:00Z');

INSERT INTO sni_scale (instrument_id, code, label_id, label_en, value, ordinal) VALUES
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), 'penuh', 'Terpenuhi', 'Met', 1.0, 1),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), 'sebagian', 'Terpenuhi sebagian', 'Partly met', 0.5, 2),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), 'belum', 'Belum terpenuhi', 'Not met', 0.0, 3),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), 'tb', 'Tidak berlaku', 'Not applicable', NULL, 4);

INSERT INTO sni_aspects (instrument_id, code, name_id, name_en, ordinal) VALUES
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), 'kelembagaan', 'Kelembagaan', 'Institution', 1),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), 'layanan', 'Layanan', 'Services', 2),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), 'sdm', 'Sumber daya manusia', 'Staff', 3),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), 'sarpras', 'Sarana dan prasarana', 'Facilities', 4);

INSERT INTO sni_requirements (instrument_id, aspect_id, code, text_id, text_en, weight, mandatory, evidence_kind, ordinal) VALUES
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'kelembagaan'), 'K1', 'Lembaga memiliki legalitas dan izin operasional yang berlaku', 'The institution holds a valid legal status and operating licence', 2.0, TRUE, 'Dokumen izin', 1),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'kelembagaan'), 'K2', 'Struktur organisasi, visi, misi dan tata kelola tertulis', 'Written organisation chart, mission and governance', 1.0, FALSE, 'Dokumen SOP', 2),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'kelembagaan'), 'K3', 'Standar prosedur operasional layanan ditetapkan', 'Service operating procedures are adopted', 2.0, TRUE, 'SOP', 3),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'kelembagaan'), 'K4', 'Pencatatan dan pelaporan klien berjalan dan terjaga kerahasiaannya', 'Client records and reporting kept, confidentially', 1.0, FALSE, 'Register, laporan', 4),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'kelembagaan'), 'K5', 'Mekanisme pengaduan dan perlindungan hak klien', 'Complaints handling and client rights protection', 1.0, FALSE, 'Prosedur, papan informasi', 5),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'layanan'), 'L1', 'Skrining dan asesmen dengan instrumen baku', 'Screening and assessment with a standard instrument', 2.0, TRUE, 'Formulir asesmen', 6),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'layanan'), 'L2', 'Rencana terapi individual untuk setiap klien', 'An individual treatment plan for every client', 2.0, TRUE, 'Rencana terapi', 7),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'layanan'), 'L3', 'Program rehabilitasi sesuai modalitas (rawat inap/rawat jalan)', 'A rehabilitation programme fitting the modality', 2.0, FALSE, 'Jadwal program', 8),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'layanan'), 'L4', 'Rujukan dan kerja sama dengan fasilitas kesehatan', 'Referral and cooperation with health facilities', 1.0, FALSE, 'Perjanjian kerja sama', 9),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'layanan'), 'L5', 'Program pascarehabilitasi dan pemantauan kekambuhan', 'Aftercare and relapse monitoring', 1.0, FALSE, 'Catatan bina lanjut', 10),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'sdm'), 'S1', 'Konselor adiksi bersertifikat', 'Certified addiction counsellors', 2.0, TRUE, 'Sertifikat', 11),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'sdm'), 'S2', 'Tenaga medis atau pekerja sosial sesuai jenis layanan', 'Medical staff or social workers fitting the service', 1.0, FALSE, 'Daftar tenaga', 12),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'sdm'), 'S3', 'Rasio petugas dan klien memadai', 'Adequate staff-to-client ratio', 1.0, FALSE, 'Daftar petugas dan klien', 13),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'sdm'), 'S4', 'Pelatihan berkala bagi petugas', 'Regular staff training', 1.0, FALSE, 'Sertifikat pelatihan', 14),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'sarpras'), 'P1', 'Bangunan aman, bersih dan layak', 'Safe, clean and fit premises', 2.0, TRUE, 'Foto', 15),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'sarpras'), 'P2', 'Ruang konseling yang menjaga privasi', 'Private counselling rooms', 1.0, FALSE, 'Foto', 16),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'sarpras'), 'P3', 'Kamar dan fasilitas rawat inap memadai (bila rawat inap)', 'Adequate residential facilities (inpatient only)', 1.0, FALSE, 'Foto', 17),
    ((SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau'), (SELECT x.id FROM sni_aspects x JOIN sni_instruments n ON n.id = x.instrument_id WHERE n.code = 'sni8807-2022-pantau' AND x.code = 'sarpras'), 'P4', 'Sarana kegiatan vokasional dan rekreasi', 'Vocational and recreational facilities', 1.0, FALSE, 'Foto', 18);
