//! `tsunagi admin backup --out FILE [--force]`: a consistent copy of the database while the
//! servers keep running.
//!
//! SQLite: `VACUUM INTO` on a connection of its own. It reads the whole database inside one read
//! transaction, so in WAL mode it copies one committed state (a snapshot) while other connections
//! go on writing; a writer is never blocked and the copy never mixes before and after. (SQLite's
//! page-by-page backup API restarts whenever another connection writes between its steps, so
//! under steady writes it may never finish, and diesel does not expose it.) The copy is compact,
//! checked with `PRAGMA integrity_check`, flushed to disk and only then renamed to FILE, so FILE is
//! never a half-written backup.
//!
//! PostgreSQL: `pg_dump --format=custom` when it is on PATH (the password travels in
//! `PGPASSWORD`, not on the command line where other users could see it); otherwise the command
//! says how to run pg_dump and writes nothing. See docs/operations.md.

use crate::db::{self, Backend};
use clap::Args;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Args, Debug)]
pub struct BackupArgs {
    /// The file to write: a copy of the SQLite database, or a pg_dump archive (custom format).
    #[arg(long)]
    pub out: PathBuf,
    /// Replace FILE when it exists.
    #[arg(long)]
    pub force: bool,
}

pub fn run(url: &str, args: &BackupArgs) -> Result<(), String> {
    check_target(&args.out, args.force)?;
    match Backend::of_url(url) {
        Backend::Sqlite => {
            let copy = sqlite(Path::new(db::sqlite_path(url)), &args.out)?;
            println!(
                "Backup written to {} ({}).",
                args.out.display(),
                size_label(copy.bytes)
            );
            println!(
                "  A consistent snapshot of {} (SQLite, taken online); integrity check: ok; last migration: {}.",
                db::sqlite_path(url),
                copy.last_migration
            );
            println!("  It holds: {}.", copy.counts_line());
            println!(
                "To restore: stop Tsunagi, put this file in place of the database file (and delete that file's -wal and -shm files), start Tsunagi. See docs/operations.md."
            );
            Ok(())
        }
        Backend::Postgres => {
            let dump = postgres(url, &args.out)?;
            println!(
                "Backup written to {} ({}) with pg_dump (custom format{}).",
                args.out.display(),
                size_label(dump.bytes),
                dump.schema
                    .as_deref()
                    .map(|s| format!(", schema {s}"))
                    .unwrap_or_default()
            );
            match dump.tables {
                Some(n) => println!("  pg_restore reads it: {n} table(s) with data."),
                None => {
                    println!("  (pg_restore is not on PATH, so the archive was not read back.)")
                }
            }
            println!(
                "To restore into an empty database: pg_restore --no-owner --dbname=URL {}. See docs/operations.md.",
                args.out.display()
            );
            Ok(())
        }
    }
}

/// Refuses an existing FILE without --force, a folder, and a folder that does not exist.
fn check_target(out: &Path, force: bool) -> Result<(), String> {
    if out.is_dir() {
        return Err(format!(
            "{} is a folder; give the name of the backup file to write",
            out.display()
        ));
    }
    if out.exists() && !force {
        return Err(format!(
            "{} already exists; nothing was written. Choose another name, or add --force to replace it.",
            out.display()
        ));
    }
    let parent = parent_of(out);
    if !parent.is_dir() {
        return Err(format!(
            "the folder {} does not exist; nothing was written",
            parent.display()
        ));
    }
    Ok(())
}

fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A name next to FILE for the copy in progress (renamed to FILE when complete).
fn partial_path(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "backup".into());
    parent_of(out).join(format!(
        ".{name}.partial-{}",
        &crate::auth::password::random_token()[..8]
    ))
}

