//! ケアプラン連携 印刷・取込 (`/careplan/receive`): the received sets this office can import, and
//! per set the recipients with what would change in 予定実績, day by day, before the user chooses
//! and presses 取込 (a background job applies them).

use crate::AppState;
use crate::auth::{Auth, CsrfForm, Menu};
use crate::db::imports as q;
use crate::exchange::apply::{self, LineStatus, Side};
use crate::exchange::apply_careplan::{self, CareplanSet};
use crate::exchange::matching::{self, Person};
use crate::jobs::import_apply;
use crate::web::careplan_export::Choice;
use crate::web::careplan_import::{month_wareki, timestamp_label};
use crate::web::{AppError, AppResult, Layout, blocking, see_other};
use actix_web::{Either, HttpResponse, web};
use askama::Template;
use askama_web::WebTemplate;
use serde::Deserialize;

#[derive(Deserialize, Default)]
pub struct Query {
    #[serde(default)]
    done: String,
    /// 選択データ: the data label of the sets to show (empty = all).
    #[serde(default)]
    data: String,
    /// サービス提供月, YYYYMM (empty = all).
    #[serde(default)]
    month: String,
    /// 送信元事業所 `NUMBER:TYPE` (empty = all).
    #[serde(default)]
    sender: String,
    /// 出力日時: one set's timestamp (empty = all).
    #[serde(default)]
    ts: String,
}

pub struct SetRow {
    pub timestamp: String,
    pub exported_at: String,
    /// `NUMBER:TYPE` of the sender.
    pub sender_key: String,
    pub sender: String,
    pub data_label: String,
    /// YYYYMM (empty for a 計画書 set).
    pub month_code: String,
    pub month: String,
    pub files: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "careplan/receive.html")]
pub struct ListPage {
    pub layout: Layout,
    pub side_label: &'static str,
    pub sender_label: &'static str,
    pub sets: Vec<SetRow>,
    /// Every set before the filters (for the count).
    pub total: usize,
    pub f: Query,
    pub data_choices: Vec<Choice>,
    pub month_choices: Vec<Choice>,
    pub sender_choices: Vec<Choice>,
    pub ts_choices: Vec<Choice>,
}

/// The distinct values of `key` among `sets`, in first-seen order, labelled by `label`.
fn choices(
    sets: &[SetRow],
    key: impl Fn(&SetRow) -> &str,
    label: impl Fn(&SetRow) -> String,
) -> Vec<Choice> {
    let mut out: Vec<Choice> = Vec::new();
    for s in sets {
        if !key(s).is_empty() && !out.iter().any(|c| c.value == key(s)) {
            out.push(Choice {
                value: key(s).to_string(),
                label: label(s),
            });
        }
    }
    out
}

