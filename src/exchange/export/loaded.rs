//! A month's data for many recipients, loaded with a handful of queries (lines, days,
//! certifications, care managers, 地域区分, the service codes used) instead of a dozen queries
//! per recipient. The 利用票 export and the export screen's checks read from it.

use super::*;
use crate::db::recipients::Certification;
use crate::domain::service_codes::ServiceCodeTable;
use crate::domain::unit_price::AreaGrade;
use std::collections::HashMap;

pub struct MonthData {
    lines: HashMap<i64, Vec<ScheduleLine>>,
    /// Every day of every line, a line's days together (in the order read).
    days: Vec<ScheduleDay>,
    /// Where each line's days are in `days`.
    day_ranges: HashMap<i64, std::ops::Range<usize>>,
    certs: HashMap<i64, Vec<Certification>>,
    staff: HashMap<i64, String>,
    areas: HashMap<(String, String), AreaGrade>,
    codes: ServiceCodeTable,
}

impl MonthData {
    pub fn load(
        conn: &mut DbConnection,
        corp: i64,
        recipients: &[&Recipient],
        m: ServiceMonth,
    ) -> db::DbResult<MonthData> {
        let ids: Vec<i64> = recipients.iter().map(|r| r.id).collect();
        let all_lines = sq::lines_for_many(conn, &ids, &m.yyyymm())?;
        let line_ids: Vec<i64> = all_lines.iter().map(|l| l.id).collect();
        // One list sorted by line (a stable sort keeps each line's days in order) rather than a
        // list per line: a month of 200,000 days is held once, without a list's spare room per
        // line.
        let mut days = sq::days_for(conn, &line_ids)?;
        if !days.is_sorted_by_key(|d| d.line_id) {
            days.sort_by_key(|d| d.line_id);
        }
        let mut day_ranges = HashMap::new();
        let mut start = 0;
        for (i, d) in days.iter().enumerate() {
            if days.get(i + 1).is_none_or(|next| next.line_id != d.line_id) {
                day_ranges.insert(d.line_id, start..i + 1);
                start = i + 1;
            }
        }
        let mut codes: Vec<String> = all_lines.iter().map(|l| l.service_code.clone()).collect();
        codes.sort();
        codes.dedup();
        let codes = db::service_codes::table_for_codes(conn, corp, &codes)?;
        let mut lines: HashMap<i64, Vec<ScheduleLine>> = HashMap::new();
        for l in all_lines {
            lines.entry(l.recipient_id).or_default().push(l);
        }
        let mut certs: HashMap<i64, Vec<Certification>> = HashMap::new();
        for c in db::recipients::certifications_of_many(conn, &ids)? {
            certs.entry(c.recipient_id).or_default().push(c);
        }
        let mut managers: Vec<i64> = recipients
            .iter()
            .filter_map(|r| r.care_manager_id)
            .collect();
        managers.sort();
        managers.dedup();
        let staff = db::staff::names_of(conn, corp, &managers)?
            .into_iter()
            .collect();
        // 地域区分: our own offices first, then 他社情報 (as the 予定実績 screens do).
        let mut areas = HashMap::new();
        for p in db::partners::list(conn, corp, "")? {
            areas.insert(
                (p.office_number, p.service_type),
                AreaGrade::parse(&p.area_grade).unwrap_or(AreaGrade::Other),
            );
        }
        for o in db::offices::list(conn, corp)? {
            areas.insert(
                (o.office_number, o.service_type),
                AreaGrade::parse(&o.area_grade).unwrap_or(AreaGrade::Other),
            );
        }
        Ok(MonthData {
            lines,
            days,
            day_ranges,
            certs,
            staff,
            areas,
            codes,
        })
    }

    /// The recipient's lines of the month, in position order.
    pub fn lines(&self, recipient_id: i64) -> &[ScheduleLine] {
        self.lines
            .get(&recipient_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// The days of these lines.
    pub fn days(&self, lines: &[ScheduleLine]) -> Vec<ScheduleDay> {
        lines
            .iter()
            .flat_map(|l| self.days_of(l.id).iter().cloned())
            .collect()
    }

    /// The days of one line.
    pub fn days_of(&self, line_id: i64) -> &[ScheduleDay] {
        self.day_ranges
            .get(&line_id)
            .and_then(|r| self.days.get(r.clone()))
            .unwrap_or(&[])
    }

    /// The recipient's certifications, newest first.
    pub fn certifications(&self, recipient_id: i64) -> &[Certification] {
        self.certs
            .get(&recipient_id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    pub fn staff_name(&self, id: Option<i64>) -> String {
        id.and_then(|id| self.staff.get(&id).cloned())
            .unwrap_or_default()
    }

    pub fn area(&self, number: &str, stype: &str) -> AreaGrade {
        self.areas
            .get(&(number.to_string(), stype.to_string()))
            .copied()
            .unwrap_or(AreaGrade::Other)
    }

    pub fn codes(&self) -> &ServiceCodeTable {
        &self.codes
    }
}
