//! 予定実績: the office's recipients for a month with their status per provider, the 第6表 grid
//! of one recipient × month (予定 and 実績 rows, days 1–31), and the 第7表 computed from it.
//!
//! Who edits what: the recipient's 居宅 edits the plan (lines and 予定); a provider edits the
//! 実績 of its own lines; a provider's lines that are 確定 (locked) change no more until a
//! manager unlocks them.

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::recipients::{Certification, Recipient};
use crate::db::schedules::{self as q, LineFields, ScheduleDay, ScheduleLine};
use crate::db::{self, DbConnection, audit::Action};
use crate::domain::billing::{self, BillingInput, BillingLine, RowKind, Table7};
use crate::domain::unit_price::AreaGrade;
use crate::domain::{
    CareLevel, OfficeNumber, ServiceCode, ServiceMonth, ServiceType, calendar, care_limit,
};
use crate::web::dates::today_jst;
use crate::web::plans::parse_hhmm;
use crate::web::recipients::group_digits;
use crate::web::{AppError, AppResult, Layout, blocking, see_other};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{Datelike, NaiveDate};
use serde::Deserialize;

// ---- the month and its people ---------------------------------------------------------------

fn parse_month(s: &str) -> AppResult<ServiceMonth> {
    ServiceMonth::parse(s).map_err(|e| AppError::BadRequest(e.message_ja))
}

/// This month in Japan.
pub fn current_month() -> ServiceMonth {
    ServiceMonth::of(today_jst()).unwrap_or_else(|_| ServiceMonth::parse("202601").expect("valid"))
}

/// The recipient if the current office may see them; and whether it is their 居宅.
fn recipient_for(conn: &mut DbConnection, corp: i64, office: i64, id: i64) -> AppResult<Recipient> {
    db::recipients::find_visible(conn, corp, office, id)?.ok_or(AppError::NotFound)
}

/// The limit for the month: the heavier level of the certifications covering it (none for
/// 申請中 only), and the certifications themselves.
fn month_certification(
    conn: &mut DbConnection,
    recipient: i64,
    m: ServiceMonth,
) -> AppResult<(Option<u32>, Vec<Certification>)> {
    let (first, last) = (m.first_day(), m.last_day());
    let certs: Vec<Certification> = db::recipients::certifications_of(conn, recipient)?
        .into_iter()
        .filter(|c| c.overlaps(first, last))
        .collect();
    let levels: Vec<CareLevel> = certs
        .iter()
        .filter_map(|c| CareLevel::parse(&c.care_level).ok())
        .collect();
    Ok((care_limit::limit_for_month(&levels), certs))
}

#[derive(Deserialize)]
pub struct MonthQuery {
    month: Option<String>,
    done: Option<String>,
    /// Name, ふりがな, 利用者コード or 被保険者番号 (part of).
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

/// Recipients per page of the month's list (a care manager's caseload fits on one).
const PER_PAGE: i64 = 50;

pub struct StatusCell {
    pub provider: String,
    pub status: &'static str,
    pub class: &'static str,
}

pub struct ListRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub level: String,
    pub cells: Vec<StatusCell>,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedules/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub month: String,
    pub month_label: String,
    pub prev: String,
    pub next: String,
    pub rows: Vec<ListRow>,
    pub is_care_office: bool,
    pub q: String,
    pub paging: crate::web::Paging,
    pub query_base: String,
}

fn status_of(planned: i64, actual: i64, locked: bool) -> (&'static str, &'static str) {
    if locked {
        ("確定済", "locked")
    } else if actual > 0 {
        ("実績済", "actual")
    } else if planned > 0 {
        ("作成済", "planned")
    } else {
        ("未作成", "none")
    }
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<MonthQuery>,
) -> AppResult<ListPage> {
    auth.require(Menu::Schedules)?;
    let m = match &query.month {
        Some(s) => parse_month(s)?,
        None => current_month(),
    };
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (number, stype) = (
        auth.office.office_number.clone(),
        auth.office.service_type.clone(),
    );
    let is_care_office = matches!(stype.as_str(), "43" | "46");
    let month = m.yyyymm();
    let rq = db::recipients::RecipientQuery {
        corporation_id: corp,
        office_id: office,
        search: query.q.clone(),
        kana_row: String::new(),
        care_level: String::new(),
        care_manager_id: None,
        as_of: m.first_day(),
        page: query.page.unwrap_or(1),
        per_page: PER_PAGE,
    };
    let (rows, paging) = blocking(&state, move |conn| {
        let (recipients, paging) = crate::web::fetch_page(Some(rq.page), PER_PAGE, |page| {
            db::recipients::search(conn, &db::recipients::RecipientQuery { page, ..rq.clone() })
        })?;
        let ids: Vec<i64> = recipients.iter().map(|r| r.recipient.id).collect();
        let summary = q::month_summary(conn, &ids, &month)?;
        let locks = q::locks_for(conn, &ids, &month)?;
        let mut out = Vec::new();
        for r in recipients {
            let id = r.recipient.id;
            let mut cells: Vec<StatusCell> = summary
                .iter()
                .filter(|s| s.recipient_id == id)
                .filter(|s| {
                    is_care_office || (s.provider_number == number && s.provider_type == stype)
                })
                .map(|s| {
                    let locked = locks.iter().any(|l| {
                        l.recipient_id == id
                            && l.provider_number == s.provider_number
                            && l.provider_type == s.provider_type
                    });
                    let (status, class) = status_of(s.planned, s.actual, locked);
                    StatusCell {
                        provider: format!(
                            "{}（{}）",
                            s.provider_name,
                            ServiceType::parse(&s.provider_type)
                                .map(|t| t.name())
                                .unwrap_or("")
                        ),
                        status,
                        class,
                    }
                })
                .collect();
            if cells.is_empty() {
                cells.push(StatusCell {
                    provider: String::new(),
                    status: "未作成",
                    class: "none",
                });
            }
            out.push(ListRow {
                id,
                code: r.recipient.code,
                name: r.recipient.name,
                level: r
                    .certification
                    .map(|c| c.care_level_name())
                    .unwrap_or_default(),
                cells,
            });
        }
        Ok((out, paging))
    })
    .await?;
    let query_base = format!(
        "month={}&q={}",
        m.yyyymm(),
        crate::web::url_encode(&query.q)
    );
    Ok(ListPage {
        layout: Layout::new(
            &auth,
            Some(Menu::Schedules),
            "予定実績",
            &[("予定実績", None)],
        )
        .with_notice(crate::web::notice(query.done.as_deref())),
        month: m.yyyymm(),
        month_label: m.label(),
        prev: m.prev().yyyymm(),
        next: m.next().yyyymm(),
        rows,
        is_care_office,
        q: query.q.clone(),
        paging,
        query_base,
    })
}

