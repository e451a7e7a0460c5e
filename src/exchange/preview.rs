//! The export screen's list: which recipients an export would take, what blocks them (errors,
//! shown with (エ)) and what the user should know before sending (warnings, (警)).
//!
//! [`candidates`] is cheap (a few queries for the whole office) and filters; [`assess`] builds
//! each recipient's records exactly as the export would (so an error here is an error there)
//! and is run for the rows on screen and for the confirmation.

use super::export::{self, DataKind, is_care_office, plan_destinations};
use crate::db::exports::ExportEntry;
use crate::db::offices::Office;
use crate::db::partners::Directory;
use crate::db::recipients::Recipient;
use crate::db::{self, DbConnection};
use crate::domain::{OfficeNumber, ServiceMonth, ServiceType};
use crate::web::AppError;
use chrono::{NaiveDate, NaiveDateTime};

/// 居宅 filter of a provider's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    All,
    /// 自社事業所: the recipient's 居宅 is one of our own offices.
    Own,
    /// 他社事業所: the recipient's 居宅 is a partner.
    Other,
}

#[derive(Debug, Clone)]
pub struct Filters {
    pub data: DataKind,
    pub delete: bool,
    pub month: ServiceMonth,
    pub care_manager_id: Option<i64>,
    pub side: Side,
    /// 氏名かな (or part of the name).
    pub kana: String,
    /// 要介護度 code.
    pub care_level: String,
    /// 連携対応の相手先のみ.
    pub linked_only: bool,
    /// Only these recipients (the confirmation's selection).
    pub only: Vec<i64>,
}

/// Where a recipient's files go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub number: String,
    pub service_type: String,
    pub name: String,
    /// One of our own offices (it reads what we write).
    pub own: bool,
    /// Registered in 他社情報.
    pub registered: bool,
    /// 連携対応 (own offices count as linked).
    pub linked: bool,
    /// Reads only V3.
    pub v3_only: bool,
}

impl Destination {
    pub fn key(&self) -> String {
        format!("{}:{}", self.number, self.service_type)
    }
}

#[derive(Debug, Clone)]
pub struct Candidate {
    pub recipient: Recipient,
    pub care_level: String,
    pub care_manager: String,
    pub status: &'static str,
    pub status_class: &'static str,
    /// The last export of this kind and month (deletes included).
    pub last_export: Option<NaiveDateTime>,
    pub destinations: Vec<Destination>,
    pub errors: Vec<String>,
    pub warnings: Vec<String>,
    /// The last entries sent (not deletes) and the last delete, for the warnings.
    last_sent: Option<ExportEntry>,
    last_delete: Option<ExportEntry>,
}

impl Candidate {
    pub fn blocked(&self) -> bool {
        !self.errors.is_empty()
    }
}

fn destination(number: &str, stype: &str, name: &str, directory: &Directory) -> Destination {
    let own = directory.own(number, stype).is_some();
    let partner = directory.partner(number, stype);
    Destination {
        number: number.to_string(),
        service_type: stype.to_string(),
        name: directory
            .name_of(number, stype)
            .filter(|n| !n.is_empty())
            .unwrap_or(name)
            .to_string(),
        own,
        registered: partner.is_some(),
        linked: own || partner.is_some_and(|p| p.exchange_enabled),
        v3_only: !own && partner.is_some_and(|p| p.csv_version == "v3"),
    }
}

