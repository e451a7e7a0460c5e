//! パスワード変更 (one's own password).

use crate::AppState;
use crate::auth::{Auth, CsrfForm, password};
use crate::db::{self, audit::Action};
use crate::web::{AppResult, Layout, blocking, see_other};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "account/password.html")]
pub struct PasswordPage {
    pub layout: Layout,
    pub errors: PasswordErrors,
}

#[derive(Default)]
pub struct PasswordErrors {
    pub current: Option<String>,
    pub new: Option<String>,
    pub confirm: Option<String>,
}

fn page(auth: &Auth, errors: PasswordErrors) -> PasswordPage {
    PasswordPage {
        layout: Layout::new(auth, None, "パスワード変更", &[("パスワード変更", None)]),
        errors,
    }
}

pub async fn form(auth: Auth) -> AppResult<PasswordPage> {
    Ok(page(&auth, PasswordErrors::default()))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    new_password: String,
    confirm: String,
}

pub async fn submit(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<PasswordForm>,
) -> AppResult<actix_web::Either<HttpResponse, PasswordPage>> {
    let f = form.0;
    let mut errors = PasswordErrors::default();
    if let Err(m) = password::check_policy(&f.new_password) {
        errors.new = Some(m.to_string());
    } else if f.new_password == f.current {
        errors.new = Some("現在と同じパスワードは使えません。".into());
    }
    if f.new_password != f.confirm {
        errors.confirm = Some("確認用のパスワードが一致しません。".into());
    }
    let stored = auth.staff.password_hash.clone();
    let current = f.current.clone();
    let matches = web::block(move || password::verify(&current, &stored)).await?;
    if !matches {
        errors.current = Some("現在のパスワードが正しくありません。".into());
    }
    if errors.current.is_some() || errors.new.is_some() || errors.confirm.is_some() {
        return Ok(actix_web::Either::Right(page(&auth, errors)));
    }
    let actor = auth.actor();
    let session_id = auth.session_id.clone();
    blocking(&state, move |conn| {
        let hash = password::hash(&f.new_password);
        db::staff::set_password_hash(conn, actor.staff_id, &hash)?;
        // Other sessions of this account end; this one goes on.
        db::sessions::delete_for_staff(conn, actor.staff_id, Some(&session_id))?;
        actor.record(conn, Action::PasswordChanged, "")?;
        Ok(())
    })
    .await?;
    Ok(actix_web::Either::Left(see_other("/?done=password")))
}
