//! Staff (職員), their office memberships (所属) and per-office permissions (権限情報).

use super::schema::{memberships, permissions, staff};
use super::{DbConnection, DbResult, now};
use crate::auth::permission::{Menu, MenuSet};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = staff)]
pub struct Staff {
    pub id: i64,
    pub corporation_id: i64,
    pub code: String,
    pub name: String,
    pub kana: String,
    pub kana_row: String,
    pub gender: String,
    pub login_id: String,
    pub password_hash: String,
    pub login_enabled: bool,
    pub is_manager: bool,
    pub failed_logins: i32,
    pub locked_until: Option<chrono::NaiveDateTime>,
    pub password_changed_at: chrono::NaiveDateTime,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl Staff {
    pub fn gender_label(&self) -> &'static str {
        gender_label(&self.gender)
    }
}

pub fn gender_label(code: &str) -> &'static str {
    match code {
        "1" => "男",
        "2" => "女",
        _ => "",
    }
}

/// The fields of 基本情報 that anyone with 職員情報 may edit.
#[derive(Debug, Clone, Default, AsChangeset)]
#[diesel(table_name = staff)]
pub struct StaffBasics {
    pub code: String,
    pub name: String,
    pub kana: String,
    pub kana_row: String,
    pub gender: String,
    pub login_id: String,
}

pub struct NewStaff<'a> {
    pub corporation_id: i64,
    pub basics: &'a StaffBasics,
    pub password_hash: &'a str,
    pub login_enabled: bool,
    pub is_manager: bool,
}

/// Escapes `%`, `_` and `\` for a LIKE pattern used with `ESCAPE '\'`.
pub fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

pub fn create(conn: &mut DbConnection, new: &NewStaff<'_>) -> DbResult<i64> {
    let t = now();
    Ok(diesel::insert_into(staff::table)
        .values((
            staff::corporation_id.eq(new.corporation_id),
            staff::code.eq(&new.basics.code),
            staff::name.eq(&new.basics.name),
            staff::kana.eq(&new.basics.kana),
            staff::kana_row.eq(&new.basics.kana_row),
            staff::gender.eq(&new.basics.gender),
            staff::login_id.eq(&new.basics.login_id),
            staff::password_hash.eq(new.password_hash),
            staff::login_enabled.eq(new.login_enabled),
            staff::is_manager.eq(new.is_manager),
            staff::password_changed_at.eq(t),
            staff::created_at.eq(t),
            staff::updated_at.eq(t),
        ))
        .returning(staff::id)
        .get_result(conn)?)
}

pub fn update_basics(
    conn: &mut DbConnection,
    corporation_id: i64,
    id: i64,
    basics: &StaffBasics,
) -> DbResult<()> {
    diesel::update(
        staff::table
            .filter(staff::id.eq(id))
            .filter(staff::corporation_id.eq(corporation_id)),
    )
    .set((basics, staff::updated_at.eq(now())))
    .execute(conn)?;
    Ok(())
}