/// Flushes the finished copy to disk and puts it in place of FILE.
fn finish(partial: &Path, out: &Path) -> Result<u64, String> {
    let file = std::fs::File::open(partial)
        .and_then(|f| f.sync_all().map(|_| f))
        .map_err(|e| format!("cannot flush the backup to disk: {e}"))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    drop(file);
    std::fs::rename(partial, out)
        .map_err(|e| format!("cannot put the backup in place as {}: {e}", out.display()))?;
    // The rename itself is durable once the folder is flushed (not possible on every platform).
    if let Ok(dir) = std::fs::File::open(parent_of(out)) {
        let _ = dir.sync_all();
    }
    Ok(bytes)
}

/// Removes the partial file when dropped (so a failed backup leaves nothing behind).
struct Partial(PathBuf);

impl Drop for Partial {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What an SQLite backup holds.
pub struct SqliteCopy {
    pub bytes: u64,
    pub last_migration: String,
    /// (what, how many) of the main tables.
    pub counts: Vec<(&'static str, i64)>,
}

impl SqliteCopy {
    fn counts_line(&self) -> String {
        self.counts
            .iter()
            .map(|(what, n)| format!("{n} {what}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(QueryableByName)]
struct IntegrityRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    integrity_check: String,
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    version: Option<String>,
}

/// Writes a consistent copy of the SQLite database at `source` to `out` (replacing it).
pub fn sqlite(source: &Path, out: &Path) -> Result<SqliteCopy, String> {
    if !source.is_file() {
        return Err(format!(
            "there is no SQLite database at {}; nothing was written",
            source.display()
        ));
    }
    let source_str = source
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", source.display()))?;
    let partial = Partial(partial_path(out));
    let partial_str = partial
        .0
        .to_str()
        .ok_or_else(|| format!("{} is not a UTF-8 path", out.display()))?
        .to_string();
    let mut conn = diesel::SqliteConnection::establish(source_str)
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    conn.batch_execute("PRAGMA busy_timeout = 10000;")
        .map_err(|e| format!("cannot open {}: {e}", source.display()))?;
    diesel::sql_query("VACUUM INTO ?")
        .bind::<diesel::sql_types::Text, _>(&partial_str)
        .execute(&mut conn)
        .map_err(|e| format!("could not copy {}: {e}", source.display()))?;
    drop(conn);

    let mut copy = diesel::SqliteConnection::establish(&partial_str)
        .map_err(|e| format!("cannot open the copy to check it: {e}"))?;
    let check: Vec<IntegrityRow> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut copy)
        .map_err(|e| format!("cannot check the copy: {e}"))?;
    if check.len() != 1 || check[0].integrity_check != "ok" {
        let problems: Vec<String> = check.into_iter().map(|r| r.integrity_check).collect();
        return Err(format!(
            "the copy failed SQLite's integrity check, so it was not kept: {}",
            problems.join("; ")
        ));
    }
    let last_migration =
        diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations")
            .get_result::<VersionRow>(&mut copy)
            .ok()
            .and_then(|r| r.version)
            .unwrap_or_else(|| "none".into());
    let counts = main_counts(&mut copy).map_err(|e| format!("cannot read the copy: {e}"))?;
    drop(copy);

    let bytes = finish(&partial.0, out)?;
    Ok(SqliteCopy {
        bytes,
        last_migration,
        counts,
    })
}

fn main_counts(
    conn: &mut diesel::SqliteConnection,
) -> diesel::QueryResult<Vec<(&'static str, i64)>> {
    use crate::db::schema::*;
    Ok(vec![
        ("offices", offices::table.count().get_result(conn)?),
        ("staff", staff::table.count().get_result(conn)?),
        ("recipients", recipients::table.count().get_result(conn)?),
        (
            "schedule lines",
            schedule_lines::table.count().get_result(conn)?,
        ),
        ("audit entries", audit_log::table.count().get_result(conn)?),
        ("jobs", jobs::table.count().get_result(conn)?),
        ("job files", artifacts::table.count().get_result(conn)?),
        (
            "received files",
            received_files::table.count().get_result(conn)?,
        ),
    ])
}

/// What a PostgreSQL backup wrote.
pub struct PgDump {
    pub bytes: u64,
    /// The schema dumped when the URL picks one (`options=-csearch_path=…`).
    pub schema: Option<String>,
    /// Tables with data in the archive, as `pg_restore --list` reads it (None without pg_restore).
    pub tables: Option<usize>,
}

/// Runs pg_dump (custom format) into `out` (replacing it).
pub fn postgres(url: &str, out: &Path) -> Result<PgDump, String> {
    let (url_without_password, password) = split_password(url);
    let schema = schema_of(url);
    let partial = Partial(partial_path(out));
    let mut cmd = Command::new("pg_dump");
    cmd.arg("--format=custom")
        .arg("--no-password")
        .arg(format!("--file={}", partial.0.display()))
        .arg(format!("--dbname={url_without_password}"));
    if let Some(s) = &schema {
        cmd.arg(format!("--schema={s}"));
    }
    if let Some(p) = &password {
        cmd.env("PGPASSWORD", p);
    }
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "pg_dump was not found on PATH, so no backup was written. Install the PostgreSQL \
                 client tools of your server's version (Debian: apt install postgresql-client) and \
                 run this command again, or run pg_dump yourself:\n  \
                 pg_dump --format=custom --file={} '{}'\nSee docs/operations.md (backup, restore, verify).",
                out.display(),
                crate::cli::redact(url)
            ));
        }
        Err(e) => return Err(format!("cannot run pg_dump: {e}")),
    };
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "pg_dump failed ({}), so no backup was written (database URL: {}):\n{}",
            output.status,
            crate::cli::redact(url),
            stderr.trim()
        ));
    }
    let tables = Command::new("pg_restore")
        .arg("--list")
        .arg(&partial.0)
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter(|l| !l.starts_with(';') && l.contains(" TABLE DATA "))
                .count()
        });
    let bytes = finish(&partial.0, out)?;
    Ok(PgDump {
        bytes,
        schema,
        tables,
    })
}

