//! ケアプラン連携 出力 (`/careplan/export`): choose a month's recipients, check them, confirm the
//! destinations and queue the export job. The list and the job build the records with the same
//! code (`exchange`), so what the list calls an error is exactly what the export would refuse.

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::{self, DbConnection, offices::Office};
use crate::domain::{CareLevel, ServiceMonth, ServiceType};
use crate::exchange::export::{DataKind, ExportRequest, SpecChoice, is_care_office};
use crate::exchange::preview::{self, Candidate, Filters, Side};
use crate::jobs::export_zip;
use crate::web::dates::today_jst;
use crate::web::{AppError, AppResult, Layout, Paging, blocking, fmt_jst, see_other, url_encode};
use actix_web::{HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

/// The remembered 標準仕様 choice (staff preference name).
const SPEC_PREFERENCE: &str = "careplan_export_spec";

pub async fn index(auth: Auth) -> AppResult<HttpResponse> {
    auth.require(Menu::CarePlanExchange)?;
    Ok(see_other("/careplan/export"))
}

/// The filters, as the search form, the list form and the confirmation carry them, and the
/// fields of the later steps. All text: a flattened or typed field would refuse what a browser
/// sends (serde's flatten sees every value as a string).
#[derive(Deserialize, Default, Clone)]
pub struct FilterForm {
    #[serde(default)]
    data: String,
    #[serde(default)]
    delete: String,
    #[serde(default)]
    month: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    cm: String,
    #[serde(default)]
    side: String,
    #[serde(default)]
    kana: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    linked: String,
    // the list
    #[serde(default)]
    per: String,
    #[serde(default)]
    page: String,
    #[serde(default)]
    done: String,
    // the confirmation and the run
    #[serde(default)]
    sel: Vec<String>,
    /// 検索結果の全件: every recipient the filters find, not only the ticked ones of this page.
    #[serde(default)]
    all: String,
    #[serde(default)]
    dest: Vec<String>,
    #[serde(default)]
    split: String,
    #[serde(default)]
    spec: String,
}

/// The office choice that means every office the staff member may export from.
const ALL_OFFICES: &str = "all";

impl FilterForm {
    /// Whether any recipient is ticked.
    fn any_selected(&self) -> bool {
        self.sel.iter().any(|s| !s.trim().is_empty())
    }

    /// The ticked recipients of `office`: `OFFICE:RECIPIENT` values (the list of every office)
    /// or plain recipient ids (the list of one office, which must then be `office`).
    fn selected_of(&self, office: i64, single: bool) -> Vec<i64> {
        self.sel
            .iter()
            .filter_map(|s| match s.trim().split_once(':') {
                Some((o, r)) => (o.parse() == Ok(office)).then(|| r.parse().ok()).flatten(),
                None if single => s.trim().parse().ok(),
                None => None,
            })
            .collect()
    }

    /// The ticked destinations of `office`: `OFFICE/NUMBER:TYPE` or plain `NUMBER:TYPE` (one
    /// office).
    fn destinations_of(&self, office: i64, single: bool) -> Vec<String> {
        self.dest
            .iter()
            .filter_map(|d| match d.trim().split_once('/') {
                Some((o, key)) => (o.parse() == Ok(office)).then(|| key.to_string()),
                None if single => Some(d.trim().to_string()),
                None => None,
            })
            .collect()
    }

    fn all_results(&self) -> bool {
        self.all == "1"
    }
}

pub struct Choice {
    pub value: String,
    pub label: String,
}

pub struct RowView {
    pub no: i64,
    /// The selection value: `OFFICE:RECIPIENT`.
    pub key: String,
    /// The sending office (shown when the list holds every office).
    pub office: String,
    pub code: String,
    pub name: String,
    pub kana: String,
    pub level: String,
    pub insurer: String,
    pub insured: String,
    pub care_manager: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub last_export: String,
    pub destinations: String,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
}

pub struct RecentJob {
    pub title: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub requested_at: String,
    pub error: String,
    pub summary: String,
    pub downloads: Vec<crate::web::jobs::Download>,
}

#[derive(Template, WebTemplate)]
#[template(path = "careplan/export.html")]
pub struct ExportPage {
    pub layout: Layout,
    pub is_care: bool,
    pub f: FilterForm,
    /// Every allowed office is listed (一覧 has a 事業所 column).
    pub all_offices: bool,
    pub offices: Vec<Choice>,
    pub months: Vec<Choice>,
    pub managers: Vec<Choice>,
    pub levels: Vec<Choice>,
    pub month_label: String,
    pub searched: bool,
    pub rows: Vec<RowView>,
    pub paging: Paging,
    pub per: i64,
    pub query_base: String,
    pub errors: usize,
    pub warnings: usize,
    pub recent: Vec<RecentJob>,
}

/// The own offices (same kind as the current one: 居宅 or provider) in which this staff member
/// holds ケアプラン連携, current office first.
fn allowed_offices(
    conn: &mut DbConnection,
    auth_staff: i64,
    current: &Office,
) -> AppResult<Vec<Office>> {
    let perms = db::staff::all_permissions(conn, auth_staff)?;
    let mut out = vec![current.clone()];
    for (o, _) in db::offices::of_staff(conn, auth_staff)? {
        if o.id != current.id
            && is_care_office(&o) == is_care_office(current)
            && perms
                .iter()
                .any(|(id, m)| *id == o.id && m == Menu::CarePlanExchange.key())
        {
            out.push(o);
        }
    }
    Ok(out)
}

fn default_month(care: bool) -> ServiceMonth {
    let this = crate::web::schedules::current_month();
    if care {
        // 利用票 go out before the month starts.
        this.next()
    } else {
        // 実績 go back after the month ends.
        this.prev()
    }
}

/// Months from two years back to three months ahead, labelled in 西暦 and 和暦.
fn month_choices() -> Vec<Choice> {
    let mut m = default_month(true).next().next();
    let mut out = Vec::new();
    for _ in 0..28 {
        out.push(Choice {
            value: m.yyyymm(),
            label: m.label(),
        });
        m = m.prev();
    }
    out
}

/// Validated filters: the offices (one of the allowed, or all of them), the month, the kind.
struct Resolved {
    offices: Vec<Office>,
    /// 全ての事業所 was chosen.
    all: bool,
    filters: Filters,
}

impl Resolved {
    /// The filters for one office, limited to `only` recipients when given.
    fn for_office(&self, only: Vec<i64>) -> Filters {
        Filters {
            only,
            ..self.filters.clone()
        }
    }

    /// The value of the office choice.
    fn office_value(&self) -> String {
        match (&self.offices[..], self.all) {
            ([o], false) => o.id.to_string(),
            _ => ALL_OFFICES.to_string(),
        }
    }

    fn office_label(&self) -> String {
        self.offices
            .iter()
            .map(|o| format!("{} {}", o.office_number, o.name))
            .collect::<Vec<_>>()
            .join("、")
    }
}

fn resolve(
    conn: &mut DbConnection,
    auth_staff: i64,
    current: &Office,
    f: &FilterForm,
) -> AppResult<(Resolved, Vec<Office>)> {
    let allowed = allowed_offices(conn, auth_staff, current)?;
    let choice = f.office.trim();
    let (offices, all) = if choice == ALL_OFFICES {
        (allowed.clone(), true)
    } else {
        let office = match choice.parse::<i64>().ok() {
            Some(id) => {
                allowed
                    .iter()
                    .find(|o| o.id == id)
                    .cloned()
                    .ok_or(AppError::Forbidden {
                        menu: Menu::CarePlanExchange,
                    })?
            }
            None => current.clone(),
        };
        (vec![office], false)
    };
    // The allowed offices are all of the current office's kind (居宅 or provider).
    let care = is_care_office(current);
    let data = match DataKind::parse(&f.data) {
        Some(d) if d.sent_by_care_office() == care => d,
        _ if care => DataKind::Plan,
        _ => DataKind::Actual,
    };
    let month = if f.month.trim().is_empty() {
        default_month(care)
    } else {
        ServiceMonth::parse(f.month.trim()).map_err(|e| AppError::BadRequest(e.message_ja))?
    };
    let filters = Filters {
        data,
        delete: f.delete == "1",
        month,
        care_manager_id: f.cm.parse().ok(),
        side: match f.side.as_str() {
            "own" => Side::Own,
            "other" => Side::Other,
            _ => Side::All,
        },
        kana: f.kana.trim().to_string(),
        care_level: f.level.clone(),
        linked_only: f.linked == "1",
        only: Vec::new(),
    };
    Ok((
        Resolved {
            offices,
            all,
            filters,
        },
        allowed,
    ))
}

/// The candidates of every chosen office, in office order, each with its office. `only`
/// gives, per office, the recipients to take (`None`: all the filters find).
fn candidates_of(
    conn: &mut DbConnection,
    r: &Resolved,
    only: impl Fn(&Office) -> Option<Vec<i64>>,
) -> AppResult<Vec<(usize, Candidate)>> {
    let mut out = Vec::new();
    for (k, office) in r.offices.iter().enumerate() {
        let ids = match only(office) {
            Some(ids) if ids.is_empty() => continue,
            Some(ids) => ids,
            None => Vec::new(),
        };
        let filters = r.for_office(ids);
        out.extend(
            preview::candidates(conn, office, &filters)?
                .into_iter()
                .map(|c| (k, c)),
        );
    }
    Ok(out)
}

/// Checks `rows` (errors, warnings) office by office.
fn assess_all(
    conn: &mut DbConnection,
    r: &Resolved,
    rows: &mut [(usize, Candidate)],
) -> AppResult<()> {
    let today = today_jst();
    let filters = r.for_office(Vec::new());
    for (k, office) in r.offices.iter().enumerate() {
        let mut mine: Vec<Candidate> = rows
            .iter()
            .filter(|(o, _)| *o == k)
            .map(|(_, c)| c.clone())
            .collect();
        if mine.is_empty() {
            continue;
        }
        preview::assess(conn, office, &filters, &mut mine, today)?;
        let mut assessed = mine.into_iter();
        for (_, c) in rows.iter_mut().filter(|(o, _)| *o == k) {
            if let Some(a) = assessed.next() {
                *c = a;
            }
        }
    }
    Ok(())
}

fn row_view(no: i64, office: &Office, c: Candidate) -> RowView {
    let destinations = c
        .destinations
        .iter()
        .map(|d| {
            format!(
                "{}（{}）",
                if d.name.is_empty() {
                    &d.number
                } else {
                    &d.name
                },
                ServiceType::parse(&d.service_type)
                    .map(|t| t.name())
                    .unwrap_or(&d.service_type)
            )
        })
        .collect::<Vec<_>>()
        .join("、");
    RowView {
        no,
        key: format!("{}:{}", office.id, c.recipient.id),
        office: format!("{} {}", office.office_number, office.name),
        code: c.recipient.code.clone(),
        name: c.recipient.name.clone(),
        kana: c.recipient.kana.clone(),
        level: c.care_level.clone(),
        insurer: if c.recipient.insurer_name.is_empty() {
            c.recipient.insurer_number.clone()
        } else {
            format!(
                "{} {}",
                c.recipient.insurer_number, c.recipient.insurer_name
            )
        },
        insured: c.recipient.insured_number.clone(),
        care_manager: c.care_manager.clone(),
        status: c.status,
        status_class: c.status_class,
        last_export: c.last_export.as_ref().map(fmt_jst).unwrap_or_default(),
        destinations,
        errors: c.errors.clone(),
        warnings: c.warnings.clone(),
    }
}

fn query_base(f: &FilterForm, office: &str, month: &str, data: DataKind, per: i64) -> String {
    format!(
        "data={}&delete={}&month={}&office={}&cm={}&side={}&kana={}&level={}&linked={}&per={}",
        data.code(),
        url_encode(&f.delete),
        month,
        url_encode(office),
        url_encode(&f.cm),
        url_encode(&f.side),
        url_encode(&f.kana),
        url_encode(&f.level),
        url_encode(&f.linked),
        per
    )
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<FilterForm>,
) -> AppResult<ExportPage> {
    auth.require(Menu::CarePlanExchange)?;
    let query = query.into_inner();
    let searched = !query.month.is_empty();
    let per = match query.per.as_str() {
        "50" => 50,
        "100" => 100,
        _ => 20,
    };
    let (staff_id, current) = (auth.staff.id, auth.office.clone());
    let (corp, my_office) = (auth.corporation_id(), auth.office.id);
    let f = query.clone();
    let page = query.page.parse().ok();
    let (resolved, allowed, rows, paging, counts, managers, recent) =
        blocking(&state, move |conn| {
            let (resolved, allowed) = resolve(conn, staff_id, &current, &f)?;
            let (rows, paging, counts) = if searched {
                let all = candidates_of(conn, &resolved, |_| None)?;
                let paging = Paging::new(page, per, all.len() as i64);
                let mut page_rows: Vec<(usize, Candidate)> = all
                    .into_iter()
                    .skip(paging.offset() as usize)
                    .take(per as usize)
                    .collect();
                assess_all(conn, &resolved, &mut page_rows)?;
                let errors = page_rows.iter().filter(|(_, c)| c.blocked()).count();
                let warnings = page_rows
                    .iter()
                    .filter(|(_, c)| !c.warnings.is_empty())
                    .count();
                let first = paging.offset();
                let rows: Vec<RowView> = page_rows
                    .into_iter()
                    .enumerate()
                    .map(|(i, (k, c))| row_view(first + i as i64 + 1, &resolved.offices[k], c))
                    .collect();
                (rows, paging, (errors, warnings))
            } else {
                (Vec::new(), Paging::new(None, per, 0), (0, 0))
            };
            let mut managers = Vec::new();
            for o in &resolved.offices {
                for m in db::recipients::care_managers(conn, corp, o.id)? {
                    if !managers.contains(&m) {
                        managers.push(m);
                    }
                }
            }
            let recent = db::jobs::recent_of_kind(
                conn,
                corp,
                my_office,
                staff_id,
                <export_zip::Payload as crate::jobs::JobKind>::KIND,
                5,
            )?;
            Ok((resolved, allowed, rows, paging, counts, managers, recent))
        })
        .await?;
    let care = is_care_office(&auth.office);
    let filters = &resolved.filters;
    let office_value = resolved.office_value();
    let month = filters.month.yyyymm();
    let mut layout = Layout::new(
        &auth,
        Some(Menu::CarePlanExchange),
        "ケアプラン連携 出力",
        &[("ケアプラン連携", None), ("出力", None)],
    )
    .with_notice(crate::web::notice(Some(query.done.as_str())));
    let years = state.settings.retention_years;
    let recent: Vec<RecentJob> = recent
        .into_iter()
        .map(|r| {
            let v = crate::web::jobs::view(r, years);
            RecentJob {
                title: v.title,
                status: v.status,
                status_class: v.status_class,
                requested_at: v.requested_at,
                error: v.error,
                summary: v.summary,
                downloads: v.downloads,
            }
        })
        .collect();
    layout.refresh = recent
        .iter()
        .any(|r| r.status_class == "queued" || r.status_class == "running");
    let f = FilterForm {
        data: filters.data.code().to_string(),
        month: month.clone(),
        office: office_value.clone(),
        ..query
    };
    let mut offices: Vec<Choice> = allowed
        .iter()
        .map(|o| Choice {
            value: o.id.to_string(),
            label: format!(
                "{} {}（{}）",
                o.office_number,
                o.name,
                o.service_type_name()
            ),
        })
        .collect();
    if allowed.len() > 1 {
        offices.push(Choice {
            value: ALL_OFFICES.into(),
            label: format!("全ての事業所（{} 事業所）", allowed.len()),
        });
    }
    Ok(ExportPage {
        layout,
        is_care: care,
        query_base: query_base(&f, &office_value, &month, filters.data, per),
        all_offices: resolved.all,
        offices,
        months: month_choices(),
        managers: managers
            .into_iter()
            .map(|(id, name)| Choice {
                value: id.to_string(),
                label: name,
            })
            .collect(),
        levels: CareLevel::all()
            .map(|l| Choice {
                value: l.code().to_string(),
                label: l.name().to_string(),
            })
            .collect(),
        month_label: filters.month.label(),
        f,
        searched,
        rows,
        paging,
        per,
        errors: counts.0,
        warnings: counts.1,
        recent,
    })
}

// ---- confirmation -----------------------------------------------------------------------------

pub struct DestinationRow {
    /// The selection value: `OFFICE/NUMBER:TYPE`.
    pub key: String,
    /// The sending office (shown when several send).
    pub sender: String,
    pub number: String,
    pub service_type: String,
    pub name: String,
    pub count: usize,
    pub version: &'static str,
    pub note: String,
}

pub struct BlockedRow {
    pub code: String,
    pub name: String,
    pub errors: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "careplan/confirm.html")]
