//! システム設定: the corporation's name, and what this installation runs on.

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::{self, audit::Action};
use crate::web::form::{self, FieldErrors};
use crate::web::{AppResult, Layout, blocking, notice, see_other};
use actix_web::{Either, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "settings/form.html")]
pub struct SettingsPage {
    pub layout: Layout,
    pub name: String,
    pub kana: String,
    pub errors: FieldErrors,
    pub version: &'static str,
    pub database: &'static str,
    pub idle_minutes: i64,
    pub max_hours: i64,
    pub lock_after: i32,
    pub lock_minutes: i64,
}

fn page(
    auth: &Auth,
    state: &AppState,
    name: String,
    kana: String,
    errors: FieldErrors,
    done: Option<&str>,
) -> SettingsPage {
    SettingsPage {
        layout: Layout::new(
            auth,
            Some(Menu::Settings),
            "システム設定",
            &[("システム設定", None)],
        )
        .with_notice(notice(done)),
        name,
        kana,
        errors,
        version: env!("CARGO_PKG_VERSION"),
        database: state.db.backend.label(),
        idle_minutes: state.settings.session_idle.num_minutes(),
        max_hours: state.settings.session_max.num_hours(),
        lock_after: state.settings.lock_after_failures,
        lock_minutes: state.settings.lock_duration.num_minutes(),
    }
}

pub async fn form(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<SettingsPage> {
    auth.require(Menu::Settings)?;
    Ok(page(
        &auth,
        &state,
        auth.corporation.name.clone(),
        auth.corporation.kana.clone(),
        FieldErrors::default(),
        q.done.as_deref(),
    ))
}

#[derive(Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kana: String,
}

pub async fn submit(
    auth: Auth,
    state: web::Data<AppState>,
    f: CsrfForm<SettingsForm>,
) -> AppResult<Either<HttpResponse, SettingsPage>> {
    auth.require(Menu::Settings)?;
    auth.require_manager()?;
    let mut errors = FieldErrors::default();
    let name = form::required_text(&mut errors, "name", "法人名", &f.0.name, 100);
    form::ms932_writable(&mut errors, "name", "法人名", &name);
    let kana = form::kana(&mut errors, "kana", &f.0.kana, false, 100);
    if !errors.is_empty() {
        return Ok(Either::Right(page(
            &auth, &state, f.0.name, f.0.kana, errors, None,
        )));
    }
    let actor = auth.actor();
    blocking(&state, move |conn| {
        db::offices::update_corporation(conn, actor.corporation_id, &name, &kana)?;
        actor.record(conn, Action::SettingsSaved, &format!("法人名 {name}"))?;
        Ok(())
    })
    .await?;
    Ok(Either::Left(see_other("/settings?done=saved")))
}
