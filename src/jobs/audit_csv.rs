//! 操作履歴CSV出力: the audit log, filtered as on the screen, as a spreadsheet.

use super::{JobContext, JobError, JobKind, JobOutput, spreadsheet};
use crate::db::jobs::NewArtifact;
use crate::db::{self, audit::AuditFilter};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    pub filter: AuditFilter,
    /// The period in words, for the 内容 column.
    pub label: String,
}

impl JobKind for Payload {
    const KIND: &'static str = "audit_csv";
    fn title(&self) -> String {
        "操作履歴CSV出力".into()
    }
}

pub fn run(ctx: &JobContext<'_>, p: Payload) -> Result<JobOutput, JobError> {
    let job = ctx.job;
    let mut conn = ctx.conn()?;
    let page = 2000;
    let mut rows = Vec::new();
    let mut offset = 0;
    loop {
        let (entries, total) =
            db::audit::search(&mut conn, job.corporation_id, &p.filter, page, offset)?;
        let n = entries.len() as i64;
        for (e, name) in entries {
            rows.push(vec![
                crate::web::fmt_jst(&e.created_at),
                name.unwrap_or_default(),
                e.login_id,
                db::audit::Action::label_of(&e.action),
                e.detail,
                e.client_addr,
            ]);
        }
        offset += n;
        ctx.progress(offset as i32, total as i32)?;
        if n < page {
            break;
        }
    }
    let data = spreadsheet::csv_ms932(
        &["日時", "職員", "ログインID", "操作", "内容", "端末"],
        &rows,
    );
    let stamp = (job.created_at + chrono::Duration::hours(9)).format("%Y%m%d%H%M%S");
    Ok(JobOutput {
        summary: format!("{}件（{}）", rows.len(), p.label),
        artifacts: vec![NewArtifact {
            file_name: format!("操作履歴_{stamp}.csv"),
            content_type: "text/csv; charset=Shift_JIS".into(),
            data,
        }],
        record: None,
    })
}
