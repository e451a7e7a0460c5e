-- 居宅サービス計画書: one row per version (居宅サービス計画作成（変更）日), with its 第2表 lines and
-- 第3表 entries. The columns follow UP1KYO / UP2KYO / UP3KYO one to one.

CREATE TABLE care_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    corporation_id BIGINT NOT NULL REFERENCES corporations(id),
    recipient_id BIGINT NOT NULL REFERENCES recipients(id) ON DELETE CASCADE,
    office_id BIGINT NOT NULL REFERENCES offices(id),
    plan_date DATE NOT NULL,
    document_date DATE NOT NULL,
    first_plan_date DATE NOT NULL,
    plan_category TEXT NOT NULL DEFAULT '',
    cert_status TEXT NOT NULL DEFAULT '',
    certified_on DATE,
    cert_from DATE,
    cert_to DATE,
    care_level TEXT NOT NULL DEFAULT '',
    author_name TEXT NOT NULL DEFAULT '',
    intentions TEXT NOT NULL DEFAULT '',
    board_opinion TEXT NOT NULL DEFAULT '',
    policy TEXT NOT NULL DEFAULT '',
    livelihood_reason TEXT NOT NULL DEFAULT '',
    livelihood_other TEXT NOT NULL DEFAULT '',
    table2_date DATE,
    table3_date DATE,
    weekly_other TEXT NOT NULL DEFAULT '',
    created_by BIGINT REFERENCES staff(id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (recipient_id, plan_date)
);

CREATE TABLE care_plan_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES care_plans(id) ON DELETE CASCADE,
    need_no INTEGER NOT NULL,
    need TEXT NOT NULL DEFAULT '',
    goal_no INTEGER NOT NULL,
    long_goal TEXT NOT NULL DEFAULT '',
    long_period TEXT NOT NULL DEFAULT '',
    short_goal TEXT NOT NULL DEFAULT '',
    short_period TEXT NOT NULL DEFAULT '',
    item_no INTEGER NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    insured TEXT NOT NULL DEFAULT '',
    service_kind TEXT NOT NULL DEFAULT '',
    provider_number TEXT NOT NULL DEFAULT '',
    provider_name TEXT NOT NULL DEFAULT '',
    frequency TEXT NOT NULL DEFAULT '',
    period TEXT NOT NULL DEFAULT ''
);
CREATE INDEX care_plan_lines_plan ON care_plan_lines (plan_id, need_no, goal_no, item_no);

CREATE TABLE care_plan_weekly (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES care_plans(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    weekday INTEGER,
    start_time TEXT NOT NULL DEFAULT '',
    end_time TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX care_plan_weekly_plan ON care_plan_weekly (plan_id, position);
