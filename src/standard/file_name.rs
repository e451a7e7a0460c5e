//! File kinds and file names (V4: with the two サービス種類コード elements; V3: without).
//!
//! ```text
//! V4: PREFIX[_YYYYMM]_送信元10_種類2_送信先10_種類2_YYYYMMDDHHMMSS.CSV
//! V3: PREFIX[_YYYYMM]_送信元10_送信先10_YYYYMMDDHHMMSS.CSV
//! ```
//! The month element exists for UPHOSOKU (`000000` in a plan set), UPPLAN, UPJSK, UPSIKYU,
//! DLTPLAN and DLTJSK. The 14-digit timestamp is the ファイル連番 shared by one set.

use super::layout::FieldDef;
use super::version::Layout;
use crate::domain::{OfficeNumber, ServiceMonth};
use std::fmt;

/// The ten file kinds of the standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileKind {
    Uphosoku,
    Up1kyo,
    Up2kyo,
    Up3kyo,
    Dlt1kyo,
    Upplan,
    Upjsk,
    Upsikyu,
    Dltplan,
    Dltjsk,
}

static KINDS: &[(FileKind, &str, &str)] = &[
    (FileKind::Uphosoku, "UPHOSOKU", "利用者補足情報"),
    (FileKind::Up1kyo, "UP1KYO", "居宅サービス計画書第1表"),
    (FileKind::Up2kyo, "UP2KYO", "居宅サービス計画書第2表"),
    (FileKind::Up3kyo, "UP3KYO", "週間サービス計画表第3表"),
    (FileKind::Dlt1kyo, "DLT1KYO", "居宅サービス計画第1表_削除"),
    (FileKind::Upplan, "UPPLAN", "サービス利用票第6表（予定）"),
    (FileKind::Upjsk, "UPJSK", "サービス利用票第6表（実績）"),
    (FileKind::Upsikyu, "UPSIKYU", "サービス利用票別表第7表"),
    (FileKind::Dltplan, "DLTPLAN", "サービス利用票第6表_削除"),
    (FileKind::Dltjsk, "DLTJSK", "実績情報_削除"),
];

impl FileKind {
    pub fn all() -> impl Iterator<Item = FileKind> {
        KINDS.iter().map(|k| k.0)
    }

    /// `"UPPLAN"`.
    pub fn prefix(self) -> &'static str {
        KINDS
            .iter()
            .find(|k| k.0 == self)
            .map(|k| k.1)
            .unwrap_or("")
    }

    /// `"サービス利用票第6表（予定）"`.
    pub fn name_ja(self) -> &'static str {
        KINDS
            .iter()
            .find(|k| k.0 == self)
            .map(|k| k.2)
            .unwrap_or("")
    }

    /// Case-insensitive prefix lookup.
    pub fn from_prefix(prefix: &str) -> Option<Self> {
        KINDS
            .iter()
            .find(|k| k.1.eq_ignore_ascii_case(prefix))
            .map(|k| k.0)
    }

    /// Whether the file name carries a month element.
    pub fn has_month(self) -> bool {
        !matches!(
            self,
            Self::Up1kyo | Self::Up2kyo | Self::Up3kyo | Self::Dlt1kyo
        )
    }

    /// Whether the kind exists in the layout (UP3KYO is V4 only).
    pub fn exists_in(self, layout: Layout) -> bool {
        self != Self::Up3kyo || layout == Layout::V4
    }

    /// The layout table of the kind.
    pub fn table(self) -> &'static [FieldDef] {
        use super::*;
        match self {
            Self::Uphosoku => uphosoku::SUPPLEMENT_FIELDS,
            Self::Up1kyo => up1kyo::PLAN1_FIELDS,
            Self::Up2kyo => up2kyo::PLAN2_FIELDS,
            Self::Up3kyo => up3kyo::PLAN3_FIELDS,
            Self::Dlt1kyo => dlt1kyo::PLAN1_DELETE_FIELDS,
            Self::Upplan | Self::Upjsk => upplan::SCHEDULE_FIELDS,
            Self::Upsikyu => upsikyu::BENEFIT_FIELDS,
            Self::Dltplan => dltplan::PLAN_DELETE_FIELDS,
            Self::Dltjsk => dltplan::ACTUALS_DELETE_FIELDS,
        }
    }

    /// 項目長 of table entry `index` in `layout` (第7表 回数／日数 is 2 in V3).
    pub fn max_len(self, index: usize, layout: Layout) -> u16 {
        let def = &self.table()[index];
        if self == Self::Upsikyu && layout == Layout::V3 && def.name == "回数／日数" {
            return super::upsikyu::V3_COUNT_MAX;
        }
        def.max
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix())
    }
}

impl serde::Serialize for FileKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.prefix())
    }
}

