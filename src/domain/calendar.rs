//! The month as the 第6表 shows it: days, weekdays and 国民の祝日 (shaded like weekends).
//!
//! Holidays follow the 国民の祝日に関する法律 as amended (Happy Monday days, 振替休日, 国民の休日);
//! 春分・秋分 use the usual astronomical approximation, valid 1980–2099. The one-off changes for
//! the Tokyo Olympics (2020, 2021) are included.

use chrono::{Datelike, NaiveDate, Weekday};

/// Days in a month.
pub fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|n| n.pred_opt())
        .map(|d| d.day())
        .unwrap_or(30)
}

/// 日 月 火 … as on the forms.
pub fn weekday_ja(d: NaiveDate) -> &'static str {
    ["月", "火", "水", "木", "金", "土", "日"][d.weekday().num_days_from_monday() as usize]
}

fn nth_monday(year: i32, month: u32, n: u32) -> u32 {
    let first = NaiveDate::from_ymd_opt(year, month, 1)
        .map(|d| d.weekday().num_days_from_monday())
        .unwrap_or(0);
    1 + (7 - first) % 7 + 7 * (n - 1)
}

fn equinox(year: i32, base: f64) -> u32 {
    let y = (year - 1980) as f64;
    (base + 0.242194 * y - ((year - 1980) / 4) as f64).floor() as u32
}

/// The named holidays of a year (before 振替休日 and 国民の休日).
fn named(year: i32) -> Vec<(u32, u32, &'static str)> {
    let mut v = vec![
        (1, 1, "元日"),
        (1, nth_monday(year, 1, 2), "成人の日"),
        (2, 11, "建国記念の日"),
        (3, equinox(year, 20.8431), "春分の日"),
        (4, 29, "昭和の日"),
        (5, 3, "憲法記念日"),
        (5, 4, "みどりの日"),
        (5, 5, "こどもの日"),
        (9, nth_monday(year, 9, 3), "敬老の日"),
        (9, equinox(year, 23.2488), "秋分の日"),
        (11, 3, "文化の日"),
        (11, 23, "勤労感謝の日"),
    ];
    if year >= 2020 {
        v.push((2, 23, "天皇誕生日"));
    }
    match year {
        2020 => v.extend([
            (7, 23, "海の日"),
            (7, 24, "スポーツの日"),
            (8, 10, "山の日"),
        ]),
        2021 => v.extend([(7, 22, "海の日"), (7, 23, "スポーツの日"), (8, 8, "山の日")]),
        _ => v.extend([
            (7, nth_monday(year, 7, 3), "海の日"),
            (10, nth_monday(year, 10, 2), "スポーツの日"),
            (8, 11, "山の日"),
        ]),
    }
    v
}

/// The holiday's name, if `d` is a 国民の祝日, 振替休日 or 国民の休日.
pub fn holiday(d: NaiveDate) -> Option<&'static str> {
    let list = named(d.year());
    let is_named = |x: NaiveDate| {
        list.iter()
            .any(|(m, day, _)| x.month() == *m && x.day() == *day)
    };
    if let Some((_, _, name)) = list
        .iter()
        .find(|(m, day, _)| d.month() == *m && d.day() == *day)
    {
        return Some(name);
    }
    // 振替休日: the first non-holiday after a holiday that falls on a Sunday.
    let mut back = d.pred_opt()?;
    while is_named(back) {
        if back.weekday() == Weekday::Sun {
            return Some("振替休日");
        }
        back = back.pred_opt()?;
    }
    // 国民の休日: a day between two holidays.
    if let (Some(p), Some(n)) = (d.pred_opt(), d.succ_opt())
        && is_named(p)
        && is_named(n)
        && d.weekday() != Weekday::Sun
    {
        return Some("国民の休日");
    }
    None
}

/// The days of a month whose weekday is in `weekdays` (1 = 月 … 7 = 日), as counts of 1.
pub fn weekday_pattern(year: i32, month: u32, weekdays: &[u32]) -> [i32; 31] {
    let mut out = [0; 31];
    for day in 1..=days_in_month(year, month) {
        if let Some(d) = NaiveDate::from_ymd_opt(year, month, day)
            && weekdays.contains(&(d.weekday().number_from_monday()))
        {
            out[(day - 1) as usize] = 1;
        }
    }
    out
}

