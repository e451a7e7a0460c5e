//! 職員一覧CSV出力: the staff list as a spreadsheet.

use super::{JobContext, JobError, JobKind, JobOutput, spreadsheet};
use crate::db::jobs::NewArtifact;
use crate::db::{self, staff::StaffQuery};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
pub struct Payload {
    /// The whole corporation (managers only) instead of the requesting office.
    pub all_offices: bool,
}

impl JobKind for Payload {
    const KIND: &'static str = "staff_csv";
    fn title(&self) -> String {
        "職員一覧CSV出力".into()
    }
}

pub fn run(ctx: &JobContext<'_>, p: Payload) -> Result<JobOutput, JobError> {
    let job = ctx.job;
    let mut conn = ctx.conn()?;
    let (staff, total) = db::staff::search(
        &mut conn,
        &StaffQuery {
            corporation_id: job.corporation_id,
            office_id: (!p.all_offices).then_some(job.office_id),
            search: String::new(),
            kana_row: String::new(),
            sort: db::staff::StaffSort::Code,
            page: 1,
            per_page: i64::MAX / 2,
        },
    )?;
    let offices = db::offices::list(&mut conn, job.corporation_id)?;
    let ids: Vec<i64> = staff.iter().map(|s| s.id).collect();
    let memberships = db::staff::memberships_of(&mut conn, &ids)?;
    let mut rows = Vec::with_capacity(staff.len());
    for (i, s) in staff.iter().enumerate() {
        rows.push(vec![
            s.code.clone(),
            s.name.clone(),
            s.kana.clone(),
            s.gender_label().to_string(),
            s.login_id.clone(),
            if s.login_enabled { "可" } else { "不可" }.to_string(),
            if s.is_manager { "○" } else { "" }.to_string(),
            crate::web::staff::office_labels(&offices, &memberships, s.id),
        ]);
        if i % 50 == 0 {
            ctx.progress(i as i32, total as i32)?;
        }
    }
    let data = spreadsheet::csv_ms932(
        &[
            "職員コード",
            "氏名",
            "ふりがな",
            "性別",
            "ログインID",
            "ログイン",
            "管理者",
            "所属事業所",
        ],
        &rows,
    );
    let office = offices.iter().find(|o| o.id == job.office_id);
    let stamp = (job.created_at + chrono::Duration::hours(9)).format("%Y%m%d%H%M%S");
    let file_name = format!(
        "職員一覧_{}_{stamp}.csv",
        office.map(|o| o.office_number.as_str()).unwrap_or("")
    );
    Ok(JobOutput {
        summary: format!(
            "{}件（{}）",
            rows.len(),
            if p.all_offices {
                "法人全体"
            } else {
                "この事業所"
            }
        ),
        artifacts: vec![NewArtifact {
            file_name,
            content_type: "text/csv; charset=Shift_JIS".into(),
            data,
        }],
        record: None,
    })
}
