//! Dates as care staff type and read them: 西暦 or 和暦 in, both out.

use crate::domain::wareki;
use chrono::{Datelike, NaiveDate};

/// Reads `1940-04-29`, `1940/4/29`, `19400429`, `昭和15年4月29日`, `S15.4.29`, `R7.4.1`.
/// The message is for the screen.
pub fn parse_any(input: &str) -> Result<NaiveDate, String> {
    let s: String = crate::web::form::half_width_digits(input)
        .chars()
        .map(|c| match c {
            '／' | '．' => '/',
            _ => c,
        })
        .collect();
    let s = s.trim();
    if s.is_empty() {
        return Err("日付を入力してください。".into());
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        let gregorian = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
            NaiveDate::parse_from_str(s, "%Y%m%d").ok()
        } else {
            let parts: Vec<&str> = s
                .split(['-', '/', '.', '年', '月', '日'])
                .filter(|p| !p.is_empty())
                .collect();
            match parts.as_slice() {
                [y, m, d] => match (y.parse(), m.parse(), d.parse()) {
                    (Ok(y), Ok(m), Ok(d)) if (1873..=2200).contains(&y) => {
                        NaiveDate::from_ymd_opt(y, m, d)
                    }
                    _ => None,
                },
                _ => None,
            }
        };
        return gregorian.ok_or_else(|| {
            format!("日付「{input}」を読み取れません。西暦（例：1940/4/29）か和暦（例：昭和15年4月29日、S15.4.29）で入力してください。")
        });
    }
    wareki::parse_date(s).map_err(|e| e.message_ja)
}

/// `1940/04/29（昭和15年4月29日）`.
pub fn both(date: &NaiveDate) -> String {
    match wareki::format_date(*date) {
        Some(w) => format!("{}（{w}）", date.format("%Y/%m/%d")),
        None => date.format("%Y/%m/%d").to_string(),
    }
}

pub fn both_opt(date: &Option<NaiveDate>) -> String {
    date.as_ref().map(both).unwrap_or_default()
}

/// Age in full years on a day.
pub fn age_on(birth: NaiveDate, day: NaiveDate) -> i32 {
    let mut age = day.year() - birth.year();
    if (day.month(), day.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Today in Japan.
pub fn today_jst() -> NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(9)).date_naive()
}

/// A stored `HHMM` time as shown: `0900` → `9:00`; `9999` (no time) and anything else → empty.
pub fn time_label(t: &str) -> String {
    if t == "9999" || t.len() != 4 {
        String::new()
    } else {
        format!("{}:{}", t[..2].parse::<u32>().unwrap_or(0), &t[2..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reads_both_calendars() {
        assert_eq!(parse_any("1940/4/29").unwrap(), d(1940, 4, 29));
        assert_eq!(parse_any("１９４０－０４－２９").unwrap(), d(1940, 4, 29));
        assert_eq!(parse_any("19400429").unwrap(), d(1940, 4, 29));
        assert_eq!(parse_any("昭和15年4月1日").unwrap(), d(1940, 4, 1));
        assert_eq!(parse_any("S15.4.1").unwrap(), d(1940, 4, 1));
        assert_eq!(parse_any("令和元年5月1日").unwrap(), d(2019, 5, 1));
        assert!(parse_any("平成31年5月1日").is_err());
        assert!(parse_any("1940/2/30").is_err());
        assert!(parse_any("そのうち").is_err());
        assert_eq!(both(&d(1940, 4, 29)), "1940/04/29（昭和15年4月29日）");
        assert_eq!(age_on(d(1940, 4, 29), d(2026, 4, 28)), 85);
        assert_eq!(age_on(d(1940, 4, 29), d(2026, 4, 29)), 86);
    }
}
