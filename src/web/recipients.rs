//! 利用者基本情報: recipients of the current office, their insurance and certification data
//! (認定情報) and the providers they use (利用事業所).

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::recipients::{
    self as q, Certification, CertificationFields, Recipient, RecipientFields, RecipientQuery,
};
use crate::db::{self, DbConnection, audit::Action};
use crate::domain::{CareLevel, InsuredNumber, InsurerNumber, ServiceType, care_limit};
use crate::web::dates::{self, both, both_opt, today_jst};
use crate::web::form::{self, FieldErrors};
use crate::web::{AppError, AppResult, Layout, Paging, blocking, notice, see_other};
use actix_web::{Either, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

const PER_PAGE: i64 = 20;

fn visible(conn: &mut DbConnection, corp: i64, office: i64, id: i64) -> AppResult<Recipient> {
    q::find_visible(conn, corp, office, id)?.ok_or(AppError::NotFound)
}

// ---- list -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    row: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    cm: String,
    page: Option<i64>,
    done: Option<String>,
}

pub struct Row {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kana: String,
    pub level: String,
    pub insurer: String,
    pub insured: String,
    pub care_manager: String,
    pub period: String,
    pub ending_soon: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "recipients/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    pub paging: Paging,
    pub q: String,
    pub row: String,
    pub level: String,
    pub cm: String,
    pub levels: Vec<Choice>,
    pub managers: Vec<Choice>,
    pub rows_kana: [&'static str; 10],
    pub query_base: String,
}

fn level_choices() -> Vec<Choice> {
    CareLevel::all()
        .map(|l| Choice {
            value: l.code().to_string(),
            label: l.name().to_string(),
        })
        .collect()
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<ListPage> {
    auth.require(Menu::Recipients)?;
    let query = query.into_inner();
    let row = if crate::domain::kana::ROWS.contains(&query.row.as_str()) {
        query.row.clone()
    } else {
        String::new()
    };
    let level = if CareLevel::parse(&query.level).is_ok() {
        query.level.clone()
    } else {
        String::new()
    };
    let today = today_jst();
    let rq = RecipientQuery {
        corporation_id: auth.corporation_id(),
        office_id: auth.office.id,
        search: query.q.clone(),
        kana_row: row.clone(),
        care_level: level.clone(),
        care_manager_id: query.cm.parse().ok(),
        as_of: today,
        page: query.page.unwrap_or(1),
        per_page: PER_PAGE,
    };
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (rows, paging, managers) = blocking(&state, move |conn| {
        let (rows, paging) = crate::web::fetch_page(Some(rq.page), PER_PAGE, |page| {
            q::search(conn, &RecipientQuery { page, ..rq.clone() })
        })?;
        let managers = q::care_managers(conn, corp, office)?;
        Ok((rows, paging, managers))
    })
    .await?;
    let rows = rows
        .into_iter()
        .map(|r| {
            let c = r.certification.as_ref();
            Row {
                id: r.recipient.id,
                code: r.recipient.code,
                name: r.recipient.name,
                kana: r.recipient.kana,
                level: c
                    .map(|c| {
                        format!(
                            "{}{}",
                            c.care_level_name(),
                            if c.status == "applying" {
                                "（申請中）"
                            } else {
                                ""
                            }
                        )
                    })
                    .unwrap_or_default(),
                insurer: format!(
                    "{} {}",
                    r.recipient.insurer_number, r.recipient.insurer_name
                ),
                insured: r.recipient.insured_number,
                care_manager: r.care_manager.unwrap_or_default(),
                period: c
                    .map(|c| {
                        format!(
                            "{}〜{}",
                            c.valid_from.format("%Y/%m/%d"),
                            c.valid_to.format("%Y/%m/%d")
                        )
                    })
                    .unwrap_or_else(|| "有効な認定なし".into()),
                ending_soon: c.is_some_and(|c| c.valid_to <= today + chrono::Duration::days(60)),
            }
        })
        .collect();
    let query_base = format!(
        "q={}&row={}&level={}&cm={}",
        crate::web::url_encode(&query.q),
        crate::web::url_encode(&row),
        level,
        crate::web::url_encode(&query.cm)
    );
    Ok(ListPage {
        layout: Layout::new(
            &auth,
            Some(Menu::Recipients),
            "利用者基本情報",
            &[("利用者基本情報", None)],
        )
        .with_notice(notice(query.done.as_deref())),
        rows,
        paging,
        q: query.q,
        row,
        level,
        cm: query.cm,
        levels: level_choices(),
        managers: managers
            .into_iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name,
            })
            .collect(),
        rows_kana: crate::domain::kana::ROWS,
        query_base,
    })
}