/// The parts of a file name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
pub struct FileName {
    pub kind: FileKind,
    /// 対象年月 / 提供年月; `None` for `000000` (UPHOSOKU in a plan set) and for kinds without
    /// a month element.
    pub month: Option<ServiceMonth>,
    /// 送信元の事業所番号.
    pub sender: OfficeNumber,
    /// 送信元のサービス種類コード (V4 names only).
    pub sender_type: Option<String>,
    /// 送信先の事業所番号.
    pub receiver: OfficeNumber,
    /// 送信先のサービス種類コード (V4 names only).
    pub receiver_type: Option<String>,
    /// ファイル連番: `YYYYMMDDHHMMSS`.
    pub timestamp: String,
}

/// Why a name could not be parsed or built (Japanese and English).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameError {
    pub ja: String,
    pub en: String,
}

fn name_err(ja: impl Into<String>, en: impl Into<String>) -> NameError {
    NameError {
        ja: ja.into(),
        en: en.into(),
    }
}

/// Strips directories (`/` or `\`) from a path.
pub fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

fn is_type_code(s: &str) -> bool {
    // 2 characters per V4.1; 3 accepted on reading (V4.0 called the element サービスコード（3桁）).
    (s.len() == 2 || s.len() == 3)
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
}

fn office(s: &str, what_ja: &str, what_en: &str) -> Result<OfficeNumber, NameError> {
    if s.len() == 10 && s.bytes().all(|b| b.is_ascii_digit()) {
        OfficeNumber::parse(s).map_err(|e| name_err(e.message_ja, e.message_en))
    } else {
        Err(name_err(
            format!("{what_ja}「{s}」が半角数字10桁ではありません"),
            format!("the {what_en} {s:?} is not 10 digits"),
        ))
    }
}

/// Whether a 14-digit timestamp is a real date and time.
pub fn valid_timestamp(s: &str) -> bool {
    s.len() == 14
        && s.bytes().all(|b| b.is_ascii_digit())
        && chrono::NaiveDateTime::parse_from_str(s, "%Y%m%d%H%M%S").is_ok()
}

impl FileName {
    /// Parses a file name (directories are ignored; the extension is matched case-insensitively).
    /// Returns the parts and the layout its form belongs to.
    pub fn parse(path: &str) -> Result<(FileName, Layout), NameError> {
        let name = base_name(path);
        let stem = match name.len().checked_sub(4) {
            Some(cut) if name.is_char_boundary(cut) && name[cut..].eq_ignore_ascii_case(".csv") => {
                &name[..cut]
            }
            _ => {
                return Err(name_err(
                    "拡張子が .CSV ではありません",
                    "the extension is not .CSV",
                ));
            }
        };
        let parts: Vec<&str> = stem.split('_').collect();
        let kind = FileKind::from_prefix(parts[0]).ok_or_else(|| {
            name_err(
                format!("ファイルの種類「{}」は標準仕様にありません", parts[0]),
                format!("unknown file kind {:?}", parts[0]),
            )
        })?;
        let rest = &parts[1..];
        let (month_part, rest) = if kind.has_month() {
            match rest.split_first() {
                Some((m, r)) => (Some(*m), r),
                None => return Err(name_err("要素が足りません", "too few elements")),
            }
        } else {
            (None, rest)
        };
        let (layout, sender, sender_type, receiver, receiver_type, ts) = match rest {
            [s, st, r, rt, ts] => (Layout::V4, *s, Some(*st), *r, Some(*rt), *ts),
            [s, r, ts] => (Layout::V3, *s, None, *r, None, *ts),
            _ => {
                return Err(name_err(
                    "要素の数が違います（例: UPPLAN_202504_送信元10桁_種類2桁_送信先10桁_種類2桁_YYYYMMDDHHMMSS.CSV）",
                    "wrong number of elements (e.g. UPPLAN_202504_<sender 10>_<type 2>_<receiver 10>_<type 2>_<YYYYMMDDHHMMSS>.CSV)",
                ));
            }
        };
        let month = match month_part {
            None => None,
            Some("000000") if kind == FileKind::Uphosoku => None,
            Some(m) => Some(
                ServiceMonth::parse(m)
                    .ok()
                    .filter(|_| m.bytes().all(|b| b.is_ascii_digit()))
                    .ok_or_else(|| {
                        name_err(
                            format!("年月「{m}」が YYYYMM ではありません"),
                            format!("the month {m:?} is not YYYYMM"),
                        )
                    })?,
            ),
        };
        let sender = office(sender, "送信元の事業所番号", "sender office number")?;
        let receiver = office(receiver, "送信先の事業所番号", "receiver office number")?;
        for t in [sender_type, receiver_type].into_iter().flatten() {
            if !is_type_code(t) {
                return Err(name_err(
                    format!("サービス種類コード「{t}」が半角英数字2桁ではありません"),
                    format!("the service type element {t:?} is not 2 letters or digits"),
                ));
            }
        }
        if !valid_timestamp(ts) {
            return Err(name_err(
                format!("ファイル連番「{ts}」が YYYYMMDDHHMMSS（実在する日時）ではありません"),
                format!("the timestamp {ts:?} is not a real YYYYMMDDHHMMSS"),
            ));
        }
        Ok((
            FileName {
                kind,
                month,
                sender,
                sender_type: sender_type.map(str::to_string),
                receiver,
                receiver_type: receiver_type.map(str::to_string),
                timestamp: ts.to_string(),
            },
            layout,
        ))
    }

