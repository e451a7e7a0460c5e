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

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
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

/// An r2d2 manager that picks the backend from the URL and prepares SQLite connections
/// (foreign keys, WAL, busy timeout).
#[derive(Debug, Clone)]
pub struct Manager {
    url: String,
    backend: Backend,
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => diesel::PgConnection::establish(&self.url)
                .map(DbConnection::Pg)
                .map_err(r2d2::Error::ConnectionError),
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(sqlite_path(&self.url))
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
                )
                .map_err(r2d2::Error::QueryError)?;
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

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// The shared handle: a pool and which backend it talks to.
#[derive(Clone)]
pub struct Db {
    pub pool: Pool,
    pub backend: Backend,
}

impl Db {
    /// Connects (creating the SQLite file if needed) and runs pending migrations.
    pub fn open(url: &str, max_connections: u32) -> DbResult<Db> {
        let backend = Backend::of_url(url);
        let manager = Manager {
            url: url.to_string(),
            backend,
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
        let db = Db { pool, backend };
        db.migrate()?;
        service_codes::seed_if_empty(&mut *db.conn()?)?;
        Ok(db)
    }

    /// A handle that connects only when first used and runs no migrations (for checks such as
    /// /healthz against a database that may be down).
    pub fn lazy(url: &str, max_connections: u32) -> Db {
        let backend = Backend::of_url(url);
        let manager = Manager {
            url: url.to_string(),
            backend,
        };
        let pool = r2d2::Pool::builder()
            .max_size(max_connections.max(1))
            .min_idle(Some(0))
            .connection_timeout(Duration::from_secs(2))
            .build_unchecked(manager);
        Db { pool, backend }
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
