//! Recipients (利用者): basic and insurance data, certification history (認定情報) and the
//! providers they use. An office sees the recipients it is related to: as their 居宅介護支援
//!事業所, or as one of their providers.

use super::schema::{certifications, recipient_providers, recipients, staff};
use super::staff::escape_like;
use super::{DbConnection, DbResult, now};
use chrono::NaiveDate;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recipients)]
pub struct Recipient {
    pub id: i64,
    pub corporation_id: i64,
    pub code: String,
    pub name: String,
    pub kana: String,
    pub kana_row: String,
    pub gender: String,
    pub birth_date: Option<NaiveDate>,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub insurer_number: String,
    pub insurer_name: String,
    pub insured_number: String,
    pub care_office_id: Option<i64>,
    pub care_manager_id: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
    pub burden_ratio: i32,
    pub care_partner_id: Option<i64>,
}

impl Recipient {
    /// 給付率 from 負担割合: 1割 → 90, 2割 → 80, 3割 → 70.
    pub fn benefit_rate(&self) -> i32 {
        benefit_rate(self.burden_ratio)
    }
}

pub fn benefit_rate(burden_ratio: i32) -> i32 {
    100 - 10 * burden_ratio.clamp(1, 3)
}

#[derive(Debug, Clone, Default, Insertable, AsChangeset)]
#[diesel(table_name = recipients, treat_none_as_null = true)]
pub struct RecipientFields {
    pub code: String,
    pub name: String,
    pub kana: String,
    pub kana_row: String,
    pub gender: String,
    pub birth_date: Option<NaiveDate>,
    pub postcode: String,
    pub address: String,
    pub phone: String,
    pub insurer_number: String,
    pub insurer_name: String,
    pub insured_number: String,
    pub burden_ratio: i32,
    pub care_office_id: Option<i64>,
    pub care_partner_id: Option<i64>,
    pub care_manager_id: Option<i64>,
}

pub fn create(conn: &mut DbConnection, corporation_id: i64, f: &RecipientFields) -> DbResult<i64> {
    let t = now();
    Ok(diesel::insert_into(recipients::table)
        .values((
            f,
            recipients::corporation_id.eq(corporation_id),
            recipients::created_at.eq(t),
            recipients::updated_at.eq(t),
        ))
        .returning(recipients::id)
        .get_result(conn)?)
}

pub fn update(
    conn: &mut DbConnection,
    corporation_id: i64,
    id: i64,
    f: &RecipientFields,
) -> DbResult<()> {
    diesel::update(
        recipients::table
            .filter(recipients::id.eq(id))
            .filter(recipients::corporation_id.eq(corporation_id)),
    )
    .set((f, recipients::updated_at.eq(now())))
    .execute(conn)?;
    Ok(())
}

/// A recipient of this corporation related to this office, or None.
pub fn find_visible(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    id: i64,
) -> DbResult<Option<Recipient>> {
    Ok(recipients::table
        .filter(recipients::id.eq(id))
        .filter(recipients::corporation_id.eq(corporation_id))
        .filter(
            recipients::care_office_id
                .eq(office_id)
                .or(recipients::id.eq_any(
                    recipient_providers::table
                        .filter(recipient_providers::office_id.eq(office_id))
                        .select(recipient_providers::recipient_id),
                )),
        )
        .select(Recipient::as_select())
        .first(conn)
        .optional()?)
}

pub fn code_taken(
    conn: &mut DbConnection,
    corporation_id: i64,
    code: &str,
    except: Option<i64>,
) -> DbResult<bool> {
    let mut q = recipients::table
        .filter(recipients::corporation_id.eq(corporation_id))
        .filter(recipients::code.eq(code))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(recipients::id.ne(id));
    }
    Ok(q.count().get_result::<i64>(conn)? > 0)
}

/// Another recipient of the corporation with the same 保険者番号 + 被保険者番号.
pub fn insured_taken(
    conn: &mut DbConnection,
    corporation_id: i64,
    insurer: &str,
    insured: &str,
    except: Option<i64>,
) -> DbResult<Option<Recipient>> {
    let mut q = recipients::table
        .filter(recipients::corporation_id.eq(corporation_id))
        .filter(recipients::insurer_number.eq(insurer))
        .filter(recipients::insured_number.eq(insured))
        .into_boxed();
    if let Some(id) = except {
        q = q.filter(recipients::id.ne(id));
    }
    Ok(q.select(Recipient::as_select()).first(conn).optional()?)
}

