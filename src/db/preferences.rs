//! Small per-staff choices that screens remember (e.g. the export screen's 標準仕様).

use super::schema::staff_preferences as sp;
use super::{DbConnection, DbResult, dialect};
use diesel::prelude::*;

pub fn get(conn: &mut DbConnection, staff_id: i64, name: &str) -> DbResult<Option<String>> {
    Ok(sp::table
        .filter(sp::staff_id.eq(staff_id))
        .filter(sp::name.eq(name))
        .select(sp::value)
        .first(conn)
        .optional()?)
}

/// Sets a preference (replacing the previous value).
pub fn set(conn: &mut DbConnection, staff_id: i64, name: &str, value: &str) -> DbResult<()> {
    dialect::write_transaction(conn, |conn| -> DbResult<()> {
        diesel::delete(
            sp::table
                .filter(sp::staff_id.eq(staff_id))
                .filter(sp::name.eq(name)),
        )
        .execute(conn)?;
        diesel::insert_into(sp::table)
            .values((
                sp::staff_id.eq(staff_id),
                sp::name.eq(name),
                sp::value.eq(value),
            ))
            .execute(conn)?;
        Ok(())
    })
}
