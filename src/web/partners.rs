//! 他社情報: partner offices on the other side of the exchange.

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::partners::{Partner, PartnerFields};
use crate::db::{self, audit::Action};
use crate::web::form::{self, FieldErrors};
use crate::web::offices::{Choice, service_type_choices};
use crate::web::{AppError, AppResult, Layout, blocking, notice, see_other};
use actix_web::{Either, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    done: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "partners/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<Partner>,
    pub q: String,
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<ListPage> {
    auth.require(Menu::Partners)?;
    let corp = auth.corporation_id();
    let q = query.q.clone();
    let rows = blocking(&state, move |conn| Ok(db::partners::list(conn, corp, &q)?)).await?;
    Ok(ListPage {
        layout: Layout::new(
            &auth,
            Some(Menu::Partners),
            "他社情報",
            &[("他社情報", None)],
        )
        .with_notice(notice(query.done.as_deref())),
        rows,
        q: query.q.clone(),
    })
}

#[derive(Deserialize, Default, Clone)]
pub struct PartnerForm {
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
    pub exchange_enabled: Option<String>,
    #[serde(default)]
    pub csv_version: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub area_grade: String,
}

impl PartnerForm {
    fn of(p: &Partner) -> PartnerForm {
        PartnerForm {
            office_number: p.office_number.clone(),
            service_type: p.service_type.clone(),
            name: p.name.clone(),
            kana: p.kana.clone(),
            postcode: p.postcode.clone(),
            address: p.address.clone(),
            phone: p.phone.clone(),
            fax: p.fax.clone(),
            exchange_enabled: p.exchange_enabled.then(|| "1".to_string()),
            csv_version: p.csv_version.clone(),
            note: p.note.clone(),
            area_grade: p.area_grade.clone(),
        }
    }
    pub fn exchange(&self) -> bool {
        form::checked(&self.exchange_enabled)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "partners/edit.html")]
pub struct EditPage {
    pub layout: Layout,
    pub id: Option<i64>,
    pub form: PartnerForm,
    pub errors: FieldErrors,
    pub service_types: Vec<Choice>,
    pub grades: Vec<Choice>,
}

fn edit_page(auth: &Auth, id: Option<i64>, form: PartnerForm, errors: FieldErrors) -> EditPage {
    let last = if id.is_some() {
        form.name.clone()
    } else {
        "新規登録".into()
    };
    let title = if id.is_some() {
        format!("他社情報 {}", form.name)
    } else {
        "他社情報 新規登録".into()
    };
    EditPage {
        layout: Layout::new(
            auth,
            Some(Menu::Partners),
            &title,
            &[("他社情報", Some("/partners")), (&last, None)],
        ),
        id,
        form,
        errors,
        service_types: service_type_choices(),
        grades: crate::web::offices::grade_choices(),
    }
}

/// What a link may fill in on a new partner (取込確認 offers to register an unknown sender).
#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    office_number: String,
    #[serde(default)]
    service_type: String,
}

pub async fn new_form(auth: Auth, query: web::Query<NewQuery>) -> AppResult<EditPage> {
    auth.require(Menu::Partners)?;
    let q = query.into_inner();
    // Only well-formed values are taken over; the form checks everything again on save.
    let digits = |s: &str, n: usize| {
        if s.len() == n && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            s.to_string()
        } else {
            String::new()
        }
    };
    Ok(edit_page(
        &auth,
        None,
        PartnerForm {
            office_number: digits(q.office_number.trim(), 10),
            service_type: digits(q.service_type.trim(), 2),
            csv_version: "v4".into(),
            area_grade: "other".into(),
            exchange_enabled: Some("1".into()),
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
    auth.require(Menu::Partners)?;
    let corp = auth.corporation_id();
    let id = path.into_inner();
    let p = blocking(&state, move |conn| {
        db::partners::find(conn, corp, id)?.ok_or(AppError::NotFound)
    })
    .await?;
    Ok(edit_page(
        &auth,
        Some(id),
        PartnerForm::of(&p),
        FieldErrors::default(),
    ))
}

fn validate(f: &PartnerForm, errors: &mut FieldErrors) -> PartnerFields {
    let (office_number, service_type) =
        crate::web::offices::number_and_type(errors, &f.office_number, &f.service_type);
    let name = form::required_text(errors, "name", "事業所名", &f.name, 100);
    form::ms932_writable(errors, "name", "事業所名", &name);
    let csv_version = if f.csv_version == "v3" { "v3" } else { "v4" };
    PartnerFields {
        office_number,
        service_type,
        kana: form::kana(errors, "kana", &f.kana, false, 100),
        postcode: form::postcode(errors, "postcode", &f.postcode),
        address: form::optional_text(errors, "address", "住所", &f.address, 200),
        phone: form::phone(errors, "phone", "電話番号", &f.phone),
        fax: form::phone(errors, "fax", "FAX番号", &f.fax),
        exchange_enabled: f.exchange(),
        csv_version: csv_version.into(),
        note: form::optional_text(errors, "note", "備考", &f.note, 500),
        area_grade: if f.area_grade.is_empty() {
            "other".into()
        } else if crate::domain::area_grade::is_valid(&f.area_grade) {
            f.area_grade.clone()
        } else {
            errors.add("area_grade", "地域区分を選んでください。");
            "other".into()
        },
        name,
    }
}

async fn save(
    auth: Auth,
    state: web::Data<AppState>,
    id: Option<i64>,
    f: PartnerForm,
) -> AppResult<Either<HttpResponse, EditPage>> {
    let mut errors = FieldErrors::default();
    let fields = validate(&f, &mut errors);
    let actor = auth.actor();
    let result = blocking(&state, move |conn| {
        let mut errors = errors;
        if let Some(id) = id {
            db::partners::find(conn, actor.corporation_id, id)?.ok_or(AppError::NotFound)?;
        }
        if !errors.has("office_number")
            && !errors.has("service_type")
            && let Some(other) = db::partners::find_by_number(
                conn,
                actor.corporation_id,
                &fields.office_number,
                &fields.service_type,
            )?
            && Some(other.id) != id
        {
            errors.add(
                "office_number",
                "この事業所番号とサービス種類の他社事業所は、すでに登録されています。",
            );
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        match id {
            Some(id) => {
                db::partners::update(conn, actor.corporation_id, id, &fields)?;
            }
            None => {
                db::partners::create(conn, actor.corporation_id, &fields)?;
            }
        }
        actor.record(
            conn,
            Action::PartnerSaved,
            &format!(
                "{} {} {}（連携{}・{}）",
                fields.office_number,
                fields.service_type,
                fields.name,
                if fields.exchange_enabled {
                    "対応"
                } else {
                    "未対応"
                },
                fields.csv_version.to_uppercase()
            ),
        )?;
        Ok(Ok(()))
    })
    .await?;
    match result {
        Ok(()) => Ok(Either::Left(see_other("/partners?done=saved"))),
        Err(errors) => Ok(Either::Right(edit_page(&auth, id, f, errors))),
    }
}

pub async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<PartnerForm>,
) -> AppResult<Either<HttpResponse, EditPage>> {
    auth.require(Menu::Partners)?;
    save(auth, state, None, form.0).await
}

pub async fn update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<PartnerForm>,
) -> AppResult<Either<HttpResponse, EditPage>> {
    auth.require(Menu::Partners)?;
    save(auth, state, Some(path.into_inner()), form.0).await
}