pub struct ConfirmPage {
    pub layout: Layout,
    pub f: FilterForm,
    pub data_label: String,
    pub month_label: String,
    pub office_label: String,
    /// Several offices send (the destinations show which).
    pub several: bool,
    /// `OFFICE:RECIPIENT` of every recipient to export.
    pub selected: Vec<String>,
    pub destinations: Vec<DestinationRow>,
    pub blocked: Vec<BlockedRow>,
    pub warnings: usize,
    pub spec: String,
    pub back: String,
}

pub async fn confirm(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<FilterForm>,
) -> AppResult<ConfirmPage> {
    auth.require(Menu::CarePlanExchange)?;
    let form = form.0;
    if !form.any_selected() && !form.all_results() {
        return Err(AppError::BadRequest(
            "出力する利用者が選択されていません。一覧で利用者を選択してから「出力」を押してください。"
                .into(),
        ));
    }
    let (staff_id, current) = (auth.staff.id, auth.office.clone());
    let f = form.clone();
    let (resolved, rows, spec) = blocking(&state, move |conn| {
        let (resolved, _) = resolve(conn, staff_id, &current, &f)?;
        let single = !resolved.all;
        // 検索結果の全件: no id list; the filters choose.
        let mut rows = candidates_of(conn, &resolved, |o| {
            (!f.all_results()).then(|| f.selected_of(o.id, single))
        })?;
        assess_all(conn, &resolved, &mut rows)?;
        let spec = db::preferences::get(conn, staff_id, SPEC_PREFERENCE)?
            .filter(|s| SpecChoice::parse(s).is_some())
            .unwrap_or_else(|| "partner".into());
        Ok((resolved, rows, spec))
    })
    .await?;
    let filters = &resolved.filters;
    let mut destinations: Vec<DestinationRow> = Vec::new();
    let mut blocked = Vec::new();
    let mut selected = Vec::new();
    let mut warnings = 0;
    for (k, c) in &rows {
        let office = &resolved.offices[*k];
        if c.blocked() {
            blocked.push(BlockedRow {
                code: c.recipient.code.clone(),
                name: c.recipient.name.clone(),
                errors: c.errors.clone(),
            });
            continue;
        }
        selected.push(format!("{}:{}", office.id, c.recipient.id));
        warnings += c.warnings.len();
        for d in &c.destinations {
            let key = format!("{}/{}", office.id, d.key());
            match destinations.iter_mut().find(|x| x.key == key) {
                Some(x) => x.count += 1,
                None => destinations.push(DestinationRow {
                    key,
                    sender: format!("{} {}", office.office_number, office.name),
                    number: d.number.clone(),
                    service_type: ServiceType::parse(&d.service_type)
                        .map(|t| format!("{} {}", t.code(), t.name()))
                        .unwrap_or_else(|_| d.service_type.clone()),
                    name: d.name.clone(),
                    count: 1,
                    version: if d.v3_only { "V3" } else { "V4" },
                    note: if d.own {
                        "自社".into()
                    } else if !d.registered {
                        "他社情報に未登録".into()
                    } else if !d.linked {
                        "連携対応になっていません".into()
                    } else {
                        String::new()
                    },
                }),
            }
        }
    }
    destinations.sort_by(|a, b| a.key.cmp(&b.key));
    let office_value = resolved.office_value();
    let back = format!(
        "/careplan/export?{}",
        query_base(
            &form,
            &office_value,
            &filters.month.yyyymm(),
            filters.data,
            20
        )
    );
    Ok(ConfirmPage {
        layout: Layout::new(
            &auth,
            Some(Menu::CarePlanExchange),
            "ケアプラン連携 出力の確認",
            &[
                ("ケアプラン連携", None),
                ("出力", Some(back.as_str())),
                ("出力の確認", None),
            ],
        ),
        data_label: format!(
            "{}{}",
            filters.data.label(),
            if filters.delete {
                "（削除出力）"
            } else {
                ""
            }
        ),
        month_label: filters.month.label(),
        office_label: resolved.office_label(),
        several: resolved.offices.len() > 1,
        f: FilterForm {
            data: filters.data.code().to_string(),
            month: filters.month.yyyymm(),
            office: office_value.clone(),
            sel: Vec::new(),
            all: String::new(),
            ..form
        },
        selected,
        destinations,
        blocked,
        warnings,
        spec,
        back,
    })
}