/// The recipients an export of `office` with these filters would take, with their status,
/// last export and destinations; errors and warnings are filled by [`assess`].
pub fn candidates(
    conn: &mut DbConnection,
    office: &Office,
    f: &Filters,
) -> Result<Vec<Candidate>, AppError> {
    let corp = office.corporation_id;
    let m = f.month;
    let month = m.yyyymm();
    let care = is_care_office(office);
    let directory = Directory::load(conn, corp)?;
    let (offices, partners) = (&directory.offices, &directory.partners);
    let rows = db::recipients::all_of_office(conn, corp, office.id, m.first_day())?;
    let ids: Vec<i64> = rows.iter().map(|r| r.recipient.id).collect();
    let summary = db::schedules::month_summary(conn, &ids, &month)?;
    let locks = db::schedules::locks_for(conn, &ids, &month)?;
    let latest = db::exports::latest_of_month(conn, corp, office.id, f.data.code(), &month)?;
    let withdrawn = if f.delete {
        export::withdrawn(conn, office, f.data, m, &[])?
    } else {
        Vec::new()
    };
    // Care managers by id (a provider's recipients have the 居宅's care managers).
    let mut manager_ids: Vec<i64> = rows
        .iter()
        .filter_map(|r| r.recipient.care_manager_id)
        .collect();
    manager_ids.sort_unstable();
    manager_ids.dedup();
    let managers: Vec<(i64, String)> = db::staff::names_of(conn, corp, &manager_ids)?;
    let kana = crate::domain::kana::normalize(&f.kana);
    let mut out = Vec::new();
    for row in rows {
        let r = row.recipient;
        if !f.only.is_empty() && !f.only.contains(&r.id) {
            continue;
        }
        if care && r.care_office_id != Some(office.id) {
            continue;
        }
        if f.care_manager_id.is_some() && r.care_manager_id != f.care_manager_id {
            continue;
        }
        if !kana.is_empty() && !r.kana.contains(&kana) && !r.name.contains(f.kana.trim()) {
            continue;
        }
        let level = row.certification.as_ref();
        if !f.care_level.is_empty() && level.map(|c| c.care_level.as_str()) != Some(&f.care_level) {
            continue;
        }
        let mine: Vec<&db::schedules::ProviderMonth> = summary
            .iter()
            .filter(|s| s.recipient_id == r.id)
            .filter(|s| ServiceType::parse(&s.provider_type).is_ok_and(|t| t.is_exchange_target()))
            .filter(|s| {
                care || (s.provider_number == office.office_number
                    && s.provider_type == office.service_type)
            })
            .collect();
        let locked_all = !mine.is_empty()
            && mine.iter().all(|s| {
                locks.iter().any(|l| {
                    l.recipient_id == r.id
                        && l.provider_number == s.provider_number
                        && l.provider_type == s.provider_type
                })
            });
        let planned = mine.iter().any(|s| s.planned > 0);
        let actual = mine.iter().any(|s| s.actual > 0);
        let (status, status_class) = if locked_all {
            ("確定済", "locked")
        } else if actual {
            ("実績済", "actual")
        } else if planned {
            ("作成済", "planned")
        } else {
            ("未作成", "none")
        };
        let mut destinations: Vec<Destination> = Vec::new();
        if f.delete {
            for (rid, number, stype, _) in &withdrawn {
                if *rid == r.id
                    && !destinations
                        .iter()
                        .any(|d| d.number == *number && d.service_type == *stype)
                {
                    destinations.push(destination(number, stype, "", &directory));
                }
            }
            if destinations.is_empty() {
                continue;
            }
        } else {
            match f.data {
                DataKind::Plan => {
                    if !planned {
                        continue;
                    }
                    for s in &mine {
                        if s.planned > 0 {
                            destinations.push(destination(
                                &s.provider_number,
                                &s.provider_type,
                                &s.provider_name,
                                &directory,
                            ));
                        }
                    }
                }
                DataKind::Careplan => {
                    for (number, stype, name) in plan_destinations(conn, corp, offices, r.id, m)? {
                        destinations.push(destination(&number, &stype, &name, &directory));
                    }
                }
                DataKind::Actual => {
                    // A provider sees only recipients whose actuals are entered (実績済 / 確定済).
                    if !actual {
                        continue;
                    }
                    let to = match (r.care_office_id, r.care_partner_id) {
                        (Some(o), _) => offices.iter().find(|x| x.id == o).map(|o| {
                            destination(&o.office_number, &o.service_type, &o.name, &directory)
                        }),
                        (None, Some(p)) => partners.iter().find(|x| x.id == p).map(|p| {
                            destination(&p.office_number, &p.service_type, &p.name, &directory)
                        }),
                        _ => None,
                    };
                    destinations.extend(to);
                }
            }
        }
        if !care {
            let own_side = r.care_office_id.is_some();
            if (f.side == Side::Own && !own_side) || (f.side == Side::Other && own_side) {
                continue;
            }
        }
        if f.linked_only && !destinations.iter().any(|d| d.linked) {
            continue;
        }
        let mine = latest.get(&r.id).cloned().unwrap_or_default();
        out.push(Candidate {
            care_level: level.map(|c| c.care_level_name()).unwrap_or_default(),
            care_manager: r
                .care_manager_id
                .and_then(|id| managers.iter().find(|m| m.0 == id))
                .map(|m| m.1.clone())
                .unwrap_or_default(),
            status,
            status_class,
            last_export: mine.last_export(),
            last_sent: mine.sent,
            last_delete: mine.delete,
            destinations,
            errors: Vec::new(),
            warnings: Vec::new(),
            recipient: r,
        });
    }
    Ok(out)
}

