-- ケアプラン連携: the export history (evidence of what was sent to whom) and per-staff
-- preferences (the remembered 標準仕様 choice of the export screen).

CREATE TABLE export_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    recipient_id BIGINT NOT NULL REFERENCES recipients(id),
    -- plan (利用票), careplan (居宅サービス計画書) or actual (実績)
    data_kind TEXT NOT NULL,
    is_delete BOOLEAN NOT NULL,
    -- the service month, YYYYMM
    month TEXT NOT NULL,
    -- 居宅サービス計画作成（変更）日 of a 計画書 export
    plan_date DATE,
    receiver_number TEXT NOT NULL,
    receiver_type TEXT NOT NULL,
    csv_version TEXT NOT NULL,
    file_timestamp TEXT NOT NULL,
    -- one line per file: name and SHA-256 of its bytes
    file_names TEXT NOT NULL,
    file_hashes TEXT NOT NULL,
    -- hash of this recipient's records (without the creation date): "nothing changed"
    content_hash TEXT NOT NULL,
    -- hash of the certification data sent: "認定情報が変更されています"
    cert_hash TEXT NOT NULL,
    job_id BIGINT REFERENCES jobs(id) ON DELETE SET NULL,
    staff_id BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX export_history_lookup ON export_history (office_id, data_kind, month, recipient_id);

CREATE TABLE staff_preferences (
    staff_id BIGINT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (staff_id, name)
);
