//! 第6表（サービス利用票）、実績情報_削除: `DLTPLAN` (4 fields) and `DLTJSK` (6 fields).
//! All items are mandatory. Same layouts in V3 and V4.

use super::layout::prelude::*;

record! {
    /// Withdraws the 第6表 予定 (and the linked 第7表) of one person and month.
    PlanDelete, PLAN_DELETE_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        month: ServiceMonth = "削除対象年月", Month, 6, R, ALL;
    }
}

record! {
    /// Withdraws the 実績 of one person, month, provider office and service type.
    ActualsDelete, ACTUALS_DELETE_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        month: ServiceMonth = "削除対象年月", Month, 6, R, ALL;
        provider: OfficeNumber = "サービス事業者コード", Office, 10, R, ALL;
        service_type: ServiceType = "サービス種類コード", ServiceType, 2, R, ALL;
    }
}
