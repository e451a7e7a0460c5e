//! 単位数単価 (yen per unit) by 地域区分 and 人件費割合, 令和6年度 (2024-04 onwards).
//!
//! Price = 10 × (1 + 上乗せ割合 × 人件費割合), 小数第三位を四捨五入 (rounded to 2 decimals).
//! Kept as an integer number of hundredths of a yen (`1140` = 11.40 yen).
//!
//! Sources (checked 2026-11-21):
//! * 上乗せ割合 20/16/15/12/10/6/3/0 % and the rounding of the price (小数第三位を四捨五入) and of
//!   amounts (1円未満切り捨て): https://www.kaigoways.com/tool/unitprice.html
//! * 訪問介護 (70 %) prices for 令和6〜8年度, 1級地 11.40 … 7級地 10.21, その他 10.00, 東京都特別区 =
//!   1級地: https://helper-kaigi.net/?p=5609
//! * 70 % in R6 pages of offices: 2級地 11.12 (大阪市, https://yadokari-nursing.com/fees/),
//!   3級地 11.05 (https://aya-care2011.com/menu/, 訪問看護 from 2024-06).
//! * 45 % (通所介護) in R6 pages of offices: 1級地 10.90 (http://day-keiei.com/cost/index.html),
//!   2級地 10.72 (https://kenaikai.akaedakai.com/miho/miho-dayservice/miho-ds-price/),
//!   5級地 10.45 (https://dayhomehidamari.com), 7級地 10.14 (高松市,
//!   http://www.koushi-f.or.jp/enza-day/info.html).
//! * 55 % / 45 % for the 2級地〜7級地 rows and 福祉用具貸与 / 居宅療養管理指導 = 10 円 everywhere:
//!   https://jukeizukoubou.hatenablog.com/entry/30207623 (the group lists; 訪問看護 moved to the
//!   70 % group), https://shanaiseido.com/?p=164 (the 70/55/45 price grid).
//!
//! The whole grid is also re-derived from the formula in the tests, so a typo in the table fails.
//!
//! Group membership (人件費割合) follows the 厚生労働省 告示 grouping as quoted by those pages;
//! 短期入所生活介護 in the 55 % group and the 総合事業 codes (A1–A8, following 訪問介護 / 通所介護)
//! are **(inferred)**, see [`labor_share`].

use super::{DomainError, ServiceType};
use std::fmt;

/// 人件費割合: the share of labour cost assumed for a service type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum LaborShare {
    /// 70 %: 訪問介護, 訪問入浴介護, 訪問看護, 居宅介護支援, 夜間対応型訪問介護, 定期巡回 …
    P70,
    /// 55 %: 訪問リハ, 通所リハ, 認知症対応型通所介護, 小規模多機能, 看多機, 短期入所生活介護 …
    P55,
    /// 45 %: 通所介護, 地域密着型通所介護, 短期入所療養介護, 特定施設, 認知症GH, 施設 …
    P45,
    /// No regional add-on: 福祉用具貸与, 居宅療養管理指導 (10.00 yen everywhere), sales, 住宅改修.
    None,
}

impl LaborShare {
    /// The share in percent (0 for [`LaborShare::None`]).
    pub fn percent(self) -> u32 {
        match self {
            Self::P70 => 70,
            Self::P55 => 55,
            Self::P45 => 45,
            Self::None => 0,
        }
    }
}

/// 地域区分: 1級地 … 7級地 and その他.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum AreaGrade {
    G1,
    G2,
    G3,
    G4,
    G5,
    G6,
    G7,
    Other,
}

impl AreaGrade {
    pub fn all() -> [AreaGrade; 8] {
        use AreaGrade::*;
        [G1, G2, G3, G4, G5, G6, G7, Other]
    }

