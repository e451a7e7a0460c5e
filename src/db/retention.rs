//! Retention: the stored files (job results in `artifacts`, received originals in
//! `received_files`) whose bytes are dropped at the end of the retention period. The rows stay
//! (name, hash, size, dates) with `purged_at` set, so lists and the audit trail keep them.

use super::schema::{artifacts, jobs, received_files as rf};
use super::{DbConnection, DbResult};
use chrono::NaiveDateTime;
use diesel::prelude::*;
use std::collections::BTreeSet;

/// The offices (corporation id, office id) holding files older than `cutoff` that still have
/// their bytes.
pub fn offices_with_expired(
    conn: &mut DbConnection,
    cutoff: NaiveDateTime,
) -> DbResult<Vec<(i64, i64)>> {
    let mut out: BTreeSet<(i64, i64)> = BTreeSet::new();
    out.extend(
        artifacts::table
            .filter(artifacts::purged_at.is_null())
            .filter(artifacts::created_at.lt(cutoff))
            .select((artifacts::corporation_id, artifacts::office_id))
            .distinct()
            .load::<(i64, i64)>(conn)?,
    );
    out.extend(
        rf::table
            .filter(rf::purged_at.is_null())
            .filter(rf::uploaded_at.lt(cutoff))
            .select((rf::corporation_id, rf::office_id))
            .distinct()
            .load::<(i64, i64)>(conn)?,
    );
    Ok(out.into_iter().collect())
}

/// How many files were removed, by where they were kept.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Job results (the exchange's zips, CSV lists …).
    pub artifacts: usize,
    /// Received originals (ケアプラン連携 取込).
    pub received: usize,
}

impl Purged {
    pub fn total(self) -> usize {
        self.artifacts + self.received
    }
}

/// Drops the bytes of the office's files older than `cutoff`, marking them purged at `now`.
/// Files already purged are left alone, so a second run changes nothing.
pub fn purge_office(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    cutoff: NaiveDateTime,
    now: NaiveDateTime,
) -> DbResult<Purged> {
    let artifacts_removed = diesel::update(
        artifacts::table
            .filter(artifacts::corporation_id.eq(corporation_id))
            .filter(artifacts::office_id.eq(office_id))
            .filter(artifacts::purged_at.is_null())
            .filter(artifacts::created_at.lt(cutoff)),
    )
    .set((
        artifacts::data.eq(Vec::<u8>::new()),
        artifacts::purged_at.eq(Some(now)),
    ))
    .execute(conn)?;
    let received_removed = diesel::update(
        rf::table
            .filter(rf::corporation_id.eq(corporation_id))
            .filter(rf::office_id.eq(office_id))
            .filter(rf::purged_at.is_null())
            .filter(rf::uploaded_at.lt(cutoff)),
    )
    .set((rf::data.eq(Vec::<u8>::new()), rf::purged_at.eq(Some(now))))
    .execute(conn)?;
    Ok(Purged {
        artifacts: artifacts_removed,
        received: received_removed,
    })
}

/// Whether the office has a job of this kind waiting or running.
pub fn has_unfinished_job(conn: &mut DbConnection, office_id: i64, kind: &str) -> DbResult<bool> {
    let n: i64 = jobs::table
        .filter(jobs::office_id.eq(office_id))
        .filter(jobs::kind.eq(kind))
        .filter(jobs::status.eq_any([super::jobs::QUEUED, super::jobs::RUNNING]))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}