// ---- 基本情報 ---------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct RecipientForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kana: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub birth_date: String,
    #[serde(default)]
    pub postcode: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub insurer_number: String,
    #[serde(default)]
    pub insurer_name: String,
    #[serde(default)]
    pub insured_number: String,
    #[serde(default)]
    pub burden_ratio: String,
    /// `o:ID` (own office) or `p:ID` (partner).
    #[serde(default)]
    pub care_office: String,
    #[serde(default)]
    pub care_manager: String,
}

impl RecipientForm {
    fn of(r: &Recipient) -> Self {
        RecipientForm {
            code: r.code.clone(),
            name: r.name.clone(),
            kana: r.kana.clone(),
            gender: r.gender.clone(),
            birth_date: r
                .birth_date
                .map(|d| d.format("%Y/%m/%d").to_string())
                .unwrap_or_default(),
            postcode: r.postcode.clone(),
            address: r.address.clone(),
            phone: r.phone.clone(),
            insurer_number: r.insurer_number.clone(),
            insurer_name: r.insurer_name.clone(),
            insured_number: r.insured_number.clone(),
            burden_ratio: r.burden_ratio.to_string(),
            care_office: match (r.care_office_id, r.care_partner_id) {
                (Some(o), _) => format!("o:{o}"),
                (None, Some(p)) => format!("p:{p}"),
                _ => String::new(),
            },
            care_manager: r.care_manager_id.map(|i| i.to_string()).unwrap_or_default(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "recipients/edit.html")]
pub struct EditPage {
    pub layout: Layout,
    pub id: Option<i64>,
    pub form: RecipientForm,
    pub errors: FieldErrors,
    pub birth_display: String,
    pub care_offices: Vec<Choice>,
    pub managers: Vec<Choice>,
    pub tab: &'static str,
}

impl EditPage {
    pub fn recipient_id(&self) -> Option<i64> {
        self.id
    }
}

struct Options {
    care_offices: Vec<Choice>,
    managers: Vec<Choice>,
}

/// 居宅介護支援事業所 to choose from: own offices of type 43/46 and partners of type 43/46.
fn options(conn: &mut DbConnection, corp: i64, office: i64) -> AppResult<Options> {
    let mut care_offices = Vec::new();
    for o in db::offices::list(conn, corp)? {
        if matches!(o.service_type.as_str(), "43" | "46") {
            care_offices.push(Choice {
                value: format!("o:{}", o.id),
                label: format!("{}（自社 {}）", o.name, o.office_number),
            });
        }
    }
    for p in db::partners::list(conn, corp, "")? {
        if matches!(p.service_type.as_str(), "43" | "46") {
            care_offices.push(Choice {
                value: format!("p:{}", p.id),
                label: format!("{}（他社 {}）", p.name, p.office_number),
            });
        }
    }
    let managers = q::care_managers(conn, corp, office)?
        .into_iter()
        .map(|(id, name)| Choice {
            value: id.to_string(),
            label: name,
        })
        .collect();
    Ok(Options {
        care_offices,
        managers,
    })
}

fn edit_layout(auth: &Auth, title_name: Option<&str>, tab: &str) -> Layout {
    let (title, last) = match title_name {
        None => (
            "利用者基本情報 新規登録".to_string(),
            "新規登録".to_string(),
        ),
        Some(n) => (format!("利用者基本情報 {n}（{tab}）"), n.to_string()),
    };
    Layout::new(
        auth,
        Some(Menu::Recipients),
        &title,
        &[("利用者基本情報", Some("/recipients")), (&last, None)],
    )
}

fn birth_display(form: &RecipientForm) -> String {
    dates::parse_any(&form.birth_date)
        .map(|d| {
            let age = dates::age_on(d, today_jst());
            format!("{}　{age}歳", both(&d))
        })
        .unwrap_or_default()
}

pub async fn new_form(auth: Auth, state: web::Data<AppState>) -> AppResult<EditPage> {
    auth.require(Menu::Recipients)?;
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let opts = blocking(&state, move |conn| options(conn, corp, office)).await?;
    let care_office = if matches!(auth.office.service_type.as_str(), "43" | "46") {
        format!("o:{}", auth.office.id)
    } else {
        String::new()
    };
    Ok(EditPage {
        layout: edit_layout(&auth, None, "基本情報"),
        id: None,
        form: RecipientForm {
            burden_ratio: "1".into(),
            care_office,
            ..Default::default()
        },
        errors: FieldErrors::default(),
        birth_display: String::new(),
        care_offices: opts.care_offices,
        managers: opts.managers,
        tab: "basic",
    })
}

pub async fn edit_form(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    dq: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<EditPage> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (r, opts) = blocking(&state, move |conn| {
        Ok((
            visible(conn, corp, office, id)?,
            options(conn, corp, office)?,
        ))
    })
    .await?;
    let form = RecipientForm::of(&r);
    Ok(EditPage {
        layout: edit_layout(&auth, Some(&r.name), "基本情報")
            .with_notice(notice(dq.done.as_deref())),
        id: Some(id),
        birth_display: birth_display(&form),
        form,
        errors: FieldErrors::default(),
        care_offices: opts.care_offices,
        managers: opts.managers,
        tab: "basic",
    })
}

fn validate(f: &RecipientForm, errors: &mut FieldErrors) -> RecipientFields {
    let code = form::required_text(errors, "code", "利用者コード", &f.code, 20);
    if !code.is_empty() && !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.add(
            "code",
            "利用者コードは半角英数字（とハイフン）で入力してください。",
        );
    }
    let name = form::required_text(errors, "name", "氏名", &f.name, 50);
    form::ms932_writable(errors, "name", "氏名", &name);
    let kana = form::kana(errors, "kana", &f.kana, true, 50);
    let birth_date = if f.birth_date.trim().is_empty() {
        errors.add("birth_date", "生年月日を入力してください。");
        None
    } else {
        match dates::parse_any(&f.birth_date) {
            Ok(d) if d > today_jst() => {
                errors.add("birth_date", "生年月日が未来の日付です。");
                None
            }
            Ok(d) => Some(d),
            Err(m) => {
                errors.add("birth_date", m);
                None
            }
        }
    };
    let insurer_number = match InsurerNumber::parse(&f.insurer_number) {
        Ok(n) => n.to_string(),
        Err(e) => {
            errors.add("insurer_number", e.message_ja);
            f.insurer_number.trim().to_string()
        }
    };
    let insured_number = match InsuredNumber::parse(&f.insured_number) {
        Ok(n) => n.to_string(),
        Err(e) => {
            errors.add("insured_number", e.message_ja);
            f.insured_number.trim().to_string()
        }
    };
    let insurer_name = form::optional_text(errors, "insurer_name", "保険者名", &f.insurer_name, 50);
    let address = form::optional_text(errors, "address", "住所", &f.address, 200);
    form::ms932_writable(errors, "address", "住所", &address);
    let burden_ratio = match f.burden_ratio.as_str() {
        "1" => 1,
        "2" => 2,
        "3" => 3,
        _ => {
            errors.add("burden_ratio", "負担割合を選んでください。");
            1
        }
    };
    let (care_office_id, care_partner_id) = match f.care_office.split_once(':') {
        Some(("o", id)) => (id.parse().ok(), None),
        Some(("p", id)) => (None, id.parse().ok()),
        _ => (None, None),
    };
    RecipientFields {
        kana_row: crate::domain::kana::row_of(&kana).to_string(),
        code,
        name,
        kana,
        gender: if matches!(f.gender.as_str(), "1" | "2") {
            f.gender.clone()
        } else {
            String::new()
        },
        birth_date,
        postcode: form::postcode(errors, "postcode", &f.postcode),
        address,
        phone: form::phone(errors, "phone", "電話番号", &f.phone),
        insurer_number,
        insurer_name,
        insured_number,
        burden_ratio,
        care_office_id,
        care_partner_id,
        care_manager_id: f.care_manager.parse().ok(),
    }
}

/// The chosen care office, partner and care manager must be this corporation's.
fn check_refs(
    conn: &mut DbConnection,
    corp: i64,
    office: i64,
    f: &RecipientFields,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if let Some(o) = f.care_office_id
        && db::offices::find(conn, corp, o)?.is_none()
    {
        return Err(AppError::NotFound);
    }
    if let Some(p) = f.care_partner_id
        && db::partners::find(conn, corp, p)?.is_none()
    {
        return Err(AppError::NotFound);
    }
    if let Some(cm) = f.care_manager_id
        && !q::care_managers(conn, corp, office)?
            .iter()
            .any(|(id, _)| *id == cm)
    {
        errors.add(
            "care_manager",
            "担当ケアマネは、この事業所の職員から選んでください。",
        );
    }
    Ok(())
}

async fn save(
    auth: Auth,
    state: web::Data<AppState>,
    id: Option<i64>,
    f: RecipientForm,
) -> AppResult<Either<HttpResponse, EditPage>> {
    let mut errors = FieldErrors::default();
    let fields = validate(&f, &mut errors);
    let actor = auth.actor();
    let office_is_care = matches!(auth.office.service_type.as_str(), "43" | "46");
    let office_type = auth.office.service_type.clone();
    let result = blocking(&state, move |conn| {
        let mut errors = errors;
        let (corp, office) = (actor.corporation_id, actor.office_id);
        if let Some(id) = id {
            visible(conn, corp, office, id)?;
        }
        check_refs(conn, corp, office, &fields, &mut errors)?;
        if !errors.has("code") && q::code_taken(conn, corp, &fields.code, id)? {
            errors.add("code", "この利用者コードはすでに使われています。");
        }
        if !errors.has("insurer_number")
            && !errors.has("insured_number")
            && let Some(other) = q::insured_taken(
                conn,
                corp,
                &fields.insurer_number,
                &fields.insured_number,
                id,
            )?
        {
            // Name the other recipient only to an office that may see them.
            let who = if q::find_visible(conn, corp, office, other.id)?.is_some() {
                format!("{} {}", other.code, other.name)
            } else {
                "この法人の別の事業所の利用者".to_string()
            };
            errors.add(
                "insured_number",
                format!("この保険者番号と被保険者番号の利用者はすでに登録されています（{who}）。"),
            );
        }
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let saved = db::dialect::write_transaction(conn, |conn| -> AppResult<i64> {
            let saved = match id {
                Some(id) => {
                    q::update(conn, corp, id, &fields)?;
                    id
                }
                None => {
                    let new_id = q::create(conn, corp, &fields)?;
                    // A provider office that registers a recipient becomes one of their providers,
                    // so that it keeps seeing them.
                    if !office_is_care || fields.care_office_id != Some(office) {
                        q::add_provider(conn, new_id, Some(office), None, &office_type)?;
                    }
                    new_id
                }
            };
            actor.record(
                conn,
                Action::RecipientSaved,
                &format!(
                    "{} {}（{} {}）",
                    fields.code, fields.name, fields.insurer_number, fields.insured_number
                ),
            )?;
            Ok(saved)
        })?;
        Ok(Ok(saved))
    })
    .await?;
    match result {
        Ok(saved) => Ok(Either::Left(see_other(&format!(
            "/recipients/{saved}?done={}",
            if id.is_some() { "saved" } else { "created" }
        )))),
        Err(errors) => {
            let (corp, office) = (auth.corporation_id(), auth.office.id);
            let opts = blocking(&state, move |conn| options(conn, corp, office)).await?;
            Ok(Either::Right(EditPage {
                layout: edit_layout(&auth, id.map(|_| f.name.as_str()), "基本情報"),
                id,
                birth_display: birth_display(&f),
                form: f,
                errors,
                care_offices: opts.care_offices,
                managers: opts.managers,
                tab: "basic",
            }))
        }
    }
}

pub async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<RecipientForm>,
) -> AppResult<Either<HttpResponse, EditPage>> {
    auth.require(Menu::Recipients)?;
    save(auth, state, None, form.0).await
}

