//! 取込 of a received 居宅サービス計画書 (UP1KYO + UP2KYO + UP3KYO + UPHOSOKU `000000`) at a
//! provider: each plan, keyed by 保険者番号 + 被保険者番号 + 居宅サービス計画作成（変更）日, is
//! stored as that recipient's plan version (created, or replaced whole when that date is already
//! held); a DLT1KYO removes that version with its 第2表 and 第3表.

use crate::db::imports::{self as iq, ReceivedFile};
use crate::db::offices::Office;
use crate::db::plans::{self, PlanLine, Table1Fields, WeeklyEntry};
use crate::db::recipients::Recipient;
use crate::db::{self, DbConnection, DbResult};
use crate::standard::{self, FileKind, Record};
use crate::web::AppError;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// One plan as received.
#[derive(Debug, Clone, Default)]
struct Incoming {
    table1: Option<Table1Fields>,
    table2_date: Option<NaiveDate>,
    lines: Vec<PlanLine>,
    table3_date: Option<NaiveDate>,
    weekly: Vec<WeeklyEntry>,
    other: String,
    delete: bool,
}

#[derive(Debug, Clone)]
pub struct PlanChange {
    pub recipient: Option<Recipient>,
    pub insurer: String,
    pub insured: String,
    pub plan_date: NaiveDate,
    /// 新規 / 変更あり / 変更なし / 削除 / 削除済み
    pub status: &'static str,
    pub blocked: Option<String>,
    incoming: Incoming,
}

impl PlanChange {
    pub fn changed(&self) -> bool {
        matches!(self.status, "新規" | "変更あり" | "削除")
    }

    /// The plan as received, for the printable 計画書: 第1表, 第2表 lines, 第3表 entries and
    /// 週単位以外のサービス (None for a delete or a plan without its 第1表).
    pub fn received(&self) -> Option<(&Table1Fields, &[PlanLine], &[WeeklyEntry], &str)> {
        let t1 = self.incoming.table1.as_ref()?;
        Some((
            t1,
            &self.incoming.lines,
            &self.incoming.weekly,
            &self.incoming.other,
        ))
    }
}

pub struct CareplanSet {
    pub timestamp: String,
    pub sender: String,
    pub sender_type: String,
    pub deleting: bool,
    pub files: Vec<ReceivedFile>,
    pub changes: Vec<PlanChange>,
}

/// Whether a received set (files not yet applied) carries a 計画書 or its delete.
pub fn is_careplan_set(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
) -> DbResult<bool> {
    Ok(
        iq::kinds_of_timestamp(conn, office.corporation_id, office.id, timestamp)?
            .iter()
            .any(|k| k == "UP1KYO" || k == "DLT1KYO"),
    )
}

fn time_text(t: Option<standard::Hhmm>) -> String {
    use crate::standard::layout::FieldValue;
    t.map(|t| t.format_field())
        .filter(|s| s != "9999")
        .unwrap_or_default()
}

