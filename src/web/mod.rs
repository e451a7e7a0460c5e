//! The web edge: one module per screen, thin handlers (guard → query or enqueue → template).

pub mod account;
pub mod audit;
pub mod careplan_export;
pub mod careplan_import;
pub mod careplan_receive;
pub mod dates;
pub mod error;
pub mod form;
pub mod home;
pub mod jobs;
pub mod layout;
pub mod login;
pub mod offices;
pub mod partners;
pub mod plans;
pub mod recipients;
pub mod schedules;
pub mod service_codes;
pub mod settings;
pub mod staff;
pub mod static_files;

use crate::auth::Menu;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::NaiveDateTime;

pub use error::{AppError, AppResult};
pub use layout::Layout;

/// The menus whose screens exist in this build (the others are granted but not yet shown).
pub const SCREENS: &[Menu] = &[
    Menu::OfficeSelect,
    Menu::Offices,
    Menu::Partners,
    Menu::Staff,
    Menu::Recipients,
    Menu::Schedules,
    Menu::CarePlanExchange,
    Menu::Jobs,
    Menu::Settings,
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/static/{file}", web::get().to(static_files::serve))
        .route("/login", web::get().to(login::form))
        .route("/login", web::post().to(login::submit))
        .route("/logout", web::post().to(login::logout))
        .route("/", web::get().to(home::top))
        .route("/office", web::get().to(home::office_select))
        .route("/office/switch", web::post().to(home::switch_office))
        .route("/account/password", web::get().to(account::form))
        .route("/account/password", web::post().to(account::submit))
        .route("/staff", web::get().to(staff::list))
        .route("/staff/export", web::post().to(staff::export))
        .route("/staff/new", web::get().to(staff::new_form))
        .route("/staff/new", web::post().to(staff::create))
        .route("/staff/{id}", web::get().to(staff::edit_form))
        .route("/staff/{id}", web::post().to(staff::update))
        .route("/staff/{id}/offices", web::get().to(staff::offices_form))
        .route("/staff/{id}/offices", web::post().to(staff::offices_update))
        .route("/staff/{id}/permissions", web::get().to(staff::permissions))
        .route(
            "/staff/{id}/permissions/{office_id}",
            web::get().to(staff::permission_form),
        )
        .route(
            "/staff/{id}/permissions/{office_id}",
            web::post().to(staff::permission_update),
        )
        .route("/offices", web::get().to(offices::list))
        .route("/offices/new", web::get().to(offices::new_form))
        .route("/offices/new", web::post().to(offices::create))
        .route("/offices/{id}", web::get().to(offices::edit_form))
        .route("/offices/{id}", web::post().to(offices::update))
        .route("/partners", web::get().to(partners::list))
        .route("/partners/new", web::get().to(partners::new_form))
        .route("/partners/new", web::post().to(partners::create))
        .route("/partners/{id}", web::get().to(partners::edit_form))
        .route("/partners/{id}", web::post().to(partners::update))
        .route("/recipients", web::get().to(recipients::list))
        .route("/recipients/new", web::get().to(recipients::new_form))
        .route("/recipients/new", web::post().to(recipients::create))
        .route("/recipients/{id}", web::get().to(recipients::edit_form))
        .route("/recipients/{id}", web::post().to(recipients::update))
        .route(
            "/recipients/{id}/certifications",
            web::get().to(recipients::certifications),
        )
        .route(
            "/recipients/{id}/certifications",
            web::post().to(recipients::certification_save),
        )
        .route(
            "/recipients/{id}/certifications/delete",
            web::post().to(recipients::certification_delete),
        )
        .route(
            "/recipients/{id}/providers",
            web::get().to(recipients::providers),
        )
        .route(
            "/recipients/{id}/providers",
            web::post().to(recipients::providers_update),
        )
        .route("/recipients/{id}/plans", web::get().to(plans::list))
        .route("/recipients/{id}/plans", web::post().to(plans::create))
        .route("/plans/{id}", web::get().to(plans::view))
        .route("/plans/{id}/table1", web::get().to(plans::table1_form))
        .route("/plans/{id}/table1", web::post().to(plans::table1_save))
        .route("/plans/{id}/table2", web::get().to(plans::table2_form))
        .route("/plans/{id}/table2", web::post().to(plans::table2_save))
        .route("/plans/{id}/table3", web::get().to(plans::table3_form))
        .route("/plans/{id}/table3", web::post().to(plans::table3_save))
        .route("/schedules", web::get().to(schedules::list))
        .route("/schedules/{id}/{month}", web::get().to(schedules::month))
        .route("/schedules/{id}/{month}", web::post().to(schedules::save))
        .route(
            "/schedules/{id}/{month}/print",
            web::get().to(schedules::print),
        )
        .route(
            "/schedules/{id}/{month}/lines",
            web::post().to(schedules::add_line),
        )
        .route(
            "/schedules/{id}/{month}/delete-line",
            web::post().to(schedules::delete_line),
        )
        .route(
            "/schedules/{id}/{month}/pattern",
            web::post().to(schedules::pattern),
        )
        .route(
            "/schedules/{id}/{month}/copy-previous",
            web::post().to(schedules::copy_previous),
        )
        .route(
            "/schedules/{id}/{month}/copy-actual",
            web::post().to(schedules::copy_actual),
        )
        .route(
            "/schedules/{id}/{month}/lock",
            web::post().to(schedules::lock),
        )
        .route(
            "/schedules/{id}/{month}/unlock",
            web::post().to(schedules::unlock),
        )
        .route(
            "/schedules/{id}/{month}/table7",
            web::get().to(schedules::table7),
        )
        .route(
            "/schedules/{id}/{month}/table7",
            web::post().to(schedules::table7_choose),
        )
        .route("/careplan", web::get().to(careplan_export::index))
        .route("/careplan/export", web::get().to(careplan_export::list))
        .route(
            "/careplan/export/confirm",
            web::post().to(careplan_export::confirm),
        )
        .route("/careplan/export/run", web::post().to(careplan_export::run))
        .route("/careplan/import", web::get().to(careplan_import::page))
        .route(
            "/careplan/import/upload",
            web::post().to(careplan_import::upload),
        )
        .route(
            "/careplan/import/files/{id}",
            web::get().to(careplan_import::original),
        )
        .route("/careplan/receive", web::get().to(careplan_receive::list))
        .route(
            "/careplan/receive/{timestamp}",
            web::get().to(careplan_receive::show),
        )
        .route(
            "/careplan/receive/{timestamp}/apply",
            web::post().to(careplan_receive::apply_set),
        )
        .route(
            "/careplan/receive/{timestamp}/register",
            web::post().to(careplan_receive::register),
        )
        .route(
            "/careplan/receive/{timestamp}/match",
            web::post().to(careplan_receive::match_recipient),
        )
        .route(
            "/careplan/receive/{timestamp}/list.csv",
            web::get().to(careplan_receive::spreadsheet),
        )
        .route(
            "/careplan/receive/{timestamp}/print/{insured}",
            web::get().to(careplan_receive::print),
        )
        .route(
            "/careplan/receive/{timestamp}/print",
            web::get().to(careplan_receive::print_all),
        )
        .route("/service-codes", web::get().to(service_codes::list))
        .route(
            "/service-codes/import",
            web::post().to(service_codes::import),
        )
        .route("/jobs", web::get().to(jobs::list))
        .route("/jobs/{id}/download", web::get().to(jobs::download))
        .route(
            "/jobs/{id}/files/{file}",
            web::get().to(jobs::download_file),
        )
        .route("/audit", web::get().to(audit::list))
        .route("/audit/export", web::post().to(audit::export))
        .route("/settings", web::get().to(settings::form))
        .route("/settings", web::post().to(settings::submit));
}

