//! The background job queue: enqueue from handlers, run in workers (inside `serve`, or alone
//! with `tsunagi worker`), one module per job kind.
//!
//! Claiming, leases, retries and results live in `db::jobs`; this module runs the jobs:
//! a heartbeat keeps the lease while a job works, a failed attempt is retried with backoff,
//! a panic is caught and recorded as a failure, and the results are stored in the same
//! transaction that marks the job done (so a job that dies half-way leaves nothing behind and
//! is simply run again).

pub mod audit_csv;
pub mod export_zip;
pub mod import_apply;
pub mod retention;
pub mod spreadsheet;
pub mod staff_csv;
pub mod test_pause;

use crate::auth::session::Actor;
use crate::db::jobs::{self as q, Job, NewArtifact};
use crate::db::{self, Db, DbConnection, DbError, DbResult, audit::Action};
use chrono::Duration;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

/// A kind of job: its payload type, its stored name and its title on the status screen.
pub trait JobKind: Serialize + DeserializeOwned {
    const KIND: &'static str;
    /// 処理名 on the status screen.
    fn title(&self) -> String;
    fn max_attempts(&self) -> i32 {
        3
    }
}

/// What a successful job leaves: a line for the 内容 column and its files.
pub struct JobOutput {
    pub summary: String,
    pub artifacts: Vec<NewArtifact>,
    /// Rows the job leaves besides its files (e.g. the export history), written in the
    /// transaction that marks the job done, so a rerun never duplicates them.
    pub record: Option<RecordFn>,
}

/// See [`JobOutput::record`].
pub type RecordFn = Box<dyn FnOnce(&mut DbConnection) -> DbResult<()>>;

impl JobOutput {
    pub fn new(summary: impl Into<String>, artifacts: Vec<NewArtifact>) -> JobOutput {
        JobOutput {
            summary: summary.into(),
            artifacts,
            record: None,
        }
    }
}

/// Why an attempt failed. The message is shown on the status screen (Japanese).
#[derive(Debug)]
pub struct JobError {
    pub message: String,
    pub retryable: bool,
}

impl JobError {
    /// Bad input or a rule that will not change by trying again.
    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            retryable: false,
        }
    }
}

impl From<DbError> for JobError {
    fn from(e: DbError) -> Self {
        log::warn!("job database error: {e}");
        JobError {
            message: "データベースに接続できなかったため、処理を中断しました。自動で再試行します。"
                .into(),
            retryable: true,
        }
    }
}

impl From<diesel::result::Error> for JobError {
    fn from(e: diesel::result::Error) -> Self {
        JobError::from(DbError::from(e))
    }
}

/// Queues a job for the acting staff member's office and notes it in the audit log.
pub fn enqueue<P: JobKind>(conn: &mut DbConnection, actor: &Actor, payload: &P) -> DbResult<i64> {
    let title = payload.title();
    let json = serde_json::to_string(payload).map_err(|e| DbError::Connect(e.to_string()))?;
    db::dialect::write_transaction(conn, |conn| -> DbResult<i64> {
        let id = q::enqueue(
            conn,
            &q::NewJob {
                corporation_id: actor.corporation_id,
                office_id: actor.office_id,
                created_by: Some(actor.staff_id),
                kind: P::KIND,
                title: &title,
                payload: &json,
                max_attempts: payload.max_attempts(),
            },
        )?;
        actor.record(
            conn,
            Action::JobRequested,
            &format!("{title}（受付番号 {id}）"),
        )?;
        Ok(id)
    })
}

/// Handed to a running job: its database, and a way to report progress (which also keeps
/// the lease).
pub struct JobContext<'a> {
    pub db: &'a Db,
    pub job: &'a Job,
    worker: &'a str,
    lease: Duration,
}

impl JobContext<'_> {
    pub fn conn(&self) -> Result<db::PooledConn, JobError> {
        Ok(self.db.conn()?)
    }

    /// Records progress; fails when another worker has taken the job over.
    pub fn progress(&self, done: i32, total: i32) -> Result<(), JobError> {
        let mut conn = self.conn()?;
        if q::heartbeat(
            &mut conn,
            self.job.id,
            self.worker,
            self.lease,
            Some((done, total)),
        )? {
            test_pause::at(test_pause::Point::Progress, self.job);
            Ok(())
        } else {
            Err(JobError::permanent(
                "処理が別のワーカーに引き継がれました。",
            ))
        }
    }
}

