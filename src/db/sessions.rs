//! Login sessions, stored in the database so that every app server sees the same ones and so
//! that they can be revoked (staff disabled, password reset, logout).
//!
//! The cookie carries a random token; the table keeps only its SHA-256, so a copy of the
//! database does not hand out live sessions.

use super::offices::Corporation;
use super::schema::{corporations, jobs, login_attempts, sessions, staff};
use super::staff::Staff;
use super::{DbConnection, DbResult, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    pub staff_id: i64,
    pub office_id: i64,
    pub csrf_token: String,
    pub client_addr: String,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

pub struct NewSession<'a> {
    pub token: &'a str,
    pub staff_id: i64,
    pub office_id: i64,
    pub csrf_token: &'a str,
    pub client_addr: &'a str,
    pub expires_at: NaiveDateTime,
}

pub fn create(conn: &mut DbConnection, new: &NewSession<'_>) -> DbResult<()> {
    let t = now();
    diesel::insert_into(sessions::table)
        .values((
            sessions::id.eq(token_hash(new.token)),
            sessions::staff_id.eq(new.staff_id),
            sessions::office_id.eq(new.office_id),
            sessions::csrf_token.eq(new.csrf_token),
            sessions::client_addr.eq(new.client_addr),
            sessions::created_at.eq(t),
            sessions::last_seen_at.eq(t),
            sessions::expires_at.eq(new.expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session of a cookie token with its staff member, their corporation and how many of
/// their jobs are queued or running, in one statement (every request of a logged-in user asks
/// for them). `None` when any of the three is missing.
pub fn find_with_staff(
    conn: &mut DbConnection,
    token: &str,
) -> DbResult<Option<(Session, Staff, Corporation, i64)>> {
    let unfinished = jobs::table
        .filter(jobs::created_by.eq(sessions::staff_id.nullable()))
        .filter(jobs::status.eq_any([super::jobs::QUEUED, super::jobs::RUNNING]))
        .count()
        .single_value();
    let row: Option<(Session, Staff, Corporation, Option<i64>)> = sessions::table
        .inner_join(staff::table.on(staff::id.eq(sessions::staff_id)))
        .inner_join(corporations::table.on(corporations::id.eq(staff::corporation_id)))
        .filter(sessions::id.eq(token_hash(token)))
        .select((
            Session::as_select(),
            Staff::as_select(),
            Corporation::as_select(),
            unfinished,
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(s, st, c, n)| (s, st, c, n.unwrap_or(0))))
}

pub fn touch(conn: &mut DbConnection, id: &str) -> DbResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now()))
        .execute(conn)?;
    Ok(())
}

pub fn set_office(conn: &mut DbConnection, id: &str, office_id: i64) -> DbResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::office_id.eq(office_id))
        .execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConnection, id: &str) -> DbResult<()> {
    diesel::delete(sessions::table.find(id)).execute(conn)?;
    Ok(())
}

/// Ends every session of a staff member (disabled, password reset), optionally keeping one.
pub fn delete_for_staff(
    conn: &mut DbConnection,
    staff_id: i64,
    keep: Option<&str>,
) -> DbResult<usize> {
    let mut q =
        diesel::delete(sessions::table.filter(sessions::staff_id.eq(staff_id))).into_boxed();
    if let Some(keep) = keep {
        q = q.filter(sessions::id.ne(keep.to_string()));
    }
    Ok(q.execute(conn)?)
}

/// Removes sessions past their absolute or idle limit.
pub fn purge_expired(conn: &mut DbConnection, idle_cutoff: NaiveDateTime) -> DbResult<usize> {
    let t = now();
    Ok(diesel::delete(
        sessions::table.filter(
            sessions::expires_at
                .lt(t)
                .or(sessions::last_seen_at.lt(idle_cutoff)),
        ),
    )
    .execute(conn)?)
}

// ---- login throttling ---------------------------------------------------------------------

pub fn record_attempt(
    conn: &mut DbConnection,
    login_id: &str,
    client_addr: &str,
    succeeded: bool,
) -> DbResult<()> {
    diesel::insert_into(login_attempts::table)
        .values((
            login_attempts::login_id.eq(login_id),
            login_attempts::client_addr.eq(client_addr),
            login_attempts::succeeded.eq(succeeded),
            login_attempts::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Failed logins from one client address since `since`.
pub fn failures_from(
    conn: &mut DbConnection,
    client_addr: &str,
    since: NaiveDateTime,
) -> DbResult<i64> {
    Ok(login_attempts::table
        .filter(login_attempts::client_addr.eq(client_addr))
        .filter(login_attempts::succeeded.eq(false))
        .filter(login_attempts::created_at.ge(since))
        .count()
        .get_result(conn)?)
}

pub fn purge_attempts(conn: &mut DbConnection, before: NaiveDateTime) -> DbResult<usize> {
    Ok(
        diesel::delete(login_attempts::table.filter(login_attempts::created_at.lt(before)))
            .execute(conn)?,
    )
}
