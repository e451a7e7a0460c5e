//! Partner offices (他社事業所): the other side of the exchange.

use super::schema::partners;
use super::{DbConnection, DbResult, now};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = partners)]
pub struct Partner {
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
    pub exchange_enabled: bool,
    pub csv_version: String,
    pub note: String,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub area_grade: String,
}

impl Partner {
    pub fn service_type_label(&self) -> String {
        crate::domain::ServiceType::parse(&self.service_type)
            .map(|t| t.label())
            .unwrap_or_else(|_| self.service_type.clone())
    }

    pub fn csv_version_label(&self) -> &'static str {
        if self.csv_version == "v3" { "V3" } else { "V4" }
    }
}

#[derive(Debug, Clone, Default, Insertable, AsChangeset)]
#[diesel(table_name = partners)]
pub struct PartnerFields {
    pub office_number: String,
    pub service_type: String,
    pub name: String,
    pub kana: String,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub fax: String,
    pub exchange_enabled: bool,
    pub csv_version: String,
    pub note: String,
    pub area_grade: String,
}

pub fn create(
    conn: &mut DbConnection,
    corporation_id: i64,
    fields: &PartnerFields,
) -> DbResult<i64> {
    let t = now();
    Ok(diesel::insert_into(partners::table)
        .values((
            fields,
            partners::corporation_id.eq(corporation_id),
            partners::created_at.eq(t),
            partners::updated_at.eq(t),
        ))
        .returning(partners::id)
        .get_result(conn)?)
}

pub fn update(
    conn: &mut DbConnection,
    corporation_id: i64,
    id: i64,
    fields: &PartnerFields,
) -> DbResult<usize> {
    Ok(diesel::update(
        partners::table
            .filter(partners::id.eq(id))
            .filter(partners::corporation_id.eq(corporation_id)),
    )
    .set((fields, partners::updated_at.eq(now())))
    .execute(conn)?)
}

pub fn find(conn: &mut DbConnection, corporation_id: i64, id: i64) -> DbResult<Option<Partner>> {
    Ok(partners::table
        .filter(partners::id.eq(id))
        .filter(partners::corporation_id.eq(corporation_id))
        .select(Partner::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_number(
    conn: &mut DbConnection,
    corporation_id: i64,
    number: &str,
    service_type: &str,
) -> DbResult<Option<Partner>> {
    Ok(partners::table
        .filter(partners::corporation_id.eq(corporation_id))
        .filter(partners::office_number.eq(number))
        .filter(partners::service_type.eq(service_type))
        .select(Partner::as_select())
        .first(conn)
        .optional()?)
}

/// Partners of a corporation, filtered by a name/kana/number fragment.
pub fn list(conn: &mut DbConnection, corporation_id: i64, search: &str) -> DbResult<Vec<Partner>> {
    let mut query = partners::table
        .filter(partners::corporation_id.eq(corporation_id))
        .into_boxed();
    let search = search.trim();
    if !search.is_empty() {
        let pattern = format!("%{}%", super::staff::escape_like(search));
        query = query.filter(
            partners::name
                .like(pattern.clone())
                .escape('\\')
                .or(partners::kana.like(pattern.clone()).escape('\\'))
                .or(partners::office_number.like(pattern).escape('\\')),
        );
    }
    Ok(query
        .order((partners::office_number, partners::service_type))
        .select(Partner::as_select())
        .load(conn)?)
}

/// Every office a corporation knows by number: its own offices and its partners (他社情報), for
/// naming and classifying the senders and receivers of the exchange.
pub struct Directory {
    pub offices: Vec<super::offices::Office>,
    pub partners: Vec<Partner>,
}

impl Directory {
    pub fn load(conn: &mut DbConnection, corporation_id: i64) -> DbResult<Directory> {
        Ok(Directory {
            offices: super::offices::list(conn, corporation_id)?,
            partners: list(conn, corporation_id, "")?,
        })
    }

    /// One of our own offices with this number and type (any type when `service_type` is empty).
    pub fn own(&self, number: &str, service_type: &str) -> Option<&super::offices::Office> {
        self.offices.iter().find(|o| {
            o.office_number == number && (service_type.is_empty() || o.service_type == service_type)
        })
    }

    /// The partner with this number and type (any type when `service_type` is empty).
    pub fn partner(&self, number: &str, service_type: &str) -> Option<&Partner> {
        self.partners.iter().find(|p| {
            p.office_number == number && (service_type.is_empty() || p.service_type == service_type)
        })
    }

    /// The name of an office: our own office's, else the partner's.
    pub fn name_of(&self, number: &str, service_type: &str) -> Option<&str> {
        self.own(number, service_type)
            .map(|o| o.name.as_str())
            .or_else(|| self.partner(number, service_type).map(|p| p.name.as_str()))
    }

    /// Whether the number is one of ours or a registered partner's (any type).
    pub fn knows(&self, number: &str) -> bool {
        self.own(number, "").is_some() || self.partner(number, "").is_some()
    }
}