fn dispatch(ctx: &JobContext<'_>) -> Result<JobOutput, JobError> {
    fn run<P: JobKind>(
        ctx: &JobContext<'_>,
        f: fn(&JobContext<'_>, P) -> Result<JobOutput, JobError>,
    ) -> Result<JobOutput, JobError> {
        let payload: P = serde_json::from_str(&ctx.job.payload)
            .map_err(|e| JobError::permanent(format!("処理の依頼内容を読み取れません（{e}）。")))?;
        f(ctx, payload)
    }
    match ctx.job.kind.as_str() {
        staff_csv::Payload::KIND => run(ctx, staff_csv::run),
        audit_csv::Payload::KIND => run(ctx, audit_csv::run),
        export_zip::Payload::KIND => run(ctx, export_zip::run),
        import_apply::Payload::KIND => run(ctx, import_apply::run),
        retention::Payload::KIND => run(ctx, retention::run),
        other => Err(JobError::permanent(format!(
            "不明な処理の種類です（{other}）。"
        ))),
    }
}

/// Runs one claimed job to its end: heartbeat, dispatch, result or retry.
pub fn run_claimed(db: &Db, worker: &str, lease: Duration, job: Job) {
    let stop = Arc::new(AtomicBool::new(false));
    let heartbeat = {
        let (db, worker, stop, id) = (db.clone(), worker.to_string(), stop.clone(), job.id);
        let every = std::time::Duration::from_millis((lease.num_milliseconds() / 3).max(50) as u64);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::park_timeout(every);
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(mut conn) = db.conn() {
                    let _ = q::heartbeat(&mut conn, id, &worker, lease, None);
                }
            }
        })
    };
    let ctx = JobContext {
        db,
        job: &job,
        worker,
        lease,
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(&ctx)))
        .unwrap_or_else(|panic| {
            let text = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            log::error!("job {} ({}) panicked: {text}", job.id, job.kind);
            Err(JobError::permanent(
                "処理中に予期しない問題が発生しました。サポートにお問い合わせください。",
            ))
        });
    stop.store(true, Ordering::Relaxed);
    heartbeat.thread().unpark();
    let _ = heartbeat.join();
    let job_id = job.id;
    let finish = move || -> DbResult<()> {
        let mut conn = db.conn()?;
        match outcome {
            Ok(mut out) => {
                let record = out.record.take();
                let done = q::finish_ok_with(
                    &mut conn,
                    &job,
                    worker,
                    &out.artifacts,
                    &out.summary,
                    |c| {
                        if let Some(f) = record {
                            f(c)?;
                        }
                        test_pause::at(test_pause::Point::Commit, &job);
                        Ok(())
                    },
                )?;
                if done {
                    log::info!("job {} ({}) done by {worker}", job.id, job.kind);
                } else {
                    log::warn!(
                        "job {}: lease lost before finishing; result dropped",
                        job.id
                    );
                }
            }
            Err(e) => {
                let retry_at = (e.retryable && job.attempts < job.max_attempts).then(|| {
                    db::now() + Duration::seconds(10 * (1 << (job.attempts - 1).clamp(0, 6)))
                });
                log::warn!(
                    "job {} ({}) attempt {} failed: {}",
                    job.id,
                    job.kind,
                    job.attempts,
                    e.message
                );
                q::finish_err(&mut conn, job.id, worker, &e.message, retry_at)?;
            }
        }
        Ok(())
    };
    if let Err(e) = finish() {
        // The lease will run out and the job will be run again.
        log::error!("job {job_id}: could not record the outcome: {e}");
    }
}

/// A unique name for a worker thread, for the lease.
pub fn worker_name(n: usize) -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}-{}-{n}-{}",
        std::process::id(),
        &crate::auth::password::random_token()[..6]
    )
}

/// Runs jobs until none is runnable now (tests and the command line use it). Returns how many ran.
pub fn drain(db: &Db, lease: Duration) -> DbResult<usize> {
    let worker = worker_name(0);
    let mut ran = 0;
    loop {
        let job = {
            let mut conn = db.conn()?;
            q::claim(&mut conn, &worker, lease)?
        };
        match job {
            Some(job) => {
                run_claimed(db, &worker, lease, job);
                ran += 1;
            }
            None => return Ok(ran),
        }
    }
}

/// Worker threads that poll the queue until stopped.
pub struct Workers {
    stop: Arc<AtomicBool>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Workers that only run what is queued.
    pub fn start(db: Db, lease: Duration, count: usize) -> Workers {
        Workers::start_with(db, lease, count, None)
    }

