//! The database: one diesel code base over SQLite (embedded, the default) and PostgreSQL.
//!
//! `DbConnection` is a `diesel::MultiConnection`; the variant is chosen from the URL scheme,
//! never by trial. The few statements that differ between the backends live in [`dialect`].
//! One module of queries per aggregate.

pub mod audit;
pub mod dialect;
pub mod exports;
pub mod imports;
pub mod jobs;
pub mod offices;
pub mod partners;
pub mod plans;
pub mod preferences;
pub mod recipients;
pub mod retention;
pub mod schedules;
pub mod schema;
pub mod service_codes;
pub mod sessions;
pub mod staff;

/// Ids per `IN (…)` list: well under SQLite's 32,766 and PostgreSQL's 65,535 bind parameters.
pub const IN_LIST_MAX: usize = 5_000;

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which backend a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Backend::Postgres => "PostgreSQL",
            Backend::Sqlite => "SQLite",
        }
    }
}

/// The SQLite file path behind a URL (`sqlite://path`, `sqlite:path`, or a bare path).
pub fn sqlite_path(url: &str) -> &str {
    url.strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url)
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("database error: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    #[error("database migration failed: {0}")]
    Migration(String),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
}

pub type DbResult<T> = Result<T, DbError>;

/// Counts the SQL statements run on the connections of one pool (and, while recording, keeps
/// their text): tests use it to show that a page runs the same number of statements whatever
/// the amount of data (no N+1 queries). With `RUST_LOG=tsunagi::db::sql=trace` every statement
/// is also logged.
#[derive(Debug, Default)]
pub struct StatementLog {
    count: AtomicU64,
    recording: AtomicBool,
    recorded: Mutex<Option<Vec<String>>>,
}

impl StatementLog {
    /// Statements run so far (the pool's own `SELECT 1` checks included: they are round trips too).
    pub fn count(&self) -> u64 {
        self.count.load(Ordering::Relaxed)
    }

    /// Starts keeping the text of each statement (until [`StatementLog::take_recorded`]).
    pub fn start_recording(&self) {
        *self.recorded.lock().unwrap_or_else(|e| e.into_inner()) = Some(Vec::new());
        self.recording.store(true, Ordering::Relaxed);
    }

    /// The statements run since [`StatementLog::start_recording`]; stops recording.
    pub fn take_recorded(&self) -> Vec<String> {
        self.recording.store(false, Ordering::Relaxed);
        self.recorded
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or_default()
    }

    fn on_query(&self, query: &dyn std::fmt::Display) {
        self.count.fetch_add(1, Ordering::Relaxed);
        let trace = log::log_enabled!(target: "tsunagi::db::sql", log::Level::Trace);
        let recording = self.recording.load(Ordering::Relaxed);
        if !trace && !recording {
            return;
        }
        let text = query.to_string();
        log::trace!(target: "tsunagi::db::sql", "{text}");
        if recording
            && let Some(list) = self
                .recorded
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .as_mut()
        {
            list.push(text);
        }
    }
}

/// The diesel instrumentation that feeds a [`StatementLog`].
struct Counting(Arc<StatementLog>);

impl Instrumentation for Counting {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { query, .. } = event {
            self.0.on_query(query);
        }
    }
}

/// An r2d2 manager that picks the backend from the URL and prepares SQLite connections
/// (foreign keys, WAL, busy timeout).
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
    statements: Arc<StatementLog>,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        // The counting starts once the connection is ready, so that connections the pool opens
        // in the background do not change a count.
        let counting = Counting(self.statements.clone());
        match self.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.url)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.set_instrumentation(counting);
                Ok(DbConnection::Pg(conn))
            }
            Backend::Sqlite => {
                sqlite_process_settings();
                let mut conn = diesel::SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                // mmap_size: read transactions take the database file's pages from a shared
                // memory map instead of each connection's page cache. The bundled SQLite is
                // built with SQLITE_ENABLE_MEMORY_MANAGEMENT, so all connections' page caches
                // share one LRU list behind one global mutex, which every page read took; under
                // 50 concurrent sessions that mutex was the request threads' main wait (issue 7,
                // docs/performance.md). Pages still in the WAL are read as before. 1 GiB of
                // address space, not of memory: the kernel's page cache backs the map.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                     PRAGMA mmap_size = 1073741824;",
                )
                .map_err(r2d2::Error::QueryError)?;
                conn.set_instrumentation(counting);
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, _conn: &mut DbConnection) -> bool {
        false
    }
}

