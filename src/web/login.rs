//! ログイン and ログアウト.

use crate::AppState;
use crate::auth::login::{LoginOutcome, authenticate};
use crate::auth::password::random_token;
use crate::auth::session::{SESSION_COOKIE, client_addr, constant_time_eq};
use crate::auth::{Auth, CsrfForm};
use crate::db::{self, audit::Action};
use crate::web::{AppError, AppResult, blocking, safe_next, see_other};
use actix_web::cookie::{Cookie, SameSite};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

const LOGIN_CSRF_COOKIE: &str = "tsunagi_login_csrf";

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub next: String,
    pub login_id: String,
    pub csrf: String,
    pub error: Option<String>,
    pub info: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    reason: Option<String>,
}

fn login_page(
    state: &AppState,
    next: String,
    login_id: String,
    error: Option<String>,
    info: Option<String>,
    status: actix_web::http::StatusCode,
) -> HttpResponse {
    let csrf = random_token();
    let page = LoginPage {
        next,
        login_id,
        csrf: csrf.clone(),
        error,
        info,
    };
    let body = page.render().unwrap_or_default();
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .cookie(
            Cookie::build(LOGIN_CSRF_COOKIE, csrf)
                .path("/login")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(state.settings.secure_cookies)
                .finish(),
        )
        .body(body)
}

pub async fn form(state: web::Data<AppState>, query: web::Query<LoginQuery>) -> HttpResponse {
    let info = match query.reason.as_deref() {
        Some("timeout") => Some(
            "一定時間操作がなかったため、ログアウトしました。もう一度ログインしてください。"
                .to_string(),
        ),
        Some("logout") => Some("ログアウトしました。".to_string()),
        _ => None,
    };
    login_page(
        &state,
        safe_next(query.next.as_deref()),
        String::new(),
        None,
        info,
        actix_web::http::StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    login_id: String,
    password: String,
    csrf_token: Option<String>,
    next: Option<String>,
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let cookie_token = req.cookie(LOGIN_CSRF_COOKIE).map(|c| c.value().to_string());
    let token_ok = matches!((&cookie_token, &form.csrf_token),
        (Some(a), Some(b)) if constant_time_eq(a.as_bytes(), b.as_bytes()));
    if !token_ok || !crate::web::same_origin(&req) {
        return Err(AppError::Csrf);
    }
    let next = safe_next(form.next.as_deref());
    if form.login_id.trim().is_empty() || form.password.is_empty() {
        return Ok(login_page(
            &state,
            next,
            form.login_id,
            Some("ログインIDとパスワードを入力してください。".into()),
            None,
            actix_web::http::StatusCode::OK,
        ));
    }
    let addr = client_addr(&req);
    let old_session = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string());
    let settings = state.settings.clone();
    let login_id = form.login_id.clone();
    let outcome = blocking(&state, move |conn| {
        let outcome = authenticate(conn, &settings, &login_id, &form.password, &addr)?;
        if let LoginOutcome::Success { staff, office_id } = &outcome {
            // Housekeeping at a natural moment: ended sessions and old login attempts go.
            db::sessions::purge_expired(conn, db::now() - settings.session_idle)?;
            db::sessions::purge_attempts(conn, db::now() - chrono::Duration::days(1))?;
            // A fresh session id at every login; the old one (if any) ends.
            if let Some(old) = old_session {
                db::sessions::delete(conn, &db::sessions::token_hash(&old))?;
            }
            let token = random_token();
            db::sessions::create(
                conn,
                &db::sessions::NewSession {
                    token: &token,
                    staff_id: staff.id,
                    office_id: *office_id,
                    csrf_token: &random_token(),
                    client_addr: &addr,
                    expires_at: db::now() + settings.session_max,
                },
            )?;
            db::audit::record(
                conn,
                &db::audit::NewEntry {
                    corporation_id: Some(staff.corporation_id),
                    office_id: Some(*office_id),
                    staff_id: Some(staff.id),
                    login_id: &staff.login_id,
                    action: Action::LoginSucceeded,
                    detail: "",
                    client_addr: &addr,
                },
            )?;
            return Ok((outcome, Some(token)));
        }
        Ok((outcome, None))
    })
    .await?;
    let message = match outcome {
        (LoginOutcome::Success { .. }, Some(token)) => {
            let mut res = see_other(&next);
            res.add_cookie(
                &Cookie::build(SESSION_COOKIE, token)
                    .path("/")
                    .http_only(true)
                    .same_site(SameSite::Lax)
                    .secure(state.settings.secure_cookies)
                    .finish(),
            )
            .map_err(AppError::internal)?;
            res.add_removal_cookie(&Cookie::build(LOGIN_CSRF_COOKIE, "").path("/login").finish())
                .map_err(AppError::internal)?;
            return Ok(res);
        }
        (LoginOutcome::Success { .. }, None) => return Err(AppError::internal("session not created")),
        (LoginOutcome::Failed { remaining }, _) => match remaining {
            Some(n) if n <= 2 => format!(
                "ログインIDまたはパスワードが正しくありません。あと{n}回間違えると、このアカウントは15分間ロックされます。"
            ),
            _ => "ログインIDまたはパスワードが正しくありません。".to_string(),
        },
        (LoginOutcome::Locked { until }, _) => format!(
            "ログインに続けて失敗したため、このアカウントは {} までロックされています。時間をおいてから、もう一度ログインしてください。急ぎの場合は管理者にパスワードの再設定を依頼してください。",
            crate::web::fmt_jst(&until)
        ),
        (LoginOutcome::AddressBlocked, _) => {
            "この端末からのログイン失敗が続いたため、しばらくログインを受け付けません。15分ほど待ってからお試しください。".to_string()
        }
        (LoginOutcome::Disabled, _) => {
            "このアカウントはログインできない設定になっています。管理者に確認してください。".to_string()
        }
        (LoginOutcome::NoOffice, _) => {
            "所属する事業所が設定されていないため、ログインできません。管理者に所属情報の設定を依頼してください。".to_string()
        }
    };
    Ok(login_page(
        &state,
        next,
        form.login_id,
        Some(message),
        None,
        actix_web::http::StatusCode::OK,
    ))
}

#[derive(Deserialize)]
pub struct Empty {}

pub async fn logout(
    auth: Auth,
    state: web::Data<AppState>,
    _form: CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    let session_id = auth.session_id.clone();
    let actor = auth.actor();
    blocking(&state, move |conn| {
        db::sessions::delete(conn, &session_id)?;
        actor.record(conn, Action::Logout, "")?;
        Ok(())
    })
    .await?;
    let mut res = see_other("/login?reason=logout");
    res.add_removal_cookie(&Cookie::build(SESSION_COOKIE, "").path("/").finish())
        .map_err(AppError::internal)?;
    Ok(res)
}