#[derive(Debug, Clone)]
pub struct RecipientQuery {
    pub corporation_id: i64,
    pub office_id: i64,
    pub search: String,
    pub kana_row: String,
    /// 要介護状態区分 code of the certification valid on `as_of`.
    pub care_level: String,
    pub care_manager_id: Option<i64>,
    pub as_of: NaiveDate,
    pub page: i64,
    pub per_page: i64,
}

impl RecipientQuery {
    /// The first page of `per_page` of every recipient related to an office.
    pub fn unfiltered(
        corporation_id: i64,
        office_id: i64,
        as_of: NaiveDate,
        per_page: i64,
    ) -> RecipientQuery {
        RecipientQuery {
            corporation_id,
            office_id,
            search: String::new(),
            kana_row: String::new(),
            care_level: String::new(),
            care_manager_id: None,
            as_of,
            page: 1,
            per_page,
        }
    }

    /// Whether the query asks for every recipient related to the office (whatever the page).
    pub fn is_unfiltered(&self) -> bool {
        self.search.trim().is_empty()
            && self.kana_row.is_empty()
            && self.care_level.is_empty()
            && self.care_manager_id.is_none()
    }
}

/// A line of the list: the recipient, the certification valid on the day, the care manager.
#[derive(Debug, Clone)]
pub struct RecipientRow {
    pub recipient: Recipient,
    pub certification: Option<Certification>,
    pub care_manager: Option<String>,
}

pub fn search(conn: &mut DbConnection, q: &RecipientQuery) -> DbResult<(Vec<RecipientRow>, i64)> {
    let text = q.search.trim();
    // `per_row`: for a page of rows, test "one of the providers" row by row, as the list is
    // walked in ふりがな order until the page is full. PostgreSQL would otherwise hash every
    // recipient the office provides for (2,669 for a provider of the load test) on every
    // request before the first row, because it sizes that choice for the whole corporation,
    // not for the LIMIT; `OFFSET 0` in the EXISTS keeps it from turning the test into a hash
    // (PostgreSQL's documented optimisation fence; SQLite tests row by row either way).
    let build = |per_row: bool| {
        let provides = recipient_providers::table
            .filter(recipient_providers::office_id.eq(q.office_id))
            .filter(recipient_providers::recipient_id.eq(recipients::id));
        let ours = recipients::table
            .filter(recipients::corporation_id.eq(q.corporation_id))
            .into_boxed();
        let mut query = if per_row {
            ours.filter(
                recipients::care_office_id
                    .eq(q.office_id)
                    .or(diesel::dsl::exists(
                        provides.select(recipient_providers::id).offset(0),
                    )),
            )
        } else {
            ours.filter(
                recipients::care_office_id
                    .eq(q.office_id)
                    .or(diesel::dsl::exists(provides)),
            )
        };
        if !text.is_empty() {
            let pattern = format!("%{}%", escape_like(text));
            let kana_pattern = format!("%{}%", escape_like(&crate::domain::kana::normalize(text)));
            query = query.filter(
                recipients::name
                    .like(pattern.clone())
                    .escape('\\')
                    .or(recipients::kana.like(kana_pattern).escape('\\'))
                    .or(recipients::code.like(pattern.clone()).escape('\\'))
                    .or(recipients::insured_number.like(pattern).escape('\\')),
            );
        }
        if !q.kana_row.is_empty() {
            query = query.filter(recipients::kana_row.eq(q.kana_row.clone()));
        }
        if !q.care_level.is_empty() {
            query = query.filter(
                recipients::id.eq_any(
                    certifications::table
                        .filter(certifications::care_level.eq(q.care_level.clone()))
                        .filter(certifications::valid_from.le(q.as_of))
                        .filter(certifications::valid_to.ge(q.as_of))
                        .select(certifications::recipient_id),
                ),
            );
        }
        if let Some(cm) = q.care_manager_id {
            query = query.filter(recipients::care_manager_id.eq(cm));
        }
        query
    };
    let total: i64 = if q.is_unfiltered() {
        count_of_office(conn, q.corporation_id, q.office_id)?
    } else {
        build(false).count().get_result(conn)?
    };
    let rows: Vec<(Recipient, Option<String>)> = build(true)
        .left_join(staff::table.on(staff::id.nullable().eq(recipients::care_manager_id)))
        .order((recipients::kana, recipients::code))
        .limit(q.per_page)
        .offset((q.page.max(1) - 1) * q.per_page)
        .select((Recipient::as_select(), staff::name.nullable()))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(r, _)| r.id).collect();
    let certs = valid_on(conn, &ids, q.as_of)?;
    Ok((
        rows.into_iter()
            .map(|(recipient, care_manager)| RecipientRow {
                certification: certs
                    .iter()
                    .find(|c| c.recipient_id == recipient.id)
                    .cloned(),
                recipient,
                care_manager,
            })
            .collect(),
        total,
    ))
}

