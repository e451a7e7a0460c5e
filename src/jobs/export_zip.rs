//! ケアプラン連携 出力: builds the standard's files for the chosen recipients and destinations,
//! checks them, zips them, and records the export history and an audit entry in the same
//! transaction that marks the job done. Idempotent: the files are dated by the request time, so
//! a rerun writes the same bytes, and the history is written only by the run that finishes.

use super::{JobContext, JobError, JobKind, JobOutput};
use crate::db::audit::{self, Action};
use crate::db::jobs::NewArtifact;
use crate::domain::ServiceMonth;
use crate::exchange::export::{self, ExportRequest};
use crate::web::AppError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    pub request: ExportRequest,
    /// Who asked, for the audit entry (the job runs without a session).
    pub login_id: String,
    pub client_addr: String,
}

impl JobKind for Payload {
    const KIND: &'static str = "careplan_export";
    fn title(&self) -> String {
        let month = ServiceMonth::parse(&self.request.month)
            .map(|m| m.wareki())
            .unwrap_or_else(|_| self.request.month.clone());
        format!(
            "ケアプラン連携 {}（{}）",
            self.request.data.zip_label(self.request.delete),
            month
        )
    }
}

fn job_error(e: AppError) -> JobError {
    match e {
        AppError::BadRequest(msg) => JobError::permanent(msg),
        AppError::NotFound => JobError::permanent("出力元の事業所が見つかりません。"),
        other => {
            log::warn!("export job: {other:?}");
            JobError {
                message: "出力中に問題が発生したため、処理を中断しました。自動で再試行します。"
                    .into(),
                retryable: true,
            }
        }
    }
}

pub fn run(ctx: &JobContext<'_>, p: Payload) -> Result<JobOutput, JobError> {
    let job = ctx.job;
    let mut conn = ctx.conn()?;
    // The request time in Japan: it dates the records and names the files and zips.
    let now = job.created_at + chrono::Duration::hours(9);
    let mut progress = |done: usize, total: usize| {
        ctx.progress(done as i32, total as i32)
            .map_err(|e| AppError::BadRequest(e.message))
    };
    let outcome = export::run(
        &mut conn,
        job.corporation_id,
        &p.request,
        now,
        Some(job.id),
        job.created_by,
        &mut progress,
    )
    .map_err(job_error)?;
    if !outcome.errors.is_empty() {
        let list: Vec<String> = outcome
            .errors
            .iter()
            .take(20)
            .map(|e| format!("{}: {}", e.file, e.message_ja))
            .collect();
        return Err(JobError::permanent(format!(
            "作成したファイルが標準仕様のチェックを通らなかったため、出力を中止しました。{}",
            list.join(" / ")
        )));
    }
    let sets = outcome.result.sets.len();
    let recipients = outcome.recipient_count();
    let blocked = outcome.result.blocked.len();
    let mut summary = if sets == 0 {
        "出力する対象がありませんでした".to_string()
    } else {
        format!(
            "{}件の送付先、利用者{}人、ファイル{}件",
            sets,
            recipients,
            outcome.file_count()
        )
    };
    if blocked > 0 {
        summary.push_str(&format!("（エラーのため出力しなかった利用者 {blocked}人）"));
    }
    if !outcome.warnings.is_empty() {
        summary.push_str(&format!("（警告 {}件）", outcome.warnings.len()));
    }
    let artifacts = outcome
        .zips
        .into_iter()
        .map(|z| NewArtifact {
            file_name: z.name,
            content_type: "application/zip".into(),
            data: z.bytes,
        })
        .collect::<Vec<_>>();
    let detail = format!(
        "{} {} 事業所番号 {}：{}（受付番号 {}）{}",
        p.request.data.zip_label(p.request.delete),
        p.request.month,
        outcome.office.office_number,
        summary,
        job.id,
        artifacts
            .iter()
            .map(|a| a.file_name.as_str())
            .collect::<Vec<_>>()
            .join("、")
    );
    let history = outcome.history;
    let entry = ExportAudit {
        corporation_id: job.corporation_id,
        office_id: job.office_id,
        staff_id: job.created_by,
        login_id: p.login_id,
        client_addr: p.client_addr,
        detail,
    };
    Ok(JobOutput {
        summary,
        artifacts,
        record: Some(Box::new(move |conn| record(conn, &history, &entry))),
    })
}

/// Who exported what, for the audit log.
pub struct ExportAudit {
    pub corporation_id: i64,
    pub office_id: i64,
    pub staff_id: Option<i64>,
    pub login_id: String,
    pub client_addr: String,
    pub detail: String,
}

/// Records an export: its history rows and one audit entry (the job runs this in the
/// transaction that marks it done; the command line in its own transaction).
pub fn record(
    conn: &mut crate::db::DbConnection,
    history: &[crate::db::exports::NewExportEntry],
    entry: &ExportAudit,
) -> crate::db::DbResult<()> {
    crate::db::exports::record(conn, history)?;
    audit::record(
        conn,
        &audit::NewEntry {
            corporation_id: Some(entry.corporation_id),
            office_id: Some(entry.office_id),
            staff_id: entry.staff_id,
            login_id: &entry.login_id,
            action: Action::CarePlanExported,
            detail: &entry.detail,
            client_addr: &entry.client_addr,
        },
    )
}
