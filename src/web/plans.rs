//! 居宅サービス計画書: versions per recipient, 第1表 / 第2表 / 第3表 forms, a print view close to
//! the paper forms, and copying a version into a new one. Written by the recipient's 居宅
//! (the office that made the plan); providers of the recipient may read it.

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::plans::{self as q, CarePlan, PlanLine, Table1Fields, WeeklyEntry};
use crate::db::recipients::Recipient;
use crate::db::{self, DbConnection, audit::Action};
use crate::domain::{CareLevel, OfficeNumber};
use crate::web::dates::{self, both, both_opt, today_jst};
use crate::web::form::{self, FieldErrors};
use crate::web::{AppError, AppResult, Layout, blocking, notice, see_other};
use actix_web::{Either, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

/// 計画書区分 (UP1KYO No.16) from the three boxes of the form.
pub fn category_code(first: bool, referred: bool, continued: bool) -> &'static str {
    match (first, referred, continued) {
        (true, false, false) => "11",
        (false, true, false) => "12",
        (false, false, true) => "21",
        (true, true, false) => "51",
        (true, false, true) => "52",
        (false, true, true) => "53",
        (true, true, true) => "54",
        (false, false, false) => "",
    }
}

/// The three boxes of a 計画書区分 code.
pub fn category_boxes(code: &str) -> (bool, bool, bool) {
    match code {
        "11" => (true, false, false),
        "12" => (false, true, false),
        "21" => (false, false, true),
        "51" => (true, true, false),
        "52" => (true, false, true),
        "53" => (false, true, true),
        "54" => (true, true, true),
        _ => (false, false, false),
    }
}

pub const WEEKDAYS: [&str; 7] = ["月", "火", "水", "木", "金", "土", "日"];

fn plan_access(
    conn: &mut DbConnection,
    corp: i64,
    office: i64,
    id: i64,
) -> AppResult<(CarePlan, Recipient)> {
    let plan = q::find(conn, corp, id)?.ok_or(AppError::NotFound)?;
    let recipient = db::recipients::find_visible(conn, corp, office, plan.recipient_id)?
        .ok_or(AppError::NotFound)?;
    Ok((plan, recipient))
}

/// Only the office that wrote the plan edits it.
fn require_author_office(plan: &CarePlan, office: i64) -> AppResult<()> {
    if plan.office_id == office {
        Ok(())
    } else {
        Err(AppError::BadRequest(
            "居宅サービス計画書は、作成した居宅介護支援事業所だけが変更できます。".into(),
        ))
    }
}

// ---- versions of a recipient ----------------------------------------------------------------

pub struct VersionRow {
    pub id: i64,
    pub plan_date: String,
    pub category: String,
    pub level: String,
    pub author: String,
    pub lines: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "plans/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub id: i64,
    pub rows: Vec<VersionRow>,
    pub can_write: bool,
    pub error: Option<String>,
    pub today: String,
    pub tab: &'static str,
}

impl ListPage {
    pub fn recipient_id(&self) -> Option<i64> {
        Some(self.id)
    }
}

fn category_label(code: &str) -> String {
    let (a, b, c) = category_boxes(code);
    let mut v = Vec::new();
    if a {
        v.push("初回");
    }
    if b {
        v.push("紹介");
    }
    if c {
        v.push("継続");
    }
    v.join("・")
}

fn level_name(code: &str) -> String {
    CareLevel::parse(code)
        .map(|l| l.name().to_string())
        .unwrap_or_default()
}

