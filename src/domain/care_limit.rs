//! 区分支給限度基準額: the monthly limit in units by 要介護状態区分 (values since 2019-10).
//! Source: 目黒区「区分支給限度額」 (updated 2021-10),
//! https://www.city.meguro.tokyo.jp/kaigohoken/kenkoufukushi/koureisha/kubunsikyugendogaku.html
//! (事業対象者 = 要支援1's limit).

use super::CareLevel;

pub fn monthly_limit(level: CareLevel) -> Option<u32> {
    Some(match level {
        CareLevel::ProgramEligible => 5_032,
        CareLevel::Support1 => 5_032,
        CareLevel::Support2 => 10_531,
        CareLevel::Care1 => 16_765,
        CareLevel::Care2 => 19_705,
        CareLevel::Care3 => 27_048,
        CareLevel::Care4 => 30_938,
        CareLevel::Care5 => 36_217,
    })
}
