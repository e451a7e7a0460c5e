-- What was applied to 予定実績 from which received set: the import history, and the guard that
-- keeps an older set from overwriting a newer one.
CREATE TABLE import_history (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    recipient_id BIGINT NOT NULL REFERENCES recipients(id),
    month TEXT NOT NULL,
    -- plan (利用票 → 予定) or actual (実績票 → 実績)
    side TEXT NOT NULL,
    sender_number TEXT NOT NULL,
    sender_type TEXT NOT NULL,
    file_timestamp TEXT NOT NULL,
    summary TEXT NOT NULL,
    applied_by BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    applied_at TIMESTAMP NOT NULL
);
CREATE INDEX import_history_lookup ON import_history (office_id, recipient_id, month, sender_number);
