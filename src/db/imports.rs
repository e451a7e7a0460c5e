//! Received files (ケアプラン連携 取込): the originals as uploaded, with their checks.

use super::schema::{import_history as ih, received_files as rf, staff};
use super::{DbConnection, DbResult, now};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const RECEIVED: &str = "received";
pub const APPLIED: &str = "applied";
pub const OK: &str = "ok";
pub const REFUSED: &str = "refused";

/// A received file without its bytes.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = rf)]
pub struct ReceivedFile {
    pub id: i64,
    pub office_id: i64,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: NaiveDateTime,
    pub source_name: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub kind: String,
    pub csv_version: String,
    pub sender_number: String,
    pub sender_type: String,
    pub receiver_number: String,
    pub receiver_type: String,
    pub month: String,
    pub file_timestamp: String,
    pub records: i32,
    pub errors: i32,
    pub warnings: i32,
    pub verdict: String,
    pub messages: String,
    pub set_messages: String,
    pub status: String,
    pub applied_at: Option<NaiveDateTime>,
    /// When the original bytes were removed at the end of the retention period (the row stays).
    pub purged_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = rf)]
pub struct NewReceivedFile {
    pub corporation_id: i64,
    pub office_id: i64,
    pub uploaded_by: Option<i64>,
    pub uploaded_at: NaiveDateTime,
    pub source_name: String,
    pub file_name: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub data: Vec<u8>,
    pub kind: String,
    pub csv_version: String,
    pub sender_number: String,
    pub sender_type: String,
    pub receiver_number: String,
    pub receiver_type: String,
    pub month: String,
    pub file_timestamp: String,
    pub records: i32,
    pub errors: i32,
    pub warnings: i32,
    pub verdict: String,
    pub messages: String,
    pub set_messages: String,
    pub status: String,
}

pub fn store(conn: &mut DbConnection, f: &NewReceivedFile) -> DbResult<i64> {
    Ok(diesel::insert_into(rf::table)
        .values(f)
        .returning(rf::id)
        .get_result(conn)?)
}

/// The same file (name and bytes) already received by the office. The name counts: the same
/// records sent again under another ファイル連番 are another set.
pub fn find_same(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    file_name: &str,
    sha256: &str,
) -> DbResult<Option<ReceivedFile>> {
    Ok(rf::table
        .filter(rf::corporation_id.eq(corporation_id))
        .filter(rf::office_id.eq(office_id))
        .filter(rf::sha256.eq(sha256))
        .filter(rf::file_name.eq(file_name))
        .order(rf::id)
        .select(ReceivedFile::as_select())
        .first(conn)
        .optional()?)
}

/// Received files by id (of one corporation), in id order.
pub fn by_ids(
    conn: &mut DbConnection,
    corporation_id: i64,
    ids: &[i64],
) -> DbResult<Vec<ReceivedFile>> {
    Ok(rf::table
        .filter(rf::corporation_id.eq(corporation_id))
        .filter(rf::id.eq_any(ids.to_vec()))
        .order(rf::id)
        .select(ReceivedFile::as_select())
        .load(conn)?)
}

/// The office's received files not yet applied, in ファイル連番 order, with the uploader's name.
pub fn pending(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
) -> DbResult<Vec<(ReceivedFile, Option<String>)>> {
    Ok(rf::table
        .left_join(staff::table)
        .filter(rf::corporation_id.eq(corporation_id))
        .filter(rf::office_id.eq(office_id))
        .filter(rf::status.eq(RECEIVED))
        .order((rf::file_timestamp, rf::file_name, rf::id))
        .select((ReceivedFile::as_select(), staff::name.nullable()))
        .load(conn)?)
}

/// The stored files of the office that share a ファイル連番 (a set may arrive in pieces).
pub fn of_timestamp(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    timestamp: &str,
) -> DbResult<Vec<(ReceivedFile, Vec<u8>)>> {
    let rows: Vec<(ReceivedFile, Vec<u8>)> = rf::table
        .filter(rf::corporation_id.eq(corporation_id))
        .filter(rf::office_id.eq(office_id))
        .filter(rf::file_timestamp.eq(timestamp))
        .filter(rf::status.eq(RECEIVED))
        .order(rf::id)
        .select((ReceivedFile::as_select(), rf::data))
        .load(conn)?;
    Ok(rows)
}

