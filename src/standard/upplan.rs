//! 第6表（サービス利用票）: `UPPLAN` (予定) and `UPJSK` (実績) share this layout.
//! V4: 25 fields; V3: 22 (no TAIS columns No.16–18).

use super::layout::prelude::*;

record! {
    /// One service code on one day (第6表 record).
    Schedule, SCHEDULE_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        created_on: NaiveDate = "作成年月日", Date, 8, R, ALL;
        month: ServiceMonth = "対象年月", Month, 6, R, ALL;
        /// 必須 UNCONFIRMED: read as optional, always written.
        plan_office: Option<OfficeNumber> = "プラン担当業者コード", Office, 10, O, ALL;
        /// 必須 UNCONFIRMED: read as optional, always written.
        care_manager_name: String = "プラン担当者名", Text, 0, O, ALL;
        units: Option<u32> = "単位数", Int, 6, O, ALL;
        short_stay_days_before: Option<u32> = "前月までの短期入所利用日数", Int, 5, O, ALL;
        service_date: NaiveDate = "サービス利用日", Date, 8, R, ALL;
        per_diem_days: Option<String> = "日割対象日", DayMask, 31, O, ALL;
        start_time: Hhmm = "サービス開始時刻", Time, 4, R, ALL;
        end_time: Hhmm = "サービス終了時刻", Time, 4, R, ALL;
        count: u32 = "サービス回数", Int, 2, R, ALL;
        service_code: ServiceCode = "サービスコード", ServiceCode, 6, R, ALL;
        tais_code: Option<String> = "TAISコード", Alnum, 12, O, V4;
        notification_code: Option<String> = "福祉用具届出コード", Alnum, 12, O, V4;
        equipment_name: String = "用具名称（機種名）", Text, 0, O, V4;
        line_discriminator: Option<u32> = "明細判別コード", Int, 2, O, ALL;
        provider: OfficeNumber = "サービス事業者コード", Office, 10, R, ALL;
        provider_name: String = "サービス事業所名", Text, 0, O, ALL;
        satellite: Option<String> = "サテライト枝番", Int, 2, O, ALL;
        over_30_days: bool = "３０日超区分", Choice(YES_NO), 1, R, ALL;
        updater: Option<OfficeNumber> = "更新業者コード", Office, 10, O, ALL;
        identifier: String = "識別子", Unused, 1, O, ALL;
    }
}
