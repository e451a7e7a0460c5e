//! サービス種類コード: the two-character code that names a kind of service.
//!
//! Source: ../shared/spec/csv-schedule-actuals.md §9.3 (V4.1 body §1.3/§1.4), plus the codes
//! used only as sender/receiver types in file names: 43 居宅介護支援, 46 介護予防支援,
//! AF 介護予防ケアマネジメント.

use super::DomainError;
use std::fmt;

/// Which benefit a service type belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Benefit {
    /// 介護給付
    Care,
    /// 予防給付
    Prevention,
    /// 介護予防・日常生活支援総合事業
    Community,
    /// 居宅介護支援 / 介護予防支援 / 介護予防ケアマネジメント (plan writers)
    CareManagement,
}

struct Entry {
    code: &'static str,
    name: &'static str,
    benefit: Benefit,
    /// 連携対象: rows of this type may appear in 第6/7表 files.
    exchange: bool,
}

const fn e(code: &'static str, name: &'static str, benefit: Benefit, exchange: bool) -> Entry {
    Entry {
        code,
        name,
        benefit,
        exchange,
    }
}

use Benefit::{Care, CareManagement, Community, Prevention};

static TABLE: &[Entry] = &[
    e("11", "訪問介護", Care, true),
    e("12", "訪問入浴介護", Care, true),
    e("13", "訪問看護", Care, true),
    e("14", "訪問リハビリテーション", Care, true),
    e("15", "通所介護", Care, true),
    e("16", "通所リハビリテーション", Care, true),
    e("17", "福祉用具貸与", Care, true),
    e("21", "短期入所生活介護", Care, true),
    e("22", "短期入所療養介護（介護老人保健施設）", Care, true),
    e("23", "短期入所療養介護（介護療養型医療施設等）", Care, true),
    e("2A", "短期入所療養介護（介護医療院）", Care, true),
    e("31", "居宅療養管理指導", Care, true),
    e("71", "夜間対応型訪問介護", Care, true),
    e("76", "定期巡回・随時対応型訪問介護看護", Care, true),
    e("72", "認知症対応型通所介護", Care, true),
    e("78", "地域密着型通所介護", Care, true),
    e("73", "小規模多機能型居宅介護", Care, true),
    e("68", "小規模多機能型居宅介護（短期利用）", Care, true),
    e("77", "看護小規模多機能型居宅介護", Care, true),
    e("79", "看護小規模多機能型居宅介護（短期利用）", Care, true),
    e("33", "特定施設入居者生活介護", Care, false),
    e("27", "特定施設入居者生活介護（短期利用）", Care, true),
    e("36", "地域密着型特定施設入居者生活介護", Care, false),
    e(
        "28",
        "地域密着型特定施設入居者生活介護（短期利用）",
        Care,
        true,
    ),
    e(
        "32",
        "認知症対応型共同生活介護（短期利用以外）",
        Care,
        false,
    ),
    e("38", "認知症対応型共同生活介護（短期利用）", Care, true),
    e("41", "特定福祉用具販売", Care, false),
    e("42", "住宅改修", Care, false),
    e("51", "介護福祉施設サービス", Care, false),
    e("52", "介護保健施設サービス", Care, false),
    e("53", "介護療養施設サービス", Care, false),
    e(
        "54",
        "地域密着型介護老人福祉施設入所者生活介護",
        Care,
        false,
    ),
    e("59", "特定介護サービス等", Care, false),
    e("81", "市町村特別給付", Care, false),
    e("62", "介護予防訪問入浴介護", Prevention, true),
    e("63", "介護予防訪問看護", Prevention, true),
    e("64", "介護予防訪問リハビリテーション", Prevention, true),
    e("66", "介護予防通所リハビリテーション", Prevention, true),
    e("67", "介護予防福祉用具貸与", Prevention, true),
    e("24", "介護予防短期入所生活介護", Prevention, true),
    e(
        "25",
        "介護予防短期入所療養介護（介護老人保健施設）",
        Prevention,
        true,
    ),
    e(
        "26",
        "介護予防短期入所療養介護（介護療養型医療施設等）",
        Prevention,
        true,
    ),
    e(
        "2B",
        "介護予防短期入所療養介護（介護医療院）",
        Prevention,
        true,
    ),
    e("34", "介護予防居宅療養管理指導", Prevention, true),
    e("74", "介護予防認知症対応型通所介護", Prevention, true),
    e("75", "介護予防小規模多機能型居宅介護", Prevention, true),
    e(
        "69",
        "介護予防小規模多機能型居宅介護（短期利用）",
        Prevention,
        true,
    ),
    e("35", "介護予防特定施設入居者生活介護", Prevention, false),
    e(
        "37",
        "介護予防認知症対応型共同生活介護（短期利用以外）",
        Prevention,
        false,
    ),
    e(
        "39",
        "介護予防認知症対応型共同生活介護（短期利用）",
        Prevention,
        true,
    ),
    e("44", "特定介護予防福祉用具販売", Prevention, false),
    e("45", "介護予防住宅改修", Prevention, false),
    e("A1", "訪問型サービス（みなし）", Community, true),
    e("A2", "訪問型サービス（独自）", Community, true),
    e("A3", "訪問型サービス（独自／定率）", Community, true),
    e("A4", "訪問型サービス（独自／定額）", Community, true),
    e("A5", "通所型サービス（みなし）", Community, true),
    e("A6", "通所型サービス（独自）", Community, true),
    e("A7", "通所型サービス（独自／定率）", Community, true),
    e("A8", "通所型サービス（独自／定額）", Community, true),
    e("43", "居宅介護支援", CareManagement, false),
    e("46", "介護予防支援", CareManagement, false),
    e("AF", "介護予防ケアマネジメント", CareManagement, false),
];

