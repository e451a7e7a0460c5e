//! Small per-staff choices that screens remember (e.g. the export screen's 標準仕様).

use super::schema::staff_preferences as sp;
use super::{DbConnection, DbResult};
use diesel::prelude::*;

pub fn get(conn: &mut DbConnection, staff_id: i64, name: &str) -> DbResult<Option<String>> {
    Ok(sp::table
        .filter(sp::staff_id.eq(staff_id))
        .filter(sp::name.eq(name))
        .select(sp::value)
        .first(conn)
        .optional()?)
}

/// Sets a preference (replacing the previous value), in one statement: two requests of the same
/// person at once (two tabs, two servers) both succeed, the later value stays. (A delete and an
/// insert in a transaction let both requests insert on PostgreSQL, and the second failed on the
/// primary key.)
pub fn set(conn: &mut DbConnection, staff_id: i64, name: &str, value: &str) -> DbResult<()> {
    let row = (
        sp::staff_id.eq(staff_id),
        sp::name.eq(name),
        sp::value.eq(value),
    );
    // MultiConnection has no ON CONFLICT; the statement is the same on both backends.
    match conn {
        DbConnection::Pg(c) => diesel::insert_into(sp::table)
            .values(row)
            .on_conflict((sp::staff_id, sp::name))
            .do_update()
            .set(sp::value.eq(value))
            .execute(c)?,
        DbConnection::Sqlite(c) => diesel::insert_into(sp::table)
            .values(row)
            .on_conflict((sp::staff_id, sp::name))
            .do_update()
            .set(sp::value.eq(value))
            .execute(c)?,
    };
    Ok(())
}
