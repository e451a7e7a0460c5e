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

/// Inserts export history rows in batches of a few hundred (one statement each): diesel's
/// MultiConnection has no portable multi-row insert, and one round trip per row costs seconds
/// on PostgreSQL for a large export.
pub fn insert_export_history(
    conn: &mut DbConnection,
    rows: &[super::exports::NewExportEntry],
) -> Result<(), Error> {
    use super::schema::export_history;
    use diesel::RunQueryDsl;
    for chunk in rows.chunks(500) {
        match conn {
            DbConnection::Pg(c) => {
                diesel::insert_into(export_history::table)
                    .values(chunk)
                    .execute(c)?;
            }
            DbConnection::Sqlite(c) => {
                diesel::insert_into(export_history::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}