pub async fn list(
    auth: Auth,
    state: web::Data<AppState>,
    query: web::Query<Query>,
) -> AppResult<ListPage> {
    auth.require(Menu::CarePlanExchange)?;
    let side = apply::side_for(&auth.office);
    let (wanted, delete) = match side {
        Side::Plan => ("UPPLAN", "DLTPLAN"),
        Side::Actual => ("UPJSK", "DLTJSK"),
    };
    let (corp, office) = (auth.corporation_id(), auth.office.id);
    let (files, directory) = blocking(&state, move |conn| {
        Ok((
            q::pending(conn, corp, office)?,
            crate::db::partners::Directory::load(conn, corp)?,
        ))
    })
    .await?;
    let mut sets: Vec<SetRow> = Vec::new();
    let mut refused: Vec<String> = Vec::new();
    // Sets with a refused file, or one whose original was removed after the retention period,
    // cannot be imported.
    for (f, _) in &files {
        if f.verdict != q::OK || f.purged_at.is_some() {
            refused.push(f.file_timestamp.clone());
        }
    }
    for (f, _) in files {
        if refused.contains(&f.file_timestamp) {
            continue;
        }
        match sets.iter_mut().find(|s| s.timestamp == f.file_timestamp) {
            Some(s) => s.files += 1,
            None => sets.push(SetRow {
                exported_at: timestamp_label(&f.file_timestamp),
                timestamp: f.file_timestamp.clone(),
                sender_key: format!("{}:{}", f.sender_number, f.sender_type),
                sender: match directory.name_of(&f.sender_number, &f.sender_type) {
                    Some(name) => format!("{} {}", f.sender_number, name),
                    None => format!("{} {}（他社情報に未登録）", f.sender_number, f.sender_type),
                },
                data_label: String::new(),
                month_code: month_code(&f.month),
                month: month_wareki(&f.month),
                files: 1,
            }),
        }
        let careplan = side == Side::Plan && (f.kind == "UP1KYO" || f.kind == "DLT1KYO");
        if (f.kind == wanted || f.kind == delete || careplan)
            && let Some(s) = sets.iter_mut().find(|s| s.timestamp == f.file_timestamp)
        {
            s.data_label = match f.kind.as_str() {
                "UP1KYO" => "居宅サービス計画書".to_string(),
                "DLT1KYO" => "居宅サービス計画書の削除".to_string(),
                k if k == delete => format!("{}の削除", side.label()),
                _ => side.label().to_string(),
            };
            if s.month.is_empty() {
                s.month = month_wareki(&f.month);
                s.month_code = month_code(&f.month);
            }
        }
    }
    sets.retain(|s| !s.data_label.is_empty());
    let total = sets.len();
    let q = query.into_inner();
    let data_choices = choices(&sets, |s| &s.data_label, |s| s.data_label.clone());
    let month_choices = choices(&sets, |s| &s.month_code, |s| s.month.clone());
    let sender_choices = choices(&sets, |s| &s.sender_key, |s| s.sender.clone());
    let ts_choices = choices(&sets, |s| &s.timestamp, |s| s.exported_at.clone());
    sets.retain(|s| {
        (q.data.is_empty() || s.data_label == q.data)
            && (q.month.is_empty() || s.month_code == q.month)
            && (q.sender.is_empty() || s.sender_key == q.sender)
            && (q.ts.is_empty() || s.timestamp == q.ts)
    });
    let notice = (q.done == "queued").then(|| {
        "処理を受け付けました。取込が終わると、予定実績の画面に反映されます（一括処理状況確認で進み具合を確認できます）。".to_string()
    });
    Ok(ListPage {
        layout: Layout::new(
            &auth,
            Some(Menu::CarePlanExchange),
            "ケアプラン連携 印刷・取込",
            &[("ケアプラン連携", None), ("印刷・取込", None)],
        )
        .with_notice(notice),
        side_label: side.label(),
        sender_label: match side {
            Side::Plan => "支援事業所",
            Side::Actual => "提供事業所",
        },
        sets,
        total,
        f: q,
        data_choices,
        month_choices,
        sender_choices,
        ts_choices,
    })
}

/// The month of a received file as YYYYMM (empty for `000000`, the 計画書 sets).
fn month_code(m: &str) -> String {
    if m.len() == 6 && m != "000000" {
        m.to_string()
    } else {
        String::new()
    }
}

pub struct DayView {
    pub day: u32,
    pub before: i32,
    pub after: i32,
}

pub struct LineView {
    pub status: &'static str,
    pub class: &'static str,
    pub provider: String,
    pub service: String,
    pub time: String,
    pub days: Vec<DayView>,
}

/// One of our recipients who may be an unknown recipient of the set (照合).
pub struct CandidateView {
    /// The id of the form that matches this candidate with the row's numbers.
    pub form_id: String,
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kana: String,
    pub birth: String,
    pub insurer: String,
    pub insured: String,
    /// The question asked before matching.
    pub confirm: String,
}

pub struct RecipientView {
    /// The received form of this row can be printed (第6表, or a 計画書 with its 第1表).
    pub printable: bool,
    pub id: i64,
    /// Not registered here: may be registered from the set's 利用者補足情報.
    pub unknown: bool,
    pub code: String,
    pub name: String,
    pub insurer: String,
    pub insured: String,
    pub month: String,
    pub status: &'static str,
    pub changed: bool,
    pub blocked: String,
    pub warnings: Vec<String>,
    pub summary: String,
    pub lines: Vec<LineView>,
    /// Unknown here: who the set's 利用者補足情報 says the person is.
    pub person: String,
    /// Unknown here: our recipients who may be that person.
    pub candidates: Vec<CandidateView>,
}

