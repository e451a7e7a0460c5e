-- Care records: recipients' insurance and certification data, the providers they use.

ALTER TABLE recipients ADD COLUMN burden_ratio INTEGER NOT NULL DEFAULT 1;
ALTER TABLE recipients ADD COLUMN care_partner_id BIGINT REFERENCES partners(id);
CREATE UNIQUE INDEX recipients_insured ON recipients (corporation_id, insurer_number, insured_number);
CREATE INDEX recipients_care_office ON recipients (care_office_id);

CREATE TABLE certifications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id BIGINT NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    care_level TEXT NOT NULL,
    certified_on DATE,
    valid_from DATE NOT NULL,
    valid_to DATE NOT NULL,
    limit_units INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX certifications_recipient ON certifications (recipient_id, valid_from);

CREATE TABLE recipient_providers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    recipient_id BIGINT NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    office_id BIGINT REFERENCES offices(id),
    partner_id BIGINT REFERENCES partners(id),
    service_type TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX recipient_providers_recipient ON recipient_providers (recipient_id);
CREATE INDEX recipient_providers_office ON recipient_providers (office_id);