/// The URL without its password, and the password (percent-decoded) for `PGPASSWORD`.
fn split_password(url: &str) -> (String, Option<String>) {
    if let (Some(s), Some(at)) = (url.find("://"), url.rfind('@'))
        && at > s
        && let Some((user, password)) = url[s + 3..at].split_once(':')
    {
        let decoded = percent_encoding::percent_decode_str(password)
            .decode_utf8_lossy()
            .to_string();
        return (
            format!("{}{}{}", &url[..s + 3], user, &url[at..]),
            Some(decoded),
        );
    }
    (url.to_string(), None)
}

/// The one schema a URL selects with `options=-c search_path=NAME` (as when several
/// installations share a database), so that only it is dumped.
fn schema_of(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let options = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "options")?
        .1;
    let options = percent_encoding::percent_decode_str(&options.replace('+', " "))
        .decode_utf8_lossy()
        .to_string();
    let value = options.split("search_path=").nth(1)?;
    let name: String = value.chars().take_while(|c| !c.is_whitespace()).collect();
    let simple = !name.is_empty()
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    simple.then_some(name)
}

fn size_label(bytes: u64) -> String {
    crate::web::jobs::size_label(bytes as i64, "bytes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split_password("postgres://app:s%40cret@db:5432/tsunagi"),
            (
                "postgres://app@db:5432/tsunagi".to_string(),
                Some("s@cret".to_string())
            )
        );
        assert_eq!(
            split_password("postgres://postgres@127.0.0.1/test"),
            ("postgres://postgres@127.0.0.1/test".to_string(), None)
        );
    }

    #[test]
    fn a_schema_chosen_in_the_url_is_found() {
        assert_eq!(
            schema_of("postgres://p@h/test?options=-csearch_path%3Dt_abc").as_deref(),
            Some("t_abc")
        );
        assert_eq!(
            schema_of("postgres://p@h/db?sslmode=disable&options=-c%20search_path%3Doffice1")
                .as_deref(),
            Some("office1")
        );
        assert_eq!(schema_of("postgres://p@h/db"), None);
        assert_eq!(
            schema_of("postgres://p@h/db?options=-csearch_path%3Da,b"),
            None
        );
    }
}