/// Moves a month's pattern to another month by weekday: every weekday used in `from` is used on
/// every such weekday of the target month (the usual 前月コピー of care software). A line used
/// only on the 1st (monthly services such as 福祉用具貸与) keeps the 1st.
pub fn carry_pattern(
    from_year: i32,
    from_month: u32,
    counts: &[i32; 31],
    year: i32,
    month: u32,
) -> [i32; 31] {
    let used: Vec<(u32, i32)> = (1..=days_in_month(from_year, from_month))
        .filter(|day| counts[(*day - 1) as usize] > 0)
        .filter_map(|day| {
            NaiveDate::from_ymd_opt(from_year, from_month, day)
                .map(|d| (d.weekday().number_from_monday(), counts[(day - 1) as usize]))
        })
        .collect();
    let mut out = [0; 31];
    if used.len() == 1 && counts[0] > 0 {
        out[0] = counts[0];
        return out;
    }
    for day in 1..=days_in_month(year, month) {
        if let Some(d) = NaiveDate::from_ymd_opt(year, month, day)
            && let Some((_, c)) = used
                .iter()
                .find(|(w, _)| *w == d.weekday().number_from_monday())
        {
            out[(day - 1) as usize] = *c;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn holidays_2025_and_2026() {
        // Cabinet Office list for 2025: 1/1, 1/13, 2/11, 2/23, 2/24(振替), 3/20, 4/29, 5/3, 5/4,
        // 5/5, 5/6(振替), 7/21, 8/11, 9/15, 9/23, 10/13, 11/3, 11/23, 11/24(振替).
        let y2025 = [
            (1, 1),
            (1, 13),
            (2, 11),
            (2, 23),
            (2, 24),
            (3, 20),
            (4, 29),
            (5, 3),
            (5, 4),
            (5, 5),
            (5, 6),
            (7, 21),
            (8, 11),
            (9, 15),
            (9, 23),
            (10, 13),
            (11, 3),
            (11, 23),
            (11, 24),
        ];
        let found: Vec<(u32, u32)> = (1..=365)
            .filter_map(|n| d(2025, 1, 1).checked_add_days(chrono::Days::new(n - 1)))
            .filter(|x| holiday(*x).is_some())
            .map(|x| (x.month(), x.day()))
            .collect();
        assert_eq!(found, y2025);
        // 2026: 9/21 敬老の日, 9/22 国民の休日, 9/23 秋分の日; 5/6 振替休日.
        assert_eq!(holiday(d(2026, 9, 22)), Some("国民の休日"));
        assert_eq!(holiday(d(2026, 5, 6)), Some("振替休日"));
        assert_eq!(holiday(d(2026, 3, 20)), Some("春分の日"));
        assert_eq!(holiday(d(2026, 11, 24)), None);
    }

    #[test]
    fn patterns() {
        assert_eq!(days_in_month(2026, 2), 28);
        assert_eq!(days_in_month(2028, 2), 29);
        // November 2026 starts on a Sunday: Mondays are 2, 9, 16, 23, 30; Thursdays 5, 12, 19, 26.
        let p = weekday_pattern(2026, 11, &[1, 4]);
        let days: Vec<usize> = (0..31).filter(|i| p[*i] == 1).map(|i| i + 1).collect();
        assert_eq!(days, vec![2, 5, 9, 12, 16, 19, 23, 26, 30]);
        // Carried to December 2026 (starts on a Tuesday).
        let c = carry_pattern(2026, 11, &p, 2026, 12);
        let days: Vec<usize> = (0..31).filter(|i| c[*i] == 1).map(|i| i + 1).collect();
        assert_eq!(days, vec![3, 7, 10, 14, 17, 21, 24, 28, 31]);
        let mut monthly = [0; 31];
        monthly[0] = 1;
        assert_eq!(carry_pattern(2026, 11, &monthly, 2026, 12)[0], 1);
        assert_eq!(weekday_ja(d(2026, 11, 21)), "土");
    }
}
