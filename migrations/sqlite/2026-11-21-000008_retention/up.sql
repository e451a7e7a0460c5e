-- Retention: after the configured period (5 years by default) the bytes of job results (the
-- exchange's zips …) and of received originals are dropped; the row (name, hash, size, dates)
-- stays, with the time the bytes were removed.
ALTER TABLE artifacts ADD COLUMN purged_at TIMESTAMP;
ALTER TABLE received_files ADD COLUMN purged_at TIMESTAMP;
-- What the daily retention check looks for: files still held, by age.
CREATE INDEX artifacts_retention ON artifacts (created_at) WHERE purged_at IS NULL;
CREATE INDEX received_files_retention ON received_files (uploaded_at) WHERE purged_at IS NULL;
