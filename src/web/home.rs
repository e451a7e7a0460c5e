//! トップページ and 事業所選択.

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::{self, audit::Action};
use crate::web::{AppError, AppResult, Layout, blocking, notice, see_other};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

pub struct MenuCard {
    pub label: &'static str,
    pub path: &'static str,
    pub description: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "home/top.html")]
pub struct TopPage {
    pub layout: Layout,
    pub cards: Vec<MenuCard>,
    pub unfinished_jobs: i64,
}

#[derive(Deserialize)]
pub struct DoneQuery {
    pub done: Option<String>,
}

pub async fn top(auth: Auth, q: web::Query<DoneQuery>) -> AppResult<TopPage> {
    let layout =
        Layout::new(&auth, None, "トップページ", &[]).with_notice(notice(q.done.as_deref()));
    let cards = Menu::ALL
        .into_iter()
        .filter(|m| auth.can(*m) && crate::web::layout::screen_exists(*m))
        .map(|m| MenuCard {
            label: m.label(),
            path: m.path(),
            description: m.description(),
        })
        .collect();
    Ok(TopPage {
        unfinished_jobs: auth.unfinished_jobs,
        layout,
        cards,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "home/office_select.html")]
pub struct OfficeSelectPage {
    pub layout: Layout,
    pub rows: Vec<OfficeRow>,
}

pub struct OfficeRow {
    pub id: i64,
    pub number: String,
    pub service_type: String,
    pub name: String,
    pub primary: bool,
    pub current: bool,
}

pub async fn office_select(auth: Auth) -> AppResult<OfficeSelectPage> {
    auth.require(Menu::OfficeSelect)?;
    let rows = auth
        .offices
        .iter()
        .map(|(o, primary)| OfficeRow {
            id: o.id,
            number: o.office_number.clone(),
            service_type: o.service_type_name(),
            name: o.name.clone(),
            primary: *primary,
            current: o.id == auth.office.id,
        })
        .collect();
    Ok(OfficeSelectPage {
        layout: Layout::new(
            &auth,
            Some(Menu::OfficeSelect),
            "事業所選択",
            &[("事業所選択", None)],
        ),
        rows,
    })
}

#[derive(Deserialize)]
pub struct SwitchForm {
    office_id: i64,
}

pub async fn switch_office(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<SwitchForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::OfficeSelect)?;
    let target = form.0.office_id;
    let Some((office, _)) = auth.offices.iter().find(|(o, _)| o.id == target) else {
        return Err(AppError::NotFound);
    };
    let detail = format!("{} {}", office.office_number, office.name);
    let session_id = auth.session_id.clone();
    let actor = auth.actor();
    blocking(&state, move |conn| {
        db::sessions::set_office(conn, &session_id, target)?;
        let mut actor = actor;
        actor.office_id = target;
        actor.record(conn, Action::OfficeSwitched, &detail)?;
        Ok(())
    })
    .await?;
    Ok(see_other("/?done=switched"))
}
