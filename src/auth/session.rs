//! The request guard: who is asking, in which office, with which menus.
//!
//! `Auth` is an actix extractor. It reads the session cookie, loads the session, the staff
//! member, the current office and its menus from the database (so a permission change or a
//! disabled account takes effect on the next click, on every server), and refuses with a
//! redirect to the login form when there is no valid session. Handlers then call
//! [`Auth::require`] for their menu; one place decides every access.

use crate::AppState;
use crate::auth::permission::{Menu, MenuSet};
use crate::db::offices::{Corporation, Office};
use crate::db::staff::Staff;
use crate::db::{self, DbConnection};
use crate::web::error::AppError;
use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use std::future::Future;
use std::ops::Deref;
use std::pin::Pin;
use std::rc::Rc;

pub const SESSION_COOKIE: &str = "tsunagi_session";

#[derive(Debug)]
pub struct AuthData {
    /// The session row id (hash of the cookie token).
    pub session_id: String,
    pub csrf_token: String,
    pub staff: Staff,
    pub corporation: Corporation,
    pub office: Office,
    /// The offices this staff member belongs to, with the 優先 flag, 優先 first.
    pub offices: Vec<(Office, bool)>,
    pub menus: MenuSet,
    pub unfinished_jobs: i64,
    pub client_addr: String,
}

#[derive(Debug, Clone)]
pub struct Auth(Rc<AuthData>);

impl Deref for Auth {
    type Target = AuthData;
    fn deref(&self) -> &AuthData {
        &self.0
    }
}

impl Auth {
    /// The one guard: may this staff member use `menu` in the current office?
    pub fn require(&self, menu: Menu) -> Result<(), AppError> {
        if self.menus.contains(menu) {
            Ok(())
        } else {
            Err(AppError::Forbidden { menu })
        }
    }

    pub fn require_manager(&self) -> Result<(), AppError> {
        if self.staff.is_manager {
            Ok(())
        } else {
            Err(AppError::ManagerOnly)
        }
    }

    pub fn can(&self, menu: Menu) -> bool {
        self.menus.contains(menu)
    }

    pub fn corporation_id(&self) -> i64 {
        self.staff.corporation_id
    }

    /// Checks a submitted CSRF token against the session's.
    pub fn check_csrf(&self, token: Option<&str>) -> Result<(), AppError> {
        match token {
            Some(t) if constant_time_eq(t.as_bytes(), self.csrf_token.as_bytes()) => Ok(()),
            _ => Err(AppError::Csrf),
        }
    }

    /// Who is acting, in a form that can move into blocking database work.
    pub fn actor(&self) -> Actor {
        Actor {
            corporation_id: self.staff.corporation_id,
            office_id: self.office.id,
            staff_id: self.staff.id,
            login_id: self.staff.login_id.clone(),
            client_addr: self.client_addr.clone(),
        }
    }
}

/// The acting staff member and office, for the audit log and for scoping queries.
#[derive(Debug, Clone)]
pub struct Actor {
    pub corporation_id: i64,
    pub office_id: i64,
    pub staff_id: i64,
    pub login_id: String,
    pub client_addr: String,
}

impl Actor {
    pub fn record(
        &self,
        conn: &mut DbConnection,
        action: db::audit::Action,
        detail: &str,
    ) -> db::DbResult<()> {
        db::audit::record(
            conn,
            &db::audit::NewEntry {
                corporation_id: Some(self.corporation_id),
                office_id: Some(self.office_id),
                staff_id: Some(self.staff_id),
                login_id: &self.login_id,
                action,
                detail,
                client_addr: &self.client_addr,
            },
        )
    }
}

pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The client's address as seen by this server (proxies are not trusted).
pub fn client_addr(req: &HttpRequest) -> String {
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_default()
}

/// Where to come back to after logging in.
fn next_of(req: &HttpRequest) -> String {
    if req.method() == actix_web::http::Method::GET {
        let uri = req.uri();
        uri.path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into())
    } else {
        "/".into()
    }
}

enum LoadOutcome {
    Ok(Box<AuthData>),
    NoSession,
    Expired,
    NoOffice,
}