/// How many recipients an office is related to (the unfiltered list's total), read from indexes
/// alone: those whose 居宅 it is (A), plus those it provides for (B), less those that are both:
/// |A ∪ B| = |A| + |B| − |A ∩ B|. The filter of [`search`] ("the 居宅 is this office, or it is
/// one of the providers") reads every recipient of the corporation to count; on a corporation
/// of 10,000 recipients that was half the cost of the list page (issue 7,
/// docs/performance.md). B is counted without looking at the recipients' corporation: a
/// provider link is only ever made to an office of the recipient's own corporation (the
/// screens and the import find the office within it), and this number only sizes the paging;
/// the rows shown still pass the corporation filter.
fn count_of_office(conn: &mut DbConnection, corporation_id: i64, office_id: i64) -> DbResult<i64> {
    let own = || {
        recipients::table
            .filter(recipients::care_office_id.eq(office_id))
            .filter(recipients::corporation_id.eq(corporation_id))
    };
    let provided =
        || recipient_providers::table.filter(recipient_providers::office_id.eq(office_id));
    let (a, b, both): (Option<i64>, Option<i64>, Option<i64>) = diesel::select((
        own().count().single_value(),
        provided()
            .select(diesel::dsl::count(recipient_providers::recipient_id).aggregate_distinct())
            .single_value(),
        own()
            .filter(diesel::dsl::exists(
                provided().filter(recipient_providers::recipient_id.eq(recipients::id)),
            ))
            .count()
            .single_value(),
    ))
    .get_result(conn)?;
    Ok(a.unwrap_or(0) + b.unwrap_or(0) - both.unwrap_or(0))
}

/// Every recipient related to an office (no filter, no paging), with the certification valid on
/// `as_of`: for month lists, exports and the demo.
pub fn all_of_office(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    as_of: NaiveDate,
) -> DbResult<Vec<RecipientRow>> {
    let (rows, _) = search(
        conn,
        &RecipientQuery::unfiltered(corporation_id, office_id, as_of, i64::MAX / 4),
    )?;
    Ok(rows)
}

// ---- certifications ------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = certifications)]
pub struct Certification {
    pub id: i64,
    pub recipient_id: i64,
    /// "certified" (認定済) or "applying" (申請中).
    pub status: String,
    pub care_level: String,
    pub certified_on: Option<NaiveDate>,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub limit_units: Option<i32>,
    pub created_at: chrono::NaiveDateTime,
    pub updated_at: chrono::NaiveDateTime,
}

impl Certification {
    pub fn status_label(&self) -> &'static str {
        if self.status == "applying" {
            "申請中"
        } else {
            "認定済"
        }
    }
    pub fn care_level_name(&self) -> String {
        crate::domain::CareLevel::parse(&self.care_level)
            .map(|l| l.name().to_string())
            .unwrap_or_else(|_| self.care_level.clone())
    }
    /// Does this certification cover any day of the month?
    pub fn overlaps(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.valid_from <= last && self.valid_to >= first
    }
}

#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = certifications, treat_none_as_null = true)]
pub struct CertificationFields {
    pub status: String,
    pub care_level: String,
    pub certified_on: Option<NaiveDate>,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    pub limit_units: Option<i32>,
}

pub fn certifications_of(
    conn: &mut DbConnection,
    recipient_id: i64,
) -> DbResult<Vec<Certification>> {
    Ok(certifications::table
        .filter(certifications::recipient_id.eq(recipient_id))
        .order(certifications::valid_from.desc())
        .select(Certification::as_select())
        .load(conn)?)
}