async fn list_page(
    auth: &Auth,
    state: &web::Data<AppState>,
    id: i64,
    error: Option<String>,
    done: Option<&str>,
) -> AppResult<ListPage> {
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (r, plans, counts) = blocking(state, move |conn| {
        let r = db::recipients::find_visible(conn, corp, office, id)?.ok_or(AppError::NotFound)?;
        let plans = q::list_for_recipient(conn, id)?;
        let mut counts = Vec::new();
        for p in &plans {
            counts.push(q::lines(conn, p.id)?.len());
        }
        Ok((r, plans, counts))
    })
    .await?;
    let rows = plans
        .iter()
        .zip(counts)
        .map(|(p, n)| VersionRow {
            id: p.id,
            plan_date: both(&p.plan_date),
            category: category_label(&p.plan_category),
            level: level_name(&p.care_level),
            author: p.author_name.clone(),
            lines: n,
        })
        .collect();
    Ok(ListPage {
        layout: Layout::new(
            auth,
            Some(Menu::Recipients),
            &format!("居宅サービス計画書 {}", r.name),
            &[
                ("利用者基本情報", Some("/recipients")),
                (&r.name, Some(&format!("/recipients/{id}"))),
                ("居宅サービス計画書", None),
            ],
        )
        .with_notice(notice(done)),
        id,
        rows,
        can_write: r.care_office_id == Some(office),
        error,
        today: today_jst().format("%Y/%m/%d").to_string(),
        tab: "plans",
    })
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    dq: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<ListPage> {
    auth.require(Menu::Recipients)?;
    list_page(&auth, &state, path.into_inner(), None, dq.done.as_deref()).await
}

#[derive(Deserialize)]
pub struct NewPlanForm {
    #[serde(default)]
    plan_date: String,
    /// Copy from this version (its id), or start empty.
    copy_from: Option<i64>,
}

pub async fn create(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<NewPlanForm>,
) -> AppResult<Either<HttpResponse, ListPage>> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let f = form.0;
    let plan_date = match dates::parse_any(&f.plan_date) {
        Ok(d) => d,
        Err(m) => {
            return Ok(Either::Right(
                list_page(
                    &auth,
                    &state,
                    id,
                    Some(format!("計画作成（変更）日: {m}")),
                    None,
                )
                .await?,
            ));
        }
    };
    let actor = auth.actor();
    let author = auth.staff.name.clone();
    let result = blocking(&state, move |conn| {
        let r = db::recipients::find_visible(conn, actor.corporation_id, actor.office_id, id)?
            .ok_or(AppError::NotFound)?;
        if r.care_office_id != Some(actor.office_id) {
            return Ok(Err(
                "居宅サービス計画書は、この利用者の居宅介護支援事業所で作成してください。"
                    .to_string(),
            ));
        }
        if q::find_by_date(conn, id, plan_date)?.is_some() {
            return Ok(Err(format!(
                "{} の計画書はすでにあります。一覧から開いてください。",
                both(&plan_date)
            )));
        }
        let new_id = match f.copy_from {
            Some(src) => {
                let from = q::find(conn, actor.corporation_id, src)?
                    .filter(|p| p.recipient_id == id)
                    .ok_or(AppError::NotFound)?;
                q::copy(conn, &from, plan_date, Some(actor.staff_id))?
            }
            None => {
                // A first version starts from the recipient's current certification.
                let cert = db::recipients::valid_on(conn, &[id], plan_date)?
                    .into_iter()
                    .next();
                let t1 = Table1Fields {
                    plan_date,
                    document_date: plan_date,
                    first_plan_date: q::list_for_recipient(conn, id)?
                        .last()
                        .map(|p| p.first_plan_date)
                        .unwrap_or(plan_date),
                    plan_category: "11".into(),
                    cert_status: cert
                        .as_ref()
                        .map(|c| if c.status == "applying" { "1" } else { "2" })
                        .unwrap_or("")
                        .into(),
                    certified_on: cert.as_ref().and_then(|c| c.certified_on),
                    cert_from: cert.as_ref().map(|c| c.valid_from),
                    cert_to: cert.as_ref().map(|c| c.valid_to),
                    care_level: cert
                        .as_ref()
                        .map(|c| c.care_level.clone())
                        .unwrap_or_default(),
                    author_name: author,
                    ..Default::default()
                };
                q::create(
                    conn,
                    &q::NewPlan {
                        corporation_id: actor.corporation_id,
                        recipient_id: id,
                        office_id: actor.office_id,
                        created_by: Some(actor.staff_id),
                        table1: &t1,
                        weekly_other: "",
                    },
                )?
            }
        };
        actor.record(
            conn,
            Action::PlanSaved,
            &format!("{} {} 計画書 {} を作成", r.code, r.name, plan_date),
        )?;
        Ok(Ok(new_id))
    })
    .await?;
    match result {
        Ok(pid) => Ok(Either::Left(see_other(&format!(
            "/plans/{pid}/table1?done=created"
        )))),
        Err(m) => Ok(Either::Right(
            list_page(&auth, &state, id, Some(m), None).await?,
        )),
    }
}

// ---- the print view -------------------------------------------------------------------------

pub struct Line2View {
    pub need: String,
    pub long_goal: String,
    pub long_period: String,
    pub short_goal: String,
    pub short_period: String,
    pub content: String,
    pub insured: &'static str,
    pub service_kind: String,
    pub provider: String,
    pub frequency: String,
    pub period: String,
}

/// The paper 第2表 prints a 課題 / 目標 only on its first line.
fn lines_view(lines: &[PlanLine]) -> Vec<Line2View> {
    let mut out = Vec::new();
    let mut prev: Option<&PlanLine> = None;
    for l in lines {
        let same_need = prev.is_some_and(|p| p.need_no == l.need_no);
        let same_goal = same_need && prev.is_some_and(|p| p.goal_no == l.goal_no);
        out.push(Line2View {
            need: if same_need {
                String::new()
            } else {
                l.need.clone()
            },
            long_goal: if same_goal {
                String::new()
            } else {
                l.long_goal.clone()
            },
            long_period: if same_goal {
                String::new()
            } else {
                l.long_period.clone()
            },
            short_goal: if same_goal {
                String::new()
            } else {
                l.short_goal.clone()
            },
            short_period: if same_goal {
                String::new()
            } else {
                l.short_period.clone()
            },
            content: l.content.clone(),
            insured: if l.insured == "Y" { "○" } else { "" },
            service_kind: l.service_kind.clone(),
            provider: l.provider_name.clone(),
            frequency: l.frequency.clone(),
            period: l.period.clone(),
        });
        prev = Some(l);
    }
    out
}

pub struct GridRow {
    pub label: String,
    pub cells: Vec<String>,
    pub activity: String,
}