    /// Builds the name for `layout` (V4 needs both service types). Extension `.CSV`.
    pub fn build(&self, layout: Layout) -> Result<String, NameError> {
        if !valid_timestamp(&self.timestamp) {
            return Err(name_err(
                "ファイル連番が YYYYMMDDHHMMSS ではありません",
                "the timestamp is not YYYYMMDDHHMMSS",
            ));
        }
        if !self.kind.exists_in(layout) {
            return Err(name_err(
                "UP3KYO は V3 にはありません",
                "UP3KYO does not exist in V3",
            ));
        }
        let mut s = String::from(self.kind.prefix());
        if self.kind.has_month() {
            match self.month {
                Some(m) => s.push_str(&format!("_{}", m.yyyymm())),
                None if self.kind == FileKind::Uphosoku => s.push_str("_000000"),
                None => return Err(name_err("対象年月がありません", "the month is missing")),
            }
        }
        s.push('_');
        s.push_str(self.sender.as_str());
        if layout == Layout::V4 {
            let t = self
                .sender_type
                .as_deref()
                .filter(|t| t.len() == 2 && is_type_code(t));
            let t = t.ok_or_else(|| {
                name_err(
                    "送信元のサービス種類コードがありません",
                    "the sender service type is missing",
                )
            })?;
            s.push('_');
            s.push_str(t);
        }
        s.push('_');
        s.push_str(self.receiver.as_str());
        if layout == Layout::V4 {
            let t = self
                .receiver_type
                .as_deref()
                .filter(|t| t.len() == 2 && is_type_code(t));
            let t = t.ok_or_else(|| {
                name_err(
                    "送信先のサービス種類コードがありません",
                    "the receiver service type is missing",
                )
            })?;
            s.push('_');
            s.push_str(t);
        }
        s.push('_');
        s.push_str(&self.timestamp);
        s.push_str(".CSV");
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_builds_v4_names() {
        let n = "UPPLAN_201912_0300000100_43_0300000005_11_20191025200201.CSV";
        let (f, l) = FileName::parse(n).unwrap();
        assert_eq!(l, Layout::V4);
        assert_eq!(f.kind, FileKind::Upplan);
        assert_eq!(f.month.unwrap().yyyymm(), "201912");
        assert_eq!(f.sender.as_str(), "0300000100");
        assert_eq!(f.sender_type.as_deref(), Some("43"));
        assert_eq!(f.receiver_type.as_deref(), Some("11"));
        assert_eq!(f.build(Layout::V4).unwrap(), n);
        assert_eq!(
            f.build(Layout::V3).unwrap(),
            "UPPLAN_201912_0300000100_0300000005_20191025200201.CSV"
        );
    }

    #[test]
    fn parses_v3_plan_and_hosoku_names_case_insensitively() {
        let (f, l) =
            FileName::parse("dir/UP1KYO_0300000100_0300000005_20191025200201.csv").unwrap();
        assert_eq!((f.kind, l, f.month), (FileKind::Up1kyo, Layout::V3, None));
        let (f, l) =
            FileName::parse("UPHOSOKU_000000_0300000100_43_0300000005_11_20191025200201.CSV")
                .unwrap();
        assert_eq!((f.kind, l, f.month), (FileKind::Uphosoku, Layout::V4, None));
        assert_eq!(
            f.build(Layout::V4).unwrap(),
            "UPHOSOKU_000000_0300000100_43_0300000005_11_20191025200201.CSV"
        );
    }

    #[test]
    fn refuses_bad_names_without_panicking() {
        for n in [
            "",
            ".CSV",
            "UPPLAN.CSV",
            "UPXXX_201912_0300000100_0300000005_20191025200201.CSV",
            "UPPLAN_201913_0300000100_0300000005_20191025200201.CSV",
            "UPPLAN_000000_0300000100_0300000005_20191025200201.CSV",
            "UPPLAN_201912_030000010_0300000005_20191025200201.CSV",
            "UPPLAN_201912_0300000100_0300000005_20191325200201.CSV",
            "UPPLAN_201912_0300000100_4_0300000005_11_20191025200201.CSV",
            "UPPLAN_201912_0300000100_0300000005_20191025200201.TXT",
            "UP1KYO_201912_0300000100_0300000005_20191025200201.CSV",
            "あいう.CSV",
            "UPPLANあ",
        ] {
            assert!(FileName::parse(n).is_err(), "{n}");
        }
    }
}