// ---- the 第6表 grid --------------------------------------------------------------------------

pub struct DayHead {
    pub day: u32,
    pub weekday: &'static str,
    pub class: &'static str,
    pub title: String,
}

pub struct GridLine {
    pub id: i64,
    pub provider: String,
    pub code: String,
    pub name: String,
    pub time: String,
    pub units: i32,
    pub plan: Vec<i32>,
    pub actual: Vec<i32>,
    pub plan_total: i32,
    pub actual_total: i32,
    pub can_plan: bool,
    pub can_actual: bool,
    pub locked: bool,
    pub differs: Vec<bool>,
    pub extra: String,
}

pub struct ProviderRow {
    pub key: String,
    pub label: String,
    pub status: &'static str,
    pub locked: bool,
    pub own: bool,
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedules/month.html")]
pub struct MonthPage {
    pub layout: Layout,
    pub recipient: Recipient,
    pub month: String,
    pub month_label: String,
    pub prev: String,
    pub next: String,
    pub days: Vec<DayHead>,
    pub lines: Vec<GridLine>,
    pub providers: Vec<ProviderRow>,
    pub provider_choices: Vec<Choice>,
    pub code_choices: Vec<Choice>,
    pub is_care_office: bool,
    pub is_manager: bool,
    pub cert: String,
    pub limit: String,
    pub error: Option<String>,
    pub weekdays: [&'static str; 7],
    pub print: bool,
}

struct Loaded {
    recipient: Recipient,
    lines: Vec<ScheduleLine>,
    days: Vec<ScheduleDay>,
    locks: Vec<q::Lock>,
    limit: Option<u32>,
    certs: Vec<Certification>,
    providers: Vec<ProviderInfo>,
    codes: Vec<crate::domain::service_codes::ServiceCodeEntry>,
}

/// A provider of the recipient: (number, service type, name, 地域区分).
type ProviderInfo = (String, String, String, Option<AreaGrade>);

/// The recipient's providers.
fn recipient_providers(
    conn: &mut DbConnection,
    corp: i64,
    recipient: i64,
) -> AppResult<Vec<ProviderInfo>> {
    let offices = db::offices::list(conn, corp)?;
    let partners = db::partners::list(conn, corp, "")?;
    Ok(db::recipients::providers_of(conn, recipient)?
        .into_iter()
        .filter_map(|l| {
            if let Some(o) = l.office_id.and_then(|o| offices.iter().find(|x| x.id == o)) {
                Some((
                    o.office_number.clone(),
                    o.service_type.clone(),
                    o.name.clone(),
                    AreaGrade::parse(&o.area_grade).ok(),
                ))
            } else {
                l.partner_id
                    .and_then(|p| partners.iter().find(|x| x.id == p))
                    .map(|p| {
                        (
                            p.office_number.clone(),
                            p.service_type.clone(),
                            p.name.clone(),
                            AreaGrade::parse(&p.area_grade).ok(),
                        )
                    })
            }
        })
        .collect())
}

/// 地域区分 of every provider number + type known to the corporation (its own offices first,
/// then its partners), read in two statements whatever the number of lines asking.
fn areas_of(
    conn: &mut DbConnection,
    corp: i64,
) -> AppResult<std::collections::HashMap<(String, String), AreaGrade>> {
    let mut areas = std::collections::HashMap::new();
    for p in db::partners::list(conn, corp, "")? {
        let grade = AreaGrade::parse(&p.area_grade).unwrap_or(AreaGrade::Other);
        areas.insert((p.office_number, p.service_type), grade);
    }
    for o in db::offices::list(conn, corp)? {
        let grade = AreaGrade::parse(&o.area_grade).unwrap_or(AreaGrade::Other);
        areas.insert((o.office_number, o.service_type), grade);
    }
    Ok(areas)
}

fn load(
    conn: &mut DbConnection,
    corp: i64,
    office: i64,
    rid: i64,
    m: ServiceMonth,
) -> AppResult<Loaded> {
    let recipient = recipient_for(conn, corp, office, rid)?;
    let month = m.yyyymm();
    let lines = q::lines_for(conn, rid, &month)?;
    let ids: Vec<i64> = lines.iter().map(|l| l.id).collect();
    let days = q::days_for(conn, &ids)?;
    let locks = q::locks_for(conn, &[rid], &month)?;
    let (limit, certs) = month_certification(conn, rid, m)?;
    let providers = recipient_providers(conn, corp, rid)?;
    let types: Vec<String> = providers.iter().map(|p| p.1.clone()).collect();
    let codes = if types.is_empty() {
        Vec::new()
    } else {
        db::service_codes::search(conn, corp, &types, "", m.first_day(), 500)?
    };
    Ok(Loaded {
        recipient,
        lines,
        days,
        locks,
        limit,
        certs,
        providers,
        codes,
    })
}

fn counts(days: &[ScheduleDay], line: i64) -> ([i32; 31], [i32; 31]) {
    let mut p = [0; 31];
    let mut a = [0; 31];
    for d in days.iter().filter(|d| d.line_id == line) {
        if (1..=31).contains(&d.day) {
            p[(d.day - 1) as usize] = d.plan_count;
            a[(d.day - 1) as usize] = d.actual_count;
        }
    }
    (p, a)
}

fn is_locked(locks: &[q::Lock], number: &str, stype: &str) -> bool {
    locks
        .iter()
        .any(|l| l.provider_number == number && l.provider_type == stype)
}

fn month_page(
    auth: &Auth,
    m: ServiceMonth,
    l: Loaded,
    error: Option<String>,
    print: bool,
) -> MonthPage {
    let office = &auth.office;
    let is_care_office = l.recipient.care_office_id == Some(office.id);
    let ndays = m.days();
    let days: Vec<DayHead> = (1..=ndays)
        .map(|day| {
            let d = NaiveDate::from_ymd_opt(m.year() as i32, m.month() as u32, day)
                .unwrap_or(m.first_day());
            let holiday = calendar::holiday(d);
            let class = if holiday.is_some() || d.weekday() == chrono::Weekday::Sun {
                "sun"
            } else if d.weekday() == chrono::Weekday::Sat {
                "sat"
            } else {
                ""
            };
            DayHead {
                day,
                weekday: calendar::weekday_ja(d),
                class,
                title: holiday.unwrap_or("").to_string(),
            }
        })
        .collect();
    let lines = l
        .lines
        .iter()
        .map(|line| {
            let (p, a) = counts(&l.days, line.id);
            let locked = is_locked(&l.locks, &line.provider_number, &line.provider_type);
            let own = line.is_provider(&office.office_number, &office.service_type);
            let plan: Vec<i32> = p[..ndays as usize].to_vec();
            let actual: Vec<i32> = a[..ndays as usize].to_vec();
            let mut extra = Vec::new();
            if !line.tais_code.is_empty() {
                extra.push(format!("TAIS {}", line.tais_code));
            }
            if !line.notification_code.is_empty() {
                extra.push(format!("届出 {}", line.notification_code));
            }
            if !line.equipment_name.is_empty() {
                extra.push(line.equipment_name.clone());
            }
            GridLine {
                id: line.id,
                provider: line.provider_name.clone(),
                code: line.service_code.clone(),
                name: line.service_name.clone(),
                time: match (
                    crate::web::dates::time_label(&line.start_time),
                    crate::web::dates::time_label(&line.end_time),
                ) {
                    (s, e) if s.is_empty() => e,
                    (s, e) => format!("{s}〜{e}"),
                },
                units: line.units,
                plan_total: plan.iter().sum(),
                actual_total: actual.iter().sum(),
                differs: plan
                    .iter()
                    .zip(&actual)
                    .map(|(x, y)| {
                        x != y && *y > 0 || (*x > 0 && *y == 0 && actual.iter().any(|v| *v > 0))
                    })
                    .collect(),
                plan,
                actual,
                can_plan: is_care_office && !locked && !print,
                can_actual: own && !locked && !print,
                locked,
                extra: extra.join(" "),
            }
        })
        .collect();
    let mut providers: Vec<ProviderRow> = Vec::new();
    for line in &l.lines {
        let key = format!("{}:{}", line.provider_number, line.provider_type);
        if providers.iter().any(|p| p.key == key) {
            continue;
        }
        let ids: Vec<i64> = l
            .lines
            .iter()
            .filter(|x| {
                x.provider_number == line.provider_number && x.provider_type == line.provider_type
            })
            .map(|x| x.id)
            .collect();
        let (planned, actual) = l
            .days
            .iter()
            .filter(|d| ids.contains(&d.line_id))
            .fold((0i64, 0i64), |(p, a), d| {
                (p + d.plan_count as i64, a + d.actual_count as i64)
            });
        let locked = is_locked(&l.locks, &line.provider_number, &line.provider_type);
        providers.push(ProviderRow {
            label: format!(
                "{}（{} {}）",
                line.provider_name,
                line.provider_number,
                ServiceType::parse(&line.provider_type)
                    .map(|t| t.name())
                    .unwrap_or("")
            ),
            status: status_of(planned, actual, locked).0,
            locked,
            own: line.is_provider(&office.office_number, &office.service_type),
            key,
        });
    }
    let cert = l
        .certs
        .iter()
        .map(|c| {
            format!(
                "{}{}（{}〜{}）",
                c.care_level_name(),
                if c.status == "applying" {
                    "・申請中"
                } else {
                    ""
                },
                c.valid_from.format("%Y/%m/%d"),
                c.valid_to.format("%Y/%m/%d")
            )
        })
        .collect::<Vec<_>>()
        .join("、");
    MonthPage {
        layout: Layout::new(
            auth,
            Some(Menu::Schedules),
            &format!("サービス利用票（第6表） {} {}", l.recipient.name, m.label()),
            &[
                (
                    "予定実績",
                    Some(&format!("/schedules?month={}", m.yyyymm())),
                ),
                (&l.recipient.name, None),
            ],
        ),
        month: m.yyyymm(),
        month_label: m.label(),
        prev: m.prev().yyyymm(),
        next: m.next().yyyymm(),
        days,
        lines,
        providers,
        provider_choices: l
            .providers
            .iter()
            .filter(|p| ServiceType::parse(&p.1).is_ok_and(|t| t.is_exchange_target()))
            .map(|p| Choice {
                value: format!("{}:{}", p.0, p.1),
                label: format!(
                    "{}（{} {}）",
                    p.2,
                    p.0,
                    ServiceType::parse(&p.1).map(|t| t.name()).unwrap_or("")
                ),
            })
            .collect(),
        code_choices: l
            .codes
            .iter()
            .map(|e| Choice {
                value: e.code.as_str().to_string(),
                label: format!(
                    "{} {}（{}）",
                    e.code.as_str(),
                    e.name,
                    e.rate_label().unwrap_or_else(|| if e.units == 0 {
                        "単位数は品目ごと".into()
                    } else {
                        format!("{}単位/{}", e.units, e.unit_basis.label())
                    })
                ),
            })
            .collect(),
        is_care_office,
        is_manager: auth.staff.is_manager,
        cert: if cert.is_empty() {
            "この月に有効な認定情報がありません".into()
        } else {
            cert
        },
        limit: l
            .limit
            .map(|u| format!("{} 単位", group_digits(u as i64)))
            .unwrap_or_else(|| "—".into()),
        error,
        weekdays: crate::web::plans::WEEKDAYS,
        print,
        recipient: l.recipient,
    }
}

pub async fn month(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> AppResult<MonthPage> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let loaded = blocking(&state, move |conn| load(conn, corp, office, rid, m)).await?;
    Ok(month_page(&auth, m, loaded, None, false))
}

pub async fn print(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
) -> AppResult<MonthPage> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let loaded = blocking(&state, move |conn| load(conn, corp, office, rid, m)).await?;
    Ok(month_page(&auth, m, loaded, None, true))
}

async fn with_error(
    auth: &Auth,
    state: &web::Data<AppState>,
    rid: i64,
    m: ServiceMonth,
    message: String,
) -> AppResult<HttpResponse> {
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let loaded = blocking(state, move |conn| load(conn, corp, office, rid, m)).await?;
    let page = month_page(auth, m, loaded, Some(message), false);
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(page.render().map_err(AppError::internal)?))
}