/// (保険者番号, 被保険者番号) of every recipient of a corporation.
pub fn numbers_of(conn: &mut DbConnection, corporation_id: i64) -> DbResult<Vec<(String, String)>> {
    Ok(recipients::table
        .filter(recipients::corporation_id.eq(corporation_id))
        .select((recipients::insurer_number, recipients::insured_number))
        .load(conn)?)
}

/// The corporation's recipient with these 保険者番号 and 被保険者番号.
pub fn find_by_numbers(
    conn: &mut DbConnection,
    corporation_id: i64,
    insurer: &str,
    insured: &str,
) -> DbResult<Option<Recipient>> {
    Ok(recipients::table
        .filter(recipients::corporation_id.eq(corporation_id))
        .filter(recipients::insurer_number.eq(insurer))
        .filter(recipients::insured_number.eq(insured))
        .select(Recipient::as_select())
        .first(conn)
        .optional()?)
}

/// The corporation's recipients born on this day (every office's: the caller checks which the
/// office may see).
pub fn born_on(
    conn: &mut DbConnection,
    corporation_id: i64,
    birth_date: NaiveDate,
) -> DbResult<Vec<Recipient>> {
    Ok(recipients::table
        .filter(recipients::corporation_id.eq(corporation_id))
        .filter(recipients::birth_date.eq(birth_date))
        .order(recipients::code)
        .select(Recipient::as_select())
        .load(conn)?)
}

/// Gives a recipient other 保険者番号 / 保険者名 / 被保険者番号.
pub fn set_numbers(
    conn: &mut DbConnection,
    corporation_id: i64,
    id: i64,
    insurer: &str,
    insurer_name: &str,
    insured: &str,
) -> DbResult<usize> {
    Ok(diesel::update(
        recipients::table
            .filter(recipients::id.eq(id))
            .filter(recipients::corporation_id.eq(corporation_id)),
    )
    .set((
        recipients::insurer_number.eq(insurer),
        recipients::insurer_name.eq(insurer_name),
        recipients::insured_number.eq(insured),
        recipients::updated_at.eq(now()),
    ))
    .execute(conn)?)
}

/// The corporation's recipients with these (保険者番号, 被保険者番号) pairs, `chunk` pairs per
/// query (in no particular order; the pairs are unique per corporation).
pub fn find_many_by_numbers(
    conn: &mut DbConnection,
    corporation_id: i64,
    numbers: &[(String, String)],
    chunk: usize,
) -> DbResult<Vec<Recipient>> {
    let mut out = Vec::new();
    for pairs in numbers.chunks(chunk.max(1)) {
        let wanted: std::collections::HashSet<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let mut insurers: Vec<String> = pairs.iter().map(|p| p.0.clone()).collect();
        insurers.sort();
        insurers.dedup();
        let rows: Vec<Recipient> = recipients::table
            .filter(recipients::corporation_id.eq(corporation_id))
            .filter(recipients::insurer_number.eq_any(insurers))
            .filter(
                recipients::insured_number
                    .eq_any(pairs.iter().map(|p| p.1.clone()).collect::<Vec<_>>()),
            )
            .select(Recipient::as_select())
            .load(conn)?;
        out.extend(
            rows.into_iter().filter(|r| {
                wanted.contains(&(r.insurer_number.as_str(), r.insured_number.as_str()))
            }),
        );
    }
    Ok(out)
}

/// The certifications of many recipients (newest first per recipient).
pub fn certifications_of_many(
    conn: &mut DbConnection,
    recipient_ids: &[i64],
) -> DbResult<Vec<Certification>> {
    certifications_of_many_in(conn, recipient_ids, super::IN_LIST_MAX)
}

/// [`certifications_of_many`] with `chunk` ids per query.
pub fn certifications_of_many_in(
    conn: &mut DbConnection,
    recipient_ids: &[i64],
    chunk: usize,
) -> DbResult<Vec<Certification>> {
    let mut out = Vec::new();
    for chunk in recipient_ids.chunks(chunk.max(1)) {
        out.extend(
            certifications::table
                .filter(certifications::recipient_id.eq_any(chunk.to_vec()))
                .order((
                    certifications::recipient_id,
                    certifications::valid_from.desc(),
                ))
                .select(Certification::as_select())
                .load(conn)?,
        );
    }
    Ok(out)
}