async fn healthz(state: web::Data<crate::AppState>) -> HttpResponse {
    let db = state.db.clone();
    let ok = web::block(move || db.ping()).await.unwrap_or(false);
    if ok {
        HttpResponse::Ok().content_type("text/plain").body("ok")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("database unreachable")
    }
}

pub async fn not_found() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

/// Security headers on every answer; `no-store` on everything but static assets.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let is_static = req.path().starts_with("/static/");
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// A state-changing request must come from our own pages: when the browser names an Origin
/// (or, failing that, a Referer), its host must be ours.
pub fn same_origin(req: &HttpRequest) -> bool {
    let host = req.connection_info().host().to_string();
    let source = req
        .headers()
        .get(header::ORIGIN)
        .or_else(|| req.headers().get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match source {
        None | Some("null") => source.is_none(),
        Some(s) => {
            let rest = s.split_once("://").map(|(_, r)| r).unwrap_or(s);
            let origin_host = rest.split('/').next().unwrap_or("");
            origin_host.eq_ignore_ascii_case(&host)
        }
    }
}

/// RFC 5987 `attr-char`: what may stand unencoded in `filename*=UTF-8''…`.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// A file name for `Content-Disposition: …; filename*=UTF-8''<this>`.
pub fn rfc5987_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, ATTR_CHAR).to_string()
}

