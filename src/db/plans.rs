//! 居宅サービス計画書 (第1表, 第2表, 第3表), one version per 居宅サービス計画作成（変更）日.

use super::schema::{care_plan_lines, care_plan_weekly, care_plans};
use super::{DbConnection, DbResult, dialect, now};
use chrono::NaiveDate;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = care_plans)]
pub struct CarePlan {
    pub id: i64,
    pub corporation_id: i64,
    pub recipient_id: i64,
    pub office_id: i64,
    pub plan_date: NaiveDate,
    pub document_date: NaiveDate,
    pub first_plan_date: NaiveDate,
    pub plan_category: String,
    pub cert_status: String,
    pub certified_on: Option<NaiveDate>,
    pub cert_from: Option<NaiveDate>,
    pub cert_to: Option<NaiveDate>,
    pub care_level: String,
    pub author_name: String,
    pub intentions: String,
    pub board_opinion: String,
    pub policy: String,
    pub livelihood_reason: String,
    pub livelihood_other: String,
    pub table2_date: Option<NaiveDate>,
    pub table3_date: Option<NaiveDate>,
    pub weekly_other: String,
    pub created_by: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

/// 第1表: what the care manager edits.
#[derive(Debug, Clone, Default, PartialEq, Insertable, AsChangeset)]
#[diesel(table_name = care_plans, treat_none_as_null = true)]
pub struct Table1Fields {
    pub plan_date: NaiveDate,
    pub document_date: NaiveDate,
    pub first_plan_date: NaiveDate,
    pub plan_category: String,
    pub cert_status: String,
    pub certified_on: Option<NaiveDate>,
    pub cert_from: Option<NaiveDate>,
    pub cert_to: Option<NaiveDate>,
    pub care_level: String,
    pub author_name: String,
    pub intentions: String,
    pub board_opinion: String,
    pub policy: String,
    pub livelihood_reason: String,
    pub livelihood_other: String,
}

/// One line of 第2表 (課題 → 目標 → 援助内容), as UP2KYO carries it.
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = care_plan_lines)]
pub struct PlanLine {
    pub need_no: i32,
    pub need: String,
    pub goal_no: i32,
    pub long_goal: String,
    pub long_period: String,
    pub short_goal: String,
    pub short_period: String,
    pub item_no: i32,
    pub content: String,
    /// `Y` 対象, `N` 対象外, empty: not marked.
    pub insured: String,
    pub service_kind: String,
    pub provider_number: String,
    pub provider_name: String,
    pub frequency: String,
    pub period: String,
}

/// One entry of 第3表: a weekly service (`service`: weekday 1=月…7=日 and times), a daily
/// activity (`activity`: times only).
#[derive(Debug, Clone, Default, PartialEq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = care_plan_weekly)]
pub struct WeeklyEntry {
    pub kind: String,
    pub name: String,
    pub weekday: Option<i32>,
    pub start_time: String,
    pub end_time: String,
}

pub fn list_for_recipient(conn: &mut DbConnection, recipient_id: i64) -> DbResult<Vec<CarePlan>> {
    Ok(care_plans::table
        .filter(care_plans::recipient_id.eq(recipient_id))
        .order(care_plans::plan_date.desc())
        .select(CarePlan::as_select())
        .load(conn)?)
}

