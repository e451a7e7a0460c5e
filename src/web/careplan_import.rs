//! ケアプラン連携 取込 (`/careplan/import`, CSV取込): upload received CSV files and zips, see
//! every file's checks (取込確認), and download the originals kept as evidence.

use crate::AppState;
use crate::auth::{Auth, Menu};
use crate::db::audit::Action;
use crate::db::imports as q;
use crate::domain::ServiceMonth;
use crate::exchange::receive::{self, kind_label};
use crate::exchange::unpack::{Input, read_zip_within};
use crate::jobs::retention::gone_message;
use crate::web::{AppError, AppResult, Layout, blocking, fmt_jst, see_other, url_encode};
use actix_multipart::form::{MultipartForm, bytes::Bytes as Upload, text::Text};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

/// At most this many bytes per uploaded file (the request as a whole: 50 MB, set in lib.rs).
pub const MAX_FILE: usize = 10 * 1024 * 1024;
/// At most this many CSV files in one upload, counting those inside zips.
pub const MAX_FILES: usize = 1000;
/// At most this many bytes of CSV in one upload once its zips are unpacked.
pub const MAX_UNPACKED: u64 = 200 * 1024 * 1024;

#[derive(Deserialize, Default)]
pub struct ImportQuery {
    #[serde(default)]
    stored: String,
    #[serde(default)]
    dup: String,
    #[serde(default)]
    refused: String,
}

pub struct FileRow {
    pub no: usize,
    pub id: i64,
    pub file_name: String,
    pub sender: String,
    pub sender_name: String,
    /// The sender is in neither our offices nor 他社情報: the 他社情報 form to register it
    /// (empty when the staff member may not use 他社情報).
    pub register_sender: String,
    pub exported_at: String,
    pub data_label: &'static str,
    pub month: String,
    pub refused: bool,
    pub messages: Vec<String>,
    pub uploaded: String,
    /// Empty while the original is kept; else why it can no longer be downloaded.
    pub gone: String,
}

pub struct SetGroup {
    pub timestamp: String,
    pub exported_at: String,
    pub refused: bool,
    pub messages: Vec<String>,
    pub files: Vec<FileRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "careplan/import.html")]
pub struct ImportPage {
    pub layout: Layout,
    pub office_label: String,
    pub groups: Vec<SetGroup>,
    pub max_file_mb: usize,
}

/// `202612` → `令和8年12月`; anything else (`""` for 計画書 files) as it is.
pub fn month_wareki(yyyymm: &str) -> String {
    ServiceMonth::parse(yyyymm)
        .map(|m| m.wareki())
        .unwrap_or_else(|_| yyyymm.to_string())
}

/// `20261121184652` → `2026/11/21 18:46:52`.
pub fn timestamp_label(ts: &str) -> String {
    if ts.len() == 14 && ts.bytes().all(|b| b.is_ascii_digit()) {
        format!(
            "{}/{}/{} {}:{}:{}",
            &ts[..4],
            &ts[4..6],
            &ts[6..8],
            &ts[8..10],
            &ts[10..12],
            &ts[12..14]
        )
    } else {
        ts.to_string()
    }
}

fn notice(q: &ImportQuery) -> Option<String> {
    let stored: usize = q.stored.parse().ok()?;
    let dup: usize = q.dup.parse().unwrap_or(0);
    let refused: usize = q.refused.parse().unwrap_or(0);
    let mut s = format!("{stored}件のファイルを受け付けました。");
    if refused > 0 {
        s.push_str(&format!(
            "うち{refused}件は取り込めません（エラー内容を確認してください）。"
        ));
    }
    if dup > 0 {
        s.push_str(&format!(
            "{dup}件は受信済みのファイルと同じ内容のため、保存しませんでした。"
        ));
    }
    Some(s)
}

pub async fn page(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ImportQuery>,
) -> AppResult<ImportPage> {
    auth.require(Menu::CarePlanExchange)?;
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let years = state.settings.retention_years;
    let (files, directory) = blocking(&state, move |conn| {
        Ok((
            q::pending(conn, corp, office)?,
            crate::db::partners::Directory::load(conn, corp)?,
        ))
    })
    .await?;
    let name_of = |number: &str, stype: &str| -> String {
        directory
            .name_of(number, stype)
            .unwrap_or("（他社情報に未登録）")
            .to_string()
    };
    let may_register = auth.can(Menu::Partners);
    let mut groups: Vec<SetGroup> = Vec::new();
    for (i, (f, uploader)) in files.into_iter().enumerate() {
        let month = month_wareki(&f.month);
        let row = FileRow {
            no: i + 1,
            id: f.id,
            sender_name: if f.sender_number.is_empty() {
                String::new()
            } else {
                name_of(&f.sender_number, &f.sender_type)
            },
            sender: format!("{} {}", f.sender_number, f.sender_type)
                .trim()
                .to_string(),
            register_sender: if may_register
                && !f.sender_number.is_empty()
                && directory
                    .name_of(&f.sender_number, &f.sender_type)
                    .is_none()
            {
                format!(
                    "/partners/new?office_number={}&service_type={}",
                    url_encode(&f.sender_number),
                    url_encode(&f.sender_type)
                )
            } else {
                String::new()
            },
            exported_at: timestamp_label(&f.file_timestamp),
            data_label: kind_label(&f.kind),
            month,
            // A file whose original was removed (retention) can no longer be imported either.
            refused: f.verdict == q::REFUSED || f.purged_at.is_some(),
            messages: f.messages.lines().map(str::to_string).collect(),
            uploaded: format!(
                "{}{}",
                fmt_jst(&f.uploaded_at),
                uploader.map(|u| format!("（{u}）")).unwrap_or_default()
            ),
            gone: if f.purged_at.is_some() {
                gone_message(years)
            } else {
                String::new()
            },
            file_name: f.file_name,
        };
        match groups.iter_mut().find(|g| g.timestamp == f.file_timestamp) {
            Some(g) => {
                g.refused |= row.refused;
                g.files.push(row);
            }
            None => groups.push(SetGroup {
                timestamp: f.file_timestamp.clone(),
                exported_at: timestamp_label(&f.file_timestamp),
                refused: row.refused,
                messages: f.set_messages.lines().map(str::to_string).collect(),
                files: vec![row],
            }),
        }
    }
    Ok(ImportPage {
        layout: Layout::new(
            &auth,
            Some(Menu::CarePlanExchange),
            "ケアプラン連携 取込（CSV取込）",
            &[("ケアプラン連携", None), ("取込", None)],
        )
        .with_notice(notice(&query)),
        office_label: format!(
            "{} {}（{}）",
            auth.office.office_number,
            auth.office.name,
            auth.office.service_type_name()
        ),
        groups,
        max_file_mb: MAX_FILE / 1024 / 1024,
    })
}

