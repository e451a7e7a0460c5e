//! 居宅サービス計画1表_削除: `DLT1KYO` (4 fields, all mandatory). Withdraws a plan and its
//! 第2表 / 第3表.

use super::layout::prelude::*;

record! {
    /// The key of the plan to withdraw.
    Plan1Delete, PLAN1_DELETE_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        plan_date: NaiveDate = "居宅サービス計画作成（変更）日", Date, 8, R, ALL;
    }
}
