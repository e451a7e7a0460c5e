//! 職員情報: staff list, 基本情報, 所属情報 and 権限情報.
//!
//! Anyone with 職員情報 in the current office sees that office's staff and may register staff
//! and edit their 基本情報. Only managers (管理者) may change ログイン可, 管理者, passwords of
//! others, 所属 and 権限; managers also see the whole corporation's staff.

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu, MenuSet, password};
use crate::db::staff::{Staff, StaffBasics, StaffQuery, StaffSort};
use crate::db::{self, DbConnection, audit::Action, offices::Office};
use crate::web::form::{self, FieldErrors};
use crate::web::{AppError, AppResult, Layout, Paging, blocking, notice, see_other};
use actix_web::{Either, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

const PER_PAGE: i64 = 20;

/// Who may see whom: same corporation, and either a manager or a member of the current office.
fn visible_staff(
    conn: &mut DbConnection,
    corp: i64,
    office: i64,
    manager: bool,
    id: i64,
) -> AppResult<Staff> {
    let s = db::staff::find(conn, corp, id)?.ok_or(AppError::NotFound)?;
    if manager || db::staff::is_member(conn, s.id, office)? {
        Ok(s)
    } else {
        Err(AppError::NotFound)
    }
}

// ---- list -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    row: String,
    #[serde(default)]
    sort: String,
    page: Option<i64>,
    #[serde(default)]
    scope: String,
    done: Option<String>,
}

pub struct StaffRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kana: String,
    pub login_id: String,
    pub login_enabled: bool,
    pub is_manager: bool,
    pub offices: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<StaffRow>,
    pub paging: Paging,
    pub q: String,
    pub row: String,
    pub sort: String,
    pub scope: String,
    pub rows_kana: [&'static str; 10],
    pub query_base: String,
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> AppResult<ListPage> {
    auth.require(Menu::Staff)?;
    let query = query.into_inner();
    let manager = auth.staff.is_manager;
    let all = manager && query.scope == "all";
    let sort = if query.sort == "kana" {
        StaffSort::Kana
    } else {
        StaffSort::Code
    };
    let row = if crate::domain::kana::ROWS.contains(&query.row.as_str()) {
        query.row.clone()
    } else {
        String::new()
    };
    let q = StaffQuery {
        corporation_id: auth.corporation_id(),
        office_id: if all { None } else { Some(auth.office.id) },
        search: query.q.clone(),
        kana_row: row.clone(),
        sort,
        page: query.page.unwrap_or(1),
        per_page: PER_PAGE,
    };
    let corp = auth.corporation_id();
    let (rows, paging) = blocking(&state, move |conn| {
        let (staff, paging) = crate::web::fetch_page(Some(q.page), PER_PAGE, |page| {
            db::staff::search(conn, &StaffQuery { page, ..q.clone() })
        })?;
        let offices = db::offices::list(conn, corp)?;
        let ids: Vec<i64> = staff.iter().map(|s| s.id).collect();
        let memberships = db::staff::memberships_of(conn, &ids)?;
        let rows = staff
            .into_iter()
            .map(|s| StaffRow {
                offices: office_labels(&offices, &memberships, s.id),
                id: s.id,
                code: s.code,
                name: s.name,
                kana: s.kana,
                login_id: s.login_id,
                login_enabled: s.login_enabled,
                is_manager: s.is_manager,
            })
            .collect::<Vec<_>>();
        Ok((rows, paging))
    })
    .await?;
    let sort_key = if sort == StaffSort::Kana {
        "kana"
    } else {
        "code"
    };
    let scope = if all { "all" } else { "" };
    let query_base = format!(
        "q={}&row={}&sort={}&scope={}",
        crate::web::url_encode(&query.q),
        crate::web::url_encode(&row),
        sort_key,
        scope
    );
    Ok(ListPage {
        layout: Layout::new(&auth, Some(Menu::Staff), "職員情報", &[("職員情報", None)])
            .with_notice(notice(query.done.as_deref())),
        rows,
        paging,
        q: query.q,
        row,
        sort: sort_key.into(),
        scope: scope.into(),
        rows_kana: crate::domain::kana::ROWS,
        query_base,
    })
}

/// 所属事業所 as listed: office names, the 優先 one marked, from `memberships_of`.
pub fn office_labels(
    offices: &[Office],
    memberships: &[(i64, i64, bool)],
    staff_id: i64,
) -> String {
    memberships
        .iter()
        .filter(|(sid, _, _)| *sid == staff_id)
        .filter_map(|(_, oid, primary)| {
            offices.iter().find(|o| o.id == *oid).map(|o| {
                if *primary {
                    format!("{}（優先）", o.name)
                } else {
                    o.name.clone()
                }
            })
        })
        .collect::<Vec<_>>()
        .join("、")
}

#[derive(Deserialize)]
pub struct ExportForm {
    #[serde(default)]
    scope: String,
}

/// 職員一覧CSV: a background job; the file is downloaded from 一括処理状況確認.
pub async fn export(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<ExportForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Staff)?;
    let all = auth.staff.is_manager && form.0.scope == "all";
    let payload = crate::jobs::staff_csv::Payload { all_offices: all };
    let actor = auth.actor();
    blocking(&state, move |conn| {
        crate::jobs::enqueue(conn, &actor, &payload)?;
        Ok(())
    })
    .await?;
    Ok(see_other("/staff?done=queued"))
}