fn back(rid: i64, m: ServiceMonth) -> HttpResponse {
    see_other(&format!("/schedules/{rid}/{}", m.yyyymm()))
}

/// Back to the grid after an action, or the grid again with the reason it was refused.
async fn done_or_error(
    auth: &Auth,
    state: &web::Data<AppState>,
    rid: i64,
    m: ServiceMonth,
    result: Result<(), String>,
) -> AppResult<HttpResponse> {
    match result {
        Ok(()) => Ok(back(rid, m)),
        Err(message) => with_error(auth, state, rid, m, message).await,
    }
}

/// Saves the grid: `p_{line}_{day}` (予定) and `a_{line}_{day}` (実績) counts.
pub async fn save(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: CsrfForm<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let actor = auth.actor();
    let (number, stype) = (
        auth.office.office_number.clone(),
        auth.office.service_type.clone(),
    );
    let fields = form.0;
    let result = blocking(&state, move |conn| {
        let r = recipient_for(conn, actor.corporation_id, actor.office_id, rid)?;
        let is_care = r.care_office_id == Some(actor.office_id);
        let lines = q::lines_for(conn, rid, &m.yyyymm())?;
        let locks = q::locks_for(conn, &[rid], &m.yyyymm())?;
        let days = q::days_for(conn, &lines.iter().map(|l| l.id).collect::<Vec<_>>())?;
        let mut bad = None;
        let mut changes = 0;
        db::dialect::write_transaction(conn, |conn| -> AppResult<()> {
            for line in &lines {
                let locked = is_locked(&locks, &line.provider_number, &line.provider_type);
                let (old_p, old_a) = counts(&days, line.id);
                let read = |prefix: &str, old: &[i32; 31], bad: &mut Option<String>| -> Option<[i32; 31]> {
                    let mut out = *old;
                    let mut seen = false;
                    for (k, v) in &fields {
                        if let Some(rest) = k.strip_prefix(&format!("{prefix}_{}_", line.id))
                            && let Ok(day) = rest.parse::<usize>()
                            && (1..=m.days() as usize).contains(&day)
                        {
                            seen = true;
                            let v = crate::web::form::half_width_digits(v);
                            out[day - 1] = match v.trim() {
                                "" => 0,
                                t => match t.parse::<i32>() {
                                    Ok(n) if (0..=99).contains(&n) => n,
                                    _ => {
                                        *bad = Some(format!("{} {} の{}日の回数「{}」は 0〜99 の数字で入力してください。", line.service_code, line.service_name, day, v));
                                        old[day - 1]
                                    }
                                },
                            };
                        }
                    }
                    seen.then_some(out)
                };
                let plan = if is_care && !locked { read("p", &old_p, &mut bad) } else { None };
                let own = line.is_provider(&number, &stype);
                let actual = if own && !locked { read("a", &old_a, &mut bad) } else { None };
                if plan.is_some_and(|p| p != old_p) || actual.is_some_and(|a| a != old_a) {
                    q::set_days(conn, line.id, plan.as_ref(), actual.as_ref())?;
                    changes += 1;
                }
            }
            if bad.is_none() && changes > 0 {
                actor.record(conn, Action::ScheduleSaved, &format!("{} {} {} 第6表（{} 行）", r.code, r.name, m.yyyymm(), changes))?;
            }
            match &bad {
                Some(_) => Err(AppError::BadRequest(String::new())),
                None => Ok(()),
            }
        })
        .or_else(|e| match (e, &bad) {
            (AppError::BadRequest(_), Some(_)) => Ok(()),
            (e, _) => Err(e),
        })?;
        Ok(bad)
    })
    .await?;
    match result {
        None => Ok(see_other(&format!(
            "/schedules/{rid}/{}?done=saved",
            m.yyyymm()
        ))),
        Some(message) => {
            with_error(
                &auth,
                &state,
                rid,
                m,
                format!("保存しませんでした。{message}"),
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct AddLineForm {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    units: String,
    #[serde(default)]
    weekday: Vec<u32>,
    #[serde(default)]
    tais_code: String,
    #[serde(default)]
    notification_code: String,
    #[serde(default)]
    equipment_name: String,
}

pub async fn add_line(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: CsrfForm<AddLineForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let f = form.0;
    let actor = auth.actor();
    let result = blocking(&state, move |conn| -> AppResult<Result<(), String>> {
        let r = recipient_for(conn, actor.corporation_id, actor.office_id, rid)?;
        if r.care_office_id != Some(actor.office_id) {
            return Ok(Err("予定の行は、この利用者の居宅介護支援事業所で追加します。".into()));
        }
        let providers = recipient_providers(conn, actor.corporation_id, rid)?;
        let Some((number, stype, name, _)) = providers.iter().find(|p| format!("{}:{}", p.0, p.1) == f.provider).cloned() else {
            return Ok(Err("サービス事業所を選んでください（利用者基本情報の「利用事業所」に登録された事業所）。".into()));
        };
        if is_locked(&q::locks_for(conn, &[rid], &m.yyyymm())?, &number, &stype) {
            return Ok(Err("この事業所の予定実績は確定済みのため変更できません。".into()));
        }
        let code_text: String = f.code.split_whitespace().next().unwrap_or("").to_string();
        let Ok(code) = ServiceCode::parse(&code_text) else {
            return Ok(Err("サービスコードを選んでください（コードまたは名称で検索できます）。".into()));
        };
        let table = db::service_codes::table_for_codes(conn, actor.corporation_id, &[code.as_str().to_string()])?;
        let Some(entry) = table.get_on(&code, m.first_day()).cloned() else {
            return Ok(Err(format!("サービスコード {} はこの月のサービスコード表にありません。", code.as_str())));
        };
        if entry.code.type_code() != stype {
            return Ok(Err(format!("サービスコード {} は {} の事業所では使えません（サービス種類が違います）。", code.as_str(), name)));
        }
        let equipment = ServiceType::parse(&stype).is_ok_and(|t| t.is_welfare_equipment_rental());
        let units = if entry.units == 0 && !entry.is_rate() {
            match crate::web::form::half_width_digits(&f.units).parse::<i32>() {
                Ok(u) if u > 0 => u,
                _ => return Ok(Err("この品目は単位数を入力してください（貸与価格 ÷ 10）。".into())),
            }
        } else {
            entry.units as i32
        };
        let (tais, notif) = (f.tais_code.trim().to_string(), f.notification_code.trim().to_string());
        if equipment && tais.is_empty() && notif.is_empty() {
            return Ok(Err("福祉用具貸与は TAISコード か 福祉用具届出コード のどちらかを入力してください。".into()));
        }
        let (start, end) = if f.start.trim().is_empty() && f.end.trim().is_empty() {
            ("9999".to_string(), "9999".to_string())
        } else {
            match (parse_hhmm(&f.start), parse_hhmm(&f.end)) {
                (Some(s), Some(e)) if e >= s => (s, e),
                _ => return Ok(Err("時刻は 9:00 のように入力してください（終了は開始より後）。時刻のないサービスは空欄にします。".into())),
            }
        };
        let fields = LineFields {
            provider_number: number,
            provider_type: stype,
            provider_name: name,
            service_code: code.as_str().to_string(),
            service_name: entry.name.clone(),
            units,
            start_time: start,
            end_time: end,
            tais_code: tais,
            notification_code: notif,
            equipment_name: f.equipment_name.trim().to_string(),
            over_30: "0".into(),
            ..Default::default()
        };
        db::dialect::write_transaction(conn, |conn| -> AppResult<()> {
            let id = q::add_line(conn, actor.corporation_id, rid, &m.yyyymm(), &fields)?;
            let pattern = if entry.unit_basis == crate::domain::service_codes::UnitBasis::PerMonth || entry.is_rate() {
                let mut p = [0; 31];
                p[0] = 1;
                p
            } else {
                calendar::weekday_pattern(m.year() as i32, m.month() as u32, &f.weekday)
            };
            q::set_days(conn, id, Some(&pattern), None)?;
            actor.record(conn, Action::ScheduleSaved, &format!("{} {} {} 行を追加: {} {}", r.code, r.name, m.yyyymm(), fields.service_code, fields.service_name))?;
            Ok(())
        })?;
        Ok(Ok(()))
    })
    .await?;
    done_or_error(&auth, &state, rid, m, result).await
}

#[derive(Deserialize)]
pub struct LineAction {
    line: i64,
    #[serde(default)]
    weekday: Vec<u32>,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
}

/// What a plan action does to one line.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PlanAction {
    Delete,
    Pattern,
    Times,
}

async fn plan_action(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    f: LineAction,
    action: PlanAction,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let actor = auth.actor();
    let result = blocking(&state, move |conn| -> AppResult<Result<(), String>> {
        let r = recipient_for(conn, actor.corporation_id, actor.office_id, rid)?;
        if r.care_office_id != Some(actor.office_id) {
            return Ok(Err(
                "予定の変更は、この利用者の居宅介護支援事業所で行います。".into(),
            ));
        }
        let lines = q::lines_for(conn, rid, &m.yyyymm())?;
        let line = lines
            .iter()
            .find(|l| l.id == f.line)
            .ok_or(AppError::NotFound)?;
        if is_locked(
            &q::locks_for(conn, &[rid], &m.yyyymm())?,
            &line.provider_number,
            &line.provider_type,
        ) {
            return Ok(Err(
                "この事業所の予定実績は確定済みのため変更できません。".into()
            ));
        }
        if action == PlanAction::Delete {
            q::delete_line(conn, rid, line.id)?;
            actor.record(
                conn,
                Action::ScheduleSaved,
                &format!(
                    "{} {} {} 行を削除: {} {}",
                    r.code,
                    r.name,
                    m.yyyymm(),
                    line.service_code,
                    line.service_name
                ),
            )?;
        } else if action == PlanAction::Times {
            let (start, end) = if f.start.trim().is_empty() && f.end.trim().is_empty() {
                ("9999".to_string(), "9999".to_string())
            } else {
                match (parse_hhmm(&f.start), parse_hhmm(&f.end)) {
                    (Some(s), Some(e)) if e >= s => (s, e),
                    _ => {
                        return Ok(Err(
                            "時刻は 9:00 のように入力してください（終了は開始より後）。".into(),
                        ));
                    }
                }
            };
            q::set_times(conn, line.id, &start, &end)?;
            actor.record(
                conn,
                Action::ScheduleSaved,
                &format!(
                    "{} {} {} 時刻を変更: {} {}〜{}",
                    r.code,
                    r.name,
                    m.yyyymm(),
                    line.service_code,
                    start,
                    end
                ),
            )?;
        } else {
            let pattern = calendar::weekday_pattern(m.year() as i32, m.month() as u32, &f.weekday);
            q::set_days(conn, line.id, Some(&pattern), None)?;
            actor.record(
                conn,
                Action::ScheduleSaved,
                &format!(
                    "{} {} {} 曜日で予定: {}",
                    r.code,
                    r.name,
                    m.yyyymm(),
                    line.service_code
                ),
            )?;
        }
        Ok(Ok(()))
    })
    .await?;
    done_or_error(&auth, &state, rid, m, result).await
}

pub async fn delete_line(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: CsrfForm<LineAction>,
) -> AppResult<HttpResponse> {
    plan_action(auth, state, path, form.0, PlanAction::Delete).await
}

pub async fn times(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: CsrfForm<LineAction>,
) -> AppResult<HttpResponse> {
    plan_action(auth, state, path, form.0, PlanAction::Times).await
}

pub async fn pattern(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: CsrfForm<LineAction>,
) -> AppResult<HttpResponse> {
    plan_action(auth, state, path, form.0, PlanAction::Pattern).await
}

#[derive(Deserialize)]
pub struct Empty {}

/// 前月コピー: the previous month's lines, with their weekdays carried over (the 居宅).
pub async fn copy_previous(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    _f: CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let actor = auth.actor();
    let result = blocking(&state, move |conn| -> AppResult<Result<(), String>> {
        let r = recipient_for(conn, actor.corporation_id, actor.office_id, rid)?;
        if r.care_office_id != Some(actor.office_id) {
            return Ok(Err(
                "前月コピーは、この利用者の居宅介護支援事業所で行います。".into(),
            ));
        }
        if !q::lines_for(conn, rid, &m.yyyymm())?.is_empty() {
            return Ok(Err(
                "この月の予定はすでにあります。前月コピーは予定が空の月で使えます。".into(),
            ));
        }
        let p = m.prev();
        let prev = q::lines_for(conn, rid, &p.yyyymm())?;
        if prev.is_empty() {
            return Ok(Err(format!(
                "{} の予定がないため、コピーできません。",
                p.label()
            )));
        }
        let days = q::days_for(conn, &prev.iter().map(|l| l.id).collect::<Vec<_>>())?;
        db::dialect::write_transaction(conn, |conn| -> AppResult<()> {
            for l in &prev {
                let fields = LineFields {
                    provider_number: l.provider_number.clone(),
                    provider_type: l.provider_type.clone(),
                    provider_name: l.provider_name.clone(),
                    satellite: l.satellite.clone(),
                    service_code: l.service_code.clone(),
                    service_name: l.service_name.clone(),
                    units: l.units,
                    start_time: l.start_time.clone(),
                    end_time: l.end_time.clone(),
                    tais_code: l.tais_code.clone(),
                    notification_code: l.notification_code.clone(),
                    equipment_name: l.equipment_name.clone(),
                    line_no: l.line_no.clone(),
                    per_diem_mask: String::new(),
                    over_30: "0".into(),
                    short_stay_days: None,
                };
                let id = q::add_line(conn, actor.corporation_id, rid, &m.yyyymm(), &fields)?;
                let (plan, _) = counts(&days, l.id);
                let carried = calendar::carry_pattern(
                    p.year() as i32,
                    p.month() as u32,
                    &plan,
                    m.year() as i32,
                    m.month() as u32,
                );
                q::set_days(conn, id, Some(&carried), None)?;
            }
            actor.record(
                conn,
                Action::ScheduleSaved,
                &format!(
                    "{} {} {} 前月コピー（{} 行）",
                    r.code,
                    r.name,
                    m.yyyymm(),
                    prev.len()
                ),
            )?;
            Ok(())
        })?;
        Ok(Ok(()))
    })
    .await?;
    done_or_error(&auth, &state, rid, m, result).await
}

/// 予定 → 実績 for the current office's own lines (the provider).
pub async fn copy_actual(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    _f: CsrfForm<Empty>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let actor = auth.actor();
    let (number, stype) = (
        auth.office.office_number.clone(),
        auth.office.service_type.clone(),
    );
    let result = blocking(&state, move |conn| -> AppResult<Result<(), String>> {
        let r = recipient_for(conn, actor.corporation_id, actor.office_id, rid)?;
        if is_locked(&q::locks_for(conn, &[rid], &m.yyyymm())?, &number, &stype) {
            return Ok(Err("確定済みのため変更できません。".into()));
        }
        let ids: Vec<i64> = q::lines_for(conn, rid, &m.yyyymm())?
            .into_iter()
            .filter(|l| l.is_provider(&number, &stype))
            .map(|l| l.id)
            .collect();
        if ids.is_empty() {
            return Ok(Err("この事業所の予定の行がありません。".into()));
        }
        q::copy_plan_to_actual(conn, &ids)?;
        actor.record(
            conn,
            Action::ScheduleSaved,
            &format!(
                "{} {} {} 予定を実績へコピー（{} 行）",
                r.code,
                r.name,
                m.yyyymm(),
                ids.len()
            ),
        )?;
        Ok(Ok(()))
    })
    .await?;
    done_or_error(&auth, &state, rid, m, result).await
}

#[derive(Deserialize)]
pub struct LockForm {
    provider: String,
}

async fn lock_action(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    provider: String,
    lock: bool,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let actor = auth.actor();
    let manager = auth.staff.is_manager;
    let (number, stype) = (
        auth.office.office_number.clone(),
        auth.office.service_type.clone(),
    );
    let result = blocking(&state, move |conn| -> AppResult<Result<(), String>> {
        let r = recipient_for(conn, actor.corporation_id, actor.office_id, rid)?;
        let (pn, pt) = provider.split_once(':').ok_or(AppError::NotFound)?;
        let own = pn == number && pt == stype;
        let is_care = r.care_office_id == Some(actor.office_id);
        if lock && !(own || is_care) {
            return Ok(Err(
                "確定は、その事業所か居宅介護支援事業所で行います。".into()
            ));
        }
        if !lock && !manager {
            return Ok(Err("確定の解除は管理者が行います。".into()));
        }
        if lock {
            q::lock(conn, rid, &m.yyyymm(), pn, pt, actor.staff_id)?;
        } else {
            q::unlock(conn, rid, &m.yyyymm(), pn, pt)?;
        }
        actor.record(
            conn,
            Action::ScheduleSaved,
            &format!(
                "{} {} {} {} {}",
                r.code,
                r.name,
                m.yyyymm(),
                pn,
                if lock { "確定" } else { "確定解除" }
            ),
        )?;
        Ok(Ok(()))
    })
    .await?;
    done_or_error(&auth, &state, rid, m, result).await
}

pub async fn lock(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    f: CsrfForm<LockForm>,
) -> AppResult<HttpResponse> {
    lock_action(auth, state, path, f.0.provider, true).await
}

pub async fn unlock(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    f: CsrfForm<LockForm>,
) -> AppResult<HttpResponse> {
    lock_action(auth, state, path, f.0.provider, false).await
}

// ---- 第7表 -----------------------------------------------------------------------------------

/// Which counts the 第7表 uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Plan,
    Actual,
}

/// The 第7表 of a recipient × month from the stored lines.
pub fn compute_table7(
    conn: &mut DbConnection,
    corp: i64,
    recipient: &Recipient,
    m: ServiceMonth,
    basis: Basis,
) -> AppResult<(Table7, Vec<i64>)> {
    let lines = q::lines_for(conn, recipient.id, &m.yyyymm())?;
    let days = q::days_for(conn, &lines.iter().map(|l| l.id).collect::<Vec<_>>())?;
    let codes: Vec<String> = lines.iter().map(|l| l.service_code.clone()).collect();
    let table = db::service_codes::table_for_codes(conn, corp, &codes)?;
    let (limit, _) = month_certification(conn, recipient.id, m)?;
    let areas = areas_of(conn, corp)?;
    table7_from(
        &lines,
        &days,
        &table,
        limit,
        recipient.benefit_rate() as u32,
        m,
        basis,
        |number, stype| {
            Ok(areas
                .get(&(number.to_string(), stype.to_string()))
                .copied()
                .unwrap_or(AreaGrade::Other))
        },
    )
}

/// The 第7表 from lines and days already loaded (the export loads a whole month at once):
/// `area` gives a provider's 地域区分. Also returns the ids of the lines that count.
#[allow(clippy::too_many_arguments)]
pub fn table7_from(
    lines: &[ScheduleLine],
    days: &[ScheduleDay],
    table: &crate::domain::service_codes::ServiceCodeTable,
    limit: Option<u32>,
    benefit_rate_percent: u32,
    m: ServiceMonth,
    basis: Basis,
    mut area: impl FnMut(&str, &str) -> AppResult<AreaGrade>,
) -> AppResult<(Table7, Vec<i64>)> {
    let mut input = Vec::new();
    let mut line_ids = Vec::new();
    for l in lines {
        let (p, a) = counts(days, l.id);
        let n: i32 = match basis {
            Basis::Plan => p.iter().sum(),
            Basis::Actual => a.iter().sum(),
        };
        if n == 0 {
            continue;
        }
        let Ok(code) = ServiceCode::parse(&l.service_code) else {
            continue;
        };
        let Some(entry) = table.get_on(&code, m.first_day()).cloned() else {
            return Err(AppError::BadRequest(format!(
                "サービスコード {} がサービスコード表にないため、第7表を計算できません。",
                l.service_code
            )));
        };
        let Ok(office) = OfficeNumber::parse(&l.provider_number) else {
            continue;
        };
        let area = area(&l.provider_number, &l.provider_type)?;
        let mut bl = BillingLine::new(
            office,
            l.provider_name.clone(),
            area,
            entry.clone(),
            n as u32,
        );
        if entry.units == 0 && !entry.is_rate() {
            bl = bl.with_units(l.units.max(0) as u32);
        }
        if !l.satellite.is_empty() {
            bl = bl.with_satellite(l.satellite.clone());
        }
        if let Some(u) = l.over_limit_units {
            bl = bl.with_over_limit_units(u.max(0) as u32);
        }
        input.push(bl);
        line_ids.push(l.id);
    }
    let t7 = billing::calculate(&BillingInput {
        lines: input,
        monthly_limit: limit,
        benefit_rate_percent,
        type_limits: Vec::new(),
    })
    .map_err(|e| AppError::BadRequest(e.message_ja))?;
    Ok((t7, line_ids))
}

pub struct T7Row {
    pub class: &'static str,
    pub office: String,
    pub code: String,
    pub name: String,
    pub units: String,
    pub discount: String,
    pub count: String,
    pub service_units: String,
    pub over: String,
    pub within: String,
    pub price: String,
    pub total_cost: String,
    pub rate: String,
    pub claim: String,
    pub copay: String,
    pub full_copay: String,
    pub over_highlight: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "schedules/table7.html")]
pub struct Table7Page {
    pub layout: Layout,
    pub recipient: Recipient,
    pub month: String,
    pub month_label: String,
    pub rows: Vec<T7Row>,
    pub limit: String,
    pub managed: String,
    pub over: String,
    pub basis: &'static str,
    pub error: Option<String>,
    pub choices: Vec<(i64, String, String)>,
    pub can_choose: bool,
}

fn n(v: Option<i64>) -> String {
    v.map(group_digits).unwrap_or_default()
}

#[derive(Deserialize)]
pub struct Table7Query {
    basis: Option<String>,
}

pub async fn table7(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    query: web::Query<Table7Query>,
) -> AppResult<Table7Page> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let basis = if query.basis.as_deref() == Some("actual") {
        Basis::Actual
    } else {
        Basis::Plan
    };
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (recipient, result, lines) = blocking(&state, move |conn| {
        let r = recipient_for(conn, corp, office, rid)?;
        let result = compute_table7(conn, corp, &r, m, basis);
        let lines = q::lines_for(conn, rid, &m.yyyymm())?;
        Ok((r, result, lines))
    })
    .await?;
    let (rows, limit, managed, over, error) = match result {
        Ok((t7, _)) => {
            let rows = t7
                .rows
                .iter()
                .map(|r| T7Row {
                    class: match r.kind {
                        RowKind::Detail => "",
                        RowKind::Subtotal => "subtotal",
                        RowKind::Total => "total",
                    },
                    office: if r.kind == RowKind::Total {
                        "合計".into()
                    } else {
                        format!("{}\n{}", r.office_name, r.office_number)
                    },
                    code: r.service_code.as_str().to_string(),
                    name: r.service_name.clone(),
                    units: if r.kind == RowKind::Detail {
                        group_digits(r.units)
                    } else {
                        String::new()
                    },
                    discount: r
                        .discount_rate_percent
                        .map(|d| format!("{d}%"))
                        .unwrap_or_default()
                        + &n(r.discounted_units),
                    count: r.count.map(|c| c.to_string()).unwrap_or_default(),
                    service_units: group_digits(r.service_units),
                    over: n(r.over_limit_units),
                    within: n(r.within_limit_units),
                    price: r.unit_price.map(|p| p.to_string()).unwrap_or_default(),
                    total_cost: n(r.total_cost),
                    rate: r
                        .benefit_rate_percent
                        .map(|p| format!("{p}%"))
                        .unwrap_or_default(),
                    claim: n(r.claim_amount),
                    copay: n(r.copay),
                    full_copay: n(r.full_copay),
                    over_highlight: r.over_limit_units.is_some_and(|u| u > 0),
                })
                .collect();
            (
                rows,
                t7.monthly_limit
                    .map(|u| group_digits(u as i64))
                    .unwrap_or_else(|| "—".into()),
                group_digits(t7.managed_units),
                group_digits(t7.over_limit_units),
                None,
            )
        }
        Err(AppError::BadRequest(m)) => (
            Vec::new(),
            String::new(),
            String::new(),
            String::new(),
            Some(m),
        ),
        Err(e) => return Err(e),
    };
    let can_choose = recipient.care_office_id == Some(office);
    let choices = lines
        .iter()
        .map(|l| {
            (
                l.id,
                format!("{} {} {}", l.provider_name, l.service_code, l.service_name),
                l.over_limit_units
                    .map(|u| u.to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    Ok(Table7Page {
        layout: Layout::new(
            &auth,
            Some(Menu::Schedules),
            &format!(
                "サービス利用票別表（第7表） {} {}",
                recipient.name,
                m.label()
            ),
            &[
                (
                    "予定実績",
                    Some(&format!("/schedules?month={}", m.yyyymm())),
                ),
                (
                    &recipient.name,
                    Some(&format!("/schedules/{rid}/{}", m.yyyymm())),
                ),
                ("第7表", None),
            ],
        ),
        month: m.yyyymm(),
        month_label: m.label(),
        rows,
        limit,
        managed,
        over,
        basis: if basis == Basis::Actual {
            "actual"
        } else {
            "plan"
        },
        error,
        choices,
        can_choose,
        recipient,
    })
}

/// The care manager's choice of which rows carry the units over the limit.
pub async fn table7_choose(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(i64, String)>,
    form: CsrfForm<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::Schedules)?;
    let (rid, month) = path.into_inner();
    let m = parse_month(&month)?;
    let actor = auth.actor();
    let fields = form.0;
    blocking(&state, move |conn| {
        let r = recipient_for(conn, actor.corporation_id, actor.office_id, rid)?;
        if r.care_office_id != Some(actor.office_id) {
            return Err(AppError::BadRequest(
                "区分支給限度を超える単位の振り分けは、居宅介護支援事業所で行います。".into(),
            ));
        }
        let lines = q::lines_for(conn, rid, &m.yyyymm())?;
        for l in &lines {
            if let Some((_, v)) = fields.iter().find(|(k, _)| *k == format!("over_{}", l.id)) {
                let v = crate::web::form::half_width_digits(v);
                let units = if v.trim().is_empty() {
                    None
                } else {
                    v.trim().parse::<i32>().ok().filter(|u| *u >= 0)
                };
                q::set_over_limit(conn, l.id, units)?;
            }
        }
        actor.record(
            conn,
            Action::ScheduleSaved,
            &format!("{} {} {} 限度超過の振り分け", r.code, r.name, m.yyyymm()),
        )?;
        Ok(())
    })
    .await?;
    Ok(see_other(&format!(
        "/schedules/{rid}/{}/table7",
        m.yyyymm()
    )))
}