#[derive(Template, WebTemplate)]
#[template(path = "careplan/receive_set.html")]
pub struct SetPage {
    pub layout: Layout,
    /// Why the last request was refused.
    pub error: Option<String>,
    /// May register recipients from the 補足情報 (利用者基本情報, 第6表 sets).
    pub can_register: bool,
    /// May match unknown recipients with ours (利用者基本情報).
    pub can_match: bool,
    pub timestamp: String,
    pub exported_at: String,
    pub sender: String,
    pub side_label: &'static str,
    pub rows: Vec<RecipientView>,
    /// The set's received forms can be printed (一括印刷).
    pub printable: bool,
    /// What 一括印刷 prints (第6表 / 計画書).
    pub print_label: &'static str,
}

/// The rows of a 第6表 set's page.
fn sheet_rows(set: &apply::ReceivedSet) -> Vec<RecipientView> {
    set.changes
        .iter()
        .map(|c| {
            let (added, removed, changed) = c.summary();
            RecipientView {
                printable: true,
                unknown: c.recipient.is_none(),
                id: c.recipient.as_ref().map(|r| r.id).unwrap_or(0),
                code: c
                    .recipient
                    .as_ref()
                    .map(|r| r.code.clone())
                    .unwrap_or_default(),
                name: c
                    .recipient
                    .as_ref()
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                insurer: c.insurer.clone(),
                insured: c.insured.clone(),
                month: c.month.wareki(),
                status: if c.blocked.is_some() {
                    "取込不可"
                } else if c.changed() {
                    "変更あり"
                } else {
                    "変更なし"
                },
                changed: c.changed(),
                blocked: c.blocked.clone().unwrap_or_default(),
                warnings: c.warnings.clone(),
                summary: if c.changed() {
                    format!("追加 {added} 行／削除 {removed} 行／変更 {changed} 行")
                } else {
                    "取り込んでも変わりません".into()
                },
                lines: c
                    .lines
                    .iter()
                    .filter(|l| l.status != LineStatus::Same)
                    .map(|l| LineView {
                        status: l.status.label(),
                        class: match l.status {
                            LineStatus::Added => "added",
                            LineStatus::Removed => "removed",
                            _ => "changed",
                        },
                        provider: format!("{}（{}）", l.provider_name, l.key.provider),
                        service: format!("{} {}", l.key.code, l.service_name),
                        time: format!(
                            "{}〜{}",
                            crate::web::dates::time_label(&l.key.start),
                            crate::web::dates::time_label(&l.key.end)
                        ),
                        days: l
                            .days
                            .iter()
                            .map(|d| DayView {
                                day: d.day,
                                before: d.before,
                                after: d.after,
                            })
                            .collect(),
                    })
                    .collect(),
                person: String::new(),
                candidates: Vec::new(),
            }
        })
        .collect()
}

/// For each row of a recipient we do not know: who the set's 利用者補足情報 says the person is,
/// and our recipients who may be that person (照合).
fn add_candidates(
    conn: &mut crate::db::DbConnection,
    office: &crate::db::offices::Office,
    ts: &str,
    rows: &mut [RecipientView],
) -> AppResult<()> {
    if !rows.iter().any(|r| r.unknown) {
        return Ok(());
    }
    let supplements = matching::supplements(conn, office, ts)?;
    for (i, row) in rows.iter_mut().enumerate().filter(|(_, r)| r.unknown) {
        let Some(s) = supplements.get(&(row.insurer.clone(), row.insured.clone())) else {
            row.person = "この送信単位に、この利用者の利用者補足情報はありません。".into();
            continue;
        };
        let person = Person::of(s);
        row.person = format!(
            "{}（{}） 生年月日 {}",
            person.name,
            person.kana,
            crate::web::dates::both_opt(&person.birth_date)
        );
        row.candidates = matching::candidates(conn, office, &person)?
            .into_iter()
            .map(|c| CandidateView {
                form_id: format!("match-{i}-{}", c.id),
                confirm: format!(
                    "{} {} の保険者番号・被保険者番号を {}・{} から、受信した {}・{} に変更します。よろしいですか？",
                    c.code, c.name, c.insurer_number, c.insured_number, row.insurer, row.insured
                ),
                id: c.id,
                birth: crate::web::dates::both_opt(&c.birth_date),
                code: c.code,
                name: c.name,
                kana: c.kana,
                insurer: c.insurer_number,
                insured: c.insured_number,
            })
            .collect();
    }
    Ok(())
}

