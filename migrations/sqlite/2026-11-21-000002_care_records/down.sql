DROP TABLE recipient_providers;
DROP TABLE certifications;
DROP INDEX recipients_care_office;
DROP INDEX recipients_insured;
ALTER TABLE recipients DROP COLUMN care_partner_id;
ALTER TABLE recipients DROP COLUMN burden_ratio;
