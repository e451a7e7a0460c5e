//! 一括処理状況確認: the current office's background jobs and their results.
//!
//! Everyone sees the jobs they requested themselves (so the person who asked for an export can
//! always fetch it); the 一括処理状況確認 permission shows every job of the office.

use crate::AppState;
use crate::auth::{Auth, Menu};
use crate::db::audit::Action;
use crate::db::jobs::{self as q, JobRow};
use crate::jobs::retention::gone_message;
use crate::web::{AppError, AppResult, Layout, Paging, blocking, fmt_jst, fmt_jst_opt};
use actix_web::http::header;
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

const PER_PAGE: i64 = 20;

#[derive(Deserialize)]
pub struct ListQuery {
    page: Option<i64>,
    done: Option<String>,
}

pub struct JobView {
    pub id: i64,
    pub title: String,
    pub summary: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub running: bool,
    pub progress_done: i32,
    pub progress_total: i32,
    pub percent: i32,
    pub error: String,
    pub requested_at: String,
    pub finished_at: String,
    pub requester: String,
    pub downloads: Vec<Download>,
}

/// A job's file on a list: a download link, or (after the retention period) why there is none.
pub struct Download {
    pub href: String,
    pub name: String,
    pub size: String,
    /// Empty while the file is kept; else 保存期間（N年）を過ぎたため削除しました.
    pub gone: String,
}

/// A job as the lists show it; `retention_years` names the period of removed files.
pub fn view(r: JobRow, retention_years: u32) -> JobView {
    let j = r.job;
    let (status, class) = match j.status.as_str() {
        q::QUEUED if j.attempts > 0 => ("待機中（再試行）", "queued"),
        q::QUEUED => ("待機中", "queued"),
        q::RUNNING => ("処理中", "running"),
        q::DONE => ("完了", "done"),
        _ => ("エラー", "failed"),
    };
    let percent = if j.progress_total > 0 {
        (j.progress_done * 100 / j.progress_total).clamp(0, 100)
    } else {
        0
    };
    JobView {
        id: j.id,
        title: j.title.clone(),
        summary: j.result_summary.clone().unwrap_or_default(),
        status,
        status_class: class,
        running: j.status == q::RUNNING,
        progress_done: j.progress_done,
        progress_total: j.progress_total,
        percent,
        error: if j.status == q::FAILED || j.status == q::QUEUED {
            j.error.clone().unwrap_or_default()
        } else {
            String::new()
        },
        requested_at: fmt_jst(&j.created_at),
        finished_at: fmt_jst_opt(&j.finished_at),
        requester: r.creator_name.unwrap_or_default(),
        downloads: r
            .artifacts
            .into_iter()
            .map(|a| Download {
                href: format!("/jobs/{}/files/{}", j.id, a.id),
                gone: if a.purged_at.is_some() {
                    gone_message(retention_years)
                } else {
                    String::new()
                },
                name: a.file_name,
                size: human_size(a.size_bytes),
            })
            .collect(),
    }
}

pub fn human_size(bytes: i64) -> String {
    size_label(bytes, "バイト")
}

/// `1.2 MB`, `35 KB`, or `{bytes} {byte_word}` below a kilobyte (バイト on screens, bytes on
/// the command line).
pub fn size_label(bytes: i64, byte_word: &str) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / 1024.0 / 1024.0)
    } else if bytes >= 1024 {
        format!("{:.0} KB", (bytes as f64 / 1024.0).ceil())
    } else {
        format!("{bytes} {byte_word}")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "jobs/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<JobView>,
    pub paging: Paging,
    pub all_jobs: bool,
    pub query_base: String,
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<ListPage> {
    let all = auth.can(Menu::Jobs);
    let (corp, office, me) = (auth.corporation_id(), auth.office.id, auth.staff.id);
    let page = query.page;
    let (rows, paging) = blocking(&state, move |conn| {
        let only = if all { None } else { Some(me) };
        crate::web::fetch_page(page, PER_PAGE, |p| {
            q::list(conn, corp, office, only, PER_PAGE, (p - 1) * PER_PAGE)
        })
        .map_err(AppError::from)
    })
    .await?;
    let years = state.settings.retention_years;
    let rows: Vec<JobView> = rows.into_iter().map(|r| view(r, years)).collect();
    let mut layout = Layout::new(
        &auth,
        Some(Menu::Jobs),
        "一括処理状況確認",
        &[("一括処理状況確認", None)],
    )
    .with_notice(crate::web::notice(query.done.as_deref()));
    layout.refresh = rows
        .iter()
        .any(|r| r.status_class == "queued" || r.status_class == "running");
    Ok(ListPage {
        layout,
        rows,
        paging,
        all_jobs: all,
        query_base: String::new(),
    })
}

/// The result of a finished job (its first file). Same visibility rule as the list.
pub async fn download(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    send_file(auth, state, path.into_inner(), None).await
}

/// One file of a finished job (an export can make one zip per destination).
pub async fn download_file(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> AppResult<HttpResponse> {
    let (job, file) = path.into_inner();
    send_file(auth, state, job, Some(file)).await
}

async fn send_file(
    auth: Auth,
    state: web::Data<AppState>,
    id: i64,
    file: Option<i64>,
) -> AppResult<HttpResponse> {
    let all = auth.can(Menu::Jobs);
    let actor = auth.actor();
    let years = state.settings.retention_years;
    let (info, data) = blocking(&state, move |conn| {
        let job = q::find(conn, actor.corporation_id, id)?.ok_or(AppError::NotFound)?;
        if job.office_id != actor.office_id || (!all && job.created_by != Some(actor.staff_id)) {
            return Err(AppError::NotFound);
        }
        let info = q::artifacts_of_job(conn, job.id)?
            .into_iter()
            .find(|a| file.is_none_or(|f| a.id == f))
            .ok_or(AppError::NotFound)?;
        if info.purged_at.is_some() {
            return Err(AppError::Gone(format!(
                "「{}」は{}。",
                info.file_name,
                gone_message(years)
            )));
        }
        let data = q::artifact_data(conn, info.id)?;
        actor.record(
            conn,
            Action::Downloaded,
            &format!("{}（{}）", info.file_name, job.title),
        )?;
        Ok((info, data))
    })
    .await?;
    Ok(attachment(&info.file_name, &info.content_type, data))
}

/// A download with its name kept in Japanese (`filename*=UTF-8''…`) and an ASCII fallback.
pub fn attachment(file_name: &str, content_type: &str, data: Vec<u8>) -> HttpResponse {
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type.to_string()))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                crate::web::rfc5987_encode(file_name)
            ),
        ))
        .body(data)
}
