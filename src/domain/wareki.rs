//! 和暦 (Japanese era) dates, table driven: 明治, 大正, 昭和, 平成, 令和.
//!
//! Supported range: from 1873-01-01 (明治6年1月1日, the day Japan adopted the Gregorian
//! calendar; earlier 明治 dates were lunisolar and cannot be mapped day by day) onwards.
//! Era start days: 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08, 令和 2019-05-01.
//! The first year of an era is written 元年 when formatting and accepted as 元 or 1 when parsing.

use super::DomainError;
use chrono::{Datelike, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

struct EraDef {
    era: Era,
    name: &'static str,
    letter: char,
    /// First day of the era (for 明治: its nominal 1868 start; dates before
    /// [`EARLIEST`] are refused anyway).
    start: (i32, u32, u32),
}

static ERAS: &[EraDef] = &[
    EraDef {
        era: Era::Meiji,
        name: "明治",
        letter: 'M',
        start: (1868, 1, 25),
    },
    EraDef {
        era: Era::Taisho,
        name: "大正",
        letter: 'T',
        start: (1912, 7, 30),
    },
    EraDef {
        era: Era::Showa,
        name: "昭和",
        letter: 'S',
        start: (1926, 12, 25),
    },
    EraDef {
        era: Era::Heisei,
        name: "平成",
        letter: 'H',
        start: (1989, 1, 8),
    },
    EraDef {
        era: Era::Reiwa,
        name: "令和",
        letter: 'R',
        start: (2019, 5, 1),
    },
];

/// The earliest date we convert: 1873-01-01 (明治6年1月1日).
pub const EARLIEST: (i32, u32, u32) = (1873, 1, 1);

fn ymd(t: (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(t.0, t.1, t.2).expect("table dates are valid")
}

fn def(era: Era) -> &'static EraDef {
    ERAS.iter()
        .find(|d| d.era == era)
        .expect("every era is in the table")
}

impl Era {
    /// `"令和"`.
    pub fn name(self) -> &'static str {
        def(self).name
    }

    /// `'R'`.
    pub fn letter(self) -> char {
        def(self).letter
    }

    /// The first day of the era.
    pub fn start(self) -> NaiveDate {
        ymd(def(self).start)
    }
}

/// The era and era year of a date, or `None` before 1873-01-01.
pub fn era_year(date: NaiveDate) -> Option<(Era, i32)> {
    if date < ymd(EARLIEST) {
        return None;
    }
    let d = ERAS.iter().rev().find(|d| date >= ymd(d.start))?;
    Some((d.era, date.year() - d.start.0 + 1))
}

/// `"元"` for 1, otherwise the number.
pub fn year_text(year: i32) -> String {
    if year == 1 {
        "元".to_string()
    } else {
        year.to_string()
    }
}

/// `"令和7年4月1日"`, `"令和元年5月1日"`; `None` before 1873.
pub fn format_date(date: NaiveDate) -> Option<String> {
    let (era, y) = era_year(date)?;
    Some(format!(
        "{}{}年{}月{}日",
        era.name(),
        year_text(y),
        date.month(),
        date.day()
    ))
}

/// `"R7.4.1"`; `None` before 1873.
pub fn format_short(date: NaiveDate) -> Option<String> {
    let (era, y) = era_year(date)?;
    Some(format!(
        "{}{}.{}.{}",
        era.letter(),
        y,
        date.month(),
        date.day()
    ))
}

fn err(input: &str) -> DomainError {
    DomainError::new(
        format!("和暦の日付「{input}」を読み取れません（例: 令和7年4月1日、R7.4.1）。"),
        format!("cannot read the Japanese-era date {input:?} (e.g. 令和7年4月1日, R7.4.1)"),
    )
}

/// Converts an era date to the Gregorian date. Accepts `昭和15年4月1日`, `令和元年5月1日`,
/// `S15.4.1`, `R7.4.1`, `R07/04/01`, `r7-4-1` and full-width digits. The date must exist and
/// lie inside its era (平成31年5月1日 is refused: that day is 令和元年5月1日).
pub fn parse_date(input: &str) -> Result<NaiveDate, DomainError> {
    let s: String = input
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            '．' => '.',
            '／' => '/',
            '－' => '-',
            _ => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect();
    let (d, rest) = ERAS
        .iter()
        .find_map(|d| {
            s.strip_prefix(d.name)
                .or_else(|| s.strip_prefix(d.letter))
                .or_else(|| s.strip_prefix(d.letter.to_ascii_lowercase()))
                .map(|rest| (d, rest))
        })
        .ok_or_else(|| err(input))?;
    let rest = rest.replacen('元', "1", 1);
    let parts: Vec<&str> = rest
        .split(['年', '月', '日', '.', '/', '-'])
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(err(input));
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    if n[0] == 0 {
        return Err(err(input));
    }
    let year = d.start.0 + n[0] as i32 - 1;
    let date = NaiveDate::from_ymd_opt(year, n[1], n[2]).ok_or_else(|| err(input))?;
    match era_year(date) {
        Some((era, _)) if era == d.era => Ok(date),
        _ => Err(DomainError::new(
            format!("「{input}」はその元号の期間外の日付です。"),
            format!("{input:?} lies outside its era"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn boundaries_both_ways() {
        let cases = [
            (d(1873, 1, 1), "明治6年1月1日"),
            (d(1912, 7, 29), "明治45年7月29日"),
            (d(1912, 7, 30), "大正元年7月30日"),
            (d(1926, 12, 24), "大正15年12月24日"),
            (d(1926, 12, 25), "昭和元年12月25日"),
            (d(1989, 1, 7), "昭和64年1月7日"),
            (d(1989, 1, 8), "平成元年1月8日"),
            (d(2019, 4, 30), "平成31年4月30日"),
            (d(2019, 5, 1), "令和元年5月1日"),
            (d(2025, 4, 1), "令和7年4月1日"),
        ];
        for (date, text) in cases {
            assert_eq!(format_date(date).unwrap(), text);
            assert_eq!(parse_date(text).unwrap(), date, "{text}");
        }
        assert_eq!(format_date(d(1872, 12, 31)), None);
    }

    #[test]
    fn short_forms() {
        assert_eq!(parse_date("S15.4.1").unwrap(), d(1940, 4, 1));
        assert_eq!(parse_date("昭和15年4月1日").unwrap(), d(1940, 4, 1));
        assert_eq!(parse_date("R7.4.1").unwrap(), d(2025, 4, 1));
        assert_eq!(parse_date("ｒ０７／０４／０１").unwrap(), d(2025, 4, 1));
        assert_eq!(parse_date("H1.1.8").unwrap(), d(1989, 1, 8));
        assert_eq!(parse_date("T1.7.30").unwrap(), d(1912, 7, 30));
        assert_eq!(format_short(d(2025, 4, 1)).unwrap(), "R7.4.1");
    }

    #[test]
    fn refuses_dates_outside_their_era_or_range() {
        assert!(parse_date("平成31年5月1日").is_err());
        assert!(parse_date("昭和64年1月8日").is_err());
        assert!(parse_date("令和元年4月30日").is_err());
        assert!(parse_date("大正元年7月29日").is_err());
        assert!(parse_date("明治5年12月31日").is_err());
        assert!(parse_date("令和7年2月30日").is_err());
        assert!(parse_date("令和0年5月1日").is_err());
        assert!(parse_date("X7.4.1").is_err());
        assert!(parse_date("").is_err());
    }
}