fn load(
    conn: &mut DbConnection,
    state: &AppState,
    token: &str,
    client_addr: String,
) -> Result<LoadOutcome, AppError> {
    let Some((session, staff, corporation, unfinished_jobs)) =
        db::sessions::find_with_staff(conn, token)?
    else {
        return Ok(LoadOutcome::NoSession);
    };
    let now = db::now();
    if session.expires_at <= now || session.last_seen_at + state.settings.session_idle <= now {
        db::sessions::delete(conn, &session.id)?;
        return Ok(LoadOutcome::Expired);
    }
    if !staff.login_enabled {
        db::sessions::delete_for_staff(conn, staff.id, None)?;
        return Ok(LoadOutcome::NoSession);
    }
    let with_menus = db::offices::of_staff_with_menus(conn, staff.id)?;
    let (office, menus) = match with_menus
        .iter()
        .find(|(o, _, _)| o.id == session.office_id)
    {
        Some((o, _, menus)) => (o.clone(), menus.clone()),
        None => match with_menus.first() {
            // The office was taken away: fall back to the 優先 office.
            Some((o, _, menus)) => {
                db::sessions::set_office(conn, &session.id, o.id)?;
                (o.clone(), menus.clone())
            }
            None => return Ok(LoadOutcome::NoOffice),
        },
    };
    let offices = with_menus
        .iter()
        .map(|(o, primary, _)| (o.clone(), *primary))
        .collect();
    if now - session.last_seen_at > chrono::Duration::seconds(30) {
        db::sessions::touch(conn, &session.id)?;
    }
    Ok(LoadOutcome::Ok(Box::new(AuthData {
        session_id: session.id,
        csrf_token: session.csrf_token,
        staff,
        corporation,
        office,
        offices,
        menus,
        unfinished_jobs,
        client_addr,
    })))
}

impl FromRequest for Auth {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Auth, AppError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        if let Some(auth) = req.extensions().get::<Auth>() {
            let auth = auth.clone();
            return Box::pin(async move { Ok(auth) });
        }
        let req = req.clone();
        Box::pin(async move {
            let next = next_of(&req);
            let Some(token) = req.cookie(SESSION_COOKIE).map(|c| c.value().to_string()) else {
                return Err(AppError::Login { next, reason: "" });
            };
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::internal("AppState missing"))?;
            let addr = client_addr(&req);
            let outcome = web::block(move || -> Result<LoadOutcome, AppError> {
                let mut conn = state.db.conn()?;
                load(&mut conn, &state, &token, addr)
            })
            .await??;
            match outcome {
                LoadOutcome::Ok(data) => {
                    let auth = Auth(Rc::new(*data));
                    req.extensions_mut().insert(auth.clone());
                    Ok(auth)
                }
                LoadOutcome::NoSession => Err(AppError::Login { next, reason: "" }),
                LoadOutcome::Expired => Err(AppError::Login {
                    next,
                    reason: "timeout",
                }),
                LoadOutcome::NoOffice => Err(AppError::BadRequest(
                    "所属する事業所が設定されていないため、利用できません。管理者に所属情報の設定を依頼してください。".into(),
                )),
            }
        })
    }
}

/// A urlencoded form whose CSRF token has been checked against the session. Use it for every
/// state-changing request of a logged-in user.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct TokenOnly {
    csrf_token: Option<String>,
}

impl<T: serde::de::DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<CsrfForm<T>, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let body = web::Bytes::from_request(&req, payload);
        Box::pin(async move {
            let auth = Auth::extract(&req).await?;
            if !crate::web::same_origin(&req) {
                return Err(AppError::Csrf);
            }
            let body = body.await.map_err(|_| {
                AppError::BadRequest("送信された内容が大きすぎるか、読み取れません。".into())
            })?;
            let token: TokenOnly =
                serde_html_form::from_bytes(&body).map_err(|_| AppError::Csrf)?;
            auth.check_csrf(token.csrf_token.as_deref())?;
            let form: T = serde_html_form::from_bytes(&body).map_err(|e| {
                AppError::BadRequest(format!("送信内容を読み取れませんでした（{e}）。"))
            })?;
            Ok(CsrfForm(form))
        })
    }
}