    /// Accepts the keys `"1"`..`"7"` and `"other"`, and also `"1級地"`, `"その他"` and
    /// full-width digits.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect();
        let key = s.strip_suffix("級地").unwrap_or(&s);
        Ok(match key.to_ascii_lowercase().as_str() {
            "1" => Self::G1,
            "2" => Self::G2,
            "3" => Self::G3,
            "4" => Self::G4,
            "5" => Self::G5,
            "6" => Self::G6,
            "7" => Self::G7,
            "other" | "その他" => Self::Other,
            _ => {
                return Err(DomainError::new(
                    format!(
                        "地域区分「{}」は使えません（1〜7級地、その他）。",
                        input.trim()
                    ),
                    format!("unknown area grade {input:?} (1-7 or other)"),
                ));
            }
        })
    }

    /// The key used in data: `"1"`..`"7"`, `"other"`.
    pub fn key(self) -> &'static str {
        match self {
            Self::G1 => "1",
            Self::G2 => "2",
            Self::G3 => "3",
            Self::G4 => "4",
            Self::G5 => "5",
            Self::G6 => "6",
            Self::G7 => "7",
            Self::Other => "other",
        }
    }

    /// `"1級地"` … `"その他"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::G1 => "1級地",
            Self::G2 => "2級地",
            Self::G3 => "3級地",
            Self::G4 => "4級地",
            Self::G5 => "5級地",
            Self::G6 => "6級地",
            Self::G7 => "7級地",
            Self::Other => "その他",
        }
    }

    /// 上乗せ割合 in percent (令和6年度).
    pub fn uplift_percent(self) -> u32 {
        match self {
            Self::G1 => 20,
            Self::G2 => 16,
            Self::G3 => 15,
            Self::G4 => 12,
            Self::G5 => 10,
            Self::G6 => 6,
            Self::G7 => 3,
            Self::Other => 0,
        }
    }

    /// The unit price for a labour share, from the published table.
    pub fn price(self, share: LaborShare) -> UnitPrice {
        // Columns: 70 %, 55 %, 45 % (hundredths of a yen).
        let row: [u32; 3] = match self {
            Self::G1 => [1140, 1110, 1090],
            Self::G2 => [1112, 1088, 1072],
            Self::G3 => [1105, 1083, 1068],
            Self::G4 => [1084, 1066, 1054],
            Self::G5 => [1070, 1055, 1045],
            Self::G6 => [1042, 1033, 1027],
            Self::G7 => [1021, 1017, 1014],
            Self::Other => [1000, 1000, 1000],
        };
        UnitPrice(match share {
            LaborShare::P70 => row[0],
            LaborShare::P55 => row[1],
            LaborShare::P45 => row[2],
            LaborShare::None => 1000,
        })
    }
}

impl fmt::Display for AreaGrade {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// 単位数単価 in hundredths of a yen (`1140` = 11.40 yen per unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitPrice(u32);

impl UnitPrice {
    pub const TEN_YEN: UnitPrice = UnitPrice(1000);

    pub fn from_hundredths(hundredths: u32) -> Self {
        Self(hundredths)
    }

    pub fn hundredths(self) -> u32 {
        self.0
    }