/// A set page's header and rows, for either kind of set.
struct Loaded {
    sender: String,
    side_label: &'static str,
    careplan: bool,
    rows: Vec<RecipientView>,
}

fn load_view(
    conn: &mut crate::db::DbConnection,
    office: &crate::db::offices::Office,
    ts: &str,
) -> AppResult<Loaded> {
    if apply_careplan::is_careplan_set(conn, office, ts)? {
        let set = apply_careplan::compare(conn, office, ts)?;
        return Ok(Loaded {
            sender: format!("{} {}", set.sender, set.sender_type),
            side_label: if set.deleting {
                "居宅サービス計画書の削除"
            } else {
                "居宅サービス計画書"
            },
            careplan: true,
            rows: careplan_rows(&set),
        });
    }
    let set = apply::compare(conn, office, ts)?;
    Ok(Loaded {
        sender: format!("{} {}", set.sender, set.sender_type),
        side_label: if set.deleting {
            match set.side {
                Side::Plan => "利用票の削除（予定を取り消します）",
                Side::Actual => "実績票の削除（この事業所の実績を取り消します）",
            }
        } else {
            set.side.label()
        },
        careplan: false,
        rows: sheet_rows(&set),
    })
}

fn valid_timestamp(ts: &str) -> AppResult<()> {
    if ts.len() == 14 && ts.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

pub async fn show(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<Query>,
) -> AppResult<SetPage> {
    auth.require(Menu::CarePlanExchange)?;
    let ts = path.into_inner();
    valid_timestamp(&ts)?;
    set_page(&auth, &state, ts, &query.done, None).await
}

/// The page of a set, with a notice (`done`) or the reason the last request was refused.
async fn set_page(
    auth: &Auth,
    state: &web::Data<AppState>,
    ts: String,
    done: &str,
    error: Option<String>,
) -> AppResult<SetPage> {
    let office = auth.office.clone();
    let t = ts.clone();
    let can_match = auth.can(Menu::Recipients);
    let loaded = blocking(state, move |conn| {
        let mut loaded = load_view(conn, &office, &t)?;
        if can_match {
            add_candidates(conn, &office, &t, &mut loaded.rows)?;
        }
        Ok(loaded)
    })
    .await?;
    Ok(SetPage {
        layout: set_layout(auth, done),
        error,
        can_register: can_match && !loaded.careplan,
        can_match,
        exported_at: timestamp_label(&ts),
        timestamp: ts,
        sender: loaded.sender,
        side_label: loaded.side_label,
        printable: loaded.rows.iter().any(|r| r.printable),
        print_label: if loaded.careplan {
            "計画書"
        } else {
            "第6表"
        },
        rows: loaded.rows,
    })
}

/// The set's list as a spreadsheet (MS932 CSV that Excel opens; formulas made harmless).
pub async fn spreadsheet(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::CarePlanExchange)?;
    let ts = path.into_inner();
    valid_timestamp(&ts)?;
    let office = auth.office.clone();
    let t = ts.clone();
    let loaded = blocking(&state, move |conn| load_view(conn, &office, &t)).await?;
    let rows: Vec<Vec<String>> = loaded
        .rows
        .iter()
        .map(|r| {
            let mut messages: Vec<String> = Vec::new();
            if !r.blocked.is_empty() {
                messages.push(format!("(エ) {}", r.blocked));
            }
            messages.extend(r.warnings.iter().map(|w| format!("(警) {w}")));
            vec![
                r.status.to_string(),
                r.month.clone(),
                r.code.clone(),
                r.name.clone(),
                r.insurer.clone(),
                r.insured.clone(),
                r.summary.clone(),
                messages.join(" / "),
            ]
        })
        .collect();
    let data = crate::jobs::spreadsheet::csv_ms932(
        &[
            "状態",
            "提供月",
            "利用者コード",
            "氏名",
            "保険者番号",
            "被保険者番号",
            "変更内容",
            "エラー・警告内容",
        ],
        &rows,
    );
    Ok(crate::web::jobs::attachment(
        &format!("取込内容_{ts}.csv"),
        "text/csv; charset=Shift_JIS",
        data,
    ))
}

