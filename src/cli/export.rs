//! `tsunagi export`: the exchange's files for a month, written into a folder as zips, with the
//! export screen's code (`exchange::export::run`) and the job's record (history + audit).
//! Messages are English.

use crate::db::{self, Db};
use crate::domain::{OfficeNumber, ServiceMonth, ServiceType};
use crate::exchange::export::{
    self as ex, DataKind, ExportRequest, SpecChoice, is_care_office, no_progress,
};
use crate::jobs::export_zip::{ExportAudit, record};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportData {
    /// 居宅: 利用票 (第6表 + 第7表 + 利用者補足情報) for every destination.
    Plan,
    /// 居宅: 居宅サービス計画書 (第1/2/3表 + 利用者補足情報) for every provider.
    Careplan,
    /// Provider: 実績 (UPJSK) for every destination 居宅.
    Actual,
}

impl ExportData {
    fn kind(self) -> DataKind {
        match self {
            ExportData::Plan => DataKind::Plan,
            ExportData::Careplan => DataKind::Careplan,
            ExportData::Actual => DataKind::Actual,
        }
    }
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
    /// 削除出力: DLTPLAN / DLT1KYO / DLTJSK for destinations sent before and no longer planned.
    #[arg(long)]
    pub delete: bool,
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

pub(crate) fn find_office(
    conn: &mut db::DbConnection,
    spec: &str,
) -> Result<db::offices::Office, String> {
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
    let care_management = is_care_office(&office);
    let data = args.data.kind();
    if data.sent_by_care_office() != care_management {
        return Err(if care_management {
            format!(
                "{} is a care-management office: it sends 利用票 (--data plan) or 計画書 (--data careplan)",
                args.office
            )
        } else {
            format!(
                "{} is not a care-management office (43/46): it sends 実績 (--data actual)",
                args.office
            )
        });
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
    let request = ExportRequest {
        office_id: office.id,
        month: month.yyyymm(),
        data,
        delete: args.delete,
        recipients: only,
        destinations: Vec::new(),
        spec: match args.spec {
            None => SpecChoice::Partner,
            Some(Spec::V4) => SpecChoice::V4,
            Some(Spec::V3) => SpecChoice::V3,
        },
        split: args.split,
    };
    let now = (chrono::Utc::now() + chrono::Duration::hours(9)).naive_utc();
    let outcome = ex::run(
        &mut conn,
        office.corporation_id,
        &request,
        now,
        None,
        None,
        &mut no_progress,
    )
    .map_err(|e| format!("the export failed: {e:?}"))?;
    if !outcome.errors.is_empty() {
        let lines: Vec<String> = outcome
            .errors
            .iter()
            .map(|e| format!("{}: {}", e.file, e.message_en))
            .collect();
        return Err(format!(
            "the files did not pass the checker; nothing was written:\n  {}",
            lines.join("\n  ")
        ));
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    for z in &outcome.zips {
        std::fs::write(args.out.join(&z.name), &z.bytes)
            .map_err(|e| format!("cannot write {}: {e}", args.out.join(&z.name).display()))?;
    }
    let zips: Vec<&str> = outcome.zips.iter().map(|z| z.name.as_str()).collect();
    let detail = format!(
        "{} {} 事業所番号 {}（コマンドライン）{}",
        data.zip_label(args.delete),
        month.yyyymm(),
        office.office_number,
        zips.join("、")
    );
    if !outcome.history.is_empty() {
        let audit = ExportAudit {
            corporation_id: office.corporation_id,
            office_id: office.id,
            staff_id: None,
            login_id: "(command line)".into(),
            client_addr: "command line".into(),
            detail,
        };
        db::dialect::write_transaction(&mut conn, |c| record(c, &outcome.history, &audit))
            .map_err(|e| {
                format!("the files were written but the history could not be recorded: {e}")
            })?;
    }
    let sets = &outcome.result.sets;
    let files: Vec<&str> = sets
        .iter()
        .flat_map(|s| s.files.iter().map(|f| f.name.as_str()))
        .collect();
    let recipients = outcome.recipient_count();
    if args.json {
        let summary = serde_json::json!({
            "zips": zips,
            "files": files,
            "sets": sets.iter().map(|s| serde_json::json!({
                "receiver": s.receiver, "receiver_type": s.receiver_type, "receiver_name": s.receiver_name,
                "version": s.version.code(), "recipients": s.members.len(),
                "files": s.files.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "recipients": recipients,
            "warnings": outcome.warnings.len(),
            "blocked": outcome.result.blocked.iter().map(|b| serde_json::json!({"recipient_id": b.recipient_id, "reason": b.message_en})).collect::<Vec<_>>(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
        );
    } else {
        println!(
            "{} set(s), {} file(s), {} recipient(s), {} warning(s); {} recipient(s) blocked.",
            sets.len(),
            files.len(),
            recipients,
            outcome.warnings.len(),
            outcome.result.blocked.len()
        );
        for b in &outcome.result.blocked {
            println!("  blocked: recipient {}: {}", b.recipient_id, b.message_en);
        }
        for z in &zips {
            println!("  wrote {}", args.out.join(z).display());
        }
    }
    Ok(())
}
