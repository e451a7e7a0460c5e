//! Field layouts as data: one table per file kind drives validation, the typed conversion and
//! the writer's quoting.

use super::csvform::{Fields, RawRecord};
use super::finding::FindingCode;
use super::version::{CsvVersion, Layout};
use crate::domain::{
    CareLevel, InsuredNumber, InsurerNumber, OfficeNumber, ServiceCode, ServiceMonth, ServiceType,
};
use chrono::NaiveDate;
use std::fmt;

/// What a field holds (derived from the 書式 column of the layouts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// CSVバージョン: `YYYYMM`, a known version.
    Version,
    /// 保険者番号: 6 digits.
    Insurer,
    /// 被保険者番号: 10 digits, or `H` + 9 digits.
    Insured,
    /// 事業所番号: 10 digits.
    Office,
    /// `YYYYMMDD`, a real date.
    Date,
    /// `YYYYMMDD` or `00000000`.
    DateOrZero,
    /// `YYYYMM`.
    Month,
    /// `YYYYMM` or `000000`.
    MonthOrZero,
    /// `HHMM` 0000–2359, or `9999` (no time display).
    Time,
    /// Half-width digits (整数 and digit codes).
    Int,
    /// `99.99`: digits, a point and two decimals.
    Decimal,
    /// One of the listed codes.
    Choice(&'static [&'static str]),
    /// Half-width letters, digits and `-` (TAIS / 届出 codes).
    Alnum,
    /// 郵便番号 `XXX-XXXX` (seven digits without the hyphen are read too).
    Postal,
    /// 電話番号: digits, `-`, `(`, `)`.
    Phone,
    /// サービスコード: 6 half-width letters or digits.
    ServiceCode,
    /// サービス種類コード: 2 half-width letters or digits.
    ServiceType,
    /// 日割対象日: 31 characters of `0`/`1`.
    DayMask,
    /// フリーテキスト: any MS932 text, always quoted when written.
    Text,
    /// 識別子 (※使用しない): empty.
    Unused,
}

/// One column of a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// 日本語名称 as in the layout.
    pub name: &'static str,
    pub kind: FieldKind,
    /// 項目長 (characters); 0 = no limit (free text).
    pub max: u16,
    /// 必須.
    pub required: bool,
    /// Present in the V4 layout only (TAIS columns).
    pub v4_only: bool,
}

impl FieldDef {
    pub fn present(&self, layout: Layout) -> bool {
        layout == Layout::V4 || !self.v4_only
    }
}

/// The fields of `table` present in `layout`, with their 1-based No. in that layout and their
/// index in the table.
pub fn fields_in(
    table: &'static [FieldDef],
    layout: Layout,
) -> impl Iterator<Item = (usize, usize, &'static FieldDef)> {
    table
        .iter()
        .enumerate()
        .filter(move |(_, d)| d.present(layout))
        .enumerate()
        .map(|(no0, (idx, d))| (no0 + 1, idx, d))
}

/// Number of fields of `table` in `layout`.
pub fn field_count(table: &'static [FieldDef], layout: Layout) -> usize {
    table.iter().filter(|d| d.present(layout)).count()
}

/// A Rust type that a field converts to and from.
pub trait FieldValue: Sized {
    /// `None` when the text does not convert.
    fn parse_field(s: &str) -> Option<Self>;
    fn format_field(&self) -> String;
    /// Appends the field text to `out` (override to avoid the temporary `String`).
    fn write_field(&self, out: &mut String) {
        out.push_str(&self.format_field());
    }
    /// The value of a field absent from the file's layout (V4-only fields in a V3 file).
    fn absent() -> Option<Self> {
        None
    }
}

impl FieldValue for String {
    fn parse_field(s: &str) -> Option<Self> {
        Some(s.to_string())
    }
    fn format_field(&self) -> String {
        self.clone()
    }
    fn write_field(&self, out: &mut String) {
        out.push_str(self);
    }
    fn absent() -> Option<Self> {
        Some(String::new())
    }
}