pub fn url_encode(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A redirect after a successful POST (303, so the browser GETs the next page).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location.to_string()))
        .finish()
}

/// Only local paths are followed after login, never another site.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// Naive UTC from the database → `2026/11/21 16:05` in Japan time.
pub fn fmt_jst(t: &NaiveDateTime) -> String {
    (*t + chrono::Duration::hours(9))
        .format("%Y/%m/%d %H:%M")
        .to_string()
}

pub fn fmt_jst_opt(t: &Option<NaiveDateTime>) -> String {
    t.as_ref().map(fmt_jst).unwrap_or_default()
}

/// The messages shown after a redirect (`?done=…`).
pub fn notice(code: Option<&str>) -> Option<String> {
    let text = match code? {
        "saved" => "保存しました。",
        "created" => "登録しました。",
        "queued" => "処理を受け付けました。一括処理状況確認で進み具合を確認できます。",
        "password" => "パスワードを変更しました。",
        "switched" => "事業所を切り替えました。",
        "imported" => "取り込みました。",
        _ => return None,
    };
    Some(text.to_string())
}

/// Page numbers for list screens.
pub struct Paging {
    pub page: i64,
    pub per_page: i64,
    pub total: i64,
}

impl Paging {
    pub fn new(page: Option<i64>, per_page: i64, total: i64) -> Paging {
        let mut p = Paging {
            page: page.unwrap_or(1).max(1),
            per_page,
            total,
        };
        p.page = p.page.min(p.pages());
        p
    }
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
    pub fn offset(&self) -> i64 {
        (self.page - 1) * self.per_page
    }
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }
    pub fn first_index(&self) -> i64 {
        if self.total == 0 {
            0
        } else {
            self.offset() + 1
        }
    }
    pub fn last_index(&self) -> i64 {
        (self.offset() + self.per_page).min(self.total)
    }
}

/// One page of a list whose query answers `(rows, total)` for a 1-based page: the page asked
/// for, or the last page when it lies past the end. One query in the usual case.
pub fn fetch_page<T, E>(
    page: Option<i64>,
    per_page: i64,
    mut fetch: impl FnMut(i64) -> Result<(Vec<T>, i64), E>,
) -> Result<(Vec<T>, Paging), E> {
    let asked = page.unwrap_or(1).max(1);
    let (rows, total) = fetch(asked)?;
    let paging = Paging::new(Some(asked), per_page, total);
    if paging.page == asked {
        return Ok((rows, paging));
    }
    let (rows, total) = fetch(paging.page)?;
    Ok((rows, Paging::new(Some(paging.page), per_page, total)))
}

/// Runs blocking database work off the async threads.
pub async fn blocking<T, F>(state: &web::Data<crate::AppState>, f: F) -> AppResult<T>
where
    F: FnOnce(&mut crate::db::DbConnection) -> AppResult<T> + Send + 'static,
    T: Send + 'static,
{
    let db = state.db.clone();
    web::block(move || {
        let mut conn = db.conn()?;
        f(&mut conn)
    })
    .await?
}
