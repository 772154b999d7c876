-- A version per record that several people edit, raised by every save: a save made from an
-- older version is refused instead of overwriting what someone else saved in between.
ALTER TABLE ibm_evaluations ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE sni_assessments ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
