//! Settings that the running app needs: built from the command line (flags, then TSUNAGI_*
//! environment variables, then defaults; see `cli`).

use chrono::Duration;

#[derive(Debug, Clone)]
pub struct Settings {
    /// A session ends after this long without a request.
    pub session_idle: Duration,
    /// A session ends this long after login, whatever happens.
    pub session_max: Duration,
    /// Mark the session cookie `Secure` (when served over https).
    pub secure_cookies: bool,
    /// Failed logins in a row that lock an account.
    pub lock_after_failures: i32,
    /// How long a locked account stays locked.
    pub lock_duration: Duration,
    /// Failed logins from one client address within `lock_duration` before it is refused.
    pub address_failure_limit: i64,
    /// How long a worker holds a job before another may take it over.
    pub job_lease: Duration,
    /// Years for which job results (the exchange's zips …) and received originals are kept;
    /// then a job removes their bytes and keeps the record. 0 keeps them forever.
    pub retention_years: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            session_idle: Duration::minutes(30),
            session_max: Duration::hours(12),
            secure_cookies: false,
            lock_after_failures: 5,
            lock_duration: Duration::minutes(15),
            address_failure_limit: 30,
            job_lease: Duration::seconds(DEFAULT_JOB_LEASE_SECONDS.into()),
            retention_years: DEFAULT_RETENTION_YEARS,
        }
    }
}

/// Where the database is when nothing else is said: an SQLite file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://tsunagi.sqlite3";

/// How long files are kept when nothing else is said: 5 years, as care records (介護記録) are
/// commonly kept, so the evidence of an exchange lasts as long as the records it changed.
pub const DEFAULT_RETENTION_YEARS: u32 = 5;

/// How long a worker holds a job before another may take it over, when nothing else is said.
pub const DEFAULT_JOB_LEASE_SECONDS: u32 = 60;