/// The kinds (UPPLAN …) of the office's received, not yet applied files of a set.
pub fn kinds_of_timestamp(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    timestamp: &str,
) -> DbResult<Vec<String>> {
    Ok(rf::table
        .filter(rf::corporation_id.eq(corporation_id))
        .filter(rf::office_id.eq(office_id))
        .filter(rf::file_timestamp.eq(timestamp))
        .filter(rf::status.eq(RECEIVED))
        .select(rf::kind)
        .load(conn)?)
}

/// The original bytes of a received file of the office (evidence download).
pub fn data_of(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    id: i64,
) -> DbResult<Option<(ReceivedFile, Vec<u8>)>> {
    Ok(rf::table
        .filter(rf::id.eq(id))
        .filter(rf::corporation_id.eq(corporation_id))
        .filter(rf::office_id.eq(office_id))
        .select((ReceivedFile::as_select(), rf::data))
        .first(conn)
        .optional()?)
}

/// Sets the verdict and the set's messages of a stored file (a set is re-checked when more of
/// its files arrive).
pub fn set_verdict(
    conn: &mut DbConnection,
    id: i64,
    verdict: &str,
    set_messages: &str,
) -> DbResult<()> {
    diesel::update(rf::table.find(id))
        .set((rf::verdict.eq(verdict), rf::set_messages.eq(set_messages)))
        .execute(conn)?;
    Ok(())
}

pub fn received_at() -> NaiveDateTime {
    now()
}

// ---- applied sets ------------------------------------------------------------------------------

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = ih, treat_none_as_default_value = false)]
pub struct NewImport {
    pub corporation_id: i64,
    pub office_id: i64,
    pub recipient_id: i64,
    pub month: String,
    pub side: String,
    pub sender_number: String,
    pub sender_type: String,
    pub file_timestamp: String,
    pub summary: String,
    pub applied_by: Option<i64>,
    pub applied_at: NaiveDateTime,
}

pub fn record_applied(conn: &mut DbConnection, row: &NewImport) -> DbResult<()> {
    diesel::insert_into(ih::table).values(row).execute(conn)?;
    Ok(())
}

/// Records many applied recipient-months, `chunk` rows (at most 500) per statement.
pub fn record_applied_many(
    conn: &mut DbConnection,
    rows: &[NewImport],
    chunk: usize,
) -> DbResult<()> {
    super::dialect::insert_rows!(conn, ih::table, rows, chunk.min(500))?;
    Ok(())
}

/// The sets applied from `sender` that are newer than `timestamp`, for many recipients: per
/// (recipient, month) the newest one's timestamp, `chunk` recipients per query.
pub fn applied_after_many(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    recipient_ids: &[i64],
    sender: &str,
    timestamp: &str,
    chunk: usize,
) -> DbResult<Vec<(i64, String, String)>> {
    let mut out = Vec::new();
    for ids in recipient_ids.chunks(chunk.max(1)) {
        let rows: Vec<(i64, String, Option<String>)> = ih::table
            .filter(ih::corporation_id.eq(corporation_id))
            .filter(ih::office_id.eq(office_id))
            .filter(ih::recipient_id.eq_any(ids.to_vec()))
            .filter(ih::sender_number.eq(sender))
            .filter(ih::file_timestamp.gt(timestamp))
            .group_by((ih::recipient_id, ih::month))
            .select((
                ih::recipient_id,
                ih::month,
                diesel::dsl::max(ih::file_timestamp),
            ))
            .load(conn)?;
        out.extend(
            rows.into_iter()
                .filter_map(|(r, m, t)| t.map(|t| (r, m, t))),
        );
    }
    Ok(out)
}

/// How many recipient-months have been applied from sets of the office (for tests and the list).
pub fn applied_count(conn: &mut DbConnection, office_id: i64) -> DbResult<i64> {
    Ok(ih::table
        .filter(ih::office_id.eq(office_id))
        .count()
        .get_result(conn)?)
}

/// Marks the office's received files of a set as applied.
pub fn mark_applied(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    timestamp: &str,
) -> DbResult<()> {
    diesel::update(
        rf::table
            .filter(rf::corporation_id.eq(corporation_id))
            .filter(rf::office_id.eq(office_id))
            .filter(rf::file_timestamp.eq(timestamp))
            .filter(rf::status.eq(RECEIVED)),
    )
    .set((rf::status.eq(APPLIED), rf::applied_at.eq(Some(now()))))
    .execute(conn)?;
    Ok(())
}
