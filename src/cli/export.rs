//! `tsunagi export`: the exchange's files for a month, written into a folder as zips (the same
//! builders the export screen's job uses). Messages are English.

use crate::db::{self, Db};
use crate::domain::{OfficeNumber, ServiceMonth, ServiceType};
use crate::exchange::export::{
    ExportResult, build_actual_sets, build_plan_sets, no_progress, zip_files,
};
use crate::standard::{CsvVersion, Severity};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportData {
    /// 居宅: 利用票 (第6表 + 第7表 + 利用者補足情報) for every destination.
    Plan,
    /// Provider: 実績 (UPJSK) for every destination 居宅.
    Actual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Spec {
    V4,
    V3,
}

#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The sending office: 10-digit number, with `:TYPE` when the number has several types.
    #[arg(long)]
    pub office: String,
    /// Service month, YYYYMM.
    #[arg(long)]
    pub month: String,
    #[arg(long, value_enum, default_value = "plan")]
    pub data: ExportData,
    /// Force a CSV version for every destination (default: what each partner reads).
    #[arg(long, value_enum)]
    pub spec: Option<Spec>,
    /// One zip per destination instead of one for all.
    #[arg(long)]
    pub split: bool,
    /// Only these recipients (利用者コード); all of the office's when omitted.
    #[arg(long = "recipient")]
    pub recipients: Vec<String>,
    #[command(flatten)]
    pub db: super::DbArgs,
    /// Folder to write the zip(s) into (created when missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

fn find_office(conn: &mut db::DbConnection, spec: &str) -> Result<db::offices::Office, String> {
    use crate::db::schema::offices as o;
    use diesel::prelude::*;
    let (number, service_type) = match spec.split_once(':') {
        Some((n, t)) => (n, Some(t)),
        None => (spec, None),
    };
    let number = OfficeNumber::parse(number).map_err(|e| e.message_en)?;
    let service_type = service_type
        .map(ServiceType::parse)
        .transpose()
        .map_err(|e| e.message_en)?;
    let mut q = o::table
        .filter(o::office_number.eq(number.as_str()))
        .into_boxed();
    if let Some(t) = service_type {
        q = q.filter(o::service_type.eq(t.code()));
    }
    let ids: Vec<i64> = q.select(o::id).load(conn).map_err(|e| e.to_string())?;
    match ids.as_slice() {
        [id] => {
            let corp: i64 = o::table
                .find(id)
                .select(o::corporation_id)
                .first(conn)
                .map_err(|e| e.to_string())?;
            db::offices::find(conn, corp, *id)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| "office vanished".into())
        }
        [] => Err(format!("no own office with number {spec}")),
        _ => Err(format!(
            "office number {number} has several service types; name one, e.g. {number}:43"
        )),
    }
}

pub fn run(args: ExportArgs) -> Result<(), String> {
    let db = Db::open(&args.db.database_url, 2).map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let office = find_office(&mut conn, &args.office)?;
    let month = ServiceMonth::parse(&args.month).map_err(|e| e.message_en)?;
    let care_management =
        ServiceType::parse(&office.service_type).is_ok_and(|t| t.is_care_management());
    match (args.data, care_management) {
        (ExportData::Plan, false) => {
            return Err(format!(
                "{} is not a care-management office (43/46): it sends 実績 (--data actual)",
                args.office
            ));
        }
        (ExportData::Actual, true) => {
            return Err(format!(
                "{} is a care-management office: it sends 利用票 (--data plan)",
                args.office
            ));
        }
        _ => {}
    }
    let mut only = Vec::new();
    for code in &args.recipients {
        use crate::db::schema::recipients as r;
        use diesel::prelude::*;
        let id: Option<i64> = r::table
            .filter(r::corporation_id.eq(office.corporation_id))
            .filter(r::code.eq(code))
            .select(r::id)
            .first(&mut *conn)
            .optional()
            .map_err(|e| e.to_string())?;
        only.push(id.ok_or_else(|| format!("no recipient with code {code} in this corporation"))?);
    }
    let version = args.spec.map(|s| {
        if s == Spec::V3 {
            CsvVersion::V202208
        } else {
            CsvVersion::V202407
        }
    });
    let now = (chrono::Utc::now() + chrono::Duration::hours(9)).naive_utc();
    let result: ExportResult = match args.data {
        ExportData::Plan => build_plan_sets(
            &mut conn,
            &office,
            month,
            &only,
            version,
            now,
            &mut no_progress,
        ),
        ExportData::Actual => build_actual_sets(
            &mut conn,
            &office,
            month,
            &only,
            version,
            now,
            &mut no_progress,
        ),
    }
    .map_err(|e| format!("{e:?}"))?;
    let mut errors = Vec::new();
    let mut warnings = 0;
    for set in &result.sets {
        for f in &set.files {
            for x in &f.findings {
                match x.severity {
                    Severity::Error => errors.push(format!("{}: {}", f.name, x.message_en)),
                    Severity::Warning => warnings += 1,
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(format!(
            "the files did not pass the checker; nothing was written:\n  {}",
            errors.join("\n  ")
        ));
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let label = if args.data == ExportData::Plan {
        "利用票出力"
    } else {
        "実績出力"
    };
    let stamp = now.format("%Y%m%d%H%M%S");
    let mut zips = Vec::new();
    if result.sets.is_empty() {
        // Nothing to send: say so, write nothing.
    } else if args.split {
        for set in &result.sets {
            let name = format!(
                "{label}_{}_{}_{}_{}_{stamp}.zip",
                office.office_number,
                month.yyyymm(),
                set.receiver,
                set.receiver_type
            );
            let bytes = zip_files(&set.files).map_err(|e| e.to_string())?;
            std::fs::write(args.out.join(&name), bytes).map_err(|e| e.to_string())?;
            zips.push(name);
        }
    } else {
        let name = format!(
            "{label}_{}_{}_{stamp}.zip",
            office.office_number,
            month.yyyymm()
        );
        let bytes = zip_files(result.sets.iter().flat_map(|s| s.files.iter()))
            .map_err(|e| e.to_string())?;
        std::fs::write(args.out.join(&name), bytes).map_err(|e| e.to_string())?;
        zips.push(name);
    }
    let files: Vec<&str> = result
        .sets
        .iter()
        .flat_map(|s| s.files.iter().map(|f| f.name.as_str()))
        .collect();
    let mut recipients: Vec<i64> = result.sets.iter().flat_map(|s| s.recipient_ids()).collect();
    recipients.sort();
    recipients.dedup();
    if args.json {
        let summary = serde_json::json!({
            "zips": zips,
            "files": files,
            "sets": result.sets.iter().map(|s| serde_json::json!({
                "receiver": s.receiver, "receiver_type": s.receiver_type, "receiver_name": s.receiver_name,
                "version": s.version.code(), "recipients": s.members.len(),
                "files": s.files.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "recipients": recipients.len(),
            "warnings": warnings,
            "blocked": result.blocked.iter().map(|b| serde_json::json!({"recipient_id": b.recipient_id, "reason": b.message_en})).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "{} set(s), {} file(s), {} recipient(s), {} warning(s); {} recipient(s) blocked.",
            result.sets.len(),
            files.len(),
            recipients.len(),
            warnings,
            result.blocked.len()
        );
        for b in &result.blocked {
            println!("  blocked: recipient {}: {}", b.recipient_id, b.message_en);
        }
        for z in &zips {
            println!("  wrote {}", args.out.join(z).display());
        }
    }
    Ok(())
}