// ---- run --------------------------------------------------------------------------------------

pub async fn run(
    auth: Auth,
    state: web::Data<AppState>,
    form: CsrfForm<FilterForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::CarePlanExchange)?;
    let form = form.0;
    if !form.any_selected() {
        return Err(AppError::BadRequest(
            "出力する利用者がいません。一覧に戻って選択し直してください。".into(),
        ));
    }
    if form.dest.is_empty() {
        return Err(AppError::BadRequest(
            "送付先が選択されていません。確認画面で送付先を選択してください。".into(),
        ));
    }
    let spec = SpecChoice::parse(&form.spec).unwrap_or(SpecChoice::Partner);
    let actor = auth.actor();
    let (staff_id, current) = (auth.staff.id, auth.office.clone());
    let login_id = auth.staff.login_id.clone();
    let location = blocking(&state, move |conn| {
        let (resolved, _) = resolve(conn, staff_id, &current, &form)?;
        let single = !resolved.all;
        // One job per sending office, with only the recipients and destinations it may export
        // (another office's ids are dropped), all or none queued.
        let mut requests = Vec::new();
        for office in &resolved.offices {
            let destinations = form.destinations_of(office.id, single);
            let ids = form.selected_of(office.id, single);
            if destinations.is_empty() || ids.is_empty() {
                continue;
            }
            let filters = resolved.for_office(ids);
            let rows = preview::candidates(conn, office, &filters)?;
            let recipients: Vec<i64> = rows.iter().map(|c| c.recipient.id).collect();
            if recipients.is_empty() {
                continue;
            }
            requests.push(ExportRequest {
                office_id: office.id,
                month: filters.month.yyyymm(),
                data: filters.data,
                delete: filters.delete,
                recipients,
                destinations,
                spec,
                split: form.split == "1",
            });
        }
        if requests.is_empty() {
            return Err(AppError::BadRequest(
                "選択された利用者は出力の対象ではありません。一覧を表示し直してください。".into(),
            ));
        }
        db::dialect::write_transaction(conn, |conn| -> db::DbResult<()> {
            db::preferences::set(conn, staff_id, SPEC_PREFERENCE, spec.code())?;
            for request in requests {
                crate::jobs::enqueue(
                    conn,
                    &actor,
                    &export_zip::Payload {
                        request,
                        login_id: login_id.clone(),
                        client_addr: actor.client_addr.clone(),
                    },
                )?;
            }
            Ok(())
        })?;
        let filters = &resolved.filters;
        Ok(format!(
            "/careplan/export?{}&done=queued",
            query_base(
                &form,
                &resolved.office_value(),
                &filters.month.yyyymm(),
                filters.data,
                20
            )
        ))
    })
    .await?;
    Ok(see_other(&location))
}
