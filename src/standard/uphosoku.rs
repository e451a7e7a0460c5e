//! 利用者補足情報: `UPHOSOKU` (63 fields, the same in V3 and V4).
//!
//! No.4 is `00000000` when the file travels with 第6/7表; No.63 is `000000` when it travels
//! with 第1/2/3表. Nos.20–55 are nine slots of {サービス種類コード, 支給限度基準額, 合計単位数,
//! 限度超単位数}, filled from slot 1 without gaps.

use super::layout::prelude::*;

record! {
    /// One person's supplementary information.
    Supplement, SUPPLEMENT_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        plan_date: DateOrZero = "居宅サービス計画作成（変更）日", DateOrZero, 8, R, ALL;
        /// 必須 UNCONFIRMED (○?): read as optional, written when known.
        name_kana: String = "利用者氏名フリガナ", Text, 0, O, ALL;
        /// 必須 UNCONFIRMED (○?).
        name: String = "利用者氏名", Text, 0, O, ALL;
        /// `1` 男性, `2` 女性. 必須 UNCONFIRMED (○?).
        sex: Option<Sex> = "利用者性別", Choice(Sex::CODES), 1, O, ALL;
        /// 必須 UNCONFIRMED (○?).
        birth_date: Option<NaiveDate> = "利用者生年月日", Date, 8, O, ALL;
        postal_code: Option<String> = "利用者郵便番号", Postal, 8, O, ALL;
        address1: String = "利用者住所１", Text, 0, O, ALL;
        address2: String = "利用者住所２", Text, 0, O, ALL;
        phone: Option<String> = "利用者電話番号", Phone, 15, O, ALL;
        certified_on: Option<NaiveDate> = "認定日", Date, 8, O, ALL;
        limit_from: Option<NaiveDate> = "限度額適用開始年月日", Date, 8, O, ALL;
        limit_to: Option<NaiveDate> = "限度額適用終了年月日", Date, 8, O, ALL;
        /// `1` 申請中, `2` 認定済.
        certification_status: Option<CertificationStatus> = "認定状況区分", Choice(CertificationStatus::CODES), 1, O, ALL;
        care_level_changed_on: Option<NaiveDate> = "要介護状態変更日", Date, 8, O, ALL;
        care_level: Option<CareLevel> = "要介護状態区分", Choice(CARE_LEVELS), 2, O, ALL;
        limit_units: Option<u32> = "区分支給限度基準額", Int, 7, O, ALL;
        slot1_type: Option<String> = "１サービス種類コード", ServiceType, 2, O, ALL;
        slot1_limit: Option<u32> = "１支給限度基準額", Int, 7, O, ALL;
        slot1_total: Option<u32> = "１合計単位数", Int, 7, O, ALL;
        slot1_over: Option<u32> = "１限度超単位数", Int, 7, O, ALL;
        slot2_type: Option<String> = "２サービス種類コード", ServiceType, 2, O, ALL;
        slot2_limit: Option<u32> = "２支給限度基準額", Int, 7, O, ALL;
        slot2_total: Option<u32> = "２合計単位数", Int, 7, O, ALL;
        slot2_over: Option<u32> = "２限度超単位数", Int, 7, O, ALL;
        slot3_type: Option<String> = "３サービス種類コード", ServiceType, 2, O, ALL;
        slot3_limit: Option<u32> = "３支給限度基準額", Int, 7, O, ALL;
        slot3_total: Option<u32> = "３合計単位数", Int, 7, O, ALL;
        slot3_over: Option<u32> = "３限度超単位数", Int, 7, O, ALL;
        slot4_type: Option<String> = "４サービス種類コード", ServiceType, 2, O, ALL;
        slot4_limit: Option<u32> = "４支給限度基準額", Int, 7, O, ALL;
        slot4_total: Option<u32> = "４合計単位数", Int, 7, O, ALL;
        slot4_over: Option<u32> = "４限度超単位数", Int, 7, O, ALL;
        slot5_type: Option<String> = "５サービス種類コード", ServiceType, 2, O, ALL;
        slot5_limit: Option<u32> = "５支給限度基準額", Int, 7, O, ALL;
        slot5_total: Option<u32> = "５合計単位数", Int, 7, O, ALL;
        slot5_over: Option<u32> = "５限度超単位数", Int, 7, O, ALL;
        slot6_type: Option<String> = "６サービス種類コード", ServiceType, 2, O, ALL;
        slot6_limit: Option<u32> = "６支給限度基準額", Int, 7, O, ALL;
        slot6_total: Option<u32> = "６合計単位数", Int, 7, O, ALL;
        slot6_over: Option<u32> = "６限度超単位数", Int, 7, O, ALL;
        slot7_type: Option<String> = "７サービス種類コード", ServiceType, 2, O, ALL;
        slot7_limit: Option<u32> = "７支給限度基準額", Int, 7, O, ALL;
        slot7_total: Option<u32> = "７合計単位数", Int, 7, O, ALL;
        slot7_over: Option<u32> = "７限度超単位数", Int, 7, O, ALL;
        slot8_type: Option<String> = "８サービス種類コード", ServiceType, 2, O, ALL;
        slot8_limit: Option<u32> = "８支給限度基準額", Int, 7, O, ALL;
        slot8_total: Option<u32> = "８合計単位数", Int, 7, O, ALL;
        slot8_over: Option<u32> = "８限度超単位数", Int, 7, O, ALL;
        slot9_type: Option<String> = "９サービス種類コード", ServiceType, 2, O, ALL;
        slot9_limit: Option<u32> = "９支給限度基準額", Int, 7, O, ALL;
        slot9_total: Option<u32> = "９合計単位数", Int, 7, O, ALL;
        slot9_over: Option<u32> = "９限度超単位数", Int, 7, O, ALL;
        total_over: Option<u32> = "合計限度超単位数", Int, 7, O, ALL;
        short_stay_days_before: Option<u32> = "入所前月迄利用日数", Int, 5, O, ALL;
        short_stay_days_cumulative: Option<u32> = "入所累積利用日数", Int, 5, O, ALL;
        previous_care_level: Option<CareLevel> = "前回要介護状態区分", Choice(CARE_LEVELS), 2, O, ALL;
        consent_office: Option<OfficeNumber> = "同意書受付業者", Office, 10, O, ALL;
        updater: Option<OfficeNumber> = "更新業者コード", Office, 10, O, ALL;
        identifier: String = "識別子", Unused, 1, O, ALL;
        month: MonthOrZero = "対象年月", MonthOrZero, 6, R, ALL;
    }
}

