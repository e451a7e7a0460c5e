//! サービス提供年月 (YYYYMM), shown in 和暦 as 令和7年4月.

use super::{DomainError, wareki};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServiceMonth {
    year: u16,
    month: u8,
}

impl ServiceMonth {
    pub fn new(year: u16, month: u8) -> Result<Self, DomainError> {
        if !(1873..=9999).contains(&year) || !(1..=12).contains(&month) {
            return Err(DomainError::new(
                format!("{year}年{month}月は正しい年月ではありません。"),
                format!("{year:04}-{month:02} is not a valid month"),
            ));
        }
        Ok(Self { year, month })
    }

    /// Parses `YYYYMM` (six half-width digits).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::new(
                format!("年月「{s}」は YYYYMM（半角数字6桁）で入力してください。"),
                format!("a month is YYYYMM (6 digits), got {input:?}"),
            ));
        }
        let year: u16 = s[..4].parse().unwrap_or(0);
        let month: u8 = s[4..].parse().unwrap_or(0);
        Self::new(year, month)
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn month(self) -> u8 {
        self.month
    }

    /// `"202504"`.
    pub fn yyyymm(self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }

    /// The first day of the month.
    pub fn first_day(self) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(self.year.into(), self.month.into(), 1)
            .expect("validated month")
    }

    /// Number of days in the month.
    pub fn days(self) -> u32 {
        let next = self.next().first_day();
        (next - self.first_day()).num_days() as u32
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before (the first month, 1873-01, stays itself).
    pub fn prev(self) -> Self {
        let (year, month) = if self.month == 1 {
            (self.year - 1, 12)
        } else {
            (self.year, self.month - 1)
        };
        Self::new(year, month).unwrap_or(self)
    }

    /// The month a date falls in.
    pub fn of(date: chrono::NaiveDate) -> Result<Self, DomainError> {
        use chrono::Datelike;
        let year = u16::try_from(date.year()).unwrap_or(0);
        Self::new(year, date.month() as u8)
    }

    /// The last day of the month.
    pub fn last_day(self) -> chrono::NaiveDate {
        self.next().first_day() - chrono::Duration::days(1)
    }

    /// `"2026年12月（令和8年12月）"`: 西暦 with 和暦, as the screens show a month.
    pub fn label(self) -> String {
        format!("{}年{}月（{}）", self.year, self.month, self.wareki())
    }

    /// Whether `date` falls in this month.
    pub fn contains(self, date: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        date.year() == i32::from(self.year) && date.month() == u32::from(self.month)
    }

    /// `"令和7年4月"` (the era of the first day of the month; 元年 for year 1).
    pub fn wareki(self) -> String {
        let (era, y) = wareki::era_year(self.first_day()).expect("months from 1873 have an era");
        format!("{}{}年{}月", era.name(), wareki::year_text(y), self.month)
    }
}

impl fmt::Display for ServiceMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}{:02}", self.year, self.month)
    }
}

impl serde::Serialize for ServiceMonth {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.yyyymm())
    }
}

impl<'de> serde::Deserialize<'de> for ServiceMonth {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        ServiceMonth::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prev_last_day_label_and_of() {
        let m = ServiceMonth::parse("202601").unwrap();
        assert_eq!(m.prev().yyyymm(), "202512");
        assert_eq!(m.prev().next(), m);
        assert_eq!(
            ServiceMonth::parse("187301").unwrap().prev().yyyymm(),
            "187301"
        );
        assert_eq!(
            ServiceMonth::parse("202402").unwrap().last_day(),
            chrono::NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()
        );
        assert_eq!(
            ServiceMonth::parse("202612").unwrap().label(),
            "2026年12月（令和8年12月）"
        );
        let d = chrono::NaiveDate::from_ymd_opt(2026, 11, 21).unwrap();
        assert_eq!(ServiceMonth::of(d).unwrap().yyyymm(), "202611");
    }

    #[test]
    fn parse_and_display() {
        let m = ServiceMonth::parse("202504").unwrap();
        assert_eq!((m.year(), m.month()), (2025, 4));
        assert_eq!(m.to_string(), "202504");
        assert_eq!(m.wareki(), "令和7年4月");
        assert_eq!(
            ServiceMonth::parse("201905").unwrap().wareki(),
            "令和元年5月"
        );
        assert_eq!(
            ServiceMonth::parse("201904").unwrap().wareki(),
            "平成31年4月"
        );
        assert_eq!(ServiceMonth::parse("202402").unwrap().days(), 29);
        assert_eq!(
            ServiceMonth::parse("202412").unwrap().next().to_string(),
            "202501"
        );
        assert!(ServiceMonth::parse("202413").is_err());
        assert!(ServiceMonth::parse("202400").is_err());
        assert!(ServiceMonth::parse("000000").is_err());
        assert!(ServiceMonth::parse("20254").is_err());
    }
}
