//! The job queue table and job results (artifacts).
//!
//! Life of a job: `queued` → `running` (claimed with a lease) → `done` | `failed`, or back to
//! `queued` with a later `run_after` when an attempt fails and attempts remain. A job whose
//! lease runs out (its worker died) is claimed again. Only the worker holding the lease can
//! finish a job, so a worker that lost its lease cannot overwrite the result of the next one.

use super::schema::{artifacts, jobs, staff};
use super::{DbConnection, DbResult, dialect, now};
use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

pub const QUEUED: &str = "queued";
pub const RUNNING: &str = "running";
pub const DONE: &str = "done";
pub const FAILED: &str = "failed";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = jobs)]
pub struct Job {
    pub id: i64,
    pub corporation_id: i64,
    pub office_id: i64,
    pub created_by: Option<i64>,
    pub kind: String,
    pub title: String,
    pub payload: String,
    pub status: String,
    pub progress_done: i32,
    pub progress_total: i32,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_after: NaiveDateTime,
    pub locked_by: Option<String>,
    pub locked_until: Option<NaiveDateTime>,
    pub error: Option<String>,
    pub result_summary: Option<String>,
    pub created_at: NaiveDateTime,
    pub started_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
}

impl Job {
    pub fn is_finished(&self) -> bool {
        self.status == DONE || self.status == FAILED
    }
}

pub struct NewJob<'a> {
    pub corporation_id: i64,
    pub office_id: i64,
    pub created_by: Option<i64>,
    pub kind: &'a str,
    pub title: &'a str,
    pub payload: &'a str,
    pub max_attempts: i32,
}

pub fn enqueue(conn: &mut DbConnection, new: &NewJob<'_>) -> DbResult<i64> {
    let t = now();
    Ok(diesel::insert_into(jobs::table)
        .values((
            jobs::corporation_id.eq(new.corporation_id),
            jobs::office_id.eq(new.office_id),
            jobs::created_by.eq(new.created_by),
            jobs::kind.eq(new.kind),
            jobs::title.eq(new.title),
            jobs::payload.eq(new.payload),
            jobs::status.eq(QUEUED),
            jobs::max_attempts.eq(new.max_attempts.max(1)),
            jobs::run_after.eq(t),
            jobs::created_at.eq(t),
        ))
        .returning(jobs::id)
        .get_result(conn)?)
}

/// Claims the oldest runnable job for `worker`, holding it for `lease`.
/// Jobs whose lease ran out after their last allowed attempt are marked failed on the way.
pub fn claim(conn: &mut DbConnection, worker: &str, lease: Duration) -> DbResult<Option<Job>> {
    loop {
        let t = now();
        let claimed = dialect::write_transaction(conn, |conn| -> DbResult<Option<(Job, bool)>> {
            let runnable = jobs::status
                .eq(QUEUED)
                .and(jobs::run_after.le(t))
                .or(jobs::status.eq(RUNNING).and(jobs::locked_until.lt(t)));
            let id: Option<i64> = match conn {
                DbConnection::Pg(pg) => jobs::table
                    .filter(runnable)
                    .order(jobs::id)
                    .select(jobs::id)
                    .for_update()
                    .skip_locked()
                    .first(pg)
                    .optional()?,
                DbConnection::Sqlite(lite) => jobs::table
                    .filter(runnable)
                    .order(jobs::id)
                    .select(jobs::id)
                    .first(lite)
                    .optional()?,
            };
            let Some(id) = id else { return Ok(None) };
            let job: Job = jobs::table.find(id).select(Job::as_select()).first(conn)?;
            if job.status == RUNNING && job.attempts >= job.max_attempts {
                diesel::update(jobs::table.find(id))
                    .set((
                        jobs::status.eq(FAILED),
                        jobs::error.eq(Some(
                            "処理が途中で止まり、再試行の上限に達しました。もう一度依頼してください。",
                        )),
                        jobs::locked_by.eq(None::<String>),
                        jobs::locked_until.eq(None::<NaiveDateTime>),
                        jobs::finished_at.eq(Some(t)),
                    ))
                    .execute(conn)?;
                return Ok(Some((job, false)));
            }
            diesel::update(jobs::table.find(id))
                .set((
                    jobs::status.eq(RUNNING),
                    jobs::locked_by.eq(Some(worker)),
                    jobs::locked_until.eq(Some(t + lease)),
                    jobs::attempts.eq(jobs::attempts + 1),
                    jobs::started_at.eq(Some(job.started_at.unwrap_or(t))),
                    jobs::error.eq(None::<String>),
                ))
                .execute(conn)?;
            let job: Job = jobs::table.find(id).select(Job::as_select()).first(conn)?;
            Ok(Some((job, true)))
        })?;
        match claimed {
            None => return Ok(None),
            Some((job, true)) => return Ok(Some(job)),
            Some((_, false)) => continue,
        }
    }
}

