-- ケアプラン連携 取込: every file received (uploaded), kept as evidence with its hash, who
-- uploaded it and when, and the verdict of the checks at upload.

CREATE TABLE received_files (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    office_id BIGINT NOT NULL REFERENCES offices(id),
    uploaded_by BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    uploaded_at TIMESTAMP NOT NULL,
    -- as uploaded: FILE.CSV or ARCHIVE.zip!FILE.CSV
    source_name TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    data BLOB NOT NULL,
    kind TEXT NOT NULL,
    csv_version TEXT NOT NULL,
    sender_number TEXT NOT NULL,
    sender_type TEXT NOT NULL,
    receiver_number TEXT NOT NULL,
    receiver_type TEXT NOT NULL,
    -- YYYYMM, or empty (計画書 files, 000000)
    month TEXT NOT NULL,
    file_timestamp TEXT NOT NULL,
    records INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    -- ok: may be imported; refused: may not (wrong addressee, broken, incomplete set)
    verdict TEXT NOT NULL,
    -- the preview's エラー・警告内容: one message per line, (エ) errors first, then (警) warnings
    messages TEXT NOT NULL,
    -- the set's (送信単位) messages, recomputed when more files of the set arrive
    set_messages TEXT NOT NULL,
    -- received | applied
    status TEXT NOT NULL,
    applied_at TIMESTAMP
);
CREATE INDEX received_files_office ON received_files (office_id, status, file_timestamp);
CREATE INDEX received_files_hash ON received_files (office_id, sha256);