pub fn find(conn: &mut DbConnection, corporation_id: i64, id: i64) -> DbResult<Option<CarePlan>> {
    Ok(care_plans::table
        .filter(care_plans::id.eq(id))
        .filter(care_plans::corporation_id.eq(corporation_id))
        .select(CarePlan::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_date(
    conn: &mut DbConnection,
    recipient_id: i64,
    plan_date: NaiveDate,
) -> DbResult<Option<CarePlan>> {
    Ok(care_plans::table
        .filter(care_plans::recipient_id.eq(recipient_id))
        .filter(care_plans::plan_date.eq(plan_date))
        .select(CarePlan::as_select())
        .first(conn)
        .optional()?)
}

pub fn lines(conn: &mut DbConnection, plan_id: i64) -> DbResult<Vec<PlanLine>> {
    Ok(care_plan_lines::table
        .filter(care_plan_lines::plan_id.eq(plan_id))
        .order((
            care_plan_lines::need_no,
            care_plan_lines::goal_no,
            care_plan_lines::item_no,
            care_plan_lines::id,
        ))
        .select(PlanLine::as_select())
        .load(conn)?)
}

pub fn weekly(conn: &mut DbConnection, plan_id: i64) -> DbResult<Vec<WeeklyEntry>> {
    Ok(care_plan_weekly::table
        .filter(care_plan_weekly::plan_id.eq(plan_id))
        .order((care_plan_weekly::position, care_plan_weekly::id))
        .select(WeeklyEntry::as_select())
        .load(conn)?)
}

pub struct NewPlan<'a> {
    pub corporation_id: i64,
    pub recipient_id: i64,
    pub office_id: i64,
    pub created_by: Option<i64>,
    pub table1: &'a Table1Fields,
    pub weekly_other: &'a str,
}

pub fn create(conn: &mut DbConnection, new: &NewPlan<'_>) -> DbResult<i64> {
    let t = now();
    Ok(diesel::insert_into(care_plans::table)
        .values((
            new.table1,
            care_plans::corporation_id.eq(new.corporation_id),
            care_plans::recipient_id.eq(new.recipient_id),
            care_plans::office_id.eq(new.office_id),
            care_plans::weekly_other.eq(new.weekly_other),
            care_plans::created_by.eq(new.created_by),
            care_plans::created_at.eq(t),
            care_plans::updated_at.eq(t),
        ))
        .returning(care_plans::id)
        .get_result(conn)?)
}

pub fn update_table1(conn: &mut DbConnection, id: i64, f: &Table1Fields) -> DbResult<()> {
    diesel::update(care_plans::table.find(id))
        .set((f, care_plans::updated_at.eq(now())))
        .execute(conn)?;
    Ok(())
}

/// Replaces 第2表 whole.
pub fn replace_lines(
    conn: &mut DbConnection,
    plan_id: i64,
    document_date: Option<NaiveDate>,
    lines: &[PlanLine],
) -> DbResult<()> {
    dialect::write_transaction(conn, |conn| {
        diesel::delete(care_plan_lines::table.filter(care_plan_lines::plan_id.eq(plan_id)))
            .execute(conn)?;
        for l in lines {
            diesel::insert_into(care_plan_lines::table)
                .values((l, care_plan_lines::plan_id.eq(plan_id)))
                .execute(conn)?;
        }
        diesel::update(care_plans::table.find(plan_id))
            .set((
                care_plans::table2_date.eq(document_date),
                care_plans::updated_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Replaces 第3表 whole.
pub fn replace_weekly(
    conn: &mut DbConnection,
    plan_id: i64,
    document_date: Option<NaiveDate>,
    entries: &[WeeklyEntry],
    other: &str,
) -> DbResult<()> {
    dialect::write_transaction(conn, |conn| {
        diesel::delete(care_plan_weekly::table.filter(care_plan_weekly::plan_id.eq(plan_id)))
            .execute(conn)?;
        for (i, e) in entries.iter().enumerate() {
            diesel::insert_into(care_plan_weekly::table)
                .values((
                    care_plan_weekly::plan_id.eq(plan_id),
                    care_plan_weekly::kind.eq(&e.kind),
                    care_plan_weekly::name.eq(&e.name),
                    care_plan_weekly::weekday.eq(e.weekday),
                    care_plan_weekly::start_time.eq(&e.start_time),
                    care_plan_weekly::end_time.eq(&e.end_time),
                    care_plan_weekly::position.eq(i as i32),
                ))
                .execute(conn)?;
        }
        diesel::update(care_plans::table.find(plan_id))
            .set((
                care_plans::table3_date.eq(document_date),
                care_plans::weekly_other.eq(other),
                care_plans::updated_at.eq(now()),
            ))
            .execute(conn)?;
        Ok(())
    })
}

/// Deletes a plan version with its 第2表 and 第3表 (a received DLT1KYO).
pub fn delete(conn: &mut DbConnection, id: i64) -> DbResult<()> {
    dialect::write_transaction(conn, |conn| {
        diesel::delete(care_plan_lines::table.filter(care_plan_lines::plan_id.eq(id)))
            .execute(conn)?;
        diesel::delete(care_plan_weekly::table.filter(care_plan_weekly::plan_id.eq(id)))
            .execute(conn)?;
        diesel::delete(care_plans::table.find(id)).execute(conn)?;
        Ok(())
    })
}

/// The 第1表 fields of a stored plan.
pub fn table1_of(p: &CarePlan) -> Table1Fields {
    Table1Fields {
        plan_date: p.plan_date,
        document_date: p.document_date,
        first_plan_date: p.first_plan_date,
        plan_category: p.plan_category.clone(),
        cert_status: p.cert_status.clone(),
        certified_on: p.certified_on,
        cert_from: p.cert_from,
        cert_to: p.cert_to,
        care_level: p.care_level.clone(),
        author_name: p.author_name.clone(),
        intentions: p.intentions.clone(),
        board_opinion: p.board_opinion.clone(),
        policy: p.policy.clone(),
        livelihood_reason: p.livelihood_reason.clone(),
        livelihood_other: p.livelihood_other.clone(),
    }
}

/// A new version from an existing one: 第1表 with the new dates, 第2表 and 第3表 copied.
pub fn copy(
    conn: &mut DbConnection,
    from: &CarePlan,
    plan_date: NaiveDate,
    created_by: Option<i64>,
) -> DbResult<i64> {
    let lines = lines(conn, from.id)?;
    let weekly = weekly(conn, from.id)?;
    dialect::write_transaction(conn, |conn| {
        let t1 = Table1Fields {
            plan_date,
            document_date: plan_date,
            ..table1_of(from)
        };
        let id = create(
            conn,
            &NewPlan {
                corporation_id: from.corporation_id,
                recipient_id: from.recipient_id,
                office_id: from.office_id,
                created_by,
                table1: &t1,
                weekly_other: &from.weekly_other,
            },
        )?;
        replace_lines(conn, id, Some(plan_date), &lines)?;
        replace_weekly(conn, id, Some(plan_date), &weekly, &from.weekly_other)?;
        Ok(id)
    })
}
