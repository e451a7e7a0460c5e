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
#[diesel(table_name = sl, treat_none_as_default_value = false)]
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

/// A new line with its place (multi-row inserts: [`add_lines`]).
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = sl, treat_none_as_default_value = false)]
pub struct NewLine {
    pub corporation_id: i64,
    pub recipient_id: i64,
    pub month: String,
    pub position: i32,
    #[diesel(embed)]
    pub fields: LineFields,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// A day of a line: also the row written back by [`replace_days`].
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = sd, treat_none_as_default_value = false)]
pub struct ScheduleDay {
    pub line_id: i64,
    pub day: i32,
    pub plan_count: i32,
    pub actual_count: i32,
    pub actual_start: Option<String>,
    pub actual_end: Option<String>,
}

/// Rows per multi-row INSERT: × columns stays well under SQLite's 32,766 bind parameters. (The
/// row types say `treat_none_as_default_value = false`: else diesel inserts row by row on SQLite,
/// which has no DEFAULT in a VALUES list.)
const LINES_PER_INSERT: usize = 1_000;
const DAYS_PER_INSERT: usize = 4_000;

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
    lines_for_many_in(conn, recipient_ids, month, super::IN_LIST_MAX)
}

/// [`lines_for_many`] with `chunk` ids per query.
pub fn lines_for_many_in(
    conn: &mut DbConnection,
    recipient_ids: &[i64],
    month: &str,
    chunk: usize,
) -> DbResult<Vec<ScheduleLine>> {
    let mut out = Vec::new();
    for chunk in recipient_ids.chunks(chunk.max(1)) {
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

/// The days of these lines, by line and day. Read row by row into one list sized for a month a
/// line (a large office's month is some 200,000 days: loaded in parts of growing lists, it took
/// three times its size).
pub fn days_for(conn: &mut DbConnection, line_ids: &[i64]) -> DbResult<Vec<ScheduleDay>> {
    days_for_in(conn, line_ids, super::IN_LIST_MAX)
}

/// [`days_for`] with `chunk` ids per query.
pub fn days_for_in(
    conn: &mut DbConnection,
    line_ids: &[i64],
    chunk: usize,
) -> DbResult<Vec<ScheduleDay>> {
    let mut out = Vec::with_capacity(line_ids.len() * 31);
    for chunk in line_ids.chunks(chunk.max(1)) {
        let rows = sd::table
            .filter(sd::line_id.eq_any(chunk.to_vec()))
            .order((sd::line_id, sd::day))
            .select(ScheduleDay::as_select())
            .load_iter::<ScheduleDay, diesel::connection::DefaultLoadingMode>(conn)?;
        for day in rows {
            out.push(day?);
        }
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

/// What a day's row becomes when a line's counts are set ([`day_writes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayWrite {
    /// Nothing changes (no row, or the row already holds these counts).
    Keep,
    /// The row goes: both counts are 0.
    Delete,
    /// The row's counts become (plan, actual); its actual times stay.
    Update(i32, i32),
    /// A new row with (plan, actual).
    Insert(i32, i32),
}

/// The rule of [`set_days`] for days 1..=31 of a line whose rows are `existing`: `plan` /
/// `actual` None leaves that count as it is; a day left with neither count has no row.
pub fn day_writes(
    existing: &[ScheduleDay],
    plan: Option<&[i32; 31]>,
    actual: Option<&[i32; 31]>,
) -> [DayWrite; 31] {
    let mut out = [DayWrite::Keep; 31];
    for (i, w) in out.iter_mut().enumerate() {
        let old = existing.iter().find(|d| d.day == i as i32 + 1);
        let p = plan.map_or_else(|| old.map_or(0, |d| d.plan_count), |a| a[i]);
        let a = actual.map_or_else(|| old.map_or(0, |d| d.actual_count), |a| a[i]);
        *w = match old {
            Some(o) if o.plan_count == p && o.actual_count == a => DayWrite::Keep,
            Some(_) if p == 0 && a == 0 => DayWrite::Delete,
            Some(_) => DayWrite::Update(p, a),
            None if p == 0 && a == 0 => DayWrite::Keep,
            None => DayWrite::Insert(p, a),
        };
    }
    out
}

/// The rows a line holds after [`day_writes`], or None when nothing changes: what
/// [`replace_days`] writes back when many lines change at once.
pub fn days_after(
    line_id: i64,
    existing: &[ScheduleDay],
    plan: Option<&[i32; 31]>,
    actual: Option<&[i32; 31]>,
) -> Option<Vec<ScheduleDay>> {
    let writes = day_writes(existing, plan, actual);
    if writes.iter().all(|w| *w == DayWrite::Keep) {
        return None;
    }
    // Rows outside 1..=31 (none are written) stay as they are.
    let mut out: Vec<ScheduleDay> = existing
        .iter()
        .filter(|d| !(1..=31).contains(&d.day))
        .cloned()
        .collect();
    for (i, w) in writes.iter().enumerate() {
        let day = i as i32 + 1;
        let old = existing.iter().find(|d| d.day == day);
        let counts = match (w, old) {
            (DayWrite::Keep, Some(o)) => (o.plan_count, o.actual_count),
            (DayWrite::Update(p, a) | DayWrite::Insert(p, a), _) => (*p, *a),
            (DayWrite::Keep, None) | (DayWrite::Delete, _) => continue,
        };
        out.push(ScheduleDay {
            line_id,
            day,
            plan_count: counts.0,
            actual_count: counts.1,
            actual_start: old.and_then(|o| o.actual_start.clone()),
            actual_end: old.and_then(|o| o.actual_end.clone()),
        });
    }
    Some(out)
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
        for (i, w) in day_writes(&existing, plan, actual).into_iter().enumerate() {
            let day = i as i32 + 1;
            let row = sd::table
                .filter(sd::line_id.eq(line_id))
                .filter(sd::day.eq(day));
            match w {
                DayWrite::Keep => {}
                DayWrite::Delete => {
                    diesel::delete(row).execute(conn)?;
                }
                DayWrite::Update(p, a) => {
                    diesel::update(row)
                        .set((sd::plan_count.eq(p), sd::actual_count.eq(a)))
                        .execute(conn)?;
                }
                DayWrite::Insert(p, a) => {
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

// ---- many lines at once (取込 of a received set) ------------------------------------------------

/// Inserts new lines in multi-row statements (at most `chunk` rows each); their ids are found
/// again by reading the recipients' months.
pub fn add_lines(conn: &mut DbConnection, rows: &[NewLine], chunk: usize) -> DbResult<usize> {
    Ok(dialect::insert_rows!(
        conn,
        sl::table,
        rows,
        chunk.min(LINES_PER_INSERT)
    )?)
}

/// Replaces the day rows of `line_ids` with `rows` (each row of one of those lines): their rows
/// are deleted, then `rows` inserted, `chunk` ids or rows per statement.
pub fn replace_days(
    conn: &mut DbConnection,
    line_ids: &[i64],
    rows: &[ScheduleDay],
    chunk: usize,
) -> DbResult<()> {
    for ids in line_ids.chunks(chunk.max(1)) {
        diesel::delete(sd::table.filter(sd::line_id.eq_any(ids.to_vec()))).execute(conn)?;
    }
    dialect::insert_rows!(conn, sd::table, rows, chunk.min(DAYS_PER_INSERT))?;
    Ok(())
}

/// Marks lines as changed now (`updated_at`), `chunk` ids per statement.
pub fn touch_lines(conn: &mut DbConnection, line_ids: &[i64], chunk: usize) -> DbResult<()> {
    let t = now();
    for ids in line_ids.chunks(chunk.max(1)) {
        diesel::update(sl::table.filter(sl::id.eq_any(ids.to_vec())))
            .set(sl::updated_at.eq(t))
            .execute(conn)?;
    }
    Ok(())
}

/// Deletes lines (their days go with them), `chunk` ids per statement.
pub fn delete_lines(conn: &mut DbConnection, line_ids: &[i64], chunk: usize) -> DbResult<usize> {
    let mut n = 0;
    for ids in line_ids.chunks(chunk.max(1)) {
        n += diesel::delete(sl::table.filter(sl::id.eq_any(ids.to_vec()))).execute(conn)?;
    }
    Ok(n)
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