impl<T: FieldValue> FieldValue for Option<T> {
    fn parse_field(s: &str) -> Option<Self> {
        if s.is_empty() {
            Some(None)
        } else {
            T::parse_field(s).map(Some)
        }
    }
    fn format_field(&self) -> String {
        self.as_ref().map(T::format_field).unwrap_or_default()
    }
    fn write_field(&self, out: &mut String) {
        if let Some(v) = self {
            v.write_field(out);
        }
    }
    fn absent() -> Option<Self> {
        Some(None)
    }
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

impl FieldValue for u32 {
    fn parse_field(s: &str) -> Option<Self> {
        if all_digits(s) && s.len() <= 9 {
            s.parse().ok()
        } else {
            None
        }
    }
    fn format_field(&self) -> String {
        self.to_string()
    }
    fn write_field(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(out, "{self}");
    }
}

/// `1` 該当 / `0` 非該当.
impl FieldValue for bool {
    fn parse_field(s: &str) -> Option<Self> {
        match s {
            "1" => Some(true),
            "0" => Some(false),
            _ => None,
        }
    }
    fn format_field(&self) -> String {
        if *self { "1".into() } else { "0".into() }
    }
    fn write_field(&self, out: &mut String) {
        out.push(if *self { '1' } else { '0' });
    }
}

impl FieldValue for NaiveDate {
    fn parse_field(s: &str) -> Option<Self> {
        parse_yyyymmdd(s)
    }
    fn format_field(&self) -> String {
        let mut s = String::with_capacity(8);
        self.write_field(&mut s);
        s
    }
    fn write_field(&self, out: &mut String) {
        use chrono::Datelike;
        push_digits(out, self.year().max(0) as u32, 4);
        push_digits(out, self.month(), 2);
        push_digits(out, self.day(), 2);
    }
}

/// Appends `v` as exactly `width` decimal digits (zero padded).
fn push_digits(out: &mut String, v: u32, width: u32) {
    let mut d = 10u32.pow(width - 1);
    while d > 0 {
        out.push(char::from(b'0' + ((v / d) % 10) as u8));
        d /= 10;
    }
}

/// `YYYYMMDD` → date (strict: 8 ASCII digits, a real day).
pub fn parse_yyyymmdd(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !all_digits(s) {
        return None;
    }
    NaiveDate::from_ymd_opt(
        s[..4].parse().ok()?,
        s[4..6].parse().ok()?,
        s[6..].parse().ok()?,
    )
}

macro_rules! domain_field {
    ($t:ty) => {
        impl FieldValue for $t {
            fn parse_field(s: &str) -> Option<Self> {
                <$t>::from_ascii(s).or_else(|| <$t>::parse(s).ok())
            }
            fn format_field(&self) -> String {
                self.to_string()
            }
            fn write_field(&self, out: &mut String) {
                out.push_str(self.as_str());
            }
        }
    };
}
domain_field!(InsurerNumber);
domain_field!(InsuredNumber);
domain_field!(OfficeNumber);
domain_field!(ServiceCode);

impl FieldValue for ServiceType {
    fn parse_field(s: &str) -> Option<Self> {
        ServiceType::from_code(s).or_else(|| ServiceType::parse(s).ok())
    }
    fn format_field(&self) -> String {
        self.to_string()
    }
    fn write_field(&self, out: &mut String) {
        out.push_str(self.code());
    }
}

impl FieldValue for ServiceMonth {
    fn parse_field(s: &str) -> Option<Self> {
        if all_digits(s) {
            ServiceMonth::parse(s).ok()
        } else {
            None
        }
    }
    fn format_field(&self) -> String {
        self.yyyymm()
    }
    fn write_field(&self, out: &mut String) {
        push_digits(out, u32::from(self.year()), 4);
        push_digits(out, u32::from(self.month()), 2);
    }
}

impl FieldValue for CareLevel {
    fn parse_field(s: &str) -> Option<Self> {
        CareLevel::parse(s).ok()
    }
    fn format_field(&self) -> String {
        self.code().to_string()
    }
    fn write_field(&self, out: &mut String) {
        out.push_str(self.code());
    }
}

macro_rules! code_field {
    ($($t:ty),*) => {$(
        impl FieldValue for $t {
            fn parse_field(s: &str) -> Option<Self> {
                <$t>::from_code(s)
            }
            fn format_field(&self) -> String {
                self.code().to_string()
            }
            fn write_field(&self, out: &mut String) {
                out.push_str(self.code());
            }
        }
    )*};
}
code_field!(
    crate::domain::Sex,
    crate::domain::CertificationStatus,
    crate::domain::PlanCategory,
    crate::domain::DailyLifeReason,
    crate::domain::InsuranceCoverage,
    crate::domain::Weekday
);

impl FieldValue for CsvVersion {
    fn parse_field(s: &str) -> Option<Self> {
        CsvVersion::parse(s)
    }
    fn format_field(&self) -> String {
        self.code().to_string()
    }
}

/// A `YYYYMMDD` item that may hold `00000000` (利用者補足情報 No.4 in a 第6/7表 set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DateOrZero {
    Zero,
    Date(NaiveDate),
}

