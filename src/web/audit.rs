//! 操作履歴 (audit log): managers only. Filter by date and staff; CSV export as a job.

use crate::AppState;
use crate::auth::{Auth, CsrfForm};
use crate::db::{self, audit::AuditFilter};
use crate::web::{AppResult, Layout, Paging, blocking, fmt_jst, notice, see_other};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use chrono::{NaiveDate, NaiveDateTime};
use serde::Deserialize;

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default, Clone)]
pub struct AuditQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    staff: String,
    page: Option<i64>,
    done: Option<String>,
}

/// A JST calendar date (YYYY-MM-DD) → naive UTC at its start.
fn jst_day_start(s: &str) -> Option<NaiveDateTime> {
    let d = NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)? - chrono::Duration::hours(9))
}

impl AuditQuery {
    fn filter(&self) -> AuditFilter {
        AuditFilter {
            from: jst_day_start(&self.from),
            until: jst_day_start(&self.until).map(|t| t + chrono::Duration::days(1)),
            staff_id: self.staff.parse().ok(),
        }
    }
}

pub struct Row {
    pub at: String,
    pub staff: String,
    pub login_id: String,
    pub action: String,
    pub detail: String,
    pub client_addr: String,
}

pub struct StaffChoice {
    pub id: String,
    pub name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit/list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub rows: Vec<Row>,
    pub paging: Paging,
    pub from: String,
    pub until: String,
    pub staff: String,
    pub staff_choices: Vec<StaffChoice>,
    pub query_base: String,
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<AuditQuery>,
) -> AppResult<ListPage> {
    auth.require_manager()?;
    let query = query.into_inner();
    let filter = query.filter();
    let corp = auth.corporation_id();
    let page = query.page;
    let (entries, paging, staff) = blocking(&state, move |conn| {
        let (entries, paging) = crate::web::fetch_page(page, PER_PAGE, |p| {
            db::audit::search(conn, corp, &filter, PER_PAGE, (p - 1) * PER_PAGE)
        })?;
        let (staff, _) = db::staff::search(
            conn,
            &db::staff::StaffQuery {
                corporation_id: corp,
                office_id: None,
                search: String::new(),
                kana_row: String::new(),
                sort: db::staff::StaffSort::Kana,
                page: 1,
                per_page: 1000,
            },
        )?;
        Ok((entries, paging, staff))
    })
    .await?;
    let rows = entries
        .into_iter()
        .map(|(e, name)| Row {
            at: fmt_jst(&e.created_at),
            staff: name.unwrap_or_default(),
            login_id: e.login_id,
            action: db::audit::Action::label_of(&e.action),
            detail: e.detail,
            client_addr: e.client_addr,
        })
        .collect();
    let query_base = format!(
        "from={}&until={}&staff={}",
        crate::web::url_encode(&query.from),
        crate::web::url_encode(&query.until),
        crate::web::url_encode(&query.staff)
    );
    Ok(ListPage {
        layout: Layout::new(&auth, None, "操作履歴", &[("操作履歴", None)])
            .with_notice(notice(query.done.as_deref())),
        rows,
        paging,
        from: query.from,
        until: query.until,
        staff: query.staff,
        staff_choices: staff
            .into_iter()
            .map(|s| StaffChoice {
                id: s.id.to_string(),
                name: s.name,
            })
            .collect(),
        query_base,
    })
}

pub async fn export(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<AuditQuery>,
) -> AppResult<HttpResponse> {
    auth.require_manager()?;
    let payload = crate::jobs::audit_csv::Payload {
        filter: form.0.filter(),
        label: describe(&form.0),
    };
    let actor = auth.actor();
    blocking(&state, move |conn| {
        crate::jobs::enqueue(conn, &actor, &payload)?;
        Ok(())
    })
    .await?;
    Ok(see_other("/audit?done=queued"))
}

fn describe(q: &AuditQuery) -> String {
    match (q.from.trim(), q.until.trim()) {
        ("", "") => "全期間".into(),
        (f, "") => format!("{f}から"),
        ("", u) => format!("{u}まで"),
        (f, u) => format!("{f}〜{u}"),
    }
}