/// The certification valid on a day, for each of these recipients (the latest-starting one
/// when several overlap).
pub fn valid_on(
    conn: &mut DbConnection,
    recipient_ids: &[i64],
    day: NaiveDate,
) -> DbResult<Vec<Certification>> {
    let mut all: Vec<Certification> = certifications::table
        .filter(certifications::recipient_id.eq_any(recipient_ids.to_vec()))
        .filter(certifications::valid_from.le(day))
        .filter(certifications::valid_to.ge(day))
        .order((
            certifications::recipient_id,
            certifications::valid_from.desc(),
        ))
        .select(Certification::as_select())
        .load(conn)?;
    all.dedup_by_key(|c| c.recipient_id);
    Ok(all)
}

pub fn add_certification(
    conn: &mut DbConnection,
    recipient_id: i64,
    f: &CertificationFields,
) -> DbResult<i64> {
    let t = now();
    Ok(diesel::insert_into(certifications::table)
        .values((
            f,
            certifications::recipient_id.eq(recipient_id),
            certifications::created_at.eq(t),
            certifications::updated_at.eq(t),
        ))
        .returning(certifications::id)
        .get_result(conn)?)
}

pub fn update_certification(
    conn: &mut DbConnection,
    recipient_id: i64,
    id: i64,
    f: &CertificationFields,
) -> DbResult<usize> {
    Ok(diesel::update(
        certifications::table
            .filter(certifications::id.eq(id))
            .filter(certifications::recipient_id.eq(recipient_id)),
    )
    .set((f, certifications::updated_at.eq(now())))
    .execute(conn)?)
}

pub fn delete_certification(
    conn: &mut DbConnection,
    recipient_id: i64,
    id: i64,
) -> DbResult<usize> {
    Ok(diesel::delete(
        certifications::table
            .filter(certifications::id.eq(id))
            .filter(certifications::recipient_id.eq(recipient_id)),
    )
    .execute(conn)?)
}

// ---- providers -----------------------------------------------------------------------------

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = recipient_providers)]
pub struct ProviderLink {
    pub id: i64,
    pub recipient_id: i64,
    pub office_id: Option<i64>,
    pub partner_id: Option<i64>,
    pub service_type: String,
    pub created_at: chrono::NaiveDateTime,
}

pub fn providers_of(conn: &mut DbConnection, recipient_id: i64) -> DbResult<Vec<ProviderLink>> {
    Ok(recipient_providers::table
        .filter(recipient_providers::recipient_id.eq(recipient_id))
        .order(recipient_providers::id)
        .select(ProviderLink::as_select())
        .load(conn)?)
}

pub fn add_provider(
    conn: &mut DbConnection,
    recipient_id: i64,
    office_id: Option<i64>,
    partner_id: Option<i64>,
    service_type: &str,
) -> DbResult<i64> {
    Ok(diesel::insert_into(recipient_providers::table)
        .values((
            recipient_providers::recipient_id.eq(recipient_id),
            recipient_providers::office_id.eq(office_id),
            recipient_providers::partner_id.eq(partner_id),
            recipient_providers::service_type.eq(service_type),
            recipient_providers::created_at.eq(now()),
        ))
        .returning(recipient_providers::id)
        .get_result(conn)?)
}

pub fn remove_provider(conn: &mut DbConnection, recipient_id: i64, id: i64) -> DbResult<usize> {
    Ok(diesel::delete(
        recipient_providers::table
            .filter(recipient_providers::id.eq(id))
            .filter(recipient_providers::recipient_id.eq(recipient_id)),
    )
    .execute(conn)?)
}

/// Care managers to choose from: staff of the corporation who belong to a 居宅 office.
pub fn care_managers(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
) -> DbResult<Vec<(i64, String)>> {
    use super::schema::memberships;
    Ok(staff::table
        .inner_join(memberships::table)
        .filter(staff::corporation_id.eq(corporation_id))
        .filter(memberships::office_id.eq(office_id))
        .order(staff::kana)
        .select((staff::id, staff::name))
        .load(conn)?)
}
