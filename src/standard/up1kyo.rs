//! 居宅サービス計画書（1）第1表: `UP1KYO` (28 fields, the same in V3 and V4).

use super::layout::prelude::*;

record! {
    /// One plan (person + 居宅サービス計画作成（変更）日).
    Plan1, PLAN1_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        created_on: NaiveDate = "作成年月日", Date, 8, R, ALL;
        postal_code: Option<String> = "利用者郵便番号", Postal, 8, O, ALL;
        address1: String = "利用者住所１", Text, 0, O, ALL;
        address2: String = "利用者住所２", Text, 0, O, ALL;
        author_name: String = "居宅サービス計画作成者氏名", Text, 0, R, ALL;
        office_name: String = "介護支援事業者名", Text, 0, R, ALL;
        office_postal_code: Option<String> = "介護支援事業者郵便番号", Postal, 8, O, ALL;
        office_address1: String = "介護支援事業者住所１", Text, 0, O, ALL;
        office_address2: String = "介護支援事業者住所２", Text, 0, O, ALL;
        office: OfficeNumber = "介護支援事業者コード", Office, 10, R, ALL;
        plan_date: NaiveDate = "居宅サービス計画作成（変更）日", Date, 8, R, ALL;
        first_plan_date: NaiveDate = "初回居宅サービス計画作成日", Date, 8, R, ALL;
        plan_category: Option<PlanCategory> = "計画書区分", Choice(PlanCategory::CODES), 2, O, ALL;
        /// `1` 申請中, `2` 認定済.
        certification_status: Option<CertificationStatus> = "認定状況区分", Choice(CertificationStatus::CODES), 1, O, ALL;
        certified_on: Option<NaiveDate> = "認定日", Date, 8, O, ALL;
        valid_from: Option<NaiveDate> = "認定有効期間開始日", Date, 8, O, ALL;
        valid_to: Option<NaiveDate> = "認定有効期間終了日", Date, 8, O, ALL;
        care_level: Option<CareLevel> = "要介護状態区分", Choice(CARE_LEVELS), 2, O, ALL;
        needs_analysis: String = "利用者及び家族の生活に対する意向を踏まえた課題分析の結果", Text, 0, O, ALL;
        board_opinion: String = "介護認定審査会の意見及びサービスの種類の指定", Text, 0, O, ALL;
        policy: String = "総合的な援助の方針", Text, 0, O, ALL;
        /// `1` 一人暮らし, `2` 家族等が障害、疾病等, `3` その他.
        daily_life_reason: Option<DailyLifeReason> = "生活援助中心型の算定理由", Choice(DailyLifeReason::CODES), 1, O, ALL;
        other_reason: String = "その他理由", Text, 0, O, ALL;
        updater: Option<OfficeNumber> = "更新業者コード", Office, 10, O, ALL;
        identifier: String = "識別子", Unused, 1, O, ALL;
    }
}
