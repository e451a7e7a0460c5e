//! `tsunagi admin retention`: removes now what the workers' daily retention job would remove:
//! the bytes of job results and received originals older than the retention period (same code,
//! same audit entries; the records stay).

use crate::config::DEFAULT_RETENTION_YEARS;
use crate::db::{self, DbConnection};
use crate::jobs::retention;
use clap::Args;

#[derive(Args, Debug, Clone)]
pub struct RetentionArgs {
    /// Years for which job results (the exchange's zips …) and received originals are kept
    /// before their contents are removed (their records stay); 0 keeps them forever.
    #[arg(long, env = "TSUNAGI_RETENTION_YEARS", default_value_t = DEFAULT_RETENTION_YEARS)]
    pub retention_years: u32,
}

pub fn run(conn: &mut DbConnection, args: &RetentionArgs) -> Result<(), String> {
    let years = args.retention_years;
    if years == 0 {
        println!(
            "Retention is off (--retention-years 0): files are kept forever; nothing was removed."
        );
        return Ok(());
    }
    let done = retention::run_now(conn, years, db::now()).map_err(|e| e.to_string())?;
    let mut total = 0;
    for ((corporation_id, office_id), purged) in &done {
        if purged.total() == 0 {
            continue;
        }
        total += purged.total();
        let office = db::offices::find(conn, *corporation_id, *office_id)
            .map_err(|e| e.to_string())?
            .map(|o| format!("{} {}", o.number_and_type(), o.name))
            .unwrap_or_else(|| format!("office id {office_id}"));
        println!(
            "  {office}: {} file(s) ({} job result(s), {} received original(s))",
            purged.total(),
            purged.artifacts,
            purged.received
        );
    }
    if total == 0 {
        println!("No file is older than {years} years; nothing was removed.");
    } else {
        println!(
            "Removed the contents of {total} file(s) older than {years} years. Their records (name, hash, size, dates) and the audit log are kept; each office's audit log says how many were removed."
        );
    }
    Ok(())
}