pub async fn update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<RecipientForm>,
) -> AppResult<Either<HttpResponse, EditPage>> {
    auth.require(Menu::Recipients)?;
    save(auth, state, Some(path.into_inner()), form.0).await
}

// ---- 認定情報 ---------------------------------------------------------------------------------

pub struct CertView {
    pub id: i64,
    pub status: &'static str,
    pub level: String,
    pub certified_on: String,
    pub period: String,
    pub limit: String,
    pub current: bool,
}

#[derive(Deserialize, Default, Clone)]
pub struct CertForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub care_level: String,
    #[serde(default)]
    pub certified_on: String,
    #[serde(default)]
    pub valid_from: String,
    #[serde(default)]
    pub valid_to: String,
    /// Set when editing an existing row.
    pub cert_id: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "recipients/certifications.html")]
pub struct CertPage {
    pub layout: Layout,
    pub id: i64,
    pub rows: Vec<CertView>,
    pub form: CertForm,
    pub errors: FieldErrors,
    pub levels: Vec<Choice>,
    pub limits: Vec<(String, String)>,
    pub tab: &'static str,
}

impl CertPage {
    pub fn recipient_id(&self) -> Option<i64> {
        Some(self.id)
    }
}

fn cert_views(certs: &[Certification]) -> Vec<CertView> {
    let today = today_jst();
    certs
        .iter()
        .map(|c| CertView {
            id: c.id,
            status: c.status_label(),
            level: c.care_level_name(),
            certified_on: both_opt(&c.certified_on),
            period: format!("{} 〜 {}", both(&c.valid_from), both(&c.valid_to)),
            limit: c
                .limit_units
                .map(|u| format!("{} 単位", group_digits(u as i64)))
                .unwrap_or_default(),
            current: c.valid_from <= today && today <= c.valid_to,
        })
        .collect()
}