    /// Workers whose first thread also queues the periodic work: the daily retention job for
    /// files kept `retention_years` (0: never).
    pub fn start_scheduled(db: Db, lease: Duration, count: usize, retention_years: u32) -> Workers {
        Workers::start_with(
            db,
            lease,
            count,
            Some(retention::Schedule::daily(retention_years)),
        )
    }

    fn start_with(
        db: Db,
        lease: Duration,
        count: usize,
        mut schedule: Option<retention::Schedule>,
    ) -> Workers {
        let stop = Arc::new(AtomicBool::new(false));
        let handles = (0..count)
            .map(|n| {
                let (db, stop) = (db.clone(), stop.clone());
                let schedule = schedule.take();
                std::thread::Builder::new()
                    .name(format!("tsunagi-worker-{n}"))
                    .spawn(move || {
                        lower_priority();
                        worker_loop(&db, &worker_name(n), lease, &stop, schedule)
                    })
                    .expect("a worker thread can be started")
            })
            .collect();
        Workers { stop, handles }
    }

    /// Asks the workers to stop after their current job and waits for them.
    pub fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for h in &self.handles {
            h.thread().unpark();
        }
        for h in self.handles {
            let _ = h.join();
        }
    }
}

/// The nice value of worker threads: a job (an export of a whole 居宅 keeps both cores busy
/// for seconds) yields the CPU to the screens of the same server, so that people do not wait
/// behind background work; it still gets every cycle the screens leave. `TSUNAGI_WORKER_NICE`
/// (0–19) sets another value; 0 runs jobs at the screens' priority.
pub const WORKER_NICE: i32 = 10;

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn worker_nice() -> i32 {
    std::env::var("TSUNAGI_WORKER_NICE")
        .ok()
        .and_then(|v| v.trim().parse::<i32>().ok())
        .map_or(WORKER_NICE, |n| n.clamp(0, 19))
}

/// Lowers the calling thread's CPU priority to [`WORKER_NICE`] or `TSUNAGI_WORKER_NICE` (never
/// raises it). On Linux the
/// nice value belongs to the thread (not the process, whatever POSIX says), and threads it
/// starts inherit it, so the threads a job spreads its work on are lowered too. Elsewhere:
/// nothing.
pub fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let nice = worker_nice();
        if current_nice() < nice {
            // SAFETY: setpriority only reads its arguments; `who` 0 is the calling thread.
            let r = unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, nice) };
            if r != 0 {
                log::warn!(
                    "could not lower the worker thread's priority: {}",
                    std::io::Error::last_os_error()
                );
            }
        }
    }
}

/// The calling thread's nice value (Linux), for tests and diagnostics.
#[cfg(target_os = "linux")]
pub fn current_nice() -> i32 {
    // SAFETY: getpriority only reads its arguments; `who` 0 is the calling thread.
    unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) }
}

fn worker_loop(
    db: &Db,
    worker: &str,
    lease: Duration,
    stop: &AtomicBool,
    mut schedule: Option<retention::Schedule>,
) {
    log::info!("worker {worker} started");
    let idle = std::time::Duration::from_millis(500);
    while !stop.load(Ordering::Relaxed) {
        if let Some(s) = schedule.as_mut() {
            s.tick(db);
        }
        let claimed = db.conn().and_then(|mut c| q::claim(&mut c, worker, lease));
        match claimed {
            Ok(Some(job)) => run_claimed(db, worker, lease, job),
            Ok(None) => std::thread::park_timeout(idle),
            Err(e) => {
                log::warn!("worker {worker}: cannot claim jobs: {e}");
                std::thread::park_timeout(idle * 4);
            }
        }
    }
    log::info!("worker {worker} stopped");
}

#[cfg(all(test, target_os = "linux"))]
mod priority_tests {
    use super::*;

    #[test]
    fn a_worker_thread_and_the_threads_it_starts_run_at_lower_priority_the_caller_does_not() {
        let before = current_nice();
        let (worker, child) = std::thread::spawn(|| {
            lower_priority();
            let child = std::thread::spawn(current_nice).join().unwrap();
            (current_nice(), child)
        })
        .join()
        .unwrap();
        assert_eq!(worker, before.max(worker_nice()));
        assert_eq!(child, worker, "threads a job starts inherit the priority");
        assert_eq!(
            current_nice(),
            before,
            "the server's own threads keep theirs"
        );
    }
}
