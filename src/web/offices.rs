//! 自社情報: the corporation's own offices.

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::offices::{Office, OfficeFields};
use crate::db::{self, audit::Action};
use crate::domain::{OfficeNumber, ServiceType, area_grade};
use crate::web::form::{self, FieldErrors};
use crate::web::{AppError, AppResult, Layout, blocking, notice, see_other};
use actix_web::{Either, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

#[derive(Template, WebTemplate)]
#[template(path = "offices/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<Office>,
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    q: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<ListPage> {
    auth.require(Menu::Offices)?;
    let corp = auth.corporation_id();
    let rows = blocking(&state, move |conn| Ok(db::offices::list(conn, corp)?)).await?;
    Ok(ListPage {
        layout: Layout::new(
            &auth,
            Some(Menu::Offices),
            "自社情報",
            &[("自社情報", None)],
        )
        .with_notice(notice(q.done.as_deref())),
        rows,
    })
}

impl ListPage {
    pub fn grade(&self, key: &str) -> &'static str {
        area_grade::label(key)
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct OfficeForm {
    #[serde(default)]
    pub office_number: String,
    #[serde(default)]
    pub service_type: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kana: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub fax: String,
    #[serde(default)]
    pub area_grade: String,
}

impl OfficeForm {
    fn of(o: &Office) -> OfficeForm {
        OfficeForm {
            office_number: o.office_number.clone(),
            service_type: o.service_type.clone(),
            name: o.name.clone(),
            kana: o.kana.clone(),
            postcode: o.postcode.clone(),
            address: o.address.clone(),
            phone: o.phone.clone(),
            fax: o.fax.clone(),
            area_grade: o.area_grade.clone(),
        }
    }
}

pub struct Choice {
    pub value: &'static str,
    pub label: String,
}

pub fn service_type_choices() -> Vec<Choice> {
    ServiceType::all()
        .map(|t| Choice {
            value: t.code(),
            label: t.label(),
        })
        .collect()
}

pub fn grade_choices() -> Vec<Choice> {
    area_grade::GRADES
        .iter()
        .map(|(k, l)| Choice {
            value: k,
            label: (*l).to_string(),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "offices/edit.html")]
pub struct EditPage {
    pub layout: Layout,
    pub id: Option<i64>,
    pub form: OfficeForm,
    pub errors: FieldErrors,
    pub service_types: Vec<Choice>,
    pub grades: Vec<Choice>,
}

fn edit_page(auth: &Auth, id: Option<i64>, form: OfficeForm, errors: FieldErrors) -> EditPage {
    let last = if id.is_some() {
        form.name.clone()
    } else {
        "新規登録".into()
    };
    let title = if id.is_some() {
        format!("自社情報 {}", form.name)
    } else {
        "自社情報 新規登録".into()
    };
    EditPage {
        layout: Layout::new(
            auth,
            Some(Menu::Offices),
            &title,
            &[("自社情報", Some("/offices")), (&last, None)],
        ),
        id,
        form,
        errors,
        service_types: service_type_choices(),
        grades: grade_choices(),
    }
}

pub async fn new_form(auth: Auth) -> AppResult<EditPage> {
    auth.require(Menu::Offices)?;
    auth.require_manager()?;
    Ok(edit_page(
        &auth,
        None,
        OfficeForm {
            area_grade: "other".into(),
            ..Default::default()
        },
        FieldErrors::default(),
    ))
}

pub async fn edit_form(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
) -> AppResult<EditPage> {
    auth.require(Menu::Offices)?;
    let corp = auth.corporation_id();
    let id = path.into_inner();
    let o = blocking(&state, move |conn| {
        db::offices::find(conn, corp, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    Ok(edit_page(
        &auth,
        Some(id),
        OfficeForm::of(&o),
        FieldErrors::default(),
    ))
}

/// 事業所番号 and サービス種類 as typed, normalised; messages go next to their fields.
pub fn number_and_type(
    errors: &mut FieldErrors,
    number: &str,
    service_type: &str,
) -> (String, String) {
    let number = match OfficeNumber::parse(number) {
        Ok(n) => n.to_string(),
        Err(e) => {
            errors.add("office_number", e.message_ja);
            number.trim().to_string()
        }
    };
    let service_type = match ServiceType::parse(service_type) {
        Ok(t) => t.code().to_string(),
        Err(e) => {
            errors.add("service_type", e.message_ja);
            service_type.to_string()
        }
    };
    (number, service_type)
}

fn validate(f: &OfficeForm, errors: &mut FieldErrors) -> OfficeFields {
    let (number, service_type) = number_and_type(errors, &f.office_number, &f.service_type);
    let name = form::required_text(errors, "name", "事業所名", &f.name, 100);
    form::ms932_writable(errors, "name", "事業所名", &name);
    let kana = form::kana(errors, "kana", &f.kana, false, 100);
    let postcode = form::postcode(errors, "postcode", &f.postcode);
    let address = form::optional_text(errors, "address", "住所", &f.address, 200);
    form::ms932_writable(errors, "address", "住所", &address);
    let phone = form::phone(errors, "phone", "電話番号", &f.phone);
    let fax = form::phone(errors, "fax", "FAX番号", &f.fax);
    if !area_grade::is_valid(&f.area_grade) {
        errors.add("area_grade", "地域区分を選んでください。");
    }
    OfficeFields {
        office_number: number,
        service_type,
        name,
        kana,
        postcode,
        address,
        phone,
        fax,
        area_grade: f.area_grade.clone(),
    }
}

async fn save(
    auth: Auth,
    state: web::Data<AppState>,
    id: Option<i64>,
    f: OfficeForm,
) -> AppResult<Either<HttpResponse, EditPage>> {
    let mut errors = FieldErrors::default();
    let fields = validate(&f, &mut errors);
    let actor = auth.actor();
    let result = blocking(&state, move |conn| {
        let mut errors = errors;
        if let Some(id) = id {
            db::offices::find(conn, actor.corporation_id, id)?.ok_or(AppError::NotFound)?;
        }
        if !errors.has("office_number")
            && !errors.has("service_type")
            && let Some(other) =
                db::offices::find_by_number(conn, &fields.office_number, &fields.service_type)?
            && Some(other.id) != id
        {
            errors.add(
                "office_number",
                "この事業所番号とサービス種類の組み合わせは、すでに登録されています。",
            );
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let saved = match id {
            Some(id) => {
                db::offices::update(conn, actor.corporation_id, id, &fields)?;
                id
            }
            None => db::offices::create(conn, actor.corporation_id, &fields)?,
        };
        actor.record(
            conn,
            Action::OfficeSaved,
            &format!(
                "{} {} {}",
                fields.office_number, fields.service_type, fields.name
            ),
        )?;
        Ok(Ok(saved))
    })
    .await?;
    match result {
        Ok(_) => Ok(Either::Left(see_other("/offices?done=saved"))),
        Err(errors) => Ok(Either::Right(edit_page(&auth, id, f, errors))),
    }
}

pub async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<OfficeForm>,
) -> AppResult<Either<HttpResponse, EditPage>> {
    auth.require(Menu::Offices)?;
    auth.require_manager()?;
    save(auth, state, None, form.0).await
}

pub async fn update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<OfficeForm>,
) -> AppResult<Either<HttpResponse, EditPage>> {
    auth.require(Menu::Offices)?;
    save(auth, state, Some(path.into_inner()), form.0).await
}
