-- Foundation: tenants, offices, partners, staff, permissions, sessions, login throttling,
-- audit log, job queue and job results. Timestamps are naive UTC.

CREATE TABLE corporations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kana TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE offices (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    office_number TEXT NOT NULL,
    service_type TEXT NOT NULL,
    name TEXT NOT NULL,
    kana TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    fax TEXT NOT NULL DEFAULT '',
    area_grade TEXT NOT NULL DEFAULT 'other',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (office_number, service_type)
);
CREATE INDEX offices_corporation ON offices (corporation_id);

CREATE TABLE partners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    office_number TEXT NOT NULL,
    service_type TEXT NOT NULL,
    name TEXT NOT NULL,
    kana TEXT NOT NULL DEFAULT '',
    postcode TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    fax TEXT NOT NULL DEFAULT '',
    exchange_enabled BOOLEAN NOT NULL DEFAULT 0,
    csv_version TEXT NOT NULL DEFAULT 'v4',
    note TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (corporation_id, office_number, service_type)
);

CREATE TABLE staff (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kana TEXT NOT NULL DEFAULT '',
    kana_row TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT '',
    login_id TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    login_enabled BOOLEAN NOT NULL DEFAULT 1,
    is_manager BOOLEAN NOT NULL DEFAULT 0,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    password_changed_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (corporation_id, code)
);

CREATE TABLE memberships (
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    office_id BIGINT NOT NULL REFERENCES offices(id),
    is_primary BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (staff_id, office_id)
);
CREATE INDEX memberships_office ON memberships (office_id);

CREATE TABLE permissions (
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    office_id BIGINT NOT NULL REFERENCES offices(id),
    menu TEXT NOT NULL,
    PRIMARY KEY (staff_id, office_id, menu)
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    office_id BIGINT NOT NULL REFERENCES offices(id),
    csrf_token TEXT NOT NULL,
    client_addr TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_staff ON sessions (staff_id);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    login_id TEXT NOT NULL,
    client_addr TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_addr ON login_attempts (client_addr, created_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT REFERENCES corporations(id),
    office_id BIGINT REFERENCES offices(id),
    staff_id BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    login_id TEXT NOT NULL DEFAULT '',
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    client_addr TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_corporation ON audit_log (corporation_id, created_at);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    created_by BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    progress_done INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 3,
    run_after TIMESTAMP NOT NULL,
    locked_by TEXT,
    locked_until TIMESTAMP,
    error TEXT,
    result_summary TEXT,
    created_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP,
    finished_at TIMESTAMP
);
CREATE INDEX jobs_claim ON jobs (status, run_after);
CREATE INDEX jobs_office ON jobs (corporation_id, office_id, id);

CREATE TABLE artifacts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    job_id BIGINT REFERENCES jobs(id) ON DELETE SET NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    data BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX artifacts_job ON artifacts (job_id);

CREATE TABLE recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kana TEXT NOT NULL DEFAULT '',
    kana_row TEXT NOT NULL DEFAULT '',
    gender TEXT NOT NULL DEFAULT '',
    birth_date DATE,
    postcode TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    insurer_number TEXT NOT NULL DEFAULT '',
    insurer_name TEXT NOT NULL DEFAULT '',
    insured_number TEXT NOT NULL DEFAULT '',
    care_office_id BIGINT REFERENCES offices(id),
    care_manager_id BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (corporation_id, code)
);
CREATE INDEX recipients_corporation ON recipients (corporation_id, kana);