/// 第3表 as the paper grid: two-hour rows × 月〜日, plus 主な日常生活上の活動.
fn weekly_grid(entries: &[WeeklyEntry]) -> Vec<GridRow> {
    let minutes = |t: &str| -> Option<u32> {
        let t: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        if t.len() != 4 {
            return None;
        }
        Some(t[..2].parse::<u32>().ok()? * 60 + t[2..].parse::<u32>().ok()?)
    };
    let show = |t: &str| -> String {
        let t: String = t.chars().filter(|c| c.is_ascii_digit()).collect();
        if t.len() == 4 {
            format!("{}:{}", t[..2].parse::<u32>().unwrap_or(0), &t[2..])
        } else {
            String::new()
        }
    };
    (0..12)
        .map(|slot| {
            let (from, to) = (slot * 120, slot * 120 + 120);
            let in_slot =
                |e: &&WeeklyEntry| minutes(&e.start_time).is_some_and(|m| m >= from && m < to);
            let mut cells = vec![String::new(); 7];
            for e in entries
                .iter()
                .filter(|e| e.kind == "service")
                .filter(in_slot)
            {
                if let Some(d) = e.weekday.filter(|d| (1..=7).contains(d)) {
                    let cell = &mut cells[(d - 1) as usize];
                    if !cell.is_empty() {
                        cell.push('\n');
                    }
                    cell.push_str(&format!(
                        "{}\n{}〜{}",
                        e.name,
                        show(&e.start_time),
                        show(&e.end_time)
                    ));
                }
            }
            let activity = entries
                .iter()
                .filter(|e| e.kind == "activity")
                .filter(in_slot)
                .map(|e| format!("{} {}", show(&e.start_time), e.name))
                .collect::<Vec<_>>()
                .join("\n");
            GridRow {
                label: format!("{}:00", slot * 2),
                cells,
                activity,
            }
        })
        .collect()
}

