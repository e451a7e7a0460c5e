//! The few places where SQLite and PostgreSQL need different SQL.

use super::DbConnection;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::Error;

/// Runs `f` in a transaction that takes the write lock at once: `BEGIN IMMEDIATE` on SQLite
/// (so two writers never deadlock upgrading a read lock, and the busy timeout applies), a plain
/// `BEGIN` on PostgreSQL. Nested `conn.transaction` calls inside `f` become savepoints.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<Error>,
{
    let depth = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
        DbConnection::Pg(c) => {
            AnsiTransactionManager::transaction_manager_status_mut(c).transaction_depth()
        }
    };
    if matches!(depth, Ok(Some(_))) {
        // Already inside a transaction: this one becomes a savepoint.
        return diesel::Connection::transaction(conn, f);
    }
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    let result = f(conn);
    match (&result, conn) {
        (Ok(_), DbConnection::Sqlite(c)) => AnsiTransactionManager::commit_transaction(c)?,
        (Ok(_), DbConnection::Pg(c)) => AnsiTransactionManager::commit_transaction(c)?,
        (Err(_), DbConnection::Sqlite(c)) => AnsiTransactionManager::rollback_transaction(c)?,
        (Err(_), DbConnection::Pg(c)) => AnsiTransactionManager::rollback_transaction(c)?,
    }
    result
}

/// Inside a write transaction: waits until no other server holds the same `key` (PostgreSQL: a
/// transaction-level advisory lock, released at commit). On SQLite `BEGIN IMMEDIATE` already lets
/// one writer in at a time, so nothing more is needed.
pub fn exclusive_with_other_servers(conn: &mut DbConnection, key: i64) -> Result<(), Error> {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Pg(c) => c.batch_execute(&format!("SELECT pg_advisory_xact_lock({key})")),
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// Inserts a slice of rows with multi-row statements of `per_statement` rows each (keep
/// `per_statement` × columns under SQLite's 32,766 bind parameters) and gives the number of
/// rows inserted: diesel's MultiConnection has no portable multi-row insert, and one round trip
/// per row costs seconds on PostgreSQL for a few thousand rows. A macro because the statement's
/// type differs per backend (diesel's batch-insert types are not public to name in bounds).
///
/// `insert_rows!(conn, table, rows, per_statement)` → `Result<usize, diesel::result::Error>`
macro_rules! insert_rows {
    ($conn:expr, $table:expr, $rows:expr, $per_statement:expr) => {{
        let conn: &mut $crate::db::DbConnection = $conn;
        let mut inserted = 0usize;
        let mut failed = None;
        for chunk in $rows.chunks(usize::max($per_statement, 1)) {
            let statement = diesel::insert_into($table).values(chunk);
            let done = match &mut *conn {
                $crate::db::DbConnection::Pg(c) => diesel::RunQueryDsl::execute(statement, c),
                $crate::db::DbConnection::Sqlite(c) => diesel::RunQueryDsl::execute(statement, c),
            };
            match done {
                Ok(n) => inserted += n,
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        match failed {
            Some(e) => Err::<usize, diesel::result::Error>(e),
            None => Ok(inserted),
        }
    }};
}
pub(crate) use insert_rows;