pub fn set_flags(
    conn: &mut DbConnection,
    id: i64,
    login_enabled: bool,
    is_manager: bool,
) -> DbResult<()> {
    diesel::update(staff::table.find(id))
        .set((
            staff::login_enabled.eq(login_enabled),
            staff::is_manager.eq(is_manager),
            staff::updated_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn set_password_hash(conn: &mut DbConnection, id: i64, hash: &str) -> DbResult<()> {
    let t = now();
    diesel::update(staff::table.find(id))
        .set((
            staff::password_hash.eq(hash),
            staff::password_changed_at.eq(t),
            staff::failed_logins.eq(0),
            staff::locked_until.eq(None::<chrono::NaiveDateTime>),
            staff::updated_at.eq(t),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConnection, corporation_id: i64, id: i64) -> DbResult<Option<Staff>> {
    Ok(staff::table
        .filter(staff::id.eq(id))
        .filter(staff::corporation_id.eq(corporation_id))
        .select(Staff::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_id(conn: &mut DbConnection, id: i64) -> DbResult<Option<Staff>> {
    Ok(staff::table
        .find(id)
        .select(Staff::as_select())
        .first(conn)
        .optional()?)
}

/// Names of these staff members of a corporation: (id, name).
pub fn names_of(
    conn: &mut DbConnection,
    corporation_id: i64,
    ids: &[i64],
) -> DbResult<Vec<(i64, String)>> {
    Ok(staff::table
        .filter(staff::corporation_id.eq(corporation_id))
        .filter(staff::id.eq_any(ids.to_vec()))
        .select((staff::id, staff::name))
        .load(conn)?)
}

pub fn find_by_login_id(conn: &mut DbConnection, login_id: &str) -> DbResult<Option<Staff>> {
    Ok(staff::table
        .filter(staff::login_id.eq(login_id))
        .select(Staff::as_select())
        .first(conn)
        .optional()?)
}

pub fn code_taken(
    conn: &mut DbConnection,
    corporation_id: i64,
    code: &str,
    except: Option<i64>,
) -> DbResult<bool> {
    let mut q = staff::table
        .filter(staff::corporation_id.eq(corporation_id))
        .filter(staff::code.eq(code))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(staff::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

pub fn login_id_taken(
    conn: &mut DbConnection,
    login_id: &str,
    except: Option<i64>,
) -> DbResult<bool> {
    let mut q = staff::table
        .filter(staff::login_id.eq(login_id))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(staff::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

/// Managers of a corporation who may log in.
pub fn count_active_managers(conn: &mut DbConnection, corporation_id: i64) -> DbResult<i64> {
    Ok(staff::table
        .filter(staff::corporation_id.eq(corporation_id))
        .filter(staff::is_manager.eq(true))
        .filter(staff::login_enabled.eq(true))
        .count()
        .get_result(conn)?)
}

pub fn count_all(conn: &mut DbConnection) -> DbResult<i64> {
    Ok(staff::table.count().get_result(conn)?)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffSort {
    Code,
    Kana,
}

#[derive(Debug, Clone)]
pub struct StaffQuery {
    pub corporation_id: i64,
    /// Only staff who belong to this office.
    pub office_id: Option<i64>,
    pub search: String,
    pub kana_row: String,
    pub sort: StaffSort,
    pub page: i64,
    pub per_page: i64,
}

/// One page of the staff list and the total count.
pub fn search(conn: &mut DbConnection, q: &StaffQuery) -> DbResult<(Vec<Staff>, i64)> {
    let build = || {
        let mut query = staff::table
            .filter(staff::corporation_id.eq(q.corporation_id))
            .into_boxed();
        if let Some(office_id) = q.office_id {
            query = query.filter(
                staff::id.eq_any(
                    memberships::table
                        .filter(memberships::office_id.eq(office_id))
                        .select(memberships::staff_id),
                ),
            );
        }
        let text = q.search.trim();
        if !text.is_empty() {
            let pattern = format!("%{}%", escape_like(text));
            let kana_pattern = format!("%{}%", escape_like(&crate::domain::kana::normalize(text)));
            query = query.filter(
                staff::name
                    .like(pattern.clone())
                    .escape('\\')
                    .or(staff::kana.like(kana_pattern).escape('\\'))
                    .or(staff::code.like(pattern).escape('\\')),
            );
        }
        if !q.kana_row.is_empty() {
            query = query.filter(staff::kana_row.eq(q.kana_row.clone()));
        }
        query
    };
    let total: i64 = build().count().get_result(conn)?;
    let mut query = build();
    query = match q.sort {
        StaffSort::Code => query.order((staff::code, staff::id)),
        StaffSort::Kana => query.order((staff::kana, staff::code)),
    };
    let rows = query
        .limit(q.per_page)
        .offset((q.page.max(1) - 1) * q.per_page)
        .select(Staff::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// Records a failed login; returns the new count. Locks the account when it reaches `limit`.
pub fn record_failed_login(
    conn: &mut DbConnection,
    id: i64,
    limit: i32,
    lock_until: chrono::NaiveDateTime,
) -> DbResult<i32> {
    super::dialect::write_transaction(conn, |conn| {
        let count: i32 = staff::table
            .find(id)
            .select(staff::failed_logins)
            .first(conn)?;
        let count = count + 1;
        if count >= limit {
            diesel::update(staff::table.find(id))
                .set((
                    staff::failed_logins.eq(0),
                    staff::locked_until.eq(Some(lock_until)),
                ))
                .execute(conn)?;
        } else {
            diesel::update(staff::table.find(id))
                .set(staff::failed_logins.eq(count))
                .execute(conn)?;
        }
        Ok(count)
    })
}

pub fn clear_failed_logins(conn: &mut DbConnection, id: i64) -> DbResult<()> {
    diesel::update(staff::table.find(id))
        .set((
            staff::failed_logins.eq(0),
            staff::locked_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

// ---- memberships ------------------------------------------------------------------------

pub fn memberships(conn: &mut DbConnection, staff_id: i64) -> DbResult<Vec<(i64, bool)>> {
    Ok(memberships::table
        .filter(memberships::staff_id.eq(staff_id))
        .select((memberships::office_id, memberships::is_primary))
        .load(conn)?)
}

/// The memberships of several staff members at once: (staff id, office id, 優先).
pub fn memberships_of(
    conn: &mut DbConnection,
    staff_ids: &[i64],
) -> DbResult<Vec<(i64, i64, bool)>> {
    Ok(memberships::table
        .filter(memberships::staff_id.eq_any(staff_ids.to_vec()))
        .order((
            memberships::staff_id,
            memberships::is_primary.desc(),
            memberships::office_id,
        ))
        .select((
            memberships::staff_id,
            memberships::office_id,
            memberships::is_primary,
        ))
        .load(conn)?)
}

/// Replaces a staff member's offices. `primary` must be one of `office_ids`. Permissions for
/// offices that are no longer theirs are removed with the membership.
pub fn set_memberships(
    conn: &mut DbConnection,
    staff_id: i64,
    office_ids: &[i64],
    primary: i64,
) -> DbResult<()> {
    super::dialect::write_transaction(conn, |conn| {
        diesel::delete(
            permissions::table
                .filter(permissions::staff_id.eq(staff_id))
                .filter(permissions::office_id.ne_all(office_ids.to_vec())),
        )
        .execute(conn)?;
        diesel::delete(memberships::table.filter(memberships::staff_id.eq(staff_id)))
            .execute(conn)?;
        for id in office_ids {
            diesel::insert_into(memberships::table)
                .values((
                    memberships::staff_id.eq(staff_id),
                    memberships::office_id.eq(*id),
                    memberships::is_primary.eq(*id == primary),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn is_member(conn: &mut DbConnection, staff_id: i64, office_id: i64) -> DbResult<bool> {
    Ok(memberships::table
        .filter(memberships::staff_id.eq(staff_id))
        .filter(memberships::office_id.eq(office_id))
        .count()
        .get_result::<i64>(conn)?
        > 0)
}

// ---- permissions ------------------------------------------------------------------------

pub fn menus(conn: &mut DbConnection, staff_id: i64, office_id: i64) -> DbResult<MenuSet> {
    let keys: Vec<String> = permissions::table
        .filter(permissions::staff_id.eq(staff_id))
        .filter(permissions::office_id.eq(office_id))
        .select(permissions::menu)
        .load(conn)?;
    Ok(MenuSet::from_keys(keys.iter().map(String::as_str)))
}

/// All of a staff member's permissions: (office id, menu key).
pub fn all_permissions(conn: &mut DbConnection, staff_id: i64) -> DbResult<Vec<(i64, String)>> {
    Ok(permissions::table
        .filter(permissions::staff_id.eq(staff_id))
        .select((permissions::office_id, permissions::menu))
        .load(conn)?)
}

pub fn set_menus(
    conn: &mut DbConnection,
    staff_id: i64,
    office_id: i64,
    menus: &MenuSet,
) -> DbResult<()> {
    super::dialect::write_transaction(conn, |conn| {
        diesel::delete(
            permissions::table
                .filter(permissions::staff_id.eq(staff_id))
                .filter(permissions::office_id.eq(office_id)),
        )
        .execute(conn)?;
        for menu in menus.iter() {
            diesel::insert_into(permissions::table)
                .values((
                    permissions::staff_id.eq(staff_id),
                    permissions::office_id.eq(office_id),
                    permissions::menu.eq(menu.key()),
                ))
                .execute(conn)?;
        }
        Ok(())
    })
}

pub fn grant(
    conn: &mut DbConnection,
    staff_id: i64,
    office_id: i64,
    menus: &[Menu],
) -> DbResult<()> {
    let set: MenuSet = menus.iter().copied().collect();
    set_menus(conn, staff_id, office_id, &set)
}
