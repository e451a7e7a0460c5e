//! 予定実績: monthly schedule lines (第6表) with their days, and the locks (確定) per provider.

use super::schema::{schedule_days as sd, schedule_lines as sl, schedule_locks as lk};
use super::{DbConnection, DbResult, dialect, now};
use diesel::prelude::*;
use std::collections::HashMap;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = sl)]
pub struct ScheduleLine {
    pub id: i64,
    pub corporation_id: i64,
    pub recipient_id: i64,
    pub month: String,
    pub position: i32,
    pub provider_number: String,
    pub provider_type: String,
    pub provider_name: String,
    pub satellite: String,
    pub service_code: String,
    pub service_name: String,
    pub units: i32,
    pub start_time: String,
    pub end_time: String,
    pub tais_code: String,
    pub notification_code: String,
    pub equipment_name: String,
    pub line_no: String,
    pub per_diem_mask: String,
    pub over_30: String,
    pub short_stay_days: Option<i32>,
    pub over_limit_units: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl ScheduleLine {
    pub fn is_provider(&self, number: &str, service_type: &str) -> bool {
        self.provider_number == number && self.provider_type == service_type
    }
}

/// What a new line carries (everything the 第6表 record needs besides the day and count).
#[derive(Debug, Clone, Default, Insertable)]
#[diesel(table_name = sl)]
pub struct LineFields {
    pub provider_number: String,
    pub provider_type: String,
    pub provider_name: String,
    pub satellite: String,
    pub service_code: String,
    pub service_name: String,
    pub units: i32,
    pub start_time: String,
    pub end_time: String,
    pub tais_code: String,
    pub notification_code: String,
    pub equipment_name: String,
    pub line_no: String,
    pub per_diem_mask: String,
    pub over_30: String,
    pub short_stay_days: Option<i32>,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = sd)]
pub struct ScheduleDay {
    pub line_id: i64,
    pub day: i32,
    pub plan_count: i32,
    pub actual_count: i32,
    pub actual_start: Option<String>,
    pub actual_end: Option<String>,
}

pub fn lines_for(
    conn: &mut DbConnection,
    recipient_id: i64,
    month: &str,
) -> DbResult<Vec<ScheduleLine>> {
    Ok(sl::table
        .filter(sl::recipient_id.eq(recipient_id))
        .filter(sl::month.eq(month))
        .order((sl::position, sl::id))
        .select(ScheduleLine::as_select())
        .load(conn)?)
}