pub fn group_digits(n: i64) -> String {
    let s = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

async fn cert_page(
    auth: &Auth,
    state: &web::Data<AppState>,
    id: i64,
    form: CertForm,
    errors: FieldErrors,
    done: Option<&str>,
) -> AppResult<CertPage> {
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (r, certs) = blocking(state, move |conn| {
        let r = visible(conn, corp, office, id)?;
        let certs = q::certifications_of(conn, id)?;
        Ok((r, certs))
    })
    .await?;
    Ok(CertPage {
        layout: edit_layout(auth, Some(&r.name), "認定情報").with_notice(notice(done)),
        id,
        rows: cert_views(&certs),
        form,
        errors,
        levels: level_choices(),
        limits: CareLevel::all()
            .map(|l| {
                (
                    l.code().to_string(),
                    care_limit::monthly_limit(l)
                        .map(|u| group_digits(u as i64))
                        .unwrap_or_default(),
                )
            })
            .collect(),
        tab: "certifications",
    })
}

pub async fn certifications(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    dq: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<CertPage> {
    auth.require(Menu::Recipients)?;
    let form = CertForm {
        status: "certified".into(),
        ..Default::default()
    };
    cert_page(
        &auth,
        &state,
        path.into_inner(),
        form,
        FieldErrors::default(),
        dq.done.as_deref(),
    )
    .await
}

fn validate_cert(f: &CertForm, errors: &mut FieldErrors) -> Option<CertificationFields> {
    let status = if f.status == "applying" {
        "applying"
    } else {
        "certified"
    };
    let level = match CareLevel::parse(&f.care_level) {
        Ok(l) => Some(l),
        Err(_) => {
            errors.add("care_level", "要介護状態区分を選んでください。");
            None
        }
    };
    let mut date =
        |field: &'static str, value: &str, required: bool| -> Option<chrono::NaiveDate> {
            if value.trim().is_empty() {
                if required {
                    errors.add(field, "日付を入力してください。");
                }
                return None;
            }
            dates::parse_any(value)
                .map_err(|m| errors.add(field, m))
                .ok()
        };
    let certified_on = date("certified_on", &f.certified_on, status == "certified");
    let valid_from = date("valid_from", &f.valid_from, true);
    let valid_to = date("valid_to", &f.valid_to, true);
    if let (Some(a), Some(b)) = (valid_from, valid_to)
        && b < a
    {
        errors.add("valid_to", "有効期間の終了日は開始日より後にしてください。");
    }
    Some(CertificationFields {
        status: status.into(),
        care_level: level?.code().into(),
        certified_on,
        valid_from: valid_from?,
        valid_to: valid_to?,
        limit_units: care_limit::monthly_limit(level?).map(|u| u as i32),
    })
}

pub async fn certification_save(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<CertForm>,
) -> AppResult<Either<HttpResponse, CertPage>> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let f = form.0;
    let mut errors = FieldErrors::default();
    let fields = validate_cert(&f, &mut errors);
    let Some(fields) = fields.filter(|_| errors.is_empty()) else {
        return Ok(Either::Right(
            cert_page(&auth, &state, id, f, errors, None).await?,
        ));
    };
    let actor = auth.actor();
    let cert_id = f.cert_id;
    blocking(&state, move |conn| {
        let r = visible(conn, actor.corporation_id, actor.office_id, id)?;
        match cert_id {
            Some(c) => {
                if q::update_certification(conn, id, c, &fields)? == 0 {
                    return Err(AppError::NotFound);
                }
            }
            None => {
                q::add_certification(conn, id, &fields)?;
            }
        }
        actor.record(
            conn,
            Action::RecipientSaved,
            &format!(
                "{} {} 認定情報 {} {}〜{}",
                r.code, r.name, fields.care_level, fields.valid_from, fields.valid_to
            ),
        )?;
        Ok(())
    })
    .await?;
    Ok(Either::Left(see_other(&format!(
        "/recipients/{id}/certifications?done=saved"
    ))))
}

