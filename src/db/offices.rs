//! Corporations (tenants) and their own offices (自社事業所).

use super::schema::{corporations, memberships, offices, permissions};
use super::{DbConnection, DbResult, now};
use crate::auth::permission::MenuSet;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = corporations)]
pub struct Corporation {
    pub id: i64,
    pub name: String,
    pub kana: String,
    pub created_at: chrono::NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = offices)]
pub struct Office {
    pub id: i64,
    pub corporation_id: i64,
    pub office_number: String,
    pub service_type: String,
    pub name: String,
    pub kana: String,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub area_grade: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl Office {
    /// `1310100001 (43 居宅介護支援)`.
    pub fn number_and_type(&self) -> String {
        format!(
            "{} ({})",
            self.office_number,
            crate::domain::ServiceType::parse(&self.service_type)
                .map(|t| t.label())
                .unwrap_or_else(|_| self.service_type.clone())
        )
    }

    pub fn service_type_name(&self) -> String {
        crate::domain::ServiceType::parse(&self.service_type)
            .map(|t| t.name().to_string())
            .unwrap_or_else(|_| self.service_type.clone())
    }
}

/// The editable fields of an office.
#[derive(Debug, Clone, Default, Insertable, AsChangeset)]
#[diesel(table_name = offices)]
pub struct OfficeFields {
    pub office_number: String,
    pub service_type: String,
    pub name: String,
    pub kana: String,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub area_grade: String,
}

pub fn create_corporation(conn: &mut DbConnection, name: &str, kana: &str) -> DbResult<i64> {
    Ok(diesel::insert_into(corporations::table)
        .values((
            corporations::name.eq(name),
            corporations::kana.eq(kana),
            corporations::created_at.eq(now()),
        ))
        .returning(corporations::id)
        .get_result(conn)?)
}

pub fn corporation(conn: &mut DbConnection, id: i64) -> DbResult<Corporation> {
    Ok(corporations::table
        .find(id)
        .select(Corporation::as_select())
        .first(conn)?)
}

pub fn update_corporation(
    conn: &mut DbConnection,
    id: i64,
    name: &str,
    kana: &str,
) -> DbResult<()> {
    diesel::update(corporations::table.find(id))
        .set((corporations::name.eq(name), corporations::kana.eq(kana)))
        .execute(conn)?;
    Ok(())
}

pub fn count_corporations(conn: &mut DbConnection) -> DbResult<i64> {
    Ok(corporations::table.count().get_result(conn)?)
}

pub fn create(
    conn: &mut DbConnection,
    corporation_id: i64,
    fields: &OfficeFields,
) -> DbResult<i64> {
    let t = now();
    Ok(diesel::insert_into(offices::table)
        .values((
            fields,
            offices::corporation_id.eq(corporation_id),
            offices::created_at.eq(t),
            offices::updated_at.eq(t),
        ))
        .returning(offices::id)
        .get_result(conn)?)
}

pub fn update(
    conn: &mut DbConnection,
    corporation_id: i64,
    id: i64,
    fields: &OfficeFields,
) -> DbResult<usize> {
    Ok(diesel::update(
        offices::table
            .filter(offices::id.eq(id))
            .filter(offices::corporation_id.eq(corporation_id)),
    )
    .set((fields, offices::updated_at.eq(now())))
    .execute(conn)?)
}

/// An office of this corporation, or None (another tenant's id looks like a missing one).
pub fn find(conn: &mut DbConnection, corporation_id: i64, id: i64) -> DbResult<Option<Office>> {
    Ok(offices::table
        .filter(offices::id.eq(id))
        .filter(offices::corporation_id.eq(corporation_id))
        .select(Office::as_select())
        .first(conn)
        .optional()?)
}

/// Any office with this number and type, whichever corporation owns it (for uniqueness checks).
pub fn find_by_number(
    conn: &mut DbConnection,
    number: &str,
    service_type: &str,
) -> DbResult<Option<Office>> {
    Ok(offices::table
        .filter(offices::office_number.eq(number))
        .filter(offices::service_type.eq(service_type))
        .select(Office::as_select())
        .first(conn)
        .optional()?)
}

pub fn list(conn: &mut DbConnection, corporation_id: i64) -> DbResult<Vec<Office>> {
    Ok(offices::table
        .filter(offices::corporation_id.eq(corporation_id))
        .order((offices::office_number, offices::service_type))
        .select(Office::as_select())
        .load(conn)?)
}

/// The offices a staff member belongs to, with the 優先 flag, 優先 first, each with the menus
/// (権限) the staff member has there, in one statement (every request of a logged-in user
/// asks for both).
pub fn of_staff_with_menus(
    conn: &mut DbConnection,
    staff_id: i64,
) -> DbResult<Vec<(Office, bool, MenuSet)>> {
    let rows: Vec<(Office, bool, Option<String>)> = memberships::table
        .inner_join(offices::table)
        .left_join(
            permissions::table.on(permissions::staff_id
                .eq(memberships::staff_id)
                .and(permissions::office_id.eq(offices::id))),
        )
        .filter(memberships::staff_id.eq(staff_id))
        .order((
            memberships::is_primary.desc(),
            offices::office_number,
            offices::service_type,
            offices::id,
        ))
        .select((
            Office::as_select(),
            memberships::is_primary,
            permissions::menu.nullable(),
        ))
        .load(conn)?;
    let mut out: Vec<(Office, bool, Vec<String>)> = Vec::new();
    for (office, primary, menu) in rows {
        match out.last_mut() {
            Some((last, _, keys)) if last.id == office.id => keys.extend(menu),
            _ => out.push((office, primary, menu.into_iter().collect())),
        }
    }
    Ok(out
        .into_iter()
        .map(|(office, primary, keys)| {
            (
                office,
                primary,
                MenuSet::from_keys(keys.iter().map(String::as_str)),
            )
        })
        .collect())
}

/// The offices a staff member belongs to, with the 優先 flag, 優先 first.
pub fn of_staff(conn: &mut DbConnection, staff_id: i64) -> DbResult<Vec<(Office, bool)>> {
    Ok(of_staff_with_menus(conn, staff_id)?
        .into_iter()
        .map(|(office, primary, _)| (office, primary))
        .collect())
}