#[derive(MultipartForm)]
pub struct UploadForm {
    csrf_token: Option<Text<String>>,
    #[multipart(limit = "10MB")]
    files: Vec<Upload>,
}

pub async fn upload(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    form: MultipartForm<UploadForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::CarePlanExchange)?;
    if !crate::web::same_origin(&req) {
        return Err(AppError::Csrf);
    }
    auth.check_csrf(form.csrf_token.as_ref().map(|t| t.as_str()))?;
    let form = form.into_inner();
    let mut inputs: Vec<Input> = Vec::new();
    for f in form.files {
        let name = f.file_name.clone().unwrap_or_default();
        let base = crate::standard::file_name::base_name(&name).to_string();
        if base.is_empty() && f.data.is_empty() {
            continue;
        }
        let lower = base.to_ascii_lowercase();
        if lower.ends_with(".zip") {
            let unpacked: u64 = inputs.iter().map(|i| i.bytes.len() as u64).sum();
            let entries = read_zip_within(&base, &f.data, MAX_UNPACKED.saturating_sub(unpacked))
                .map_err(|e| {
                    log::info!("upload refused: {base}: {e}");
                    AppError::BadRequest(format!(
                        "zip ファイル「{base}」は取り込めないため、何も保存しませんでした（{}）。",
                        e.message_ja()
                    ))
                })?;
            inputs.extend(entries);
        } else if lower.ends_with(".csv") {
            inputs.push(Input {
                display: base.clone(),
                name: base,
                bytes: f.data.to_vec(),
            });
        } else {
            return Err(AppError::BadRequest(format!(
                "「{base}」は CSV でも zip でもないため、何も保存しませんでした。ケアプランデータ連携の CSV ファイル、またはそれをまとめた zip を選んでください。"
            )));
        }
    }
    if inputs.is_empty() {
        return Err(AppError::BadRequest(
            "取り込むファイルが選ばれていません。CSV ファイルまたは zip を選んでください。".into(),
        ));
    }
    if inputs.len() > MAX_FILES {
        return Err(AppError::BadRequest(format!(
            "ファイルが {} 件あり、1回に取り込める {MAX_FILES} 件を超えているため、何も保存しませんでした。何回かに分けてアップロードしてください。",
            inputs.len()
        )));
    }
    let office = auth.office.clone();
    let actor = auth.actor();
    let report = blocking(&state, move |conn| {
        let n = inputs.len();
        let report = receive::receive(conn, &office, Some(actor.staff_id), inputs)?;
        actor.record(
            conn,
            Action::CarePlanReceived,
            &format!(
                "{n}件のファイルを受信（保存 {}件、受信済み {}件、取込不可 {}件）",
                report.stored.len(),
                report.duplicates.len(),
                report.refused
            ),
        )?;
        Ok(report)
    })
    .await?;
    Ok(see_other(&format!(
        "/careplan/import?stored={}&dup={}&refused={}",
        report.stored.len(),
        report.duplicates.len(),
        report.refused
    )))
}

/// The original bytes of a received file, as evidence.
pub async fn original(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::CarePlanExchange)?;
    let id = path.into_inner();
    let actor = auth.actor();
    let years = state.settings.retention_years;
    let (f, data) = blocking(&state, move |conn| {
        let (f, data) = q::data_of(conn, actor.corporation_id, actor.office_id, id)?
            .ok_or(AppError::NotFound)?;
        if f.purged_at.is_some() {
            return Err(AppError::Gone(format!(
                "受信ファイル「{}」の元のファイルは{}。",
                f.file_name,
                gone_message(years)
            )));
        }
        actor.record(
            conn,
            Action::Downloaded,
            &format!("受信ファイル {}", f.file_name),
        )?;
        Ok((f, data))
    })
    .await?;
    Ok(crate::web::jobs::attachment(
        &f.file_name,
        "text/csv; charset=Shift_JIS",
        data,
    ))
}