impl FieldValue for DateOrZero {
    fn parse_field(s: &str) -> Option<Self> {
        if s == "00000000" {
            Some(Self::Zero)
        } else {
            parse_yyyymmdd(s).map(Self::Date)
        }
    }
    fn format_field(&self) -> String {
        match self {
            Self::Zero => "00000000".into(),
            Self::Date(d) => d.format_field(),
        }
    }
}

/// A `YYYYMM` item that may hold `000000` (利用者補足情報 No.63 in a plan set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MonthOrZero {
    Zero,
    Month(ServiceMonth),
}

impl FieldValue for MonthOrZero {
    fn parse_field(s: &str) -> Option<Self> {
        if s == "000000" {
            Some(Self::Zero)
        } else {
            ServiceMonth::parse_field(s).map(Self::Month)
        }
    }
    fn format_field(&self) -> String {
        match self {
            Self::Zero => "000000".into(),
            Self::Month(m) => m.yyyymm(),
        }
    }
}

/// `HHMM` or `9999` (a service without time display).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hhmm {
    At { hour: u8, minute: u8 },
    NoTime,
}

impl Hhmm {
    pub fn at(hour: u8, minute: u8) -> Option<Self> {
        (hour < 24 && minute < 60).then_some(Self::At { hour, minute })
    }
}

impl FieldValue for Hhmm {
    fn parse_field(s: &str) -> Option<Self> {
        if s.len() != 4 || !all_digits(s) {
            return None;
        }
        if s == "9999" {
            return Some(Self::NoTime);
        }
        Self::at(s[..2].parse().ok()?, s[2..].parse().ok()?)
    }
    fn format_field(&self) -> String {
        let mut s = String::with_capacity(4);
        self.write_field(&mut s);
        s
    }
    fn write_field(&self, out: &mut String) {
        match self {
            Self::NoTime => out.push_str("9999"),
            Self::At { hour, minute } => {
                push_digits(out, u32::from(*hour), 2);
                push_digits(out, u32::from(*minute), 2);
            }
        }
    }
}

/// 単位数単価 in hundredths of a yen (`11.40` = 1140).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitPrice(pub u32);