#[derive(Deserialize)]
pub struct ApplyForm {
    #[serde(default)]
    sel: Vec<String>,
}

pub async fn apply_set(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: CsrfForm<ApplyForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::CarePlanExchange)?;
    let ts = path.into_inner();
    let recipients: Vec<i64> = form.0.sel.iter().filter_map(|s| s.parse().ok()).collect();
    if recipients.is_empty() {
        return Err(AppError::BadRequest(
            "取り込む利用者が選択されていません。".into(),
        ));
    }
    let office = auth.office.clone();
    let actor = auth.actor();
    let login_id = auth.staff.login_id.clone();
    blocking(&state, move |conn| {
        // The set must exist for this office and the recipients must be in it.
        let known: Vec<i64> = if apply_careplan::is_careplan_set(conn, &office, &ts)? {
            apply_careplan::compare(conn, &office, &ts)?
                .changes
                .iter()
                .filter_map(|c| c.recipient.as_ref().map(|r| r.id))
                .collect()
        } else {
            apply::recipients_of_set(conn, &office, &ts)?
        };
        if recipients.iter().any(|r| !known.contains(r)) {
            return Err(AppError::BadRequest(
                "選択された利用者はこの送信単位に含まれていません。画面を表示し直してください。"
                    .into(),
            ));
        }
        crate::jobs::enqueue(
            conn,
            &actor,
            &import_apply::Payload {
                office_id: office.id,
                timestamp: ts,
                recipients,
                login_id,
                client_addr: actor.client_addr.clone(),
            },
        )?;
        Ok(())
    })
    .await?;
    Ok(see_other("/careplan/receive?done=queued"))
}

#[derive(Deserialize)]
pub struct RegisterForm {
    #[serde(default)]
    insurer: String,
    #[serde(default)]
    insured: String,
}

/// 補足情報から利用者を登録: a recipient the set names but we do not know.
pub async fn register(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: CsrfForm<RegisterForm>,
) -> AppResult<HttpResponse> {
    auth.require(Menu::CarePlanExchange)?;
    auth.require(Menu::Recipients)?;
    let ts = path.into_inner();
    if ts.len() != 14 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return Err(AppError::NotFound);
    }
    let office = auth.office.clone();
    let actor = auth.actor();
    let form = form.0;
    let t = ts.clone();
    blocking(&state, move |conn| {
        let id = apply::register_from_supplement(conn, &office, &t, &form.insurer, &form.insured)?;
        actor.record(
            conn,
            crate::db::audit::Action::RecipientSaved,
            &format!(
                "受信した利用者補足情報から利用者を登録（被保険者番号 {}、利用者ID {id}）",
                form.insured
            ),
        )?;
        Ok(())
    })
    .await?;
    Ok(see_other(&format!(
        "/careplan/receive/{ts}?done=registered"
    )))
}

#[derive(Deserialize)]
pub struct MatchForm {
    #[serde(default)]
    insurer: String,
    #[serde(default)]
    insured: String,
    #[serde(default)]
    recipient: String,
}