#[derive(Deserialize)]
pub struct IdForm {
    id: i64,
}

pub async fn certification_delete(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<IdForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let cert = form.0.id;
    let actor = auth.actor();
    blocking(&state, move |conn| {
        let r = visible(conn, actor.corporation_id, actor.office_id, id)?;
        if q::delete_certification(conn, id, cert)? == 0 {
            return Err(AppError::NotFound);
        }
        actor.record(
            conn,
            Action::RecipientSaved,
            &format!("{} {} 認定情報を削除", r.code, r.name),
        )?;
        Ok(())
    })
    .await?;
    Ok(see_other(&format!(
        "/recipients/{id}/certifications?done=saved"
    )))
}

// ---- 利用事業所 -------------------------------------------------------------------------------

pub struct ProviderView {
    pub id: i64,
    pub number: String,
    pub service_type: String,
    pub name: String,
    pub own: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "recipients/providers.html")]
pub struct ProvidersPage {
    pub layout: Layout,
    pub id: i64,
    pub rows: Vec<ProviderView>,
    pub choices: Vec<Choice>,
    pub error: Option<String>,
    pub tab: &'static str,
}

impl ProvidersPage {
    pub fn recipient_id(&self) -> Option<i64> {
        Some(self.id)
    }
}

async fn providers_page(
    auth: &Auth,
    state: &web::Data<AppState>,
    id: i64,
    error: Option<String>,
    done: Option<&str>,
) -> AppResult<ProvidersPage> {
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (r, rows, choices) = blocking(state, move |conn| {
        let r = visible(conn, corp, office, id)?;
        let offices = db::offices::list(conn, corp)?;
        let partners = db::partners::list(conn, corp, "")?;
        let rows = q::providers_of(conn, id)?
            .into_iter()
            .filter_map(|l| {
                let st = ServiceType::parse(&l.service_type)
                    .map(|t| t.label())
                    .unwrap_or(l.service_type.clone());
                if let Some(o) = l.office_id.and_then(|o| offices.iter().find(|x| x.id == o)) {
                    Some(ProviderView {
                        id: l.id,
                        number: o.office_number.clone(),
                        service_type: st,
                        name: o.name.clone(),
                        own: true,
                    })
                } else {
                    l.partner_id
                        .and_then(|p| partners.iter().find(|x| x.id == p))
                        .map(|p| ProviderView {
                            id: l.id,
                            number: p.office_number.clone(),
                            service_type: st,
                            name: p.name.clone(),
                            own: false,
                        })
                }
            })
            .collect::<Vec<_>>();
        let mut choices = Vec::new();
        for o in &offices {
            if !matches!(o.service_type.as_str(), "43" | "46" | "AF") {
                choices.push(Choice {
                    value: format!("o:{}", o.id),
                    label: format!(
                        "自社 {} {}（{}）",
                        o.office_number,
                        o.name,
                        o.service_type_name()
                    ),
                });
            }
        }
        for p in &partners {
            if !matches!(p.service_type.as_str(), "43" | "46" | "AF") {
                choices.push(Choice {
                    value: format!("p:{}", p.id),
                    label: format!(
                        "他社 {} {}（{}）",
                        p.office_number,
                        p.name,
                        p.service_type_label()
                    ),
                });
            }
        }
        Ok((r, rows, choices))
    })
    .await?;
    Ok(ProvidersPage {
        layout: edit_layout(auth, Some(&r.name), "利用事業所").with_notice(notice(done)),
        id,
        rows,
        choices,
        error,
        tab: "providers",
    })
}

