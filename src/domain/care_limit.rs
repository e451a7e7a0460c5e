//! 区分支給限度基準額 (居宅サービス等区分 / 介護予防サービス等区分): units per month, values in
//! force since 2019-10 (令和元年10月, the consumption-tax revision; unchanged by the 令和6年度 改定).
//!
//! Sources (checked 2026-11-21):
//! * 要支援1 5,032 / 要支援2 10,531 / 要介護1 16,765 / 要介護2 19,705 / 要介護3 27,048 /
//!   要介護4 30,938 / 要介護5 36,217 units from 2019-10-01:
//!   堺市 https://www.city.sakai.lg.jp/smph/kenko/fukushikaigo/kaigo/kaigohoken/kaigoservice/gendogaku.html,
//!   武蔵野市 https://www.city.musashino.lg.jp/kenko_fukushi/koureisha_fukushi/kaigohoken/oshirase/1024817.html,
//!   春日井市 https://www.city.kasugai.lg.jp/shimin/fukushi/kaigo/1018339.html.
//! * 事業対象者 = the 要支援1 amount (50,320 yen ≙ 5,032 units): 大崎市
//!   http://www.city.osaki.miyagi.jp/index.cfm/12,1316,94,html (the 総合事業 limit is set by
//!   the municipality; 要支援1 is the usual value).
//! * Not pro-rated when a certification starts mid-month, and the heavier level's limit applies
//!   for the whole month when the level changes within the month: 瑞浪市
//!   https://www.city.mizunami.lg.jp/koureisha_kaigo/kaigohoken/1001259/1001932.html, also
//!   https://northjapan-caresupport.com/news/2937 (billing itself uses the level of the day).

use super::CareLevel;

/// Monthly 区分支給限度基準額 in units for a care level.
///
/// Always `Some` for the levels of コード表 (3); the `Option` leaves room for levels without a
/// limit (the caller maps 申請中 / 非該当 to `None`).
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

/// The limit for a month in which the recipient held each of `levels` (any order): the heavier
/// level's limit applies to the whole month, not pro-rated. `None` when `levels` is empty.
pub fn limit_for_month(levels: &[CareLevel]) -> Option<u32> {
    levels.iter().filter_map(|l| monthly_limit(*l)).max()
}

/// The heavier of the levels held in the month (the one whose limit applies).
pub fn heavier_level(levels: &[CareLevel]) -> Option<CareLevel> {
    levels
        .iter()
        .copied()
        .max_by_key(|l| (monthly_limit(*l).unwrap_or(0), *l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_level() {
        let expected = [
            ("06", 5_032),
            ("12", 5_032),
            ("13", 10_531),
            ("21", 16_765),
            ("22", 19_705),
            ("23", 27_048),
            ("24", 30_938),
            ("25", 36_217),
        ];
        for (code, units) in expected {
            assert_eq!(monthly_limit(CareLevel::parse(code).unwrap()), Some(units));
        }
    }

    #[test]
    fn heavier_level_applies() {
        use CareLevel::*;
        assert_eq!(limit_for_month(&[Care2, Care3]), Some(27_048));
        assert_eq!(limit_for_month(&[Care3, Care2]), Some(27_048));
        assert_eq!(limit_for_month(&[Support2, Care1]), Some(16_765));
        assert_eq!(limit_for_month(&[Care1]), Some(16_765));
        assert_eq!(limit_for_month(&[]), None);
        assert_eq!(heavier_level(&[Care4, Support1, Care2]), Some(Care4));
        assert_eq!(heavier_level(&[ProgramEligible, Support1]), Some(Support1));
        assert_eq!(heavier_level(&[]), None);
    }
}
