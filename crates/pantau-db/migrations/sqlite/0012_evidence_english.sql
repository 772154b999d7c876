-- What evidence a requirement asks for, in English beside Indonesian: English pages name it in
-- English (empty: the Indonesian name is shown). The default instrument's names are translated.
ALTER TABLE sni_requirements ADD COLUMN evidence_kind_en TEXT NOT NULL DEFAULT '';
UPDATE sni_requirements SET evidence_kind_en = CASE evidence_kind
    WHEN 'Dokumen izin' THEN 'Licence documents'
    WHEN 'Dokumen SOP' THEN 'Organisation documents'
    WHEN 'SOP' THEN 'Operating procedures'
    WHEN 'Register, laporan' THEN 'Registers, reports'
    WHEN 'Prosedur, papan informasi' THEN 'Procedure, notice board'
    WHEN 'Formulir asesmen' THEN 'Assessment forms'
    WHEN 'Rencana terapi' THEN 'Treatment plans'
    WHEN 'Jadwal program' THEN 'Programme schedule'
    WHEN 'Perjanjian kerja sama' THEN 'Cooperation agreements'
    WHEN 'Catatan bina lanjut' THEN 'Aftercare records'
    WHEN 'Sertifikat' THEN 'Certificates'
    WHEN 'Daftar tenaga' THEN 'Staff list'
    WHEN 'Daftar petugas dan klien' THEN 'Staff and client lists'
    WHEN 'Sertifikat pelatihan' THEN 'Training certificates'
    WHEN 'Foto' THEN 'Photos'
    ELSE '' END
WHERE instrument_id IN (SELECT id FROM sni_instruments WHERE code = 'sni8807-2022-pantau');
