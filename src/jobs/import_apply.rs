//! ケアプラン連携 取込: applies a received set to 予定実績 for the chosen recipients. The
//! comparison is made when the job runs; the changes, the import history, the files' status and
//! the audit entry are written in the transaction that marks the job done, so a set is applied
//! whole or not at all, and a rerun (a worker that died) applies nothing twice.

use super::{JobContext, JobError, JobKind, JobOutput};
use crate::db::audit::{self, Action};
use crate::exchange::apply;
use crate::web::AppError;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payload {
    /// The receiving office.
    pub office_id: i64,
    /// The set (ファイル連番).
    pub timestamp: String,
    /// The recipients to apply (all the set carries when empty).
    pub recipients: Vec<i64>,
    pub login_id: String,
    pub client_addr: String,
}

impl JobKind for Payload {
    const KIND: &'static str = "import_apply";
    fn title(&self) -> String {
        format!("ケアプラン連携 取込（送信単位 {}）", self.timestamp)
    }
}

fn compare_error(e: AppError) -> JobError {
    match e {
        AppError::BadRequest(m) => JobError::permanent(m),
        AppError::NotFound => {
            JobError::permanent("この送信単位は見つからないか、すでに取り込まれています。")
        }
        other => {
            log::warn!("import job: {other:?}");
            JobError {
                message: "取込の準備中に問題が発生したため、中断しました。自動で再試行します。"
                    .into(),
                retryable: true,
            }
        }
    }
}

/// A 計画書 set: each plan version created, replaced or (DLT1KYO) removed.
fn run_careplan(
    ctx: &JobContext<'_>,
    p: Payload,
    office: crate::db::offices::Office,
) -> Result<JobOutput, JobError> {
    use crate::exchange::apply_careplan;
    let mut conn = ctx.conn()?;
    let set = apply_careplan::compare(&mut conn, &office, &p.timestamp).map_err(compare_error)?;
    let chosen = set
        .changes
        .iter()
        .filter(|c| c.blocked.is_none())
        .filter(|c| {
            c.recipient
                .as_ref()
                .is_some_and(|r| p.recipients.is_empty() || p.recipients.contains(&r.id))
        })
        .count();
    let summary = format!(
        "居宅サービス計画書（{} {}）：{}件を取り込み",
        set.sender, set.sender_type, chosen
    );
    let timestamp = set.timestamp.clone();
    Ok(output(
        ctx,
        p,
        office,
        summary,
        &timestamp,
        move |conn, office, only, staff| {
            apply_careplan::apply(conn, office, &set, only, staff).map(|_| ())
        },
    ))
}

pub fn run(ctx: &JobContext<'_>, p: Payload) -> Result<JobOutput, JobError> {
    let job = ctx.job;
    let mut conn = ctx.conn()?;
    let office = crate::db::offices::find(&mut conn, job.corporation_id, p.office_id)?
        .ok_or_else(|| JobError::permanent("取込先の事業所が見つかりません。"))?;
    let careplan =
        crate::exchange::apply_careplan::is_careplan_set(&mut conn, &office, &p.timestamp)?;
    if careplan {
        return run_careplan(ctx, p, office);
    }
    let set = apply::compare(&mut conn, &office, &p.timestamp).map_err(compare_error)?;
    ctx.progress(0, set.changes.len() as i32)?;
    let chosen = set
        .changes
        .iter()
        .filter(|c| c.blocked.is_none())
        .filter(|c| {
            c.recipient
                .as_ref()
                .is_some_and(|r| p.recipients.is_empty() || p.recipients.contains(&r.id))
        })
        .count();
    let summary = format!(
        "{}（{} {}）：利用者 {}人を取り込み",
        set.side.label(),
        set.sender,
        set.sender_type,
        chosen
    );
    let timestamp = set.timestamp.clone();
    Ok(output(
        ctx,
        p,
        office,
        summary,
        &timestamp,
        move |conn, office, only, staff| apply::apply(conn, office, &set, only, staff).map(|_| ()),
    ))
}

/// The job's result: `apply` and the audit entry run in the transaction that marks it done.
fn output(
    ctx: &JobContext<'_>,
    p: Payload,
    office: crate::db::offices::Office,
    summary: String,
    timestamp: &str,
    apply: impl FnOnce(
        &mut crate::db::DbConnection,
        &crate::db::offices::Office,
        &[i64],
        Option<i64>,
    ) -> crate::db::DbResult<()>
    + 'static,
) -> JobOutput {
    let job = ctx.job;
    let detail = format!("送信単位 {timestamp} {summary}（受付番号 {}）", job.id);
    let (corp, staff) = (job.corporation_id, job.created_by);
    JobOutput {
        summary,
        artifacts: Vec::new(),
        record: Some(Box::new(move |conn| {
            apply(conn, &office, &p.recipients, staff)?;
            audit::record(
                conn,
                &audit::NewEntry {
                    corporation_id: Some(corp),
                    office_id: Some(office.id),
                    staff_id: staff,
                    login_id: &p.login_id,
                    action: Action::CarePlanImported,
                    detail: &detail,
                    client_addr: &p.client_addr,
                },
            )
        })),
    }
}
