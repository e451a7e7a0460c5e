//! `tsunagi import`: receive files for an office from the command line (the 取込 screen's code:
//! the same checks, the originals kept), and with `--apply` apply the sets they complete (the
//! 印刷・取込 job's code). Messages are English; a second run with the same files changes nothing.

use crate::db::audit::{self, Action};
use crate::db::{self, Db};
use crate::exchange::{apply, receive};
use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct ImportArgs {
    /// The receiving office: 10-digit number, with `:TYPE` when the number has several types.
    #[arg(long)]
    pub office: String,
    /// CSV files, folders (searched for .csv and .zip) or zips.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Apply the complete sets received to 予定実績 (otherwise: receive and check only).
    #[arg(long)]
    pub apply: bool,
    #[command(flatten)]
    pub db: super::DbArgs,
    /// Print a JSON summary.
    #[arg(long)]
    pub json: bool,
}

fn record(
    conn: &mut db::DbConnection,
    office: &db::offices::Office,
    action: Action,
    detail: &str,
) -> db::DbResult<()> {
    audit::record(
        conn,
        &audit::NewEntry {
            corporation_id: Some(office.corporation_id),
            office_id: Some(office.id),
            staff_id: None,
            login_id: "(command line)",
            action,
            detail,
            client_addr: "command line",
        },
    )
}

pub fn run(args: ImportArgs) -> Result<(), String> {
    let mut inputs = Vec::new();
    for p in &args.paths {
        inputs.extend(super::csv::collect(p)?);
    }
    if inputs.is_empty() {
        return Err("no CSV files found in the given paths".into());
    }
    let db = Db::open(&args.db.database_url, 2).map_err(|e| e.to_string())?;
    let mut conn = db.conn().map_err(|e| e.to_string())?;
    let office = super::export::find_office(&mut conn, &args.office)?;
    let n = inputs.len();
    let report =
        receive::receive(&mut conn, &office, None, inputs).map_err(|e| format!("{e:?}"))?;
    record(
        &mut conn,
        &office,
        Action::CarePlanReceived,
        &format!(
            "{n}件のファイルを受信（コマンドライン、保存 {}件、受信済み {}件、取込不可 {}件）",
            report.stored.len(),
            report.duplicates.len(),
            report.refused
        ),
    )
    .map_err(|e| e.to_string())?;
    let files = db::imports::by_ids(&mut conn, office.corporation_id, &report.stored)
        .map_err(|e| e.to_string())?;
    let mut applied = Vec::new();
    if args.apply {
        let mut stamps: Vec<String> = files
            .iter()
            .filter(|f| f.verdict == db::imports::OK)
            .map(|f| f.file_timestamp.clone())
            .collect();
        stamps.sort();
        stamps.dedup();
        for ts in stamps {
            let set = match apply::compare(&mut conn, &office, &ts) {
                Ok(s) => s,
                // A set this office does not import (e.g. only a 補足), or refused as a set.
                Err(crate::web::AppError::BadRequest(m)) => {
                    applied.push(serde_json::json!({"timestamp": ts, "skipped": m}));
                    continue;
                }
                Err(e) => return Err(format!("{e:?}")),
            };
            let people: Vec<serde_json::Value> = set
                .changes
                .iter()
                .map(|c| {
                    let (added, removed, changed) = c.summary();
                    serde_json::json!({
                        "recipient": c.recipient.as_ref().map(|r| r.code.clone()),
                        "insurer": c.insurer, "insured": c.insured, "month": c.month.yyyymm(),
                        "added": added, "removed": removed, "changed": changed,
                        "refused": c.blocked,
                    })
                })
                .collect();
            db::dialect::write_transaction(&mut conn, |c| -> db::DbResult<()> {
                let (n, _) = apply::apply(c, &office, &set, &[], None)?;
                record(
                    c,
                    &office,
                    Action::CarePlanImported,
                    &format!(
                        "送信単位 {ts} {}：利用者 {n}人を取り込み（コマンドライン）",
                        set.side.label()
                    ),
                )
            })
            .map_err(|e| e.to_string())?;
            applied.push(serde_json::json!({"timestamp": ts, "recipients": people}));
        }
    }
    if args.json {
        let summary = serde_json::json!({
            "files": files.iter().map(|f| serde_json::json!({
                "name": f.source_name, "kind": f.kind, "verdict": f.verdict,
                "messages": f.messages.lines().chain(f.set_messages.lines()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "duplicates": report.duplicates.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>(),
            "applied": applied,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&summary).map_err(|e| e.to_string())?
        );
    } else {
        for f in &files {
            println!(
                "{}: {}",
                f.source_name,
                if f.verdict == db::imports::OK {
                    "ok"
                } else {
                    "refused"
                }
            );
            for m in f.messages.lines().chain(f.set_messages.lines()) {
                println!("  {m}");
            }
        }
        for (name, _) in &report.duplicates {
            println!("{name}: already received, not stored again");
        }
        for a in &applied {
            if let Some(people) = a["recipients"].as_array() {
                let changed = people
                    .iter()
                    .filter(|p| {
                        p["added"].as_u64().unwrap_or(0)
                            + p["removed"].as_u64().unwrap_or(0)
                            + p["changed"].as_u64().unwrap_or(0)
                            > 0
                    })
                    .count();
                println!(
                    "set {}: {} recipient(s), {changed} with changes applied",
                    a["timestamp"].as_str().unwrap_or(""),
                    people.len()
                );
            } else {
                println!(
                    "set {}: not applied ({})",
                    a["timestamp"].as_str().unwrap_or(""),
                    a["skipped"].as_str().unwrap_or("")
                );
            }
        }
        if args.apply && applied.is_empty() {
            println!("nothing new to apply: no change");
        }
    }
    Ok(())
}
