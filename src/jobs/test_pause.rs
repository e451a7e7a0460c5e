//! A pause for the crash tests (tests/multiserver.rs): inert unless the environment variable
//! `TSUNAGI_TEST_PAUSE_JOB` is set, which it never is in production.
//!
//! `TSUNAGI_TEST_PAUSE_JOB=POINT:KIND` stops the first job of kind KIND (e.g. `careplan_export`,
//! `import_apply`) that reaches POINT in this process, prints `test pause: job ID (KIND) at
//! POINT` on stderr and waits there (ten minutes at most), so that a test can kill the process
//! at a known place in the job's life:
//! - `progress`: the job has recorded its progress (its work begun, the total known); its
//!   heartbeat keeps the lease while the process lives;
//! - `commit`: inside the transaction that marks the job done, after its files and rows (export
//!   history, 予定実績 changes, audit entry) were written, before the commit.
//!
//! Anything else in the variable is ignored (with a warning), and so is the variable for every
//! other kind and every later job.

use super::Job;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

pub const VAR: &str = "TSUNAGI_TEST_PAUSE_JOB";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Point {
    Progress,
    Commit,
}

impl Point {
    fn name(self) -> &'static str {
        match self {
            Point::Progress => "progress",
            Point::Commit => "commit",
        }
    }
}

fn setting() -> Option<&'static (Point, String)> {
    static SETTING: OnceLock<Option<(Point, String)>> = OnceLock::new();
    SETTING
        .get_or_init(|| {
            let value = std::env::var(VAR).ok()?;
            let parsed = value.split_once(':').and_then(|(point, kind)| {
                let point = [Point::Progress, Point::Commit]
                    .into_iter()
                    .find(|p| p.name() == point)?;
                Some((point, kind.to_string()))
            });
            match &parsed {
                Some((point, kind)) => log::warn!(
                    "{VAR} is set: the first {kind} job will stop at {} (a test setting)",
                    point.name()
                ),
                None => log::warn!("{VAR}={value:?} is not POINT:KIND; ignored"),
            }
            parsed
        })
        .as_ref()
}

/// Waits here when the test setting asks for this point and this job's kind (once per process).
pub fn at(point: Point, job: &Job) {
    static FIRED: AtomicBool = AtomicBool::new(false);
    let Some((p, kind)) = setting() else { return };
    if *p != point || *kind != job.kind || FIRED.swap(true, Ordering::SeqCst) {
        return;
    }
    eprintln!(
        "test pause: job {} ({}) at {}",
        job.id,
        job.kind,
        point.name()
    );
    std::thread::sleep(std::time::Duration::from_secs(600));
}
