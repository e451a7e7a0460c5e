//! Checking a login: password, account lock-out and per-address throttling, all stored in the
//! database so that several app servers count the same failures.

use crate::auth::password;
use crate::config::Settings;
use crate::db::audit::{Action, NewEntry};
use crate::db::staff::Staff;
use crate::db::{self, DbConnection, DbResult};
use chrono::NaiveDateTime;
use std::sync::OnceLock;

#[derive(Debug)]
pub enum LoginOutcome {
    /// Logged in; work starts in this office (the 優先 one).
    Success { staff: Box<Staff>, office_id: i64 },
    /// Wrong login id or password; `remaining` tries before the account locks, when known.
    Failed { remaining: Option<i32> },
    /// Too many failures: locked until then (naive UTC).
    Locked { until: NaiveDateTime },
    /// Too many failures from this client address.
    AddressBlocked,
    /// The account may not log in (ログイン可 is off).
    Disabled,
    /// The account belongs to no office.
    NoOffice,
}

/// A hash to verify against when the login id is unknown, so that the answer takes as long
/// as for a known id.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash("dummy password for timing"))
}

pub fn authenticate(
    conn: &mut DbConnection,
    settings: &Settings,
    login_id: &str,
    password_input: &str,
    client_addr: &str,
) -> DbResult<LoginOutcome> {
    let now = db::now();
    let window_start = now - settings.lock_duration;
    if db::sessions::failures_from(conn, client_addr, window_start)?
        >= settings.address_failure_limit
    {
        return Ok(LoginOutcome::AddressBlocked);
    }
    let login_id = login_id.trim();
    let staff = db::staff::find_by_login_id(conn, login_id)?;
    let Some(staff) = staff else {
        password::verify(password_input, dummy_hash());
        db::sessions::record_attempt(conn, login_id, client_addr, false)?;
        db::audit::record(
            conn,
            &NewEntry {
                corporation_id: None,
                office_id: None,
                staff_id: None,
                login_id,
                action: Action::LoginFailed,
                detail: "存在しないログインID",
                client_addr,
            },
        )?;
        return Ok(LoginOutcome::Failed { remaining: None });
    };
    let entry = |action, detail| NewEntry {
        corporation_id: Some(staff.corporation_id),
        office_id: None,
        staff_id: Some(staff.id),
        login_id: &staff.login_id,
        action,
        detail,
        client_addr,
    };
    if let Some(until) = staff.locked_until
        && until > now
    {
        db::sessions::record_attempt(conn, login_id, client_addr, false)?;
        db::audit::record(conn, &entry(Action::LoginFailed, "ロック中のログイン"))?;
        return Ok(LoginOutcome::Locked { until });
    }
    if !password::verify(password_input, &staff.password_hash) {
        db::sessions::record_attempt(conn, login_id, client_addr, false)?;
        let lock_until = now + settings.lock_duration;
        let count = db::staff::record_failed_login(
            conn,
            staff.id,
            settings.lock_after_failures,
            lock_until,
        )?;
        if count >= settings.lock_after_failures {
            db::audit::record(
                conn,
                &entry(
                    Action::LoginLocked,
                    "パスワード誤りが続いたためアカウントをロック",
                ),
            )?;
            return Ok(LoginOutcome::Locked { until: lock_until });
        }
        db::audit::record(conn, &entry(Action::LoginFailed, "パスワード誤り"))?;
        return Ok(LoginOutcome::Failed {
            remaining: Some(settings.lock_after_failures - count),
        });
    }
    if !staff.login_enabled {
        db::sessions::record_attempt(conn, login_id, client_addr, false)?;
        db::audit::record(conn, &entry(Action::LoginFailed, "ログイン不可の職員"))?;
        return Ok(LoginOutcome::Disabled);
    }
    let offices = db::offices::of_staff(conn, staff.id)?;
    let Some((office, _)) = offices.first() else {
        return Ok(LoginOutcome::NoOffice);
    };
    db::staff::clear_failed_logins(conn, staff.id)?;
    db::sessions::record_attempt(conn, login_id, client_addr, true)?;
    Ok(LoginOutcome::Success {
        office_id: office.id,
        staff: Box::new(staff),
    })
}
