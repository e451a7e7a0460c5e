CREATE INDEX recipients_care_office ON recipients (care_office_id);
DROP INDEX recipients_care_office_corporation;