/// Fills errors and warnings by building each recipient's records as the export would.
pub fn assess(
    conn: &mut DbConnection,
    office: &Office,
    f: &Filters,
    rows: &mut [Candidate],
    today: NaiveDate,
) -> Result<(), AppError> {
    let corp = office.corporation_id;
    let m = f.month;
    let sender = OfficeNumber::parse(&office.office_number)
        .map_err(|e| AppError::BadRequest(e.message_ja))?;
    let offices = db::offices::list(conn, corp)?;
    // The certifications of the rows on screen, read at once (for the warning below).
    let ids: Vec<i64> = rows.iter().map(|c| c.recipient.id).collect();
    let certifications = if f.data != DataKind::Actual && !f.delete {
        db::recipients::certifications_of_many(conn, &ids)?
    } else {
        Vec::new()
    };
    // The month's data of the rows on screen, loaded at once.
    let data = if f.data == DataKind::Plan && !f.delete {
        let recipients: Vec<&Recipient> = rows.iter().map(|c| &c.recipient).collect();
        Some(export::MonthData::load(conn, corp, &recipients, m)?)
    } else {
        None
    };
    for c in rows.iter_mut() {
        let r = c.recipient.clone();
        let member = if f.delete {
            if let Err(b) = export::keys_or_block(&r) {
                c.errors.push(b.message_ja);
            }
            if let Some(d) = &c.last_delete {
                c.warnings.push(format!(
                    "削除の CSV ファイルを作成済みです（{}）。",
                    crate::web::fmt_jst(&d.created_at)
                ));
            }
            None
        } else {
            let built = match f.data {
                DataKind::Plan => {
                    let data = data
                        .as_ref()
                        .ok_or_else(|| AppError::internal("month data"))?;
                    export::plan_records_for(data, &sender, r.clone(), m, today)?
                        .map(|b| b.map(|b| b.member))
                }
                DataKind::Careplan => {
                    export::careplan_records_for(conn, office, &sender, &offices, &r, m)?
                        .map(|b| Some(b.member))
                }
                DataKind::Actual => {
                    export::actual_records_for(conn, office, &sender, &offices, &r, m, today)?
                        .map(|b| b.map(|b| b.2))
                }
            };
            match built {
                Ok(member) => member,
                Err(b) => {
                    c.errors.push(b.message_ja);
                    None
                }
            }
        };
        if let (Some(member), Some(last)) = (&member, &c.last_sent) {
            if f.data != DataKind::Actual
                && !last.cert_hash.is_empty()
                && last.cert_hash != member.cert_hash
            {
                c.warnings
                    .push("利用者の認定情報が変更されています。".into());
            }
            let after_delete = c.last_delete.as_ref().is_some_and(|d| d.id > last.id);
            if last.content_hash == member.content_hash && !after_delete {
                c.warnings.push(format!(
                    "前回の出力（{}）から変更がありません。",
                    crate::web::fmt_jst(&last.created_at)
                ));
            }
        }
        if f.data != DataKind::Actual && !f.delete {
            let last = m.last_day();
            for cert in certifications.iter().filter(|c| c.recipient_id == r.id) {
                if cert.overlaps(m.first_day(), last) && cert.valid_to < last {
                    c.warnings.push(format!(
                        "認定の有効期間が月の途中（{}）で終了します。",
                        crate::web::dates::both(&cert.valid_to)
                    ));
                }
            }
        }
        for d in &c.destinations {
            let label = if d.name.is_empty() {
                d.number.clone()
            } else {
                d.name.clone()
            };
            if d.own {
                continue;
            }
            if !d.registered {
                c.warnings.push(format!(
                    "{label}（{}）は他社情報に登録されていません（V4 で出力します）。",
                    d.number
                ));
            } else if !d.linked {
                c.warnings
                    .push(format!("{label}は連携対応になっていません（他社情報）。"));
            }
            if d.v3_only {
                c.warnings.push(format!("{label}は V3 のみ読み込めます。"));
            }
        }
    }
    Ok(())
}