/// Reads a received 計画書 set of the office and compares each plan with what we hold.
pub fn compare(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
) -> Result<CareplanSet, AppError> {
    let corp = office.corporation_id;
    let stored = super::apply::load_set(conn, office, timestamp)?;
    let mut plans: BTreeMap<(String, String, NaiveDate), Incoming> = BTreeMap::new();
    let (mut sender, mut sender_type, mut deleting) = (String::new(), String::new(), false);
    let mut files = Vec::new();
    for (f, data) in stored {
        let parsed = standard::read_file(&f.file_name, &data);
        if matches!(parsed.kind, Some(FileKind::Up1kyo | FileKind::Dlt1kyo)) {
            sender = f.sender_number.clone();
            sender_type = f.sender_type.clone();
        }
        for (_, r) in parsed.data() {
            match r {
                Record::Plan1(p) => {
                    let e = plans
                        .entry((p.insurer.to_string(), p.insured.to_string(), p.plan_date))
                        .or_default();
                    e.table1 = Some(Table1Fields {
                        plan_date: p.plan_date,
                        document_date: p.created_on,
                        first_plan_date: p.first_plan_date,
                        plan_category: p
                            .plan_category
                            .map(|c| c.code().to_string())
                            .unwrap_or_default(),
                        cert_status: p
                            .certification_status
                            .map(|c| c.code().to_string())
                            .unwrap_or_default(),
                        certified_on: p.certified_on,
                        cert_from: p.valid_from,
                        cert_to: p.valid_to,
                        care_level: p
                            .care_level
                            .map(|c| c.code().to_string())
                            .unwrap_or_default(),
                        author_name: p.author_name.clone(),
                        intentions: p.needs_analysis.clone(),
                        board_opinion: p.board_opinion.clone(),
                        policy: p.policy.clone(),
                        livelihood_reason: p
                            .daily_life_reason
                            .map(|c| c.code().to_string())
                            .unwrap_or_default(),
                        livelihood_other: p.other_reason.clone(),
                    });
                }
                Record::Plan2(p) => {
                    let e = plans
                        .entry((p.insurer.to_string(), p.insured.to_string(), p.plan_date))
                        .or_default();
                    e.table2_date = Some(p.document_date);
                    // A record holding only the keys (an empty 第2表) adds no line.
                    let line = PlanLine {
                        need_no: p.need_no.unwrap_or(0) as i32,
                        need: p.need.clone(),
                        goal_no: p.goal_no.unwrap_or(0) as i32,
                        long_goal: p.long_term_goal.clone(),
                        long_period: p.long_term_period.clone(),
                        short_goal: p.short_term_goal.clone(),
                        short_period: p.short_term_period.clone(),
                        item_no: p.service_no.unwrap_or(0) as i32,
                        content: p.service_content.clone(),
                        insured: p
                            .insurance_covered
                            .map(|c| c.code().to_string())
                            .unwrap_or_default(),
                        service_kind: p.service_kind.clone(),
                        provider_number: p
                            .provider
                            .as_ref()
                            .map(|o| o.to_string())
                            .unwrap_or_default(),
                        provider_name: p.provider_name.clone(),
                        frequency: p.frequency.clone(),
                        period: p.period.clone(),
                    };
                    if line != PlanLine::default() {
                        e.lines.push(line);
                    }
                }
                Record::Plan3(p) => {
                    let e = plans
                        .entry((p.insurer.to_string(), p.insured.to_string(), p.plan_date))
                        .or_default();
                    e.table3_date = Some(p.document_date);
                    if !p.care_service.is_empty() {
                        e.weekly.push(WeeklyEntry {
                            kind: "service".into(),
                            name: p.care_service.clone(),
                            weekday: p.weekday.and_then(|w| w.code().parse().ok()),
                            start_time: time_text(p.service_start),
                            end_time: time_text(p.service_end),
                        });
                    }
                    if !p.activity.is_empty() {
                        e.weekly.push(WeeklyEntry {
                            kind: "activity".into(),
                            name: p.activity.clone(),
                            weekday: None,
                            start_time: time_text(p.activity_start),
                            end_time: time_text(p.activity_end),
                        });
                    }
                    if !p.non_weekly_service.is_empty() {
                        e.other = p.non_weekly_service.clone();
                    }
                }
                Record::Plan1Delete(p) => {
                    plans
                        .entry((p.insurer.to_string(), p.insured.to_string(), p.plan_date))
                        .or_default()
                        .delete = true;
                    deleting = true;
                }
                _ => {}
            }
        }
        files.push(f);
    }
    if sender.is_empty() {
        return Err(AppError::BadRequest(
            "この送信単位には居宅サービス計画書がありません。".into(),
        ));
    }
    let mut changes = Vec::new();
    for ((insurer, insured, plan_date), incoming) in plans {
        let recipient = db::recipients::find_by_numbers(conn, corp, &insurer, &insured)?;
        let mut change = PlanChange {
            recipient: recipient.clone(),
            insurer,
            insured,
            plan_date,
            status: "変更なし",
            blocked: None,
            incoming,
        };
        match recipient {
            None => {
                change.blocked = Some(format!(
                    "被保険者番号 {}（保険者 {}）の利用者が登録されていません。利用者を登録してから取り込んでください。",
                    change.insured, change.insurer
                ));
            }
            Some(r) => {
                let held = plans::find_by_date(conn, r.id, plan_date)?;
                change.status = match (&held, change.incoming.delete) {
                    (Some(_), true) => "削除",
                    (None, true) => "削除済み",
                    (None, false) => "新規",
                    (Some(p), false) => {
                        let same = Some(plans::table1_of(p)) == change.incoming.table1
                            && plans::lines(conn, p.id)? == change.incoming.lines
                            && plans::weekly(conn, p.id)? == change.incoming.weekly
                            && p.weekly_other == change.incoming.other;
                        if same { "変更なし" } else { "変更あり" }
                    }
                };
                if !change.incoming.delete && change.incoming.table1.is_none() {
                    change.blocked = Some("第1表（UP1KYO）がないため取り込めません。".into());
                }
            }
        }
        changes.push(change);
    }
    Ok(CareplanSet {
        timestamp: timestamp.to_string(),
        sender,
        sender_type,
        deleting,
        files,
        changes,
    })
}

/// Applies the chosen plans (all when `only` is empty) inside the caller's transaction.
pub fn apply(
    conn: &mut DbConnection,
    office: &Office,
    set: &CareplanSet,
    only: &[i64],
    staff_id: Option<i64>,
) -> DbResult<usize> {
    let corp = office.corporation_id;
    let mut applied = 0;
    for c in &set.changes {
        let Some(r) = &c.recipient else { continue };
        if c.blocked.is_some() || (!only.is_empty() && !only.contains(&r.id)) {
            continue;
        }
        let held = plans::find_by_date(conn, r.id, c.plan_date)?;
        if c.incoming.delete {
            if let Some(p) = held {
                plans::delete(conn, p.id)?;
            }
        } else if let Some(t1) = &c.incoming.table1 {
            let id = match held {
                Some(p) => {
                    plans::update_table1(conn, p.id, t1)?;
                    p.id
                }
                None => plans::create(
                    conn,
                    &plans::NewPlan {
                        corporation_id: corp,
                        recipient_id: r.id,
                        office_id: office.id,
                        created_by: staff_id,
                        table1: t1,
                        weekly_other: &c.incoming.other,
                    },
                )?,
            };
            plans::replace_lines(conn, id, c.incoming.table2_date, &c.incoming.lines)?;
            plans::replace_weekly(
                conn,
                id,
                c.incoming.table3_date,
                &c.incoming.weekly,
                &c.incoming.other,
            )?;
        }
        iq::record_applied(
            conn,
            &iq::NewImport {
                corporation_id: corp,
                office_id: office.id,
                recipient_id: r.id,
                month: c.plan_date.format("%Y%m%d").to_string(),
                side: "careplan".into(),
                sender_number: set.sender.clone(),
                sender_type: set.sender_type.clone(),
                file_timestamp: set.timestamp.clone(),
                summary: format!(
                    "計画作成日 {}：{}",
                    c.plan_date.format("%Y/%m/%d"),
                    c.status
                ),
                applied_by: staff_id,
                applied_at: db::now(),
            },
        )?;
        applied += 1;
    }
    iq::mark_applied(conn, corp, office.id, &set.timestamp)?;
    Ok(applied)
}
