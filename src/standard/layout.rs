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
    #[inline]
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
    #[inline]
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

/// The value of 1 to 9 half-width digits (`None` for anything else): the one number parser of
/// the reader's hot path (dates, times, months, counts).
#[inline]
fn digits_value(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    let mut v = 0u32;
    for &c in b {
        let d = c.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u32::from(d);
    }
    Some(v)
}

impl FieldValue for u32 {
    #[inline]
    fn parse_field(s: &str) -> Option<Self> {
        digits_value(s.as_bytes())
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
    #[inline]
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
    #[inline]
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
#[inline]
pub fn parse_yyyymmdd(s: &str) -> Option<NaiveDate> {
    let (y, m, d) = yyyymmdd(s)?;
    NaiveDate::from_ymd_opt(y as i32, m, d)
}

/// `YYYYMMDD` → (year, month, day) when it names a real day (the check without building a
/// date).
#[inline]
fn yyyymmdd(s: &str) -> Option<(u32, u32, u32)> {
    if s.len() != 8 {
        return None;
    }
    let v = digits_value(s.as_bytes())?;
    let (y, m, d) = (v / 10_000, v / 100 % 100, v % 100);
    let leap = y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
    let last = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    (1..=last).contains(&d).then_some((y, m, d))
}

/// Whether `s` is `YYYYMMDD` naming a real day (as [`parse_yyyymmdd`] reads it).
pub fn is_yyyymmdd(s: &str) -> bool {
    yyyymmdd(s).is_some()
}

macro_rules! domain_field {
    ($t:ty) => {
        impl FieldValue for $t {
            #[inline]
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
    #[inline]
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
    #[inline]
    fn parse_field(s: &str) -> Option<Self> {
        if s.len() != 6 {
            return None;
        }
        let v = digits_value(s.as_bytes())?;
        ServiceMonth::new((v / 100) as u16, (v % 100) as u8).ok()
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
    #[inline]
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
            #[inline]
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
    #[inline]
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
    #[inline]
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
    #[inline]
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
    #[inline]
    fn parse_field(s: &str) -> Option<Self> {
        if s.len() != 4 {
            return None;
        }
        match digits_value(s.as_bytes())? {
            9999 => Some(Self::NoTime),
            v => Self::at((v / 100) as u8, (v % 100) as u8),
        }
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
    #[inline]
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

/// A quick test that a value passes [`check_field`] (`true` only then; `false` may also mean
/// "ask check_field"): the reader's path for the common, valid values of the common kinds.
#[inline]
pub fn surely_valid(def: &FieldDef, max: u16, value: &str) -> bool {
    use FieldKind::*;
    let b = value.as_bytes();
    if b.is_empty() {
        return !def.required;
    }
    let fits = max == 0 || b.len() <= usize::from(max);
    let digits = || b.iter().all(u8::is_ascii_digit);
    match def.kind {
        Text => true,
        Int => fits && digits(),
        Insurer => fits && b.len() == 6 && digits(),
        Office => fits && b.len() == 10 && digits(),
        Date => fits && is_yyyymmdd(value),
        Time => fits && Hhmm::parse_field(value).is_some(),
        Month => fits && ServiceMonth::parse_field(value).is_some(),
        Choice(codes) => fits && codes.contains(&value),
        _ => false,
    }
}

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
        Date => (!is_yyyymmdd(value)).then(|| (C::BadDate, vec![v()])),
        DateOrZero => (value != "00000000" && !is_yyyymmdd(value)).then(|| (C::BadDate, vec![v()])),
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
    fn surely_valid_never_passes_what_check_field_flags() {
        // Every kind of column the standard's tables use, and a choice list.
        let mut kinds: Vec<FieldKind> = vec![FieldKind::Choice(&["0", "1", "06"])];
        for k in crate::standard::FileKind::all() {
            for d in k.table() {
                if !kinds.contains(&d.kind) {
                    kinds.push(d.kind);
                }
            }
        }
        assert!(kinds.len() > 15, "{kinds:?}");
        let pieces = [
            "", "0", "1", "06", "9", "12", "2024", "0229", "0230", "1231", "2359", "2400", "9999",
            "13", "00", "a", "H", "-", "１", "介", ".", " ",
        ];
        let mut values = vec![String::new()];
        for a in pieces {
            for b in pieces {
                for c in ["", "0", "01", "202402", "1310100001"] {
                    values.push(format!("{a}{b}{c}"));
                }
            }
        }
        let mut passed = 0;
        for kind in kinds {
            for max in [0u16, 1, 2, 4, 6, 8, 10, 12] {
                for required in [false, true] {
                    let d = def(kind, max, required);
                    for v in &values {
                        if surely_valid(&d, max, v) {
                            passed += 1;
                            assert_eq!(check_field(&d, max, v), None, "{kind:?} {max} {v:?}");
                        }
                    }
                }
            }
        }
        assert!(passed > 1000, "{passed}");
    }

    #[test]
    fn dates_months_and_times_read_as_chrono_and_str_parse_read_them() {
        for y in [0, 1900, 1999, 2000, 2023, 2024, 2100, 9999] {
            for m in 0..=13 {
                for d in 0..=32 {
                    let s = format!("{y:04}{m:02}{d:02}");
                    let want = NaiveDate::from_ymd_opt(y, m, d);
                    assert_eq!(parse_yyyymmdd(&s), want, "{s}");
                    assert_eq!(is_yyyymmdd(&s), want.is_some(), "{s}");
                }
            }
        }
        for bad in [
            "2024010",
            "202401011",
            "2024-1-1",
            "２０２４０１０１",
            "+2024011",
            "",
        ] {
            assert!(!is_yyyymmdd(bad), "{bad}");
        }
        for v in 0..=9999u32 {
            let s = format!("{v:04}");
            let want = if v == 9999 {
                Some(Hhmm::NoTime)
            } else {
                Hhmm::at((v / 100) as u8, (v % 100) as u8)
            };
            assert_eq!(Hhmm::parse_field(&s), want, "{s}");
        }
        for s in ["930", "09300", "+930", "09:3", "０９３０"] {
            assert_eq!(Hhmm::parse_field(s), None, "{s}");
        }
        assert_eq!(
            ServiceMonth::parse_field("202502"),
            ServiceMonth::new(2025, 2).ok()
        );
        for s in ["202500", "202513", "18720", "20250", "2025-2", "+20252"] {
            assert_eq!(ServiceMonth::parse_field(s), None, "{s}");
        }
        assert_eq!(u32::parse_field("000000123"), Some(123));
        assert_eq!(u32::parse_field("1234567890"), None);
        assert_eq!(u32::parse_field("+1"), None);
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