// ---- 基本情報 ---------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct StaffForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kana: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    login_id: String,
    login_enabled: Option<String>,
    is_manager: Option<String>,
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_confirm: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/edit.html")]
pub struct EditPage {
    pub layout: Layout,
    /// None for 新規登録.
    pub id: Option<i64>,
    pub form: StaffFormView,
    pub errors: FieldErrors,
    pub can_manage: bool,
    pub tab: &'static str,
}

pub struct StaffFormView {
    pub code: String,
    pub name: String,
    pub kana: String,
    pub gender: String,
    pub login_id: String,
    pub login_enabled: bool,
    pub is_manager: bool,
}

impl StaffFormView {
    fn of(s: &Staff) -> Self {
        StaffFormView {
            code: s.code.clone(),
            name: s.name.clone(),
            kana: s.kana.clone(),
            gender: s.gender.clone(),
            login_id: s.login_id.clone(),
            login_enabled: s.login_enabled,
            is_manager: s.is_manager,
        }
    }
    fn from_form(f: &StaffForm) -> Self {
        StaffFormView {
            code: f.code.clone(),
            name: f.name.clone(),
            kana: f.kana.clone(),
            gender: f.gender.clone(),
            login_id: f.login_id.clone(),
            login_enabled: form::checked(&f.login_enabled),
            is_manager: form::checked(&f.is_manager),
        }
    }
}

fn edit_layout(auth: &Auth, id: Option<i64>, name: &str, tab: &str) -> Layout {
    let title = match id {
        None => "職員情報 新規登録".to_string(),
        Some(_) => format!("職員情報 {name}（{tab}）"),
    };
    let mut l = Layout::new(
        auth,
        Some(Menu::Staff),
        &title,
        &[("職員情報", Some("/staff")), ("", None)],
    );
    if let Some(last) = l.crumbs.last_mut() {
        last.label = if id.is_none() {
            "新規登録".into()
        } else {
            name.to_string()
        };
    }
    l
}

pub async fn new_form(auth: Auth) -> AppResult<EditPage> {
    auth.require(Menu::Staff)?;
    Ok(EditPage {
        layout: edit_layout(&auth, None, "", "基本情報"),
        id: None,
        form: StaffFormView {
            code: String::new(),
            name: String::new(),
            kana: String::new(),
            gender: String::new(),
            login_id: String::new(),
            login_enabled: true,
            is_manager: false,
        },
        errors: FieldErrors::default(),
        can_manage: auth.staff.is_manager,
        tab: "basic",
    })
}

