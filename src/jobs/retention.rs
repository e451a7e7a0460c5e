//! 保存期間を過ぎたファイルの削除: job results (the exchange's zips, lists …) and received
//! originals are kept for the retention period (`Settings::retention_years`, 5 years unless set),
//! then this job drops their bytes, office by office. The rows stay (file name, hash, size,
//! dates, with `purged_at`), the audit log keeps every entry and gains one saying how many files
//! were removed. Running it again removes nothing more and writes nothing.
//!
//! The workers look once a day (`Schedule`) for offices holding expired files and queue one job
//! per such office; `tsunagi admin retention` does the same work at once.

use super::{JobContext, JobError, JobKind, JobOutput};
use crate::db::retention::{self as q, Purged};
use crate::db::{self, Db, DbConnection, DbResult, audit::Action, dialect};
use chrono::{Months, NaiveDateTime};
use serde::{Deserialize, Serialize};

/// The advisory lock that keeps two servers from queueing the same office's job at once.
const SCHEDULE_LOCK: i64 = 727_002;

#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    /// The retention period in force when the job was queued.
    pub retention_years: u32,
}

impl JobKind for Payload {
    const KIND: &'static str = "retention";
    fn title(&self) -> String {
        "保存期間を過ぎたファイルの削除".into()
    }
}

/// Files made before this time have passed the retention period; None when files are kept
/// forever (`years` = 0).
pub fn cutoff(now: NaiveDateTime, years: u32) -> Option<NaiveDateTime> {
    if years == 0 {
        return None;
    }
    now.checked_sub_months(Months::new(years.saturating_mul(12)))
}

/// What the screens show in place of a removed file's download link.
pub fn gone_message(years: u32) -> String {
    if years == 0 {
        "保存期間を過ぎたため削除しました".into()
    } else {
        format!("保存期間（{years}年）を過ぎたため削除しました")
    }
}

fn summary(p: Purged, years: u32) -> String {
    if p.total() == 0 {
        return format!("保存期間（{years}年）を過ぎたファイルはありませんでした。");
    }
    format!(
        "保存期間（{years}年）を過ぎたファイル{}件のデータを削除しました（出力ファイル{}件、受信ファイル{}件）。ファイル名・日時などの記録は残しています。",
        p.total(),
        p.artifacts,
        p.received
    )
}

/// Removes the bytes of one office's expired files, with an audit entry saying how many (none
/// when nothing was removed), in one transaction.
pub fn purge(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    years: u32,
    now: NaiveDateTime,
) -> DbResult<Purged> {
    let Some(cutoff) = cutoff(now, years) else {
        return Ok(Purged::default());
    };
    dialect::write_transaction(conn, |conn| -> DbResult<Purged> {
        let purged = q::purge_office(conn, corporation_id, office_id, cutoff, now)?;
        if purged.total() > 0 {
            db::audit::record(
                conn,
                &db::audit::NewEntry {
                    corporation_id: Some(corporation_id),
                    office_id: Some(office_id),
                    staff_id: None,
                    login_id: "system",
                    action: Action::FilesExpired,
                    detail: &summary(purged, years),
                    client_addr: "",
                },
            )?;
        }
        Ok(purged)
    })
}

pub fn run(ctx: &JobContext<'_>, p: Payload) -> Result<JobOutput, JobError> {
    let mut conn = ctx.conn()?;
    let purged = purge(
        &mut conn,
        ctx.job.corporation_id,
        ctx.job.office_id,
        p.retention_years,
        db::now(),
    )?;
    Ok(JobOutput::new(
        summary(purged, p.retention_years),
        Vec::new(),
    ))
}

/// Queues a retention job for every office holding expired files that has none waiting or
/// running. Returns the new jobs' ids.
pub fn schedule(conn: &mut DbConnection, years: u32, now: NaiveDateTime) -> DbResult<Vec<i64>> {
    let Some(cutoff) = cutoff(now, years) else {
        return Ok(Vec::new());
    };
    let payload = Payload {
        retention_years: years,
    };
    let json = serde_json::to_string(&payload).map_err(|e| db::DbError::Connect(e.to_string()))?;
    let title = payload.title();
    dialect::write_transaction(conn, |conn| -> DbResult<Vec<i64>> {
        dialect::exclusive_with_other_servers(conn, SCHEDULE_LOCK)?;
        let mut queued = Vec::new();
        for (corporation_id, office_id) in q::offices_with_expired(conn, cutoff)? {
            if q::has_unfinished_job(conn, office_id, Payload::KIND)? {
                continue;
            }
            queued.push(db::jobs::enqueue(
                conn,
                &db::jobs::NewJob {
                    corporation_id,
                    office_id,
                    created_by: None,
                    kind: Payload::KIND,
                    title: &title,
                    payload: &json,
                    max_attempts: payload.max_attempts(),
                },
            )?);
        }
        Ok(queued)
    })
}

/// Does the whole installation's retention now (the command line): every office holding
/// expired files, one transaction each. Returns what was removed per office (corporation id,
/// office id).
pub fn run_now(
    conn: &mut DbConnection,
    years: u32,
    now: NaiveDateTime,
) -> DbResult<Vec<((i64, i64), Purged)>> {
    let Some(cutoff) = cutoff(now, years) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (corporation_id, office_id) in q::offices_with_expired(conn, cutoff)? {
        let purged = purge(conn, corporation_id, office_id, years, now)?;
        out.push(((corporation_id, office_id), purged));
    }
    Ok(out)
}

/// The workers' daily look for expired files (on one worker thread of each server; the queue
/// and the lock in `schedule` keep servers from doing the same work twice).
pub struct Schedule {
    years: u32,
    every: std::time::Duration,
    next: std::time::Instant,
}

impl Schedule {
    /// Looks at once, then once a day.
    pub fn daily(years: u32) -> Schedule {
        Schedule {
            years,
            every: std::time::Duration::from_secs(24 * 60 * 60),
            next: std::time::Instant::now(),
        }
    }

    /// Queues the retention jobs when a look is due. A failed look is tried again in an hour.
    pub fn tick(&mut self, db: &Db) {
        let now = std::time::Instant::now();
        if self.years == 0 || now < self.next {
            return;
        }
        match db
            .conn()
            .and_then(|mut c| schedule(&mut c, self.years, db::now()))
        {
            Ok(queued) => {
                if !queued.is_empty() {
                    log::info!(
                        "retention: queued {} job(s) for offices with files older than {} years",
                        queued.len(),
                        self.years
                    );
                }
                self.next = now + self.every;
            }
            Err(e) => {
                log::warn!("retention: cannot look for expired files: {e}");
                self.next = now + std::time::Duration::from_secs(60 * 60);
            }
        }
    }
}
