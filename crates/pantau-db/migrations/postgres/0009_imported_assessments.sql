-- Where a stage assessment comes from: made in Pantau, or a past year's result imported from a
-- spreadsheet (final, without criteria; who imported it is in the audit log).
ALTER TABLE ibm_assessments ADD COLUMN source TEXT NOT NULL DEFAULT 'pantau';