impl FieldValue for UnitPrice {
    fn parse_field(s: &str) -> Option<Self> {
        let (a, b) = s.split_once('.')?;
        if !all_digits(a) || a.len() > 3 || b.len() != 2 || !all_digits(b) {
            return None;
        }
        Some(Self(a.parse::<u32>().ok()? * 100 + b.parse::<u32>().ok()?))
    }
    fn format_field(&self) -> String {
        format!("{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

macro_rules! serialize_as_field {
    ($($t:ty),*) => {$(
        impl serde::Serialize for $t {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.format_field())
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.format_field())
            }
        }
    )*};
}
serialize_as_field!(DateOrZero, MonthOrZero, Hhmm, UnitPrice);

/// A typed record of one file kind.
pub trait TypedRecord: Sized {
    /// The layout table (all versions; V4-only fields flagged).
    fn table() -> &'static [FieldDef];
    /// Converts the raw fields of a record in `layout`; `None` when a field does not convert.
    fn from_raw(raw: Fields, layout: Layout) -> Option<Self>;
    /// The raw fields in spec order for `layout`.
    fn to_fields(&self, layout: Layout) -> Vec<String>;
    /// Appends the raw fields in spec order for `layout` to `out` (the writer's fast path).
    fn write_raw(&self, layout: Layout, out: &mut RawRecord);
}