/// A known サービス種類コード. Copy-cheap: it points into the static table.
#[derive(Clone, Copy)]
pub struct ServiceType(&'static Entry);

impl ServiceType {
    /// Parses a known code. Half-width is expected; full-width letters and digits and
    /// lower-case letters are normalised first.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code: String = input
            .trim()
            .chars()
            .map(|c| match c {
                '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                    char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
                }
                _ => c,
            })
            .collect::<String>()
            .to_ascii_uppercase();
        if code.is_empty() {
            return Err(DomainError::new(
                "サービス種類を選択してください。",
                "the service type is empty",
            ));
        }
        TABLE
            .iter()
            .find(|entry| entry.code == code)
            .map(ServiceType)
            .ok_or_else(|| {
                DomainError::new(
                    format!(
                        "サービス種類コード「{}」は登録されていません。",
                        input.trim()
                    ),
                    format!("unknown service type code {input:?}"),
                )
            })
    }

    /// Exact lookup of a half-width upper-case code, without normalisation or allocation
    /// (for bulk reading).
    pub fn from_code(code: &str) -> Option<Self> {
        // Index by the two characters (0-9, A-Z → 0..36), built once.
        static INDEX: std::sync::OnceLock<Vec<Option<u8>>> = std::sync::OnceLock::new();
        fn slot(c: u8) -> Option<usize> {
            match c {
                b'0'..=b'9' => Some(usize::from(c - b'0')),
                b'A'..=b'Z' => Some(usize::from(c - b'A') + 10),
                _ => None,
            }
        }
        let b = code.as_bytes();
        if b.len() != 2 {
            return None;
        }
        let index = INDEX.get_or_init(|| {
            let mut v = vec![None; 36 * 36];
            for (i, entry) in TABLE.iter().enumerate() {
                let e = entry.code.as_bytes();
                if let (Some(a), Some(b)) = (slot(e[0]), slot(e[1])) {
                    v[a * 36 + b] = u8::try_from(i).ok();
                }
            }
            v
        });
        let i = index[slot(b[0])? * 36 + slot(b[1])?]?;
        TABLE.get(usize::from(i)).map(ServiceType)
    }

    /// Every known type, in the order of the standard's tables.
    pub fn all() -> impl Iterator<Item = ServiceType> {
        TABLE.iter().map(ServiceType)
    }

    pub fn code(self) -> &'static str {
        self.0.code
    }

    pub fn name(self) -> &'static str {
        self.0.name
    }

    pub fn benefit(self) -> Benefit {
        self.0.benefit
    }

    /// 連携対象: whether 第6/7表 rows of this type are carried by the exchange.
    pub fn is_exchange_target(self) -> bool {
        self.0.exchange
    }

    /// Plan writers (居宅介護支援 43, 介護予防支援 46, 介護予防ケアマネジメント AF).
    pub fn is_care_management(self) -> bool {
        self.0.benefit == Benefit::CareManagement
    }

    /// 福祉用具貸与 (17) and 介護予防福祉用具貸与 (67): rows need a TAIS or 届出 code in V4.
    pub fn is_welfare_equipment_rental(self) -> bool {
        matches!(self.0.code, "17" | "67")
    }

    /// `"11 訪問介護"`, as shown in lists.
    pub fn label(self) -> String {
        format!("{} {}", self.0.code, self.0.name)
    }
}

impl PartialEq for ServiceType {
    fn eq(&self, other: &Self) -> bool {
        self.0.code == other.0.code
    }
}

impl Eq for ServiceType {}

impl std::hash::Hash for ServiceType {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.code.hash(state)
    }
}

impl fmt::Debug for ServiceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceType({})", self.0.code)
    }
}

impl fmt::Display for ServiceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.code)
    }
}

impl serde::Serialize for ServiceType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.code)
    }
}

impl<'de> serde::Deserialize<'de> for ServiceType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        ServiceType::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_parse_and_unknown_are_refused() {
        let t = ServiceType::parse("11").unwrap();
        assert_eq!(t.name(), "訪問介護");
        assert!(t.is_exchange_target());
        assert_eq!(ServiceType::parse("2a").unwrap().code(), "2A");
        assert_eq!(ServiceType::parse("４３").unwrap().name(), "居宅介護支援");
        assert!(!ServiceType::parse("33").unwrap().is_exchange_target());
        assert!(ServiceType::parse("99").is_err());
        assert!(ServiceType::parse("").is_err());
    }

    #[test]
    fn from_code_finds_every_code_exactly() {
        for t in ServiceType::all() {
            assert_eq!(ServiceType::from_code(t.code()), Some(t));
        }
        assert_eq!(ServiceType::from_code("2a"), None);
        assert_eq!(ServiceType::from_code("99"), None);
        assert_eq!(ServiceType::from_code("1"), None);
        assert_eq!(ServiceType::from_code("あ"), None);
    }

    #[test]
    fn codes_are_unique_except_shared_rows() {
        let mut codes: Vec<_> = ServiceType::all().map(|t| t.code()).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), ServiceType::all().count());
    }
}