pub async fn edit_form(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    q: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<EditPage> {
    auth.require(Menu::Staff)?;
    let id = path.into_inner();
    let (corp, office, manager) = (auth.corporation_id(), auth.office.id, auth.staff.is_manager);
    let s = blocking(&state, move |conn| {
        visible_staff(conn, corp, office, manager, id)
    })
    .await?;
    Ok(EditPage {
        layout: edit_layout(&auth, Some(id), &s.name, "基本情報")
            .with_notice(notice(q.done.as_deref())),
        id: Some(id),
        form: StaffFormView::of(&s),
        errors: FieldErrors::default(),
        can_manage: manager,
        tab: "basic",
    })
}

struct Validated {
    basics: StaffBasics,
    new_password: Option<String>,
}

fn validate(f: &StaffForm, is_new: bool, can_manage: bool, errors: &mut FieldErrors) -> Validated {
    let code = form::required_text(errors, "code", "職員コード", &f.code, 20);
    if !code.is_empty() && !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        errors.add(
            "code",
            "職員コードは半角英数字（とハイフン）で入力してください。",
        );
    }
    let name = form::required_text(errors, "name", "氏名", &f.name, 50);
    form::ms932_writable(errors, "name", "氏名", &name);
    let kana = form::kana(errors, "kana", &f.kana, true, 50);
    let gender = if matches!(f.gender.as_str(), "1" | "2") {
        f.gender.clone()
    } else {
        String::new()
    };
    let login_id = f.login_id.trim().to_string();
    if login_id.len() < 3 || login_id.len() > 50 {
        errors.add(
            "login_id",
            "ログインIDは半角英数字3〜50文字で入力してください。",
        );
    } else if !login_id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        errors.add(
            "login_id",
            "ログインIDに使える文字は半角英数字と . _ - です。",
        );
    }
    let mut new_password = None;
    if is_new || (can_manage && !f.password.is_empty()) {
        if let Err(m) = password::check_policy(&f.password) {
            errors.add("password", m);
        } else if f.password != f.password_confirm {
            errors.add("password_confirm", "確認用のパスワードが一致しません。");
        } else {
            new_password = Some(f.password.clone());
        }
    }
    Validated {
        basics: StaffBasics {
            kana_row: crate::domain::kana::row_of(&kana).to_string(),
            code,
            name,
            kana,
            gender,
            login_id,
        },
        new_password,
    }
}

fn check_unique(
    conn: &mut DbConnection,
    corp: i64,
    basics: &StaffBasics,
    except: Option<i64>,
    errors: &mut FieldErrors,
) -> AppResult<()> {
    if !errors.has("code") && db::staff::code_taken(conn, corp, &basics.code, except)? {
        errors.add("code", "この職員コードはすでに使われています。");
    }
    if !errors.has("login_id") && db::staff::login_id_taken(conn, &basics.login_id, except)? {
        errors.add("login_id", "このログインIDはすでに使われています。");
    }
    Ok(())
}

pub async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<StaffForm>,
) -> AppResult<Either<HttpResponse, EditPage>> {
    auth.require(Menu::Staff)?;
    let f = form.0;
    let can_manage = auth.staff.is_manager;
    let mut errors = FieldErrors::default();
    let v = validate(&f, true, can_manage, &mut errors);
    let actor = auth.actor();
    let login_enabled = !can_manage || form::checked(&f.login_enabled);
    let is_manager = can_manage && form::checked(&f.is_manager);
    let result = blocking(&state, move |conn| {
        let mut errors = errors;
        check_unique(conn, actor.corporation_id, &v.basics, None, &mut errors)?;
        if !errors.is_empty() {
            return Ok(Err(errors));
        }
        let hash = password::hash(v.new_password.as_deref().unwrap_or_default());
        let id = db::dialect::write_transaction(conn, |conn| -> AppResult<i64> {
            let id = db::staff::create(
                conn,
                &db::staff::NewStaff {
                    corporation_id: actor.corporation_id,
                    basics: &v.basics,
                    password_hash: &hash,
                    login_enabled,
                    is_manager,
                },
            )?;
            // A new staff member belongs to the office where they were registered (優先),
            // with no menus until a manager grants them.
            db::staff::set_memberships(conn, id, &[actor.office_id], actor.office_id)?;
            actor.record(
                conn,
                Action::StaffCreated,
                &format!(
                    "{} {}（ログインID {}）",
                    v.basics.code, v.basics.name, v.basics.login_id
                ),
            )?;
            Ok(id)
        })?;
        Ok(Ok(id))
    })
    .await?;
    match result {
        Ok(id) => Ok(Either::Left(see_other(&format!(
            "/staff/{id}?done=created"
        )))),
        Err(errors) => Ok(Either::Right(EditPage {
            layout: edit_layout(&auth, None, "", "基本情報"),
            id: None,
            form: StaffFormView::from_form(&f),
            errors,
            can_manage,
            tab: "basic",
        })),
    }
}