/// Declares a typed record, its layout table and the conversions, from one list.
macro_rules! record {
    (
        $(#[$meta:meta])*
        $name:ident, $table:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty = $jp:literal, $kind:expr, $max:expr, $req:expr, $v4:expr; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, serde::Serialize)]
        pub struct $name { $( $(#[$fmeta])* pub $field: $ty, )* }

        /// The layout table (spec order; V4-only fields flagged).
        pub static $table: &[$crate::standard::layout::FieldDef] = &[
            $( $crate::standard::layout::FieldDef { name: $jp, kind: $kind, max: $max, required: $req, v4_only: $v4 }, )*
        ];

        impl $crate::standard::layout::TypedRecord for $name {
            fn table() -> &'static [$crate::standard::layout::FieldDef] {
                $table
            }
            fn from_raw(raw: $crate::standard::csvform::Fields, layout: $crate::standard::version::Layout) -> Option<Self> {
                use $crate::standard::layout::FieldValue;
                let mut i = 0usize;
                let mut k = 0usize;
                let value = Self { $( $field: {
                    let present = $table[k].present(layout);
                    k += 1;
                    if present {
                        i += 1;
                        <$ty as FieldValue>::parse_field(raw.get(i - 1))?
                    } else {
                        <$ty as FieldValue>::absent()?
                    }
                }, )* };
                let _ = (i, k);
                Some(value)
            }
            fn to_fields(&self, layout: $crate::standard::version::Layout) -> Vec<String> {
                use $crate::standard::layout::FieldValue;
                let mut out = Vec::with_capacity($table.len());
                let mut k = 0usize;
                $(
                    if $table[k].present(layout) {
                        out.push(FieldValue::format_field(&self.$field));
                    }
                    k += 1;
                )*
                let _ = k;
                out
            }
            fn write_raw(&self, layout: $crate::standard::version::Layout, out: &mut $crate::standard::csvform::RawRecord) {
                use $crate::standard::layout::FieldValue;
                let mut k = 0usize;
                $(
                    if $table[k].present(layout) {
                        out.push_with(|buf| FieldValue::write_field(&self.$field, buf));
                    }
                    k += 1;
                )*
                let _ = k;
            }
        }
    };
}
pub(crate) use record;

/// Short names for the tables.
pub(crate) mod prelude {
    pub use super::FieldKind::*;
    pub(crate) use super::record;
    pub use super::{DateOrZero, Hhmm, MonthOrZero, UnitPrice};
    pub use crate::domain::{
        CareLevel, CertificationStatus, DailyLifeReason, InsuranceCoverage, InsuredNumber,
        InsurerNumber, OfficeNumber, PlanCategory, ServiceCode, ServiceMonth, ServiceType, Sex,
        Weekday,
    };
    pub use crate::standard::version::CsvVersion;
    pub use chrono::NaiveDate;
    /// 必須
    pub const R: bool = true;
    /// optional
    pub const O: bool = false;
    /// V4 only
    pub const V4: bool = true;
    /// all versions
    pub const ALL: bool = false;
    pub const YES_NO: &[&str] = &["0", "1"];
    pub const CARE_LEVELS: &[&str] = &["06", "12", "13", "21", "22", "23", "24", "25"];
}

/// A problem with one field value: the code and its message arguments.
pub type FieldProblem = (FindingCode, Vec<(&'static str, String)>);

/// Checks one value against its column (`max` already adjusted for the version).
pub fn check_field(def: &FieldDef, max: u16, value: &str) -> Option<FieldProblem> {
    use FieldKind::*;
    use FindingCode as C;
    let v = || ("value", value.to_string());
    if value.is_empty() {
        return def.required.then(|| (C::Required, vec![]));
    }
    let digits_kind = matches!(def.kind, Version | Insurer | Office | Int);
    if digits_kind && !all_digits(value) {
        return Some((C::NotDigits, vec![v()]));
    }
    // chars ≤ bytes: count characters only when the byte length is over the limit
    if !matches!(def.kind, Text)
        && max > 0
        && value.len() > usize::from(max)
        && value.chars().count() > usize::from(max)
    {
        return Some((
            C::TooLong,
            vec![
                ("value", value.chars().count().to_string()),
                ("max", max.to_string()),
            ],
        ));
    }
    let bad = |expected: &str| Some((C::BadFormat, vec![v(), ("expected", expected.to_string())]));
    match def.kind {
        Version | Text => None,
        Int => None,
        Unused => None,
        Insurer if value.len() != 6 => bad("半角数字6桁 / 6 digits"),
        Office if value.len() != 10 => bad("半角数字10桁 / 10 digits"),
        Insurer | Office => None,
        Insured => {
            let b = value.as_bytes();
            let ok = b.len() == 10
                && (b.iter().all(u8::is_ascii_digit)
                    || (b[0] == b'H' && b[1..].iter().all(u8::is_ascii_digit)));
            if ok {
                None
            } else {
                bad("半角数字10桁、生保単独は H＋数字9桁 / 10 digits, or H + 9 digits")
            }
        }
        Date => parse_yyyymmdd(value)
            .is_none()
            .then(|| (C::BadDate, vec![v()])),
        DateOrZero => (value != "00000000" && parse_yyyymmdd(value).is_none())
            .then(|| (C::BadDate, vec![v()])),
        Month => ServiceMonth::parse_field(value)
            .is_none()
            .then(|| (C::BadMonth, vec![v()])),
        MonthOrZero => (value != "000000" && ServiceMonth::parse_field(value).is_none())
            .then(|| (C::BadMonth, vec![v()])),
        Time => Hhmm::parse_field(value)
            .is_none()
            .then(|| (C::BadTime, vec![v()])),
        Decimal => UnitPrice::parse_field(value)
            .is_none()
            .then(|| (C::BadFormat, vec![v(), ("expected", "99.99".to_string())])),
        Choice(codes) => (!codes.contains(&value))
            .then(|| (C::BadCode, vec![v(), ("expected", codes.join(", "))])),
        Alnum => (!value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .then(|| {
            (
                C::BadFormat,
                vec![
                    v(),
                    (
                        "expected",
                        "半角英数字と - / half-width letters, digits and -".to_string(),
                    ),
                ],
            )
        }),
        Postal => {
            let b = value.as_bytes();
            let ok = (b.len() == 8
                && b[3] == b'-'
                && all_digits(&value[..3])
                && all_digits(&value[4..]))
                || (b.len() == 7 && all_digits(value));
            if ok { None } else { bad("XXX-XXXX") }
        }
        Phone => (!value
            .bytes()
            .all(|b| b.is_ascii_digit() || b"-()".contains(&b)))
        .then(|| {
            (
                C::BadFormat,
                vec![
                    v(),
                    ("expected", "半角数字と - ( ) / digits, - ( )".to_string()),
                ],
            )
        }),
        ServiceCode => (value.len() != 6
            || !value
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()))
        .then(|| {
            (
                C::BadFormat,
                vec![
                    v(),
                    (
                        "expected",
                        "半角英数字6桁 / 6 half-width letters or digits".to_string(),
                    ),
                ],
            )
        }),
        ServiceType => (value.len() != 2
            || !value
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()))
        .then(|| {
            (
                C::BadFormat,
                vec![
                    v(),
                    (
                        "expected",
                        "半角英数字2桁 / 2 half-width letters or digits".to_string(),
                    ),
                ],
            )
        }),
        DayMask => {
            (value.len() != 31 || !value.bytes().all(|b| b == b'0' || b == b'1')).then(|| {
                (
                    C::BadFormat,
                    vec![
                        v(),
                        (
                            "expected",
                            "0/1 を31文字 / 31 characters of 0 or 1".to_string(),
                        ),
                    ],
                )
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def(kind: FieldKind, max: u16, required: bool) -> FieldDef {
        FieldDef {
            name: "x",
            kind,
            max,
            required,
            v4_only: false,
        }
    }

    #[test]
    fn field_checks() {
        use FindingCode as C;
        let code = |k, m, r, v| check_field(&def(k, m, r), m, v).map(|p| p.0);
        assert_eq!(code(FieldKind::Int, 6, true, ""), Some(C::Required));
        assert_eq!(code(FieldKind::Int, 6, false, ""), None);
        assert_eq!(code(FieldKind::Int, 2, false, "123"), Some(C::TooLong));
        assert_eq!(code(FieldKind::Int, 2, false, "1a"), Some(C::NotDigits));
        assert_eq!(code(FieldKind::Date, 8, true, "20250230"), Some(C::BadDate));
        assert_eq!(code(FieldKind::Date, 8, true, "20240229"), None);
        assert_eq!(code(FieldKind::Time, 4, true, "2400"), Some(C::BadTime));
        assert_eq!(code(FieldKind::Time, 4, true, "9999"), None);
        assert_eq!(code(FieldKind::Time, 4, true, "2359"), None);
        assert_eq!(code(FieldKind::Month, 6, true, "202513"), Some(C::BadMonth));
        assert_eq!(
            code(FieldKind::Insured, 10, true, "H12345678X"),
            Some(C::BadFormat)
        );
        assert_eq!(code(FieldKind::Insured, 10, true, "H123456789"), None);
        assert_eq!(
            code(FieldKind::Decimal, 6, false, "11.4"),
            Some(C::BadFormat)
        );
        assert_eq!(code(FieldKind::Decimal, 6, false, "11.40"), None);
        assert_eq!(
            code(FieldKind::Choice(&["1", "2"]), 1, false, "3"),
            Some(C::BadCode)
        );
        assert_eq!(code(FieldKind::Postal, 8, false, "123-4567"), None);
        assert_eq!(
            code(FieldKind::Postal, 8, false, "12-34567"),
            Some(C::BadFormat)
        );
    }

    #[test]
    fn typed_values() {
        assert_eq!(
            Hhmm::parse_field("0930"),
            Some(Hhmm::At {
                hour: 9,
                minute: 30
            })
        );
        assert_eq!(Hhmm::parse_field("9999"), Some(Hhmm::NoTime));
        assert_eq!(Hhmm::parse_field("2400"), None);
        assert_eq!(
            UnitPrice::parse_field("11.40").unwrap().format_field(),
            "11.40"
        );
        assert_eq!(<Option<u32>>::parse_field(""), Some(None));
        assert_eq!(DateOrZero::parse_field("00000000"), Some(DateOrZero::Zero));
        assert_eq!(MonthOrZero::parse_field("000000"), Some(MonthOrZero::Zero));
    }
}