/// この利用者として照合: one of our recipients is the person the set names by other numbers; it
/// takes the file's numbers (exchange::matching). A refusal shows the set page again with why.
pub async fn match_recipient(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: CsrfForm<MatchForm>,
) -> AppResult<Either<HttpResponse, SetPage>> {
    auth.require(Menu::CarePlanExchange)?;
    auth.require(Menu::Recipients)?;
    let ts = path.into_inner();
    valid_timestamp(&ts)?;
    let form = form.0;
    let Ok(recipient) = form.recipient.parse::<i64>() else {
        return Err(AppError::BadRequest(
            "照合する利用者が選択されていません。".into(),
        ));
    };
    let office = auth.office.clone();
    let actor = auth.actor();
    let t = ts.clone();
    let result = blocking(&state, move |conn| {
        match matching::match_recipient(
            conn,
            &office,
            &actor,
            &t,
            &form.insurer,
            &form.insured,
            recipient,
        ) {
            Ok(_) => Ok(Ok(())),
            Err(AppError::BadRequest(why)) => Ok(Err(why)),
            Err(e) => Err(e),
        }
    })
    .await?;
    match result {
        Ok(()) => Ok(Either::Left(see_other(&format!(
            "/careplan/receive/{ts}?done=matched"
        )))),
        Err(why) => Ok(Either::Right(
            set_page(&auth, &state, ts, "", Some(why)).await?,
        )),
    }
}

pub struct PrintLine {
    pub provider: String,
    pub service: String,
    pub time: String,
    pub counts: Vec<String>,
    pub total: i32,
}

#[derive(Template, WebTemplate)]
#[template(path = "careplan/receive_print.html")]
pub struct PrintPage {
    pub layout: Layout,
    pub sender: String,
    pub exported_at: String,
    pub side_label: &'static str,
    /// One sheet per recipient (a page each when printed).
    pub sheets: Vec<PrintSheet>,
}

/// The received 第6表 of one recipient and month.
pub struct PrintSheet {
    pub name: String,
    pub insurer: String,
    pub insured: String,
    pub month: String,
    pub days: Vec<u32>,
    pub lines: Vec<PrintLine>,
}

fn print_sheet(c: &apply::RecipientChange) -> PrintSheet {
    let days = c.month.days();
    let lines = c
        .received_lines()
        .into_iter()
        .map(|(f, counts)| PrintLine {
            provider: format!("{}（{}）", f.provider_name, f.provider_number),
            service: format!("{} {}", f.service_code, f.service_name),
            time: format!(
                "{}〜{}",
                crate::web::dates::time_label(&f.start_time),
                crate::web::dates::time_label(&f.end_time)
            ),
            counts: counts[..days as usize]
                .iter()
                .map(|n| {
                    if *n == 0 {
                        String::new()
                    } else {
                        n.to_string()
                    }
                })
                .collect(),
            total: counts.iter().sum(),
        })
        .collect();
    PrintSheet {
        name: c
            .recipient
            .as_ref()
            .map(|r| r.name.clone())
            .unwrap_or_else(|| "（未登録の利用者）".into()),
        insurer: c.insurer.clone(),
        insured: c.insured.clone(),
        month: c.month.label(),
        days: (1..=days).collect(),
        lines,
    }
}

/// Which recipients of a set to print.
enum Pick {
    /// One person, by 被保険者番号 (a row's 印刷).
    Insured(String),
    /// The ticked recipients (registered recipients' ids), or everyone when none is ticked
    /// (一括印刷).
    Ids(Vec<i64>),
}

impl Pick {
    fn takes(&self, recipient: Option<&crate::db::recipients::Recipient>, insured: &str) -> bool {
        match self {
            Pick::Insured(i) => i == insured,
            Pick::Ids(ids) => ids.is_empty() || recipient.is_some_and(|r| ids.contains(&r.id)),
        }
    }
}

/// A received 計画書 of one recipient, as the paper forms.
pub struct PlanPrint {
    pub insurer: String,
    pub insured: String,
    pub sheet: crate::web::plans::PlanSheet,
}

#[derive(Template, WebTemplate)]
#[template(path = "careplan/receive_plan_print.html")]
pub struct PlanPrintPage {
    pub layout: Layout,
    pub sender: String,
    pub exported_at: String,
    /// One per plan (each starts a new page when printed).
    pub plans: Vec<PlanPrint>,
}