/// SQLite's process-wide settings, made once before the first connection opens (they can only
/// be set before SQLite initialises). Memory statistics are off: with them on, every allocation
/// of every connection takes one global mutex, and under 50 concurrent sessions the request
/// threads spent a tenth of their time waiting for it (issue 7, docs/performance.md). We never
/// read those statistics.
fn sqlite_process_settings() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config takes no pointers here and only sets a flag before SQLite
        // initialises. The `Once` runs before the pool's first connection; if SQLite was
        // already initialised (the backup command opens its own connections, which may come
        // first) it returns SQLITE_MISUSE and changes nothing: the statistics stay on.
        unsafe {
            libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS, 0 as c_int);
        }
    });
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The shared handle: a pool, which backend it talks to, and the count of statements run.
#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    pub backend: Backend,
    pub statements: Arc<StatementLog>,
}

impl Db {
    /// Connects (creating the SQLite file if needed) and runs pending migrations.
    pub fn open(url: &str, max_connections: u32) -> DbResult<Db> {
        let backend = Backend::of_url(url);
        let statements = Arc::new(StatementLog::default());
        let manager = Manager {
            url: url.to_string(),
            backend,
            statements: statements.clone(),
        };
        // One connection first, so that a wrong URL or a server that is down is reported at
        // once and plainly, instead of after the pool's retries.
        manager
            .connect()
            .map_err(|e| DbError::Connect(e.to_string().trim().to_string()))?;
        let pool = r2d2::Pool::builder()
            .max_size(max_connections.max(2))
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(15))
            .build(manager)
            .map_err(|e| DbError::Connect(e.to_string()))?;
        let db = Db {
            pool,
            backend,
            statements,
        };
        db.migrate()?;
        service_codes::seed_if_empty(&mut *db.conn()?)?;
        Ok(db)
    }

    /// A handle that connects only when first used and runs no migrations (for checks such as
    /// /healthz against a database that may be down).
    pub fn lazy(url: &str, max_connections: u32) -> Db {
        let backend = Backend::of_url(url);
        let statements = Arc::new(StatementLog::default());
        let manager = Manager {
            url: url.to_string(),
            backend,
            statements: statements.clone(),
        };
        let pool = r2d2::Pool::builder()
            .max_size(max_connections.max(1))
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(2))
            .build_unchecked(manager);
        Db {
            pool,
            backend,
            statements,
        }
    }

    pub fn conn(&self) -> DbResult<PooledConn> {
        Ok(self.pool.get()?)
    }

    /// Runs pending migrations. On PostgreSQL an advisory lock keeps several servers that
    /// start together from migrating at once.
    pub fn migrate(&self) -> DbResult<Vec<String>> {
        let mut conn = self.conn()?;
        let applied = match &mut *conn {
            DbConnection::Pg(pg) => {
                pg.batch_execute("SELECT pg_advisory_lock(727001)")?;
                let result = pg
                    .run_pending_migrations(POSTGRES_MIGRATIONS)
                    .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                    .map_err(|e| DbError::Migration(e.to_string()));
                pg.batch_execute("SELECT pg_advisory_unlock(727001)")?;
                result?
            }
            DbConnection::Sqlite(lite) => lite
                .run_pending_migrations(SQLITE_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect::<Vec<_>>())
                .map_err(|e| DbError::Migration(e.to_string()))?,
        };
        Ok(applied)
    }

    /// True when a trivial query succeeds (for /healthz).
    pub fn ping(&self) -> bool {
        match self.pool.get_timeout(Duration::from_secs(2)) {
            Ok(mut conn) => conn.batch_execute("SELECT 1").is_ok(),
            Err(_) => false,
        }
    }
}

/// Current time as naive UTC, the form stored in the database.
pub fn now() -> chrono::NaiveDateTime {
    chrono::Utc::now().naive_utc()
}