pub async fn update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<StaffForm>,
) -> AppResult<Either<HttpResponse, EditPage>> {
    auth.require(Menu::Staff)?;
    let id = path.into_inner();
    let f = form.0;
    let can_manage = auth.staff.is_manager;
    let mut errors = FieldErrors::default();
    let v = validate(&f, false, can_manage, &mut errors);
    let actor = auth.actor();
    let own_session = auth.session_id.clone();
    let wants_enabled = form::checked(&f.login_enabled);
    let wants_manager = form::checked(&f.is_manager);
    let result = blocking(&state, move |conn| {
        let mut errors = errors;
        let current = visible_staff(conn, actor.corporation_id, actor.office_id, can_manage, id)?;
        check_unique(conn, actor.corporation_id, &v.basics, Some(id), &mut errors)?;
        let (enabled, manager) = if can_manage {
            (wants_enabled, wants_manager)
        } else {
            (current.login_enabled, current.is_manager)
        };
        let loses_manager = current.is_manager && current.login_enabled && !(manager && enabled);
        if loses_manager && db::staff::count_active_managers(conn, actor.corporation_id)? <= 1 {
            errors.add(
                "is_manager",
                "法人で最後の管理者のため、管理者の解除やログイン不可への変更はできません。先にほかの職員を管理者にしてください。",
            );
        }
        if !errors.is_empty() {
            return Ok(Err((errors, current)));
        }
        let new_hash = v.new_password.as_deref().map(password::hash);
        db::dialect::write_transaction(conn, |conn| -> AppResult<()> {
            db::staff::update_basics(conn, actor.corporation_id, id, &v.basics)?;
            let mut changes = Vec::new();
            if enabled != current.login_enabled || manager != current.is_manager {
                db::staff::set_flags(conn, id, enabled, manager)?;
                changes.push(format!(
                    "ログイン可 {}→{}、管理者 {}→{}",
                    yes_no(current.login_enabled),
                    yes_no(enabled),
                    yes_no(current.is_manager),
                    yes_no(manager)
                ));
            }
            if !enabled {
                // Disabled: every session of this account ends now, on every server.
                db::sessions::delete_for_staff(conn, id, None)?;
            }
            if let Some(hash) = &new_hash {
                db::staff::set_password_hash(conn, id, hash)?;
                let keep = (id == actor.staff_id).then_some(own_session.as_str());
                db::sessions::delete_for_staff(conn, id, keep)?;
                actor.record(conn, Action::PasswordReset, &format!("{} {}", v.basics.code, v.basics.name))?;
            }
            actor.record(
                conn,
                Action::StaffUpdated,
                format!("{} {} {}", v.basics.code, v.basics.name, changes.join(" ")).trim_end(),
            )?;
            Ok(())
        })?;
        Ok(Ok(()))
    })
    .await?;
    match result {
        Ok(()) => Ok(Either::Left(see_other(&format!("/staff/{id}?done=saved")))),
        Err((errors, current)) => Ok(Either::Right(EditPage {
            layout: edit_layout(&auth, Some(id), &current.name, "基本情報"),
            id: Some(id),
            form: StaffFormView::from_form(&f),
            errors,
            can_manage,
            tab: "basic",
        })),
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "可" } else { "不可" }
}

// ---- 所属情報 ---------------------------------------------------------------------------------