/// The received 計画書 of a set that `pick` chooses, with whose it is from the set's 利用者補足情報
/// (else from our recipient) and the sending 居宅 from our offices and 他社情報.
fn plan_prints(
    conn: &mut crate::db::DbConnection,
    office: &crate::db::offices::Office,
    set: &CareplanSet,
    pick: &Pick,
) -> AppResult<Vec<PlanPrint>> {
    use crate::web::plans::{PlanSheet, SheetPerson};
    let supplements = matching::supplements(conn, office, &set.timestamp)?;
    let directory = crate::db::partners::Directory::load(conn, office.corporation_id)?;
    let care_office = match (
        directory.own(&set.sender, &set.sender_type),
        directory.partner(&set.sender, &set.sender_type),
    ) {
        (Some(o), _) => (o.name.clone(), o.office_number.clone(), o.address.clone()),
        (None, Some(p)) => (p.name.clone(), p.office_number.clone(), p.address.clone()),
        (None, None) => (
            "（他社情報に未登録）".to_string(),
            set.sender.clone(),
            String::new(),
        ),
    };
    let mut out = Vec::new();
    for c in &set.changes {
        let Some((t1, lines, weekly, other)) = c.received() else {
            continue;
        };
        if !pick.takes(c.recipient.as_ref(), &c.insured) {
            continue;
        }
        let s = supplements.get(&(c.insurer.clone(), c.insured.clone()));
        let r = c.recipient.as_ref();
        let name = s.map(|s| s.name.clone()).filter(|n| !n.is_empty());
        let address = s
            .map(|s| format!("{}{}", s.address1, s.address2))
            .filter(|a| !a.is_empty());
        let who = SheetPerson {
            name: name
                .or_else(|| r.map(|r| r.name.clone()))
                .unwrap_or_else(|| "（未登録の利用者）".into()),
            birth_date: s
                .and_then(|s| s.birth_date)
                .or_else(|| r.and_then(|r| r.birth_date)),
            address: address
                .or_else(|| r.map(|r| r.address.clone()))
                .unwrap_or_default(),
            care_office: care_office.clone(),
        };
        out.push(PlanPrint {
            insurer: c.insurer.clone(),
            insured: c.insured.clone(),
            sheet: PlanSheet::new(who, t1, lines, weekly, other),
        });
    }
    Ok(out)
}

/// What a received set prints as: its 第6表 (a provider's 利用票, a 居宅's 実績票) or its 計画書.
enum Printed {
    Table6 {
        sender: String,
        side_label: &'static str,
        sheets: Vec<PrintSheet>,
    },
    Plans {
        sender: String,
        plans: Vec<PlanPrint>,
    },
}

/// The print page of a received set's recipients chosen by `pick` (in the set's order).
async fn print_page(
    auth: &Auth,
    state: &web::Data<AppState>,
    ts: String,
    pick: Pick,
) -> AppResult<Either<PrintPage, PlanPrintPage>> {
    auth.require(Menu::CarePlanExchange)?;
    valid_timestamp(&ts)?;
    let office = auth.office.clone();
    let t = ts.clone();
    let printed = blocking(state, move |conn| {
        if apply_careplan::is_careplan_set(conn, &office, &t)? {
            let set = apply_careplan::compare(conn, &office, &t)?;
            return Ok(Printed::Plans {
                sender: format!("{} {}", set.sender, set.sender_type),
                plans: plan_prints(conn, &office, &set, &pick)?,
            });
        }
        let set = apply::compare(conn, &office, &t)?;
        Ok(Printed::Table6 {
            sender: format!("{} {}", set.sender, set.sender_type),
            side_label: set.side.label(),
            sheets: set
                .changes
                .iter()
                .filter(|c| pick.takes(c.recipient.as_ref(), &c.insured))
                .map(print_sheet)
                .collect(),
        })
    })
    .await?;
    let layout = |title: &str, crumb: &str| {
        Layout::new(
            auth,
            Some(Menu::CarePlanExchange),
            title,
            &[
                ("ケアプラン連携", None),
                ("印刷・取込", Some("/careplan/receive")),
                (crumb, None),
            ],
        )
    };
    let nothing = match &printed {
        Printed::Table6 { sheets, .. } => sheets.is_empty(),
        Printed::Plans { plans, .. } => plans.is_empty(),
    };
    if nothing {
        return Err(AppError::NotFound);
    }
    Ok(match printed {
        Printed::Table6 {
            sender,
            side_label,
            sheets,
        } => Either::Left(PrintPage {
            layout: layout("受信した第6表（サービス利用票）", "受信した第6表"),
            sender,
            exported_at: timestamp_label(&ts),
            side_label,
            sheets,
        }),
        Printed::Plans { sender, plans } => Either::Right(PlanPrintPage {
            layout: layout("受信した居宅サービス計画書", "受信した計画書"),
            sender,
            exported_at: timestamp_label(&ts),
            plans,
        }),
    })
}

