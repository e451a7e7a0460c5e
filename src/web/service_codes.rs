//! サービスコード表: look codes up (予定実績 staff), and import a full table (managers with
//! システム設定). An imported table replaces the shipped one for this corporation only.

use crate::AppState;
use crate::auth::{Auth, Menu};
use crate::db::{self, audit::Action};
use crate::domain::service_codes::{ParseError, parse_table_csv};
use crate::exchange::unpack::NotText;
use crate::web::dates::today_jst;
use crate::web::recipients::group_digits;
use crate::web::{AppError, AppResult, Layout, blocking, see_other};
use actix_multipart::form::{MultipartForm, bytes::Bytes as Upload, text::Text};
use actix_web::{Either, HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    done: Option<String>,
}

pub struct Row {
    pub code: String,
    pub name: String,
    pub units: String,
    pub basis: &'static str,
    pub limit: &'static str,
    pub kind: &'static str,
    pub valid: String,
    pub note: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "service_codes/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub q: String,
    pub rows: Vec<Row>,
    pub total: i64,
    pub own_table: bool,
    pub can_import: bool,
    pub errors: Vec<ParseError>,
}

async fn page(
    auth: &Auth,
    state: &web::Data<AppState>,
    q: String,
    errors: Vec<ParseError>,
    done: Option<&str>,
) -> AppResult<ListPage> {
    let corp = auth.corporation_id();
    let text = q.clone();
    let (entries, (total, own)) = blocking(state, move |conn| {
        let entries = db::service_codes::search(conn, corp, &[], &text, today_jst(), 200)?;
        Ok((entries, db::service_codes::summary(conn, corp)?))
    })
    .await?;
    let rows = entries
        .into_iter()
        .map(|e| Row {
            code: e.code.as_str().to_string(),
            units: e.rate_label().unwrap_or_else(|| {
                if e.units == 0 {
                    "品目ごと".into()
                } else {
                    group_digits(e.units as i64)
                }
            }),
            basis: e.unit_basis.label(),
            limit: if e.counts_toward_limit {
                "対象"
            } else {
                "対象外"
            },
            kind: e.kind.label(),
            valid: match (e.valid_from, e.valid_to) {
                (None, None) => String::new(),
                (f, t) => format!(
                    "{}〜{}",
                    f.map(|d| d.format("%Y/%m/%d").to_string())
                        .unwrap_or_default(),
                    t.map(|d| d.format("%Y/%m/%d").to_string())
                        .unwrap_or_default()
                ),
            },
            note: match e.verified {
                crate::domain::service_codes::Verification::Verified => "",
                crate::domain::service_codes::Verification::UnitsOnly => "コード要確認",
                crate::domain::service_codes::Verification::Unverified => "未確認",
            },
            name: e.name,
        })
        .collect();
    Ok(ListPage {
        layout: Layout::new(
            auth,
            Some(Menu::Schedules),
            "サービスコード表",
            &[("予定実績", Some("/schedules")), ("サービスコード表", None)],
        )
        .with_notice(crate::web::notice(done)),
        q,
        rows,
        total,
        own_table: own,
        can_import: auth.staff.is_manager && auth.can(Menu::Settings),
        errors,
    })
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<ListPage> {
    auth.require(Menu::Schedules)?;
    let query = query.into_inner();
    page(&auth, &state, query.q, Vec::new(), query.done.as_deref()).await
}

#[derive(MultipartForm)]
pub struct ImportForm {
    csrf_token: Option<Text<String>>,
    #[multipart(limit = "10MB")]
    file: Upload,
}

/// Reads an uploaded text file: UTF-8 (with or without BOM) or MS932.
pub fn decode_text(bytes: &[u8]) -> String {
    let bytes = bytes
        .strip_prefix(crate::standard::encoding::UTF8_BOM)
        .unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => encoding_rs::SHIFT_JIS.decode(bytes).0.into_owned(),
    }
}

pub async fn import(
    req: HttpRequest,
    auth: Auth,
    state: web::Data<AppState>,
    form: MultipartForm<ImportForm>,
) -> AppResult<Either<HttpResponse, ListPage>> {
    auth.require(Menu::Settings)?;
    auth.require_manager()?;
    if !crate::web::same_origin(&req) {
        return Err(AppError::Csrf);
    }
    auth.check_csrf(form.csrf_token.as_ref().map(|t| t.as_str()))?;
    match crate::exchange::unpack::not_text(&form.file.data) {
        Some(NotText::Utf16) => {
            return Err(AppError::BadRequest(
                "文字コードが UTF-16（Unicode）のファイルは取り込めません。UTF-8 か Shift_JIS（MS932）の CSV で保存し直してください。".into(),
            ));
        }
        Some(NotText::Binary) => {
            return Err(AppError::BadRequest(
                "CSV ファイル（文字だけのファイル）ではないため、取り込めません。Excel の場合は「CSV」形式で保存してください。".into(),
            ));
        }
        None => {}
    }
    let text = decode_text(&form.file.data);
    let entries = match parse_table_csv(&text) {
        Ok(e) if e.is_empty() => {
            return Err(AppError::BadRequest(
                "ファイルにサービスコードの行がありません。".into(),
            ));
        }
        Ok(e) => e,
        Err(errors) => {
            return Ok(Either::Right(
                page(&auth, &state, String::new(), errors, None).await?,
            ));
        }
    };
    let actor = auth.actor();
    let n = entries.len();
    let file_name = form.file.file_name.clone().unwrap_or_default();
    blocking(&state, move |conn| {
        db::service_codes::replace(conn, Some(actor.corporation_id), &entries)?;
        actor.record(
            conn,
            Action::SettingsSaved,
            &format!("サービスコード表を取込（{file_name}、{n} 行）"),
        )?;
        Ok(())
    })
    .await?;
    Ok(Either::Left(see_other("/service-codes?done=imported")))
}