pub struct MembershipRow {
    pub office: Office,
    pub member: bool,
    pub primary: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/offices.html")]
pub struct OfficesPage {
    pub layout: Layout,
    pub id: i64,
    pub rows: Vec<MembershipRow>,
    pub can_manage: bool,
    pub error: Option<String>,
    pub tab: &'static str,
}

async fn offices_page(
    auth: &Auth,
    state: &web::Data<AppState>,
    id: i64,
    error: Option<String>,
    done: Option<&str>,
) -> AppResult<OfficesPage> {
    let (corp, office, manager) = (auth.corporation_id(), auth.office.id, auth.staff.is_manager);
    let (s, rows) = blocking(state, move |conn| {
        let s = visible_staff(conn, corp, office, manager, id)?;
        let mem = db::staff::memberships(conn, id)?;
        let rows = db::offices::list(conn, corp)?
            .into_iter()
            .map(|o| {
                let m = mem.iter().find(|(oid, _)| *oid == o.id);
                MembershipRow {
                    member: m.is_some(),
                    primary: m.is_some_and(|(_, p)| *p),
                    office: o,
                }
            })
            .collect::<Vec<_>>();
        Ok((s, rows))
    })
    .await?;
    Ok(OfficesPage {
        layout: edit_layout(auth, Some(id), &s.name, "所属情報").with_notice(notice(done)),
        id,
        rows,
        can_manage: manager,
        error,
        tab: "offices",
    })
}

pub async fn offices_form(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    q: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<OfficesPage> {
    auth.require(Menu::Staff)?;
    offices_page(&auth, &state, path.into_inner(), None, q.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct OfficesForm {
    #[serde(default)]
    office: Vec<i64>,
    primary: Option<i64>,
}

pub async fn offices_update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<OfficesForm>,
) -> AppResult<Either<HttpResponse, OfficesPage>> {
    auth.require(Menu::Staff)?;
    auth.require_manager()?;
    let id = path.into_inner();
    let f = form.0;
    let error = if f.office.is_empty() {
        Some("所属する事業所を1つ以上選んでください。".to_string())
    } else if !f.primary.is_some_and(|p| f.office.contains(&p)) {
        Some("所属する事業所の中から「優先」を1つ選んでください。".to_string())
    } else {
        None
    };
    if error.is_some() {
        return Ok(Either::Right(
            offices_page(&auth, &state, id, error, None).await?,
        ));
    }
    let actor = auth.actor();
    blocking(&state, move |conn| {
        let s = visible_staff(conn, actor.corporation_id, actor.office_id, true, id)?;
        let offices = db::offices::list(conn, actor.corporation_id)?;
        // Only this corporation's offices can be chosen.
        if f.office
            .iter()
            .any(|oid| !offices.iter().any(|o| o.id == *oid))
        {
            return Err(AppError::NotFound);
        }
        let primary = f.primary.unwrap_or_default();
        db::staff::set_memberships(conn, id, &f.office, primary)?;
        let names: Vec<String> = offices
            .iter()
            .filter(|o| f.office.contains(&o.id))
            .map(|o| {
                if o.id == primary {
                    format!("{}（優先）", o.name)
                } else {
                    o.name.clone()
                }
            })
            .collect();
        actor.record(
            conn,
            Action::StaffMembershipsChanged,
            &format!("{} {}: {}", s.code, s.name, names.join("、")),
        )?;
        Ok(())
    })
    .await?;
    Ok(Either::Left(see_other(&format!(
        "/staff/{id}/offices?done=saved"
    ))))
}

// ---- 権限情報 ---------------------------------------------------------------------------------

pub struct PermissionRow {
    pub office: Office,
    pub menus: String,
    pub count: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/permissions.html")]
pub struct PermissionsPage {
    pub layout: Layout,
    pub id: i64,
    pub rows: Vec<PermissionRow>,
    pub can_manage: bool,
    pub tab: &'static str,
}

pub async fn permissions(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    q: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<PermissionsPage> {
    auth.require(Menu::Staff)?;
    let id = path.into_inner();
    let (corp, office, manager) = (auth.corporation_id(), auth.office.id, auth.staff.is_manager);
    let (s, rows) = blocking(&state, move |conn| {
        let s = visible_staff(conn, corp, office, manager, id)?;
        let grants = db::staff::all_permissions(conn, id)?;
        let rows = db::offices::of_staff(conn, id)?
            .into_iter()
            .map(|(o, _)| {
                let set = MenuSet::from_keys(
                    grants
                        .iter()
                        .filter(|(oid, _)| *oid == o.id)
                        .map(|(_, k)| k.as_str()),
                );
                PermissionRow {
                    menus: set.iter().map(|m| m.label()).collect::<Vec<_>>().join("、"),
                    count: set.len(),
                    office: o,
                }
            })
            .collect::<Vec<_>>();
        Ok((s, rows))
    })
    .await?;
    Ok(PermissionsPage {
        layout: edit_layout(&auth, Some(id), &s.name, "権限情報")
            .with_notice(notice(q.done.as_deref())),
        id,
        rows,
        can_manage: manager,
        tab: "permissions",
    })
}

pub struct MenuCheck {
    pub key: &'static str,
    pub label: &'static str,
    pub description: &'static str,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/permission_edit.html")]
pub struct PermissionEditPage {
    pub layout: Layout,
    pub id: i64,
    pub office: Office,
    pub checks: Vec<MenuCheck>,
    pub tab: &'static str,
}

pub async fn permission_form(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
) -> AppResult<PermissionEditPage> {
    auth.require(Menu::Staff)?;
    auth.require_manager()?;
    let (id, office_id) = path.into_inner();
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (s, target, menus) = blocking(&state, move |conn| {
        let s = visible_staff(conn, corp, office, true, id)?;
        let target = db::offices::find(conn, corp, office_id)?.ok_or(AppError::NotFound)?;
        if !db::staff::is_member(conn, id, office_id)? {
            return Err(AppError::NotFound);
        }
        let menus = db::staff::menus(conn, id, office_id)?;
        Ok((s, target, menus))
    })
    .await?;
    let checks = Menu::ALL
        .into_iter()
        .map(|m| MenuCheck {
            key: m.key(),
            label: m.label(),
            description: m.description(),
            checked: menus.contains(m),
        })
        .collect();
    let mut layout = edit_layout(&auth, Some(id), &s.name, "権限情報");
    layout.title = format!("権限情報 {}（{}）", s.name, target.name);
    Ok(PermissionEditPage {
        layout,
        id,
        office: target,
        checks,
        tab: "permissions",
    })
}

#[derive(Deserialize)]
pub struct PermissionForm {
    #[serde(default)]
    menu: Vec<String>,
}

pub async fn permission_update(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, i64)>,
    form: CsrfForm<PermissionForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Staff)?;
    auth.require_manager()?;
    let (id, office_id) = path.into_inner();
    let menus = MenuSet::from_keys(form.0.menu.iter().map(String::as_str));
    let actor = auth.actor();
    blocking(&state, move |conn| {
        let s = visible_staff(conn, actor.corporation_id, actor.office_id, true, id)?;
        let target =
            db::offices::find(conn, actor.corporation_id, office_id)?.ok_or(AppError::NotFound)?;
        if !db::staff::is_member(conn, id, office_id)? {
            return Err(AppError::NotFound);
        }
        let before = db::staff::menus(conn, id, office_id)?;
        db::staff::set_menus(conn, id, office_id, &menus)?;
        let list = |set: &MenuSet| {
            let v: Vec<&str> = set.iter().map(|m| m.label()).collect();
            if v.is_empty() {
                "なし".to_string()
            } else {
                v.join("、")
            }
        };
        actor.record(
            conn,
            Action::PermissionsChanged,
            &format!(
                "{} {}（{}）: {} → {}",
                s.code,
                s.name,
                target.name,
                list(&before),
                list(&menus)
            ),
        )?;
        Ok(())
    })
    .await?;
    Ok(see_other(&format!("/staff/{id}/permissions?done=saved")))
}

// The tab bar (templates/staff/_tabs.html) links to the staff member being edited.
impl EditPage {
    pub fn staff_id(&self) -> Option<i64> {
        self.id
    }
}
impl OfficesPage {
    pub fn staff_id(&self) -> Option<i64> {
        Some(self.id)
    }
}
impl PermissionsPage {
    pub fn staff_id(&self) -> Option<i64> {
        Some(self.id)
    }
}
impl PermissionEditPage {
    pub fn staff_id(&self) -> Option<i64> {
        Some(self.id)
    }
}