/// A plan as the paper 第1表 / 第2表 / 第3表 (templates/partials/plan_sheet.html, which expects
/// it as `sh`): the print view of our own plans and of a received 計画書.
pub struct PlanSheet {
    pub recipient_name: String,
    pub birth: String,
    pub address: String,
    /// 居宅介護支援事業者・事業所名及び所在地.
    pub care_office: String,
    pub t1: Table1Fields,
    pub plan_date: String,
    pub document_date: String,
    pub first_plan_date: String,
    pub category: (bool, bool, bool),
    pub certified_on: String,
    pub cert_period: String,
    pub level: String,
    pub lines: Vec<Line2View>,
    pub grid: Vec<GridRow>,
    pub weekdays: [&'static str; 7],
    pub weekly_other: String,
}

/// Whose plan a `PlanSheet` is and who wrote it.
pub struct SheetPerson {
    pub name: String,
    pub birth_date: Option<chrono::NaiveDate>,
    pub address: String,
    /// The 居宅: name, number, address.
    pub care_office: (String, String, String),
}

impl PlanSheet {
    pub fn new(
        who: SheetPerson,
        t1: &Table1Fields,
        lines: &[PlanLine],
        weekly: &[WeeklyEntry],
        weekly_other: &str,
    ) -> PlanSheet {
        let (name, number, address) = who.care_office;
        PlanSheet {
            recipient_name: who.name,
            birth: both_opt(&who.birth_date),
            address: who.address,
            care_office: format!("{name}（{number}） {address}"),
            plan_date: both(&t1.plan_date),
            document_date: both(&t1.document_date),
            first_plan_date: both(&t1.first_plan_date),
            category: category_boxes(&t1.plan_category),
            certified_on: both_opt(&t1.certified_on),
            cert_period: match (t1.cert_from, t1.cert_to) {
                (Some(a), Some(b)) => format!("{} 〜 {}", both(&a), both(&b)),
                _ => String::new(),
            },
            level: level_name(&t1.care_level),
            t1: t1.clone(),
            lines: lines_view(lines),
            grid: weekly_grid(weekly),
            weekdays: WEEKDAYS,
            weekly_other: weekly_other.to_string(),
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "plans/view.html")]
pub struct ViewPage {
    pub layout: Layout,
    pub plan_id: i64,
    pub recipient_id: i64,
    pub sheet: PlanSheet,
    pub can_edit: bool,
}

pub async fn view(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    dq: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<ViewPage> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (plan, recipient, lines, weekly, author_office) = blocking(&state, move |conn| {
        let (plan, recipient) = plan_access(conn, corp, office, id)?;
        let lines = q::lines(conn, id)?;
        let weekly = q::weekly(conn, id)?;
        let author_office =
            db::offices::find(conn, corp, plan.office_id)?.ok_or(AppError::NotFound)?;
        Ok((plan, recipient, lines, weekly, author_office))
    })
    .await?;
    let sheet = PlanSheet::new(
        SheetPerson {
            name: recipient.name.clone(),
            birth_date: recipient.birth_date,
            address: recipient.address.clone(),
            care_office: (
                author_office.name,
                author_office.office_number,
                author_office.address,
            ),
        },
        &q::table1_of(&plan),
        &lines,
        &weekly,
        &plan.weekly_other,
    );
    Ok(ViewPage {
        layout: Layout::new(
            &auth,
            Some(Menu::Recipients),
            &format!(
                "居宅サービス計画書 {}（{}）",
                recipient.name,
                both(&plan.plan_date)
            ),
            &[
                ("利用者基本情報", Some("/recipients")),
                (
                    &recipient.name,
                    Some(&format!("/recipients/{}/plans", recipient.id)),
                ),
                ("計画書", None),
            ],
        )
        .with_notice(notice(dq.done.as_deref())),
        plan_id: plan.id,
        recipient_id: recipient.id,
        sheet,
        can_edit: plan.office_id == office,
    })
}

// ---- 第1表 -----------------------------------------------------------------------------------

#[derive(Deserialize, Default, Clone)]
pub struct Table1Form {
    #[serde(default)]
    pub plan_date: String,
    #[serde(default)]
    pub document_date: String,
    #[serde(default)]
    pub first_plan_date: String,
    pub first: Option<String>,
    pub referred: Option<String>,
    pub continued: Option<String>,
    #[serde(default)]
    pub cert_status: String,
    #[serde(default)]
    pub certified_on: String,
    #[serde(default)]
    pub cert_from: String,
    #[serde(default)]
    pub cert_to: String,
    #[serde(default)]
    pub care_level: String,
    #[serde(default)]
    pub author_name: String,
    #[serde(default)]
    pub intentions: String,
    #[serde(default)]
    pub board_opinion: String,
    #[serde(default)]
    pub policy: String,
    #[serde(default)]
    pub livelihood_reason: String,
    #[serde(default)]
    pub livelihood_other: String,
}

impl Table1Form {
    fn of(p: &CarePlan) -> Self {
        let (a, b, c) = category_boxes(&p.plan_category);
        let d = |x: &chrono::NaiveDate| x.format("%Y/%m/%d").to_string();
        Table1Form {
            plan_date: d(&p.plan_date),
            document_date: d(&p.document_date),
            first_plan_date: d(&p.first_plan_date),
            first: a.then(|| "1".into()),
            referred: b.then(|| "1".into()),
            continued: c.then(|| "1".into()),
            cert_status: p.cert_status.clone(),
            certified_on: p.certified_on.as_ref().map(d).unwrap_or_default(),
            cert_from: p.cert_from.as_ref().map(d).unwrap_or_default(),
            cert_to: p.cert_to.as_ref().map(d).unwrap_or_default(),
            care_level: p.care_level.clone(),
            author_name: p.author_name.clone(),
            intentions: p.intentions.clone(),
            board_opinion: p.board_opinion.clone(),
            policy: p.policy.clone(),
            livelihood_reason: p.livelihood_reason.clone(),
            livelihood_other: p.livelihood_other.clone(),
        }
    }
    pub fn is_first(&self) -> bool {
        form::checked(&self.first)
    }
    pub fn is_referred(&self) -> bool {
        form::checked(&self.referred)
    }
    pub fn is_continued(&self) -> bool {
        form::checked(&self.continued)
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plans/table1.html")]
pub struct Table1Page {
    pub layout: Layout,
    pub plan_id: i64,
    pub form: Table1Form,
    pub errors: FieldErrors,
    pub levels: Vec<Choice>,
}

fn edit_layout(auth: &Auth, recipient: &Recipient, plan_id: i64, which: &str) -> Layout {
    Layout::new(
        auth,
        Some(Menu::Recipients),
        &format!("{which} {}", recipient.name),
        &[
            ("利用者基本情報", Some("/recipients")),
            (
                &recipient.name,
                Some(&format!("/recipients/{}/plans", recipient.id)),
            ),
            ("計画書", Some(&format!("/plans/{plan_id}"))),
            (which, None),
        ],
    )
}

fn levels() -> Vec<Choice> {
    CareLevel::all()
        .map(|l| Choice {
            value: l.code().into(),
            label: l.name().into(),
        })
        .collect()
}

async fn load_for_edit(
    auth: &Auth,
    state: &web::Data<AppState>,
    id: i64,
) -> AppResult<(CarePlan, Recipient)> {
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (plan, r) = blocking(state, move |conn| plan_access(conn, corp, office, id)).await?;
    require_author_office(&plan, office)?;
    Ok((plan, r))
}

pub async fn table1_form(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    dq: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<Table1Page> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let (plan, r) = load_for_edit(&auth, &state, id).await?;
    Ok(Table1Page {
        layout: edit_layout(&auth, &r, id, "第1表").with_notice(notice(dq.done.as_deref())),
        plan_id: id,
        form: Table1Form::of(&plan),
        errors: FieldErrors::default(),
        levels: levels(),
    })
}

fn validate_table1(f: &Table1Form, errors: &mut FieldErrors) -> Option<Table1Fields> {
    let mut date = |field: &'static str, v: &str, required: bool| -> Option<chrono::NaiveDate> {
        if v.trim().is_empty() {
            if required {
                errors.add(field, "日付を入力してください。");
            }
            return None;
        }
        dates::parse_any(v).map_err(|m| errors.add(field, m)).ok()
    };
    let plan_date = date("plan_date", &f.plan_date, true);
    let document_date = date("document_date", &f.document_date, true);
    let first_plan_date = date("first_plan_date", &f.first_plan_date, true);
    let certified_on = date("certified_on", &f.certified_on, false);
    let cert_from = date("cert_from", &f.cert_from, false);
    let cert_to = date("cert_to", &f.cert_to, false);
    if !f.care_level.is_empty() && CareLevel::parse(&f.care_level).is_err() {
        errors.add("care_level", "要介護状態区分を選んでください。");
    }
    let category = category_code(f.is_first(), f.is_referred(), f.is_continued());
    if category.is_empty() {
        errors.add("category", "初回・紹介・継続のいずれかを選んでください。");
    }
    let author_name = form::required_text(
        errors,
        "author_name",
        "居宅サービス計画作成者氏名",
        &f.author_name,
        50,
    );
    let texts = [
        (
            "intentions",
            "利用者及び家族の生活に対する意向",
            &f.intentions,
        ),
        ("board_opinion", "介護認定審査会の意見", &f.board_opinion),
        ("policy", "総合的な援助の方針", &f.policy),
        ("livelihood_other", "その他の理由", &f.livelihood_other),
    ];
    for (field, label, v) in texts {
        form::optional_text(errors, field, label, v, 4000);
        form::ms932_writable(errors, field, label, v);
    }
    form::ms932_writable(errors, "author_name", "作成者氏名", &author_name);
    let reason = if matches!(f.livelihood_reason.as_str(), "1" | "2" | "3") {
        f.livelihood_reason.clone()
    } else {
        String::new()
    };
    if reason == "3" && f.livelihood_other.trim().is_empty() {
        errors.add("livelihood_other", "「その他」の理由を入力してください。");
    }
    Some(Table1Fields {
        plan_date: plan_date?,
        document_date: document_date?,
        first_plan_date: first_plan_date?,
        plan_category: category.into(),
        cert_status: if matches!(f.cert_status.as_str(), "1" | "2") {
            f.cert_status.clone()
        } else {
            String::new()
        },
        certified_on,
        cert_from,
        cert_to,
        care_level: f.care_level.clone(),
        author_name,
        intentions: f.intentions.trim_end().to_string(),
        board_opinion: f.board_opinion.trim_end().to_string(),
        policy: f.policy.trim_end().to_string(),
        livelihood_other: if reason == "3" {
            f.livelihood_other.trim().to_string()
        } else {
            String::new()
        },
        livelihood_reason: reason,
    })
}

pub async fn table1_save(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<Table1Form>,
) -> AppResult<Either<HttpResponse, Table1Page>> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let (plan, r) = load_for_edit(&auth, &state, id).await?;
    let f = form.0;
    let mut errors = FieldErrors::default();
    let fields = validate_table1(&f, &mut errors);
    let actor = auth.actor();
    let result = match fields.filter(|_| errors.is_empty()) {
        None => Err(errors),
        Some(fields) => {
            blocking(&state, move |conn| {
                if fields.plan_date != plan.plan_date
                    && q::find_by_date(conn, plan.recipient_id, fields.plan_date)?.is_some()
                {
                    let mut errors = FieldErrors::default();
                    errors.add("plan_date", "この日付の計画書はすでにあります。");
                    return Ok(Err(errors));
                }
                q::update_table1(conn, id, &fields)?;
                actor.record(
                    conn,
                    Action::PlanSaved,
                    &format!("計画書 {} 第1表", fields.plan_date),
                )?;
                Ok(Ok(()))
            })
            .await?
        }
    };
    match result {
        Ok(()) => Ok(Either::Left(see_other(&format!("/plans/{id}?done=saved")))),
        Err(errors) => Ok(Either::Right(Table1Page {
            layout: edit_layout(&auth, &r, id, "第1表"),
            plan_id: id,
            form: f,
            errors,
            levels: levels(),
        })),
    }
}

// ---- 第2表 -----------------------------------------------------------------------------------

/// The 第2表 form sends each column as a repeated field, one value per line, in order.
#[derive(Deserialize, Default)]
pub struct Table2Form {
    #[serde(default)]
    document_date: String,
    #[serde(default)]
    need_no: Vec<String>,
    #[serde(default)]
    need: Vec<String>,
    #[serde(default)]
    goal_no: Vec<String>,
    #[serde(default)]
    long_goal: Vec<String>,
    #[serde(default)]
    long_period: Vec<String>,
    #[serde(default)]
    short_goal: Vec<String>,
    #[serde(default)]
    short_period: Vec<String>,
    #[serde(default)]
    item_no: Vec<String>,
    #[serde(default)]
    content: Vec<String>,
    #[serde(default)]
    insured: Vec<String>,
    #[serde(default)]
    service_kind: Vec<String>,
    #[serde(default)]
    provider_number: Vec<String>,
    #[serde(default)]
    provider_name: Vec<String>,
    #[serde(default)]
    frequency: Vec<String>,
    #[serde(default)]
    period: Vec<String>,
}

/// A line as typed (numbers as text, so a wrong value can be shown again).
#[derive(Default, Clone)]
pub struct LineInput {
    pub need_no: String,
    pub need: String,
    pub goal_no: String,
    pub long_goal: String,
    pub long_period: String,
    pub short_goal: String,
    pub short_period: String,
    pub item_no: String,
    pub content: String,
    pub insured: String,
    pub service_kind: String,
    pub provider_number: String,
    pub provider_name: String,
    pub frequency: String,
    pub period: String,
    pub error: String,
}

impl LineInput {
    fn of(l: &PlanLine) -> Self {
        LineInput {
            need_no: l.need_no.to_string(),
            need: l.need.clone(),
            goal_no: l.goal_no.to_string(),
            long_goal: l.long_goal.clone(),
            long_period: l.long_period.clone(),
            short_goal: l.short_goal.clone(),
            short_period: l.short_period.clone(),
            item_no: l.item_no.to_string(),
            content: l.content.clone(),
            insured: l.insured.clone(),
            service_kind: l.service_kind.clone(),
            provider_number: l.provider_number.clone(),
            provider_name: l.provider_name.clone(),
            frequency: l.frequency.clone(),
            period: l.period.clone(),
            error: String::new(),
        }
    }
    fn is_blank(&self) -> bool {
        [
            &self.need,
            &self.long_goal,
            &self.short_goal,
            &self.content,
            &self.service_kind,
            &self.provider_name,
            &self.frequency,
            &self.period,
            &self.long_period,
            &self.short_period,
            &self.provider_number,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "plans/table2.html")]
pub struct Table2Page {
    pub layout: Layout,
    pub plan_id: i64,
    pub document_date: String,
    pub rows: Vec<LineInput>,
    pub error: Option<String>,
    pub providers: Vec<Choice>,
}

fn blank_rows(rows: &mut Vec<LineInput>, n: usize) {
    for _ in 0..n {
        rows.push(LineInput::default());
    }
}

pub async fn table2_form(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    dq: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<Table2Page> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let (plan, r) = load_for_edit(&auth, &state, id).await?;
    let corp = auth.corporation_id();
    let rid = r.id;
    let (lines, providers) = blocking(&state, move |conn| {
        Ok((q::lines(conn, id)?, provider_choices(conn, corp, rid)?))
    })
    .await?;
    let mut rows: Vec<LineInput> = lines.iter().map(LineInput::of).collect();
    blank_rows(&mut rows, 3);
    Ok(Table2Page {
        layout: edit_layout(&auth, &r, id, "第2表").with_notice(notice(dq.done.as_deref())),
        plan_id: id,
        document_date: plan
            .table2_date
            .unwrap_or(plan.document_date)
            .format("%Y/%m/%d")
            .to_string(),
        rows,
        error: None,
        providers,
    })
}

/// The recipient's providers, offered for the 事業所 columns (number + name).
fn provider_choices(
    conn: &mut DbConnection,
    corp: i64,
    recipient_id: i64,
) -> AppResult<Vec<Choice>> {
    let offices = db::offices::list(conn, corp)?;
    let partners = db::partners::list(conn, corp, "")?;
    Ok(db::recipients::providers_of(conn, recipient_id)?
        .into_iter()
        .filter_map(|l| {
            if let Some(o) = l.office_id.and_then(|o| offices.iter().find(|x| x.id == o)) {
                Some(Choice {
                    value: o.office_number.clone(),
                    label: o.name.clone(),
                })
            } else {
                l.partner_id
                    .and_then(|p| partners.iter().find(|x| x.id == p))
                    .map(|p| Choice {
                        value: p.office_number.clone(),
                        label: p.name.clone(),
                    })
            }
        })
        .collect())
}

fn parse_no(s: &str) -> Option<i32> {
    let s = crate::web::form::half_width_digits(s);
    s.parse::<i32>().ok().filter(|n| (1..=99).contains(n))
}

pub async fn table2_save(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<Table2Form>,
) -> AppResult<Either<HttpResponse, Table2Page>> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let (_, r) = load_for_edit(&auth, &state, id).await?;
    let f = form.0;
    let n = f.content.len();
    let col = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let mut inputs: Vec<LineInput> = (0..n)
        .map(|i| LineInput {
            need_no: col(&f.need_no, i),
            need: col(&f.need, i),
            goal_no: col(&f.goal_no, i),
            long_goal: col(&f.long_goal, i),
            long_period: col(&f.long_period, i),
            short_goal: col(&f.short_goal, i),
            short_period: col(&f.short_period, i),
            item_no: col(&f.item_no, i),
            content: col(&f.content, i),
            insured: col(&f.insured, i),
            service_kind: col(&f.service_kind, i),
            provider_number: col(&f.provider_number, i),
            provider_name: col(&f.provider_name, i),
            frequency: col(&f.frequency, i),
            period: col(&f.period, i),
            error: String::new(),
        })
        .filter(|l| !l.is_blank())
        .collect();
    let mut lines = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut bad = 0;
    for l in inputs.iter_mut() {
        let mut problems = Vec::new();
        let (need_no, goal_no, item_no) = (
            parse_no(&l.need_no),
            parse_no(&l.goal_no),
            parse_no(&l.item_no),
        );
        if need_no.is_none() || goal_no.is_none() || item_no.is_none() {
            problems.push("課題・目標・援助内容の番号は1〜99で入力してください。".to_string());
        } else if !seen.insert((need_no, goal_no, item_no)) {
            problems.push("同じ番号（課題・目標・援助内容）の行がほかにあります。".to_string());
        }
        let number = crate::web::form::half_width_digits(&l.provider_number);
        if !number.is_empty() && OfficeNumber::parse(&number).is_err() {
            problems.push(
                "事業所番号は10桁の数字で入力してください（保険外のサービスは空欄）。".to_string(),
            );
        }
        for text in [
            &l.need,
            &l.long_goal,
            &l.short_goal,
            &l.content,
            &l.service_kind,
            &l.provider_name,
            &l.frequency,
            &l.period,
            &l.long_period,
            &l.short_period,
        ] {
            if let Some(c) = crate::standard::unencodable_chars(text).first() {
                problems.push(format!(
                    "ケアプランデータ連携で使えない文字「{c}」があります。"
                ));
                break;
            }
        }
        if !problems.is_empty() {
            bad += 1;
            l.error = problems.join(" ");
            continue;
        }
        lines.push(PlanLine {
            need_no: need_no.unwrap_or(1),
            need: l.need.trim().into(),
            goal_no: goal_no.unwrap_or(1),
            long_goal: l.long_goal.trim().into(),
            long_period: l.long_period.trim().into(),
            short_goal: l.short_goal.trim().into(),
            short_period: l.short_period.trim().into(),
            item_no: item_no.unwrap_or(1),
            content: l.content.trim().into(),
            insured: if matches!(l.insured.as_str(), "Y" | "N") {
                l.insured.clone()
            } else {
                String::new()
            },
            service_kind: l.service_kind.trim().into(),
            provider_number: number,
            provider_name: l.provider_name.trim().into(),
            frequency: l.frequency.trim().into(),
            period: l.period.trim().into(),
        });
    }
    let document_date = dates::parse_any(&f.document_date).ok();
    if bad > 0 || document_date.is_none() {
        let corp = auth.corporation_id();
        let rid = r.id;
        let providers = blocking(&state, move |conn| provider_choices(conn, corp, rid)).await?;
        blank_rows(&mut inputs, 2);
        return Ok(Either::Right(Table2Page {
            layout: edit_layout(&auth, &r, id, "第2表"),
            plan_id: id,
            document_date: f.document_date.clone(),
            rows: inputs,
            error: Some(if document_date.is_none() {
                "作成年月日を正しく入力してください。".into()
            } else {
                format!("{bad} 行に誤りがあります。行の下の赤い説明を確認してください。")
            }),
            providers,
        }));
    }
    let actor = auth.actor();
    blocking(&state, move |conn| {
        q::replace_lines(conn, id, document_date, &lines)?;
        actor.record(
            conn,
            Action::PlanSaved,
            &format!("計画書 第2表（{} 行）", lines.len()),
        )?;
        Ok(())
    })
    .await?;
    Ok(Either::Left(see_other(&format!("/plans/{id}?done=saved"))))
}

// ---- 第3表 -----------------------------------------------------------------------------------

#[derive(Deserialize, Default)]
pub struct Table3Form {
    #[serde(default)]
    document_date: String,
    #[serde(default)]
    kind: Vec<String>,
    #[serde(default)]
    name: Vec<String>,
    #[serde(default)]
    weekday: Vec<String>,
    #[serde(default)]
    start: Vec<String>,
    #[serde(default)]
    end: Vec<String>,
    #[serde(default)]
    other: String,
}

#[derive(Default, Clone)]
pub struct WeeklyInput {
    pub kind: String,
    pub name: String,
    pub weekday: String,
    pub start: String,
    pub end: String,
    pub error: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "plans/table3.html")]
pub struct Table3Page {
    pub layout: Layout,
    pub plan_id: i64,
    pub document_date: String,
    pub rows: Vec<WeeklyInput>,
    pub other: String,
    pub error: Option<String>,
    pub weekdays: [&'static str; 7],
}

fn hhmm_display(t: &str) -> String {
    if t.len() == 4 {
        format!("{}:{}", &t[..2], &t[2..])
    } else {
        t.to_string()
    }
}

/// `9:00`, `0900`, `９：００` → `0900`; None when not a time of day.
pub fn parse_hhmm(s: &str) -> Option<String> {
    let s = crate::web::form::half_width_digits(s).replace(['：', ':'], "");
    let s = s.trim();
    let s = if s.len() == 3 {
        format!("0{s}")
    } else {
        s.to_string()
    };
    if s.len() != 4 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (h, m): (u32, u32) = (s[..2].parse().ok()?, s[2..].parse().ok()?);
    (h <= 23 && m <= 59).then_some(s)
}

pub async fn table3_form(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    dq: web::Query<crate::web::home::DoneQuery>,
) -> AppResult<Table3Page> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let (plan, r) = load_for_edit(&auth, &state, id).await?;
    let entries = blocking(&state, move |conn| Ok(q::weekly(conn, id)?)).await?;
    let mut rows: Vec<WeeklyInput> = entries
        .iter()
        .map(|e| WeeklyInput {
            kind: e.kind.clone(),
            name: e.name.clone(),
            weekday: e.weekday.map(|d| d.to_string()).unwrap_or_default(),
            start: hhmm_display(&e.start_time),
            end: hhmm_display(&e.end_time),
            error: String::new(),
        })
        .collect();
    for _ in 0..5 {
        rows.push(WeeklyInput {
            kind: "service".into(),
            ..Default::default()
        });
    }
    Ok(Table3Page {
        layout: edit_layout(&auth, &r, id, "第3表").with_notice(notice(dq.done.as_deref())),
        plan_id: id,
        document_date: plan
            .table3_date
            .unwrap_or(plan.document_date)
            .format("%Y/%m/%d")
            .to_string(),
        rows,
        other: plan.weekly_other.clone(),
        error: None,
        weekdays: WEEKDAYS,
    })
}

pub async fn table3_save(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<i64>,
    form: CsrfForm<Table3Form>,
) -> AppResult<Either<HttpResponse, Table3Page>> {
    auth.require(Menu::Recipients)?;
    let id = path.into_inner();
    let (_, r) = load_for_edit(&auth, &state, id).await?;
    let f = form.0;
    let col = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let mut inputs: Vec<WeeklyInput> = (0..f.name.len())
        .map(|i| WeeklyInput {
            kind: col(&f.kind, i),
            name: col(&f.name, i),
            weekday: col(&f.weekday, i),
            start: col(&f.start, i),
            end: col(&f.end, i),
            error: String::new(),
        })
        .filter(|w| !w.name.trim().is_empty())
        .collect();
    let mut entries = Vec::new();
    let mut bad = 0;
    for w in inputs.iter_mut() {
        let kind = if w.kind == "activity" {
            "activity"
        } else {
            "service"
        };
        let weekday = w
            .weekday
            .parse::<i32>()
            .ok()
            .filter(|d| (1..=7).contains(d));
        let (start, end) = (parse_hhmm(&w.start), parse_hhmm(&w.end));
        let mut problems = Vec::new();
        if kind == "service" && weekday.is_none() {
            problems.push("曜日を選んでください。");
        }
        if start.is_none() || end.is_none() {
            problems.push("時刻は 9:00 のように入力してください。");
        } else if kind == "service" && end < start {
            problems.push("終了時刻は開始時刻より後にしてください。");
        }
        if !crate::standard::unencodable_chars(&w.name).is_empty() {
            problems.push("ケアプランデータ連携で使えない文字があります。");
        }
        if !problems.is_empty() {
            bad += 1;
            w.error = problems.join(" ");
            continue;
        }
        entries.push(WeeklyEntry {
            kind: kind.into(),
            name: w.name.trim().into(),
            weekday: if kind == "service" { weekday } else { None },
            start_time: start.unwrap_or_default(),
            end_time: end.unwrap_or_default(),
        });
    }
    let document_date = dates::parse_any(&f.document_date).ok();
    if bad > 0 || document_date.is_none() {
        for _ in 0..2 {
            inputs.push(WeeklyInput {
                kind: "service".into(),
                ..Default::default()
            });
        }
        return Ok(Either::Right(Table3Page {
            layout: edit_layout(&auth, &r, id, "第3表"),
            plan_id: id,
            document_date: f.document_date.clone(),
            rows: inputs,
            other: f.other.clone(),
            error: Some(if document_date.is_none() {
                "作成年月日を正しく入力してください。".into()
            } else {
                format!("{bad} 行に誤りがあります。行の下の赤い説明を確認してください。")
            }),
            weekdays: WEEKDAYS,
        }));
    }
    let actor = auth.actor();
    let other = f.other.trim_end().to_string();
    blocking(&state, move |conn| {
        q::replace_weekly(conn, id, document_date, &entries, &other)?;
        actor.record(
            conn,
            Action::PlanSaved,
            &format!("計画書 第3表（{} 件）", entries.len()),
        )?;
        Ok(())
    })
    .await?;
    Ok(Either::Left(see_other(&format!("/plans/{id}?done=saved"))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_codes_round_trip() {
        for code in ["11", "12", "21", "51", "52", "53", "54"] {
            let (a, b, c) = category_boxes(code);
            assert_eq!(category_code(a, b, c), code);
        }
        assert_eq!(category_code(false, false, false), "");
    }

    #[test]
    fn times() {
        assert_eq!(parse_hhmm("9:00").as_deref(), Some("0900"));
        assert_eq!(parse_hhmm("９：３０").as_deref(), Some("0930"));
        assert_eq!(parse_hhmm("2359").as_deref(), Some("2359"));
        assert_eq!(parse_hhmm("24:00"), None);
        assert_eq!(parse_hhmm("朝"), None);
    }

    #[test]
    fn grid_places_services_by_weekday_and_time() {
        let e = |kind: &str, name: &str, d: Option<i32>, s: &str, t: &str| WeeklyEntry {
            kind: kind.into(),
            name: name.into(),
            weekday: d,
            start_time: s.into(),
            end_time: t.into(),
        };
        let grid = weekly_grid(&[
            e("service", "訪問介護", Some(1), "0900", "1000"),
            e("service", "通所介護", Some(4), "1000", "1600"),
            e("activity", "起床", None, "0600", "0600"),
        ]);
        assert_eq!(grid.len(), 12);
        assert!(grid[4].cells[0].starts_with("訪問介護"));
        assert!(grid[5].cells[3].starts_with("通所介護"));
        assert_eq!(grid[3].activity, "6:00 起床");
    }
}
