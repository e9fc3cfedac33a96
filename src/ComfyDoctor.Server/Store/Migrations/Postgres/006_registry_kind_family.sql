-- The registry's optional kind and family per model (ModelKinds / ModelFamilies codes): a file whose header says otherwise is
-- model.architecture-mismatch. NULL: the registry does not say.
ALTER TABLE model_checksums ADD COLUMN kind TEXT NULL;
ALTER TABLE model_checksums ADD COLUMN family TEXT NULL;