/// Extends the lease and records progress. False when the lease is no longer ours.
pub fn heartbeat(
    conn: &mut DbConnection,
    id: i64,
    worker: &str,
    lease: Duration,
    progress: Option<(i32, i32)>,
) -> DbResult<bool> {
    let target = jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::status.eq(RUNNING))
        .filter(jobs::locked_by.eq(worker));
    let until = Some(now() + lease);
    let n = match progress {
        Some((done, total)) => diesel::update(target)
            .set((
                jobs::locked_until.eq(until),
                jobs::progress_done.eq(done),
                jobs::progress_total.eq(total),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set(jobs::locked_until.eq(until))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// A file a job produced, stored in the database so that any server can hand it out.
pub struct NewArtifact {
    pub file_name: String,
    pub content_type: String,
    pub data: Vec<u8>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = artifacts)]
pub struct ArtifactInfo {
    pub id: i64,
    pub corporation_id: i64,
    pub office_id: i64,
    pub job_id: Option<i64>,
    pub file_name: String,
    pub content_type: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub created_at: NaiveDateTime,
    /// When the bytes were removed at the end of the retention period (the row stays).
    pub purged_at: Option<NaiveDateTime>,
}

/// Marks a job done with its results, if `worker` still holds it. Returns false (and stores
/// nothing) when the lease was lost.
pub fn finish_ok(
    conn: &mut DbConnection,
    job: &Job,
    worker: &str,
    artifacts_out: &[NewArtifact],
    summary: &str,
) -> DbResult<bool> {
    finish_ok_with(conn, job, worker, artifacts_out, summary, |_| Ok(()))
}

/// As [`finish_ok`], also running `record` (the job's own rows, e.g. the export history) in the
/// same transaction, only when this worker still holds the lease.
pub fn finish_ok_with(
    conn: &mut DbConnection,
    job: &Job,
    worker: &str,
    artifacts_out: &[NewArtifact],
    summary: &str,
    record: impl FnOnce(&mut DbConnection) -> DbResult<()>,
) -> DbResult<bool> {
    dialect::write_transaction(conn, |conn| -> DbResult<bool> {
        let t = now();
        let n = diesel::update(
            jobs::table
                .filter(jobs::id.eq(job.id))
                .filter(jobs::status.eq(RUNNING))
                .filter(jobs::locked_by.eq(worker)),
        )
        .set((
            jobs::status.eq(DONE),
            jobs::locked_by.eq(None::<String>),
            jobs::locked_until.eq(None::<NaiveDateTime>),
            jobs::result_summary.eq(Some(summary)),
            jobs::progress_done.eq(jobs::progress_total),
            jobs::finished_at.eq(Some(t)),
        ))
        .execute(conn)?;
        if n != 1 {
            return Ok(false);
        }
        for a in artifacts_out {
            diesel::insert_into(artifacts::table)
                .values((
                    artifacts::corporation_id.eq(job.corporation_id),
                    artifacts::office_id.eq(job.office_id),
                    artifacts::job_id.eq(Some(job.id)),
                    artifacts::file_name.eq(&a.file_name),
                    artifacts::content_type.eq(&a.content_type),
                    artifacts::sha256.eq(hex::encode(Sha256::digest(&a.data))),
                    artifacts::size_bytes.eq(a.data.len() as i64),
                    artifacts::data.eq(&a.data),
                    artifacts::created_at.eq(t),
                ))
                .execute(conn)?;
        }
        record(conn)?;
        Ok(true)
    })
}

/// Records a failed attempt: back to the queue at `retry_at`, or failed for good.
pub fn finish_err(
    conn: &mut DbConnection,
    id: i64,
    worker: &str,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> DbResult<bool> {
    let target = jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::status.eq(RUNNING))
        .filter(jobs::locked_by.eq(worker));
    let n = match retry_at {
        Some(at) => diesel::update(target)
            .set((
                jobs::status.eq(QUEUED),
                jobs::run_after.eq(at),
                jobs::locked_by.eq(None::<String>),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::error.eq(Some(error)),
            ))
            .execute(conn)?,
        None => diesel::update(target)
            .set((
                jobs::status.eq(FAILED),
                jobs::locked_by.eq(None::<String>),
                jobs::locked_until.eq(None::<NaiveDateTime>),
                jobs::error.eq(Some(error)),
                jobs::finished_at.eq(Some(now())),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// A job as the status screen shows it.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub job: Job,
    pub creator_name: Option<String>,
    /// The job's files, in the order the job made them.
    pub artifacts: Vec<ArtifactInfo>,
}

/// The office's jobs, newest first; `only_staff` limits them to one requester.
pub fn list(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    only_staff: Option<i64>,
    limit: i64,
    offset: i64,
) -> DbResult<(Vec<JobRow>, i64)> {
    let build = || {
        let mut q = jobs::table
            .filter(jobs::corporation_id.eq(corporation_id))
            .filter(jobs::office_id.eq(office_id))
            .into_boxed();
        if let Some(s) = only_staff {
            q = q.filter(jobs::created_by.eq(s));
        }
        q
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<(Job, Option<String>)> = build()
        .left_join(staff::table)
        .order(jobs::id.desc())
        .limit(limit)
        .offset(offset)
        .select((Job::as_select(), staff::name.nullable()))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|(j, _)| j.id).collect();
    let arts: Vec<ArtifactInfo> = artifacts::table
        .filter(artifacts::job_id.eq_any(ids))
        .order(artifacts::id)
        .select(ArtifactInfo::as_select())
        .load(conn)?;
    let out = rows
        .into_iter()
        .map(|(job, creator_name)| {
            let artifacts = arts
                .iter()
                .filter(|a| a.job_id == Some(job.id))
                .cloned()
                .collect();
            JobRow {
                job,
                creator_name,
                artifacts,
            }
        })
        .collect();
    Ok((out, total))
}

/// A staff member's latest jobs of one kind in an office, with their files (newest first).
pub fn recent_of_kind(
    conn: &mut DbConnection,
    corporation_id: i64,
    office_id: i64,
    staff_id: i64,
    kind: &str,
    limit: i64,
) -> DbResult<Vec<JobRow>> {
    let jobs_found: Vec<Job> = jobs::table
        .filter(jobs::corporation_id.eq(corporation_id))
        .filter(jobs::office_id.eq(office_id))
        .filter(jobs::created_by.eq(staff_id))
        .filter(jobs::kind.eq(kind))
        .order(jobs::id.desc())
        .limit(limit)
        .select(Job::as_select())
        .load(conn)?;
    let mut out = Vec::with_capacity(jobs_found.len());
    for job in jobs_found {
        let artifacts = artifacts_of_job(conn, job.id)?;
        out.push(JobRow {
            job,
            creator_name: None,
            artifacts,
        });
    }
    Ok(out)
}

pub fn find(conn: &mut DbConnection, corporation_id: i64, id: i64) -> DbResult<Option<Job>> {
    Ok(jobs::table
        .filter(jobs::id.eq(id))
        .filter(jobs::corporation_id.eq(corporation_id))
        .select(Job::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_any(conn: &mut DbConnection, id: i64) -> DbResult<Option<Job>> {
    Ok(jobs::table
        .find(id)
        .select(Job::as_select())
        .first(conn)
        .optional()?)
}

pub fn artifact_info(
    conn: &mut DbConnection,
    corporation_id: i64,
    id: i64,
) -> DbResult<Option<ArtifactInfo>> {
    Ok(artifacts::table
        .filter(artifacts::id.eq(id))
        .filter(artifacts::corporation_id.eq(corporation_id))
        .select(ArtifactInfo::as_select())
        .first(conn)
        .optional()?)
}

pub fn artifact_data(conn: &mut DbConnection, id: i64) -> DbResult<Vec<u8>> {
    Ok(artifacts::table
        .find(id)
        .select(artifacts::data)
        .first(conn)?)
}

pub fn artifacts_of_job(conn: &mut DbConnection, job_id: i64) -> DbResult<Vec<ArtifactInfo>> {
    Ok(artifacts::table
        .filter(artifacts::job_id.eq(job_id))
        .order(artifacts::id)
        .select(ArtifactInfo::as_select())
        .load(conn)?)
}
