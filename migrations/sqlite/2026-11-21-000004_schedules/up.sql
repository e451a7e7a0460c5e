-- Service codes, and the monthly schedules and actuals (第6表). One schedule line is one
-- provider × service code × time band for a recipient and month; its days carry the planned
-- (予定) and delivered (実績) counts. Each (line, day) maps to one UPPLAN / UPJSK record.

ALTER TABLE partners ADD COLUMN area_grade TEXT NOT NULL DEFAULT 'other';

CREATE TABLE service_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT REFERENCES corporations(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    units INTEGER NOT NULL,
    unit_basis TEXT NOT NULL,
    limit_target BOOLEAN NOT NULL,
    kind TEXT NOT NULL,
    rate_permille INTEGER,
    valid_from DATE,
    valid_to DATE,
    verified TEXT NOT NULL DEFAULT 'yes',
    source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX service_codes_code ON service_codes (corporation_id, code);

CREATE TABLE schedule_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    recipient_id BIGINT NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    provider_number TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    provider_name TEXT NOT NULL,
    satellite TEXT NOT NULL DEFAULT '',
    service_code TEXT NOT NULL,
    service_name TEXT NOT NULL,
    units INTEGER NOT NULL,
    start_time TEXT NOT NULL,
    end_time TEXT NOT NULL,
    tais_code TEXT NOT NULL DEFAULT '',
    notification_code TEXT NOT NULL DEFAULT '',
    equipment_name TEXT NOT NULL DEFAULT '',
    line_no TEXT NOT NULL DEFAULT '',
    per_diem_mask TEXT NOT NULL DEFAULT '',
    over_30 TEXT NOT NULL DEFAULT '0',
    short_stay_days INTEGER,
    over_limit_units INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX schedule_lines_recipient ON schedule_lines (recipient_id, month, position);
CREATE INDEX schedule_lines_provider ON schedule_lines (corporation_id, month, provider_number, provider_type);

CREATE TABLE schedule_days (
    line_id BIGINT NOT NULL REFERENCES schedule_lines(id) ON DELETE CASCADE,
    day INTEGER NOT NULL,
    plan_count INTEGER NOT NULL DEFAULT 0,
    actual_count INTEGER NOT NULL DEFAULT 0,
    actual_start TEXT,
    actual_end TEXT,
    PRIMARY KEY (line_id, day)
);

CREATE TABLE schedule_locks (
    recipient_id BIGINT NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    month TEXT NOT NULL,
    provider_number TEXT NOT NULL,
    provider_type TEXT NOT NULL,
    locked_by BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    locked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (recipient_id, month, provider_number, provider_type)
);
