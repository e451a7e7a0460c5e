//! The service-code table in the database. The installation's table (corporation_id NULL) is
//! seeded with the shipped 令和6年度 codes and can be replaced from the command line; a
//! corporation may import its own full table (screen), which then replaces the installation's
//! for that corporation only.

use super::schema::service_codes as sc;
use super::{DbConnection, DbResult, dialect};
use crate::domain::ServiceCode;
use crate::domain::service_codes::{
    CodeKind, ServiceCodeEntry, ServiceCodeTable, UnitBasis, Verification,
};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sc)]
struct Row {
    code: String,
    name: String,
    units: i32,
    unit_basis: String,
    limit_target: bool,
    kind: String,
    rate_permille: Option<i32>,
    valid_from: Option<chrono::NaiveDate>,
    valid_to: Option<chrono::NaiveDate>,
    verified: String,
    source: String,
}

fn to_entry(r: Row) -> Option<ServiceCodeEntry> {
    Some(ServiceCodeEntry {
        code: ServiceCode::parse(&r.code).ok()?,
        name: r.name,
        units: r.units.max(0) as u32,
        unit_basis: match r.unit_basis.as_str() {
            "1日" => UnitBasis::PerDay,
            "1月" => UnitBasis::PerMonth,
            _ => UnitBasis::PerVisit,
        },
        counts_toward_limit: r.limit_target,
        kind: match r.kind.as_str() {
            "addition" => CodeKind::Addition,
            "subtraction" => CodeKind::Subtraction,
            _ => CodeKind::Base,
        },
        rate_permille: r.rate_permille.map(|v| v.max(0) as u32),
        valid_from: r.valid_from,
        valid_to: r.valid_to,
        verified: match r.verified.as_str() {
            "units" => Verification::UnitsOnly,
            "no" => Verification::Unverified,
            _ => Verification::Verified,
        },
        source: r.source,
    })
}

fn insert_all(
    conn: &mut DbConnection,
    corporation_id: Option<i64>,
    entries: &[ServiceCodeEntry],
) -> DbResult<()> {
    for e in entries {
        diesel::insert_into(sc::table)
            .values((
                sc::corporation_id.eq(corporation_id),
                sc::code.eq(e.code.as_str()),
                sc::name.eq(&e.name),
                sc::units.eq(e.units as i32),
                sc::unit_basis.eq(e.unit_basis.label()),
                sc::limit_target.eq(e.counts_toward_limit),
                sc::kind.eq(match e.kind {
                    CodeKind::Base => "base",
                    CodeKind::Addition => "addition",
                    CodeKind::Subtraction => "subtraction",
                }),
                sc::rate_permille.eq(e.rate_permille.map(|v| v as i32)),
                sc::valid_from.eq(e.valid_from),
                sc::valid_to.eq(e.valid_to),
                sc::verified.eq(match e.verified {
                    Verification::Verified => "yes",
                    Verification::UnitsOnly => "units",
                    Verification::Unverified => "no",
                }),
                sc::source.eq(&e.source),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Seeds the installation's table with the shipped codes when it is empty.
pub fn seed_if_empty(conn: &mut DbConnection) -> DbResult<()> {
    let n: i64 = sc::table
        .filter(sc::corporation_id.is_null())
        .count()
        .get_result(conn)?;
    if n == 0 {
        dialect::write_transaction(conn, |conn| {
            insert_all(conn, None, ServiceCodeTable::r6().entries())
        })?;
    }
    Ok(())
}

/// Replaces a whole table (the installation's with None), in one transaction.
pub fn replace(
    conn: &mut DbConnection,
    corporation_id: Option<i64>,
    entries: &[ServiceCodeEntry],
) -> DbResult<()> {
    dialect::write_transaction(conn, |conn| {
        match corporation_id {
            Some(c) => diesel::delete(sc::table.filter(sc::corporation_id.eq(c))).execute(conn)?,
            None => diesel::delete(sc::table.filter(sc::corporation_id.is_null())).execute(conn)?,
        };
        insert_all(conn, corporation_id, entries)
    })
}

/// Which table a corporation uses: its own when it imported one.
fn scope(conn: &mut DbConnection, corporation_id: i64) -> DbResult<Option<i64>> {
    let own: i64 = sc::table
        .filter(sc::corporation_id.eq(corporation_id))
        .count()
        .get_result(conn)?;
    Ok((own > 0).then_some(corporation_id))
}

fn scoped(corp: Option<i64>) -> sc::BoxedQuery<'static, super::MultiBackend> {
    match corp {
        Some(c) => sc::table.filter(sc::corporation_id.eq(c)).into_boxed(),
        None => sc::table.filter(sc::corporation_id.is_null()).into_boxed(),
    }
}

/// The table a corporation sees, limited to these codes (all revisions).
pub fn table_for_codes(
    conn: &mut DbConnection,
    corporation_id: i64,
    codes: &[String],
) -> DbResult<ServiceCodeTable> {
    let corp = scope(conn, corporation_id)?;
    let rows: Vec<Row> = scoped(corp)
        .filter(sc::code.eq_any(codes.to_vec()))
        .select(Row::as_select())
        .load(conn)?;
    Ok(ServiceCodeTable::new(
        rows.into_iter().filter_map(to_entry).collect(),
    ))
}

/// Codes of these service types whose code or name contains `text`, valid on `day`.
pub fn search(
    conn: &mut DbConnection,
    corporation_id: i64,
    types: &[String],
    text: &str,
    day: chrono::NaiveDate,
    limit: i64,
) -> DbResult<Vec<ServiceCodeEntry>> {
    let corp = scope(conn, corporation_id)?;
    let mut q = scoped(corp)
        .filter(sc::valid_from.is_null().or(sc::valid_from.le(day)))
        .filter(sc::valid_to.is_null().or(sc::valid_to.ge(day)));
    if !types.is_empty() {
        let prefixes: Vec<String> = types.to_vec();
        let mut cond: Box<
            dyn BoxableExpression<sc::table, super::MultiBackend, SqlType = diesel::sql_types::Bool>,
        > = Box::new(sc::code.like(format!("{}%", prefixes[0])));
        for p in &prefixes[1..] {
            cond = Box::new(cond.or(sc::code.like(format!("{p}%"))));
        }
        q = q.filter(cond);
    }
    let text = text.trim();
    if !text.is_empty() {
        let pattern = format!("%{}%", super::staff::escape_like(text));
        q = q.filter(
            sc::code
                .like(pattern.clone())
                .escape('\\')
                .or(sc::name.like(pattern).escape('\\')),
        );
    }
    let rows: Vec<Row> = q
        .order(sc::code)
        .limit(limit)
        .select(Row::as_select())
        .load(conn)?;
    Ok(rows.into_iter().filter_map(to_entry).collect())
}

/// How many rows a corporation's table has, and whether it is its own import.
pub fn summary(conn: &mut DbConnection, corporation_id: i64) -> DbResult<(i64, bool)> {
    let corp = scope(conn, corporation_id)?;
    let n: i64 = scoped(corp).count().get_result(conn)?;
    Ok((n, corp.is_some()))
}