/// 印刷: the received 第6表 or 計画書 of one recipient (as received, before importing), printable.
pub async fn print(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> AppResult<Either<PrintPage, PlanPrintPage>> {
    let (ts, insured) = path.into_inner();
    print_page(&auth, &state, ts, Pick::Insured(insured)).await
}

/// 一括印刷: the received 第6表 or 計画書 of the ticked recipients (`sel`, registered recipients'
/// ids), or of every recipient of the set when none is ticked, one page each.
pub async fn print_all(
    auth: Auth,
    state: web::Data<AppState>,
    path: web::Path<String>,
    req: actix_web::HttpRequest,
) -> AppResult<Either<PrintPage, PlanPrintPage>> {
    let ids: Vec<i64> = serde_html_form::from_str::<SelQuery>(req.query_string())
        .map(|q| q.sel)
        .unwrap_or_default();
    print_page(&auth, &state, path.into_inner(), Pick::Ids(ids)).await
}

#[derive(Deserialize, Default)]
struct SelQuery {
    #[serde(default)]
    sel: Vec<i64>,
}

/// The rows of a received 計画書 set's page: one per plan version.
fn careplan_rows(set: &CareplanSet) -> Vec<RecipientView> {
    set.changes
        .iter()
        .map(|c| RecipientView {
            printable: c.received().is_some(),
            unknown: c.recipient.is_none(),
            id: c.recipient.as_ref().map(|r| r.id).unwrap_or(0),
            code: c
                .recipient
                .as_ref()
                .map(|r| r.code.clone())
                .unwrap_or_default(),
            name: c
                .recipient
                .as_ref()
                .map(|r| r.name.clone())
                .unwrap_or_default(),
            insurer: c.insurer.clone(),
            insured: c.insured.clone(),
            month: format!("計画作成日 {}", crate::web::dates::both(&c.plan_date)),
            status: if c.blocked.is_some() {
                "取込不可"
            } else {
                c.status
            },
            changed: c.changed(),
            blocked: c.blocked.clone().unwrap_or_default(),
            warnings: Vec::new(),
            person: String::new(),
            candidates: Vec::new(),
            summary: match c.status {
                "新規" => "この計画作成日の計画書を新しく登録します".into(),
                "変更あり" => {
                    "この計画作成日の計画書（第1〜3表）を受信した内容に置き換えます".into()
                }
                "削除" => "この計画作成日の計画書を削除します".into(),
                "削除済み" => "この計画書はありません（取り込んでも変わりません）".into(),
                _ => "取り込んでも変わりません".into(),
            },
            lines: Vec::new(),
        })
        .collect()
}

/// The frame of a set page (取込内容の確認), with the notice after registering a recipient.
fn set_layout(auth: &Auth, done: &str) -> Layout {
    Layout::new(
        auth,
        Some(Menu::CarePlanExchange),
        "ケアプラン連携 取込内容の確認",
        &[
            ("ケアプラン連携", None),
            ("印刷・取込", Some("/careplan/receive")),
            ("取込内容の確認", None),
        ],
    )
    .with_notice(match done {
        "registered" => Some(
            "利用者を登録しました。負担割合は1割で登録しています。利用者基本情報の画面で確認してください。"
                .to_string(),
        ),
        "matched" => Some(
            "利用者を照合し、保険者番号・被保険者番号を受信した内容に変更しました。保険者が変わった場合は、利用者基本情報の画面で保険者名と認定情報を確認してください。"
                .to_string(),
        ),
        _ => None,
    })
}
