//! 居宅サービス計画書（2）第2表: `UP2KYO` (22 fields, the same in V3 and V4). One record per
//! service line; 課題 / 目標 texts may be left empty on continuation lines.

use super::layout::prelude::*;

record! {
    /// One service line of 第2表.
    Plan2, PLAN2_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        document_date: NaiveDate = "居宅計画書作成年月日", Date, 8, R, ALL;
        plan_date: NaiveDate = "居宅サービス計画作成（変更）日", Date, 8, R, ALL;
        need_no: Option<u32> = "課題ＮＯ", Int, 2, O, ALL;
        need: String = "課題", Text, 0, O, ALL;
        goal_no: Option<u32> = "援助目標ＮＯ", Int, 2, O, ALL;
        long_term_goal: String = "長期目標", Text, 0, O, ALL;
        short_term_goal: String = "短期目標", Text, 0, O, ALL;
        long_term_period: String = "長期期間", Text, 0, O, ALL;
        short_term_period: String = "短期期間", Text, 0, O, ALL;
        service_no: Option<u32> = "援助内容ＮＯ", Int, 2, O, ALL;
        service_content: String = "サービス内容", Text, 0, O, ALL;
        /// `Y` 対象, `N` 対象外.
        insurance_covered: Option<InsuranceCoverage> = "保険対象区分", Choice(InsuranceCoverage::CODES), 1, O, ALL;
        service_kind: String = "サービス種別", Text, 0, O, ALL;
        provider: Option<OfficeNumber> = "サービス事業者コード", Office, 10, O, ALL;
        provider_name: String = "サービス事業所名", Text, 0, O, ALL;
        frequency: String = "頻度", Text, 0, O, ALL;
        period: String = "実施期間", Text, 0, O, ALL;
        updater: Option<OfficeNumber> = "更新業者コード", Office, 10, O, ALL;
        identifier: String = "識別子", Unused, 1, O, ALL;
    }
}
