DROP INDEX received_files_retention;
DROP INDEX artifacts_retention;
ALTER TABLE received_files DROP COLUMN purged_at;
ALTER TABLE artifacts DROP COLUMN purged_at;