    /// Yen for a number of units, 1円未満切り捨て (floor), as the 介護報酬 amounts are rounded.
    /// Negative unit counts are floored towards minus infinity.
    pub fn yen_floor(self, units: i64) -> i64 {
        (units * i64::from(self.0)).div_euclid(100)
    }
}

/// `"11.40"`: the `99.99` format of 第7表 No.23.
impl fmt::Display for UnitPrice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

impl serde::Serialize for UnitPrice {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// The 人件費割合 group of a service type.
///
/// 70 %: 11 訪問介護, 12 訪問入浴, 13 訪問看護, 71 夜間対応型訪問介護, 76 定期巡回, 62/63 予防の
/// 訪問入浴・訪問看護, 43 居宅介護支援, 46 介護予防支援, AF 介護予防ケアマネジメント;
/// 55 %: 14/64 訪問リハ, 16/66 通所リハ, 72/74 認知症対応型通所介護, 73/75/68/69 小規模多機能,
/// 77/79 看多機, 21/24 短期入所生活介護;
/// 45 %: 15 通所介護, 78 地域密着型通所介護, 22/23/2A/25/26/2B 短期入所療養介護, 特定施設
/// (33/27/36/28/35), 認知症GH (32/38/37/39), 施設 (51–54);
/// none (10.00): 17/67 福祉用具貸与, 31/34 居宅療養管理指導, 41/44 特定福祉用具販売, 42/45 住宅改修,
/// 59, 81.
/// 総合事業 A1–A4 follow 訪問介護 (70 %) and A5–A8 follow 通所介護 (45 %) **(inferred**: the
/// municipality sets the 単価 for 独自 services; check the municipal 単位数マスタ).
pub fn labor_share(service_type: ServiceType) -> LaborShare {
    match service_type.code() {
        "11" | "12" | "13" | "71" | "76" | "62" | "63" | "43" | "46" | "AF" | "A1" | "A2"
        | "A3" | "A4" => LaborShare::P70,
        "14" | "64" | "16" | "66" | "72" | "74" | "73" | "75" | "68" | "69" | "77" | "79"
        | "21" | "24" => LaborShare::P55,
        "15" | "78" | "22" | "23" | "2A" | "25" | "26" | "2B" | "33" | "27" | "36" | "28"
        | "35" | "32" | "38" | "37" | "39" | "51" | "52" | "53" | "54" | "A5" | "A6" | "A7"
        | "A8" => LaborShare::P45,
        _ => LaborShare::None,
    }
}

/// The 令和6年度 unit price of a service type in an area grade (`"1"`..`"7"`, `"other"`; see
/// [`AreaGrade::parse`] for the accepted spellings).
pub fn unit_price(area_grade: &str, service_type: ServiceType) -> Result<UnitPrice, DomainError> {
    Ok(AreaGrade::parse(area_grade)?.price(labor_share(service_type)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn st(code: &str) -> ServiceType {
        ServiceType::parse(code).unwrap()
    }

    #[test]
    fn published_grid_matches_the_formula() {
        // 10 × (1 + uplift × share), rounded half up at the second decimal:
        // hundredths = 1000 + uplift% × share% / 10, rounded half up.
        for g in AreaGrade::all() {
            for share in [LaborShare::P70, LaborShare::P55, LaborShare::P45] {
                let x10 = g.uplift_percent() * share.percent(); // tenths of a hundredth
                let expected = 1000 + (x10 + 5) / 10;
                assert_eq!(g.price(share).hundredths(), expected, "{g:?} {share:?}");
            }
            assert_eq!(g.price(LaborShare::None), UnitPrice::TEN_YEN);
        }
    }

    #[test]
    fn prices_by_type() {
        assert_eq!(unit_price("1", st("11")).unwrap().to_string(), "11.40");
        assert_eq!(unit_price("1", st("15")).unwrap().to_string(), "10.90");
        assert_eq!(unit_price("1", st("16")).unwrap().to_string(), "11.10");
        assert_eq!(unit_price("3", st("16")).unwrap().to_string(), "10.83");
        assert_eq!(unit_price("7", st("15")).unwrap().to_string(), "10.14");
        assert_eq!(unit_price("5", st("78")).unwrap().to_string(), "10.45");
        assert_eq!(unit_price("other", st("11")).unwrap().to_string(), "10.00");
        for g in ["1", "2", "3", "4", "5", "6", "7", "other"] {
            assert_eq!(unit_price(g, st("17")).unwrap(), UnitPrice::TEN_YEN);
            assert_eq!(unit_price(g, st("31")).unwrap(), UnitPrice::TEN_YEN);
            assert_eq!(unit_price(g, st("67")).unwrap(), UnitPrice::TEN_YEN);
        }
    }

    #[test]
    fn area_grade_spellings() {
        assert_eq!(AreaGrade::parse("1級地").unwrap(), AreaGrade::G1);
        assert_eq!(AreaGrade::parse("７").unwrap(), AreaGrade::G7);
        assert_eq!(AreaGrade::parse("その他").unwrap(), AreaGrade::Other);
        assert_eq!(AreaGrade::parse("OTHER").unwrap(), AreaGrade::Other);
        assert!(AreaGrade::parse("8").is_err());
        assert!(AreaGrade::parse("").is_err());
        assert!(unit_price("特甲地", st("11")).is_err());
    }

    #[test]
    fn groups() {
        assert_eq!(labor_share(st("13")), LaborShare::P70);
        assert_eq!(labor_share(st("43")), LaborShare::P70);
        assert_eq!(labor_share(st("21")), LaborShare::P55);
        assert_eq!(labor_share(st("22")), LaborShare::P45);
        assert_eq!(labor_share(st("17")), LaborShare::None);
        assert_eq!(labor_share(st("34")), LaborShare::None);
    }

    #[test]
    fn yen_floor() {
        let p = UnitPrice::from_hundredths(1045);
        assert_eq!(p.yen_floor(535), 5590); // 5,590.75 → 5,590
        assert_eq!(UnitPrice::from_hundredths(1140).yen_floor(0), 0);
        assert_eq!(UnitPrice::from_hundredths(1140).yen_floor(-1), -12); // -11.40 → -12
    }
}