pub async fn providers(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    dq: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<ProvidersPage> {
    auth.require(Menu::Recipients)?;
    providers_page(&auth, &state, path.into_inner(), None, dq.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct ProviderForm {
    #[serde(default)]
    provider: String,
    remove: Option<i64>,
}

pub async fn providers_update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<ProviderForm>,
) -> AppResult<Either<HttpResponse, ProvidersPage>> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let f = form.0;
    let actor = auth.actor();
    let result = blocking(&state, move |conn| {
        let (corp, office) = (actor.corporation_id, actor.office_id);
        let r = visible(conn, corp, office, id)?;
        if let Some(link) = f.remove {
            if q::remove_provider(conn, id, link)? == 0 {
                return Err(AppError::NotFound);
            }
            actor.record(
                conn,
                Action::RecipientSaved,
                &format!("{} {} 利用事業所を削除", r.code, r.name),
            )?;
            return Ok(None);
        }
        let existing = q::providers_of(conn, id)?;
        let (office_id, partner_id, st, label) = match f.provider.split_once(':') {
            Some(("o", x)) => {
                let o = x
                    .parse()
                    .ok()
                    .and_then(|x| db::offices::find(conn, corp, x).ok().flatten())
                    .ok_or(AppError::NotFound)?;
                (Some(o.id), None, o.service_type.clone(), o.name.clone())
            }
            Some(("p", x)) => {
                let p = x
                    .parse()
                    .ok()
                    .and_then(|x| db::partners::find(conn, corp, x).ok().flatten())
                    .ok_or(AppError::NotFound)?;
                (None, Some(p.id), p.service_type.clone(), p.name.clone())
            }
            _ => return Ok(Some("追加する事業所を選んでください。".to_string())),
        };
        if existing
            .iter()
            .any(|l| l.office_id == office_id && l.partner_id == partner_id)
        {
            return Ok(Some("この事業所はすでに登録されています。".to_string()));
        }
        q::add_provider(conn, id, office_id, partner_id, &st)?;
        actor.record(
            conn,
            Action::RecipientSaved,
            &format!("{} {} 利用事業所を追加: {label}", r.code, r.name),
        )?;
        Ok(None)
    })
    .await?;
    match result {
        None => Ok(Either::Left(see_other(&format!(
            "/recipients/{id}/providers?done=saved"
        )))),
        Some(error) => Ok(Either::Right(
            providers_page(&auth, &state, id, Some(error), None).await?,
        )),
    }
}
