//! The export history: one row per recipient × destination × export, kept as evidence of what
//! was sent (file names and hashes) and used by the export screen (出力日, "nothing changed",
//! "certification changed", which destinations a delete goes to).

use super::schema::{export_history as eh, staff};
use super::{DbConnection, DbResult};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = eh)]
pub struct ExportEntry {
    pub id: i64,
    pub office_id: i64,
    pub recipient_id: i64,
    pub data_kind: String,
    pub is_delete: bool,
    pub month: String,
    pub plan_date: Option<NaiveDate>,
    pub receiver_number: String,
    pub receiver_type: String,
    pub csv_version: String,
    pub file_timestamp: String,
    pub file_names: String,
    pub file_hashes: String,
    pub content_hash: String,
    pub cert_hash: String,
    pub job_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// `treat_none_as_default_value = false`: a `None` is written as NULL (the nullable columns have
/// no other default), so that SQLite takes 500 rows in one statement instead of one at a time.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = eh, treat_none_as_default_value = false)]
pub struct NewExportEntry {
    pub corporation_id: i64,
    pub office_id: i64,
    pub recipient_id: i64,
    pub data_kind: String,
    pub is_delete: bool,
    pub month: String,
    pub plan_date: Option<NaiveDate>,
    pub receiver_number: String,
    pub receiver_type: String,
    pub csv_version: String,
    pub file_timestamp: String,
    pub file_names: String,
    pub file_hashes: String,
    pub content_hash: String,
    pub cert_hash: String,
    pub job_id: Option<i64>,
    pub staff_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

/// Records the entries of one export (inside the caller's transaction).
pub fn record(conn: &mut DbConnection, entries: &[NewExportEntry]) -> DbResult<()> {
    super::dialect::insert_rows!(conn, eh::table, entries, 500)?;
    Ok(())
}

/// Every entry of an office, data kind (plan / careplan / actual, deletes included) and month
/// for these recipients (all when `recipient_ids` is `None`), oldest first.
pub fn of_month(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    data_kind: &str,
    month: &str,
    recipient_ids: Option<&[i64]>,
) -> DbResult<Vec<ExportEntry>> {
    let mut q = eh::table
        .filter(eh::corporation_id.eq(corporation_id))
        .filter(eh::office_id.eq(office_id))
        .filter(eh::data_kind.eq(data_kind))
        .filter(eh::month.eq(month))
        .into_boxed();
    if let Some(ids) = recipient_ids {
        q = q.filter(eh::recipient_id.eq_any(ids.to_vec()));
    }
    Ok(q.order(eh::id)
        .select(ExportEntry::as_select())
        .load(conn)?)
}

/// Per recipient of an office, data kind and month: the newest entry sent and the newest
/// delete (what the export list shows and warns about), keyed by recipient. Two queries however
/// long the history grows: the newest ids per (recipient, delete or not), then those rows.
pub fn latest_of_month(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    data_kind: &str,
    month: &str,
) -> DbResult<std::collections::HashMap<i64, Latest>> {
    use diesel::dsl::max;
    let newest: Vec<Option<i64>> = eh::table
        .filter(eh::corporation_id.eq(corporation_id))
        .filter(eh::office_id.eq(office_id))
        .filter(eh::data_kind.eq(data_kind))
        .filter(eh::month.eq(month))
        .group_by((eh::recipient_id, eh::is_delete))
        .select(max(eh::id))
        .load(conn)?;
    let ids: Vec<i64> = newest.into_iter().flatten().collect();
    let mut out: std::collections::HashMap<i64, Latest> = std::collections::HashMap::new();
    for chunk in ids.chunks(super::IN_LIST_MAX) {
        let rows: Vec<ExportEntry> = eh::table
            .filter(eh::id.eq_any(chunk))
            .select(ExportEntry::as_select())
            .load(conn)?;
        for e in rows {
            let l = out.entry(e.recipient_id).or_default();
            if e.is_delete {
                l.delete = Some(e);
            } else {
                l.sent = Some(e);
            }
        }
    }
    Ok(out)
}

/// A recipient's newest entries of a month (see [`latest_of_month`]).
#[derive(Debug, Clone, Default)]
pub struct Latest {
    pub sent: Option<ExportEntry>,
    pub delete: Option<ExportEntry>,
}

impl Latest {
    /// The time of the newest entry, sent or delete (出力日).
    pub fn last_export(&self) -> Option<NaiveDateTime> {
        [&self.sent, &self.delete]
            .into_iter()
            .flatten()
            .max_by_key(|e| e.id)
            .map(|e| e.created_at)
    }
}

/// A recipient's history (newest first) with the staff member's name, for evidence.
pub fn of_recipient(
    conn: &mut DbConnection,
    corporation_id: i64,
    recipient_id: i64,
) -> DbResult<Vec<(ExportEntry, Option<String>)>> {
    Ok(eh::table
        .left_join(staff::table)
        .filter(eh::corporation_id.eq(corporation_id))
        .filter(eh::recipient_id.eq(recipient_id))
        .order(eh::id.desc())
        .select((ExportEntry::as_select(), staff::name.nullable()))
        .load(conn)?)
}

/// How many entries a job recorded (the job is idempotent: a rerun records nothing new).
pub fn count_of_job(conn: &mut DbConnection, job_id: i64) -> DbResult<i64> {
    Ok(eh::table
        .filter(eh::job_id.eq(job_id))
        .count()
        .get_result(conn)?)
}