impl Supplement {
    /// The nine service-type limit slots as (種類コード, 支給限度基準額, 合計単位数, 限度超単位数).
    #[allow(clippy::type_complexity)]
    pub fn slots(&self) -> [(&Option<String>, Option<u32>, Option<u32>, Option<u32>); 9] {
        [
            (
                &self.slot1_type,
                self.slot1_limit,
                self.slot1_total,
                self.slot1_over,
            ),
            (
                &self.slot2_type,
                self.slot2_limit,
                self.slot2_total,
                self.slot2_over,
            ),
            (
                &self.slot3_type,
                self.slot3_limit,
                self.slot3_total,
                self.slot3_over,
            ),
            (
                &self.slot4_type,
                self.slot4_limit,
                self.slot4_total,
                self.slot4_over,
            ),
            (
                &self.slot5_type,
                self.slot5_limit,
                self.slot5_total,
                self.slot5_over,
            ),
            (
                &self.slot6_type,
                self.slot6_limit,
                self.slot6_total,
                self.slot6_over,
            ),
            (
                &self.slot7_type,
                self.slot7_limit,
                self.slot7_total,
                self.slot7_over,
            ),
            (
                &self.slot8_type,
                self.slot8_limit,
                self.slot8_total,
                self.slot8_over,
            ),
            (
                &self.slot9_type,
                self.slot9_limit,
                self.slot9_total,
                self.slot9_over,
            ),
        ]
    }
}