/// Lines of many recipients for a month (the export loads a month at once), in position order.
pub fn lines_for_many(
    conn: &mut DbConnection,
    recipient_ids: &[i64],
    month: &str,
) -> DbResult<Vec<ScheduleLine>> {
    let mut out = Vec::new();
    for chunk in recipient_ids.chunks(super::IN_LIST_MAX) {
        out.extend(
            sl::table
                .filter(sl::recipient_id.eq_any(chunk.to_vec()))
                .filter(sl::month.eq(month))
                .order((sl::recipient_id, sl::position, sl::id))
                .select(ScheduleLine::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn days_for(conn: &mut DbConnection, line_ids: &[i64]) -> DbResult<Vec<ScheduleDay>> {
    let mut out = Vec::new();
    for chunk in line_ids.chunks(super::IN_LIST_MAX) {
        out.extend(
            sd::table
                .filter(sd::line_id.eq_any(chunk.to_vec()))
                .order((sd::line_id, sd::day))
                .select(ScheduleDay::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

pub fn add_line(
    conn: &mut DbConnection,
    corporation_id: i64,
    recipient_id: i64,
    month: &str,
    f: &LineFields,
) -> DbResult<i64> {
    let max: Option<i32> = sl::table
        .filter(sl::recipient_id.eq(recipient_id))
        .filter(sl::month.eq(month))
        .select(diesel::dsl::max(sl::position))
        .first(conn)?;
    let t = now();
    Ok(diesel::insert_into(sl::table)
        .values((
            f,
            sl::corporation_id.eq(corporation_id),
            sl::recipient_id.eq(recipient_id),
            sl::month.eq(month),
            sl::position.eq(max.unwrap_or(0) + 1),
            sl::created_at.eq(t),
            sl::updated_at.eq(t),
        ))
        .returning(sl::id)
        .get_result(conn)?)
}

pub fn delete_line(conn: &mut DbConnection, recipient_id: i64, line_id: i64) -> DbResult<usize> {
    Ok(diesel::delete(
        sl::table
            .filter(sl::id.eq(line_id))
            .filter(sl::recipient_id.eq(recipient_id)),
    )
    .execute(conn)?)
}

/// Sets the counts of days 1..=31. `plan` / `actual` None leaves that row as it is.
pub fn set_days(
    conn: &mut DbConnection,
    line_id: i64,
    plan: Option<&[i32; 31]>,
    actual: Option<&[i32; 31]>,
) -> DbResult<()> {
    dialect::write_transaction(conn, |conn| {
        let existing: Vec<ScheduleDay> = sd::table
            .filter(sd::line_id.eq(line_id))
            .select(ScheduleDay::as_select())
            .load(conn)?;
        for day in 1..=31i32 {
            let old = existing.iter().find(|d| d.day == day);
            let p = plan
                .map(|a| a[(day - 1) as usize])
                .unwrap_or_else(|| old.map_or(0, |d| d.plan_count));
            let a = actual
                .map(|a| a[(day - 1) as usize])
                .unwrap_or_else(|| old.map_or(0, |d| d.actual_count));
            match old {
                Some(o) if o.plan_count == p && o.actual_count == a => {}
                Some(_) if p == 0 && a == 0 => {
                    diesel::delete(
                        sd::table
                            .filter(sd::line_id.eq(line_id))
                            .filter(sd::day.eq(day)),
                    )
                    .execute(conn)?;
                }
                Some(_) => {
                    diesel::update(
                        sd::table
                            .filter(sd::line_id.eq(line_id))
                            .filter(sd::day.eq(day)),
                    )
                    .set((sd::plan_count.eq(p), sd::actual_count.eq(a)))
                    .execute(conn)?;
                }
                None if p == 0 && a == 0 => {}
                None => {
                    diesel::insert_into(sd::table)
                        .values((
                            sd::line_id.eq(line_id),
                            sd::day.eq(day),
                            sd::plan_count.eq(p),
                            sd::actual_count.eq(a),
                        ))
                        .execute(conn)?;
                }
            }
        }
        diesel::update(sl::table.find(line_id))
            .set(sl::updated_at.eq(now()))
            .execute(conn)?;
        Ok(())
    })
}

/// Changes a line's planned times (`HHMM`, or `9999` for services without a time).
pub fn set_times(conn: &mut DbConnection, line_id: i64, start: &str, end: &str) -> DbResult<()> {
    diesel::update(sl::table.find(line_id))
        .set((
            sl::start_time.eq(start),
            sl::end_time.eq(end),
            sl::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_over_limit(conn: &mut DbConnection, line_id: i64, units: Option<i32>) -> DbResult<()> {
    diesel::update(sl::table.find(line_id))
        .set(sl::over_limit_units.eq(units))
        .execute(conn)?;
    Ok(())
}

/// 予定 → 実績 for these lines: every day's actual count becomes its planned count.
pub fn copy_plan_to_actual(conn: &mut DbConnection, line_ids: &[i64]) -> DbResult<()> {
    dialect::write_transaction(conn, |conn| {
        for id in line_ids {
            diesel::update(sd::table.filter(sd::line_id.eq(*id)))
                .set((
                    sd::actual_count.eq(sd::plan_count),
                    sd::actual_start.eq(None::<String>),
                    sd::actual_end.eq(None::<String>),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

// ---- locks (確定) ----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = lk)]
pub struct Lock {
    pub recipient_id: i64,
    pub month: String,
    pub provider_number: String,
    pub provider_type: String,
    pub locked_by: Option<i64>,
    pub locked_at: chrono::NaiveDateTime,
}

pub fn locks_for(
    conn: &mut DbConnection,
    recipient_ids: &[i64],
    month: &str,
) -> DbResult<Vec<Lock>> {
    Ok(lk::table
        .filter(lk::recipient_id.eq_any(recipient_ids.to_vec()))
        .filter(lk::month.eq(month))
        .select(Lock::as_select())
        .load(conn)?)
}

pub fn lock(
    conn: &mut DbConnection,
    recipient_id: i64,
    month: &str,
    number: &str,
    service_type: &str,
    staff_id: i64,
) -> DbResult<()> {
    dialect::write_transaction(conn, |conn| {
        let exists: i64 = lk::table
            .filter(lk::recipient_id.eq(recipient_id))
            .filter(lk::month.eq(month))
            .filter(lk::provider_number.eq(number))
            .filter(lk::provider_type.eq(service_type))
            .count()
            .get_result(conn)?;
        if exists == 0 {
            diesel::insert_into(lk::table)
                .values((
                    lk::recipient_id.eq(recipient_id),
                    lk::month.eq(month),
                    lk::provider_number.eq(number),
                    lk::provider_type.eq(service_type),
                    lk::locked_by.eq(Some(staff_id)),
                    lk::locked_at.eq(now()),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn unlock(
    conn: &mut DbConnection,
    recipient_id: i64,
    month: &str,
    number: &str,
    service_type: &str,
) -> DbResult<usize> {
    Ok(diesel::delete(
        lk::table
            .filter(lk::recipient_id.eq(recipient_id))
            .filter(lk::month.eq(month))
            .filter(lk::provider_number.eq(number))
            .filter(lk::provider_type.eq(service_type)),
    )
    .execute(conn)?)
}

/// Per recipient and provider of a month: (recipient, number, type, name, lines, planned, actual).
#[derive(Debug, Clone)]
pub struct ProviderMonth {
    pub recipient_id: i64,
    pub provider_number: String,
    pub provider_type: String,
    pub provider_name: String,
    pub planned: i64,
    pub actual: i64,
}

pub fn month_summary(
    conn: &mut DbConnection,
    recipient_ids: &[i64],
    month: &str,
) -> DbResult<Vec<ProviderMonth>> {
    // The lines (only what the summary needs), then each line's day totals summed by the
    // database: two statements per few thousand recipients, whatever the number of days.
    let mut lines: Vec<(i64, i64, String, String, String)> = Vec::new();
    for chunk in recipient_ids.chunks(super::IN_LIST_MAX) {
        lines.extend(
            sl::table
                .filter(sl::recipient_id.eq_any(chunk.to_vec()))
                .filter(sl::month.eq(month))
                .order((sl::recipient_id, sl::position, sl::id))
                .select((
                    sl::id,
                    sl::recipient_id,
                    sl::provider_number,
                    sl::provider_type,
                    sl::provider_name,
                ))
                .load(conn)?,
        );
    }
    let ids: Vec<i64> = lines.iter().map(|l| l.0).collect();
    let mut totals: HashMap<i64, (i64, i64)> = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(super::IN_LIST_MAX) {
        let sums: Vec<(i64, Option<i64>, Option<i64>)> = sd::table
            .filter(sd::line_id.eq_any(chunk.to_vec()))
            .group_by(sd::line_id)
            .select((
                sd::line_id,
                diesel::dsl::sum(sd::plan_count),
                diesel::dsl::sum(sd::actual_count),
            ))
            .load(conn)?;
        for (line, p, a) in sums {
            totals.insert(line, (p.unwrap_or(0), a.unwrap_or(0)));
        }
    }
    let mut out: Vec<ProviderMonth> = Vec::new();
    let mut index: HashMap<(i64, String, String), usize> = HashMap::new();
    for (id, recipient_id, number, stype, name) in lines {
        let (p, a) = totals.get(&id).copied().unwrap_or((0, 0));
        match index.get(&(recipient_id, number.clone(), stype.clone())) {
            Some(&i) => {
                out[i].planned += p;
                out[i].actual += a;
            }
            None => {
                index.insert((recipient_id, number.clone(), stype.clone()), out.len());
                out.push(ProviderMonth {
                    recipient_id,
                    provider_number: number,
                    provider_type: stype,
                    provider_name: name,
                    planned: p,
                    actual: a,
                });
            }
        }
    }
    Ok(out)
}
