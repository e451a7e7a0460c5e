//! 週間サービス計画表 第3表: `UP3KYO` (13 fields, V4 only). Three record shapes: a weekly
//! service (Nos.6–9), a daily activity (Nos.10–12) or a non-weekly service (No.13).
//! Nos.8/9 and 11/12 have the same names: address them by position.

use super::layout::prelude::*;

record! {
    /// One 第3表 record.
    Plan3, PLAN3_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        document_date: NaiveDate = "週間サービス計画表作成年月日", Date, 8, R, ALL;
        plan_date: NaiveDate = "居宅サービス計画作成（変更）日", Date, 8, R, ALL;
        care_service: String = "介護サービス内容", Text, 0, O, ALL;
        weekday: Option<Weekday> = "曜日", Choice(Weekday::CODES), 1, O, ALL;
        service_start: Option<Hhmm> = "開始時間", Time, 4, O, ALL;
        service_end: Option<Hhmm> = "終了時間", Time, 4, O, ALL;
        activity: String = "主な日常生活上の活動", Text, 0, O, ALL;
        activity_start: Option<Hhmm> = "開始時間", Time, 4, O, ALL;
        activity_end: Option<Hhmm> = "終了時間", Time, 4, O, ALL;
        non_weekly_service: String = "週単位以外のサービス", Text, 0, O, ALL;
    }
}
