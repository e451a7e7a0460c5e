//! 削除出力: DLTPLAN, DLT1KYO and DLTJSK for what was sent before and is no longer planned.

use super::careplan::{plan_destinations, plan_for_month};
use super::*;

/// A destination an earlier export sent something to: (recipient, number, type, plan date).
pub type Sent = (i64, String, String, Option<NaiveDate>);

/// Everything the history says was sent (not as a delete) for the month, once each.
pub(crate) fn sent_before(history: &[db::exports::ExportEntry], only: &[i64]) -> Vec<Sent> {
    let mut out: Vec<Sent> = Vec::new();
    for e in history.iter().filter(|e| !e.is_delete) {
        if !only.is_empty() && !only.contains(&e.recipient_id) {
            continue;
        }
        let key = (
            e.recipient_id,
            e.receiver_number.clone(),
            e.receiver_type.clone(),
            e.plan_date,
        );
        if !out.contains(&key) {
            out.push(key);
        }
    }
    out
}

/// Groups delete records by destination into one-file sets.
#[allow(clippy::too_many_arguments)]
pub(crate) fn delete_sets(
    conn: &mut DbConnection,
    corp: i64,
    office: &Office,
    kind: FileKind,
    month: Option<ServiceMonth>,
    targets: Vec<((String, String), Record, Member)>,
    version_override: Option<CsvVersion>,
    now: NaiveDateTime,
) -> Result<Vec<ExportSet>, AppError> {
    let sender = OfficeNumber::parse(&office.office_number)
        .map_err(|e| AppError::BadRequest(e.message_ja))?;
    let directory = db::partners::Directory::load(conn, corp)?;
    let mut destinations: Vec<(String, String)> = targets.iter().map(|t| t.0.clone()).collect();
    destinations.sort();
    destinations.dedup();
    let mut sets = Vec::new();
    for (i, (number, stype)) in destinations.into_iter().enumerate() {
        let Ok(receiver) = OfficeNumber::parse(&number) else {
            continue;
        };
        let version = match version_override {
            Some(v) => v,
            None => version_for(conn, corp, &number, &stype)?,
        };
        let mine: Vec<&((String, String), Record, Member)> = targets
            .iter()
            .filter(|t| t.0.0 == number && t.0.1 == stype)
            .collect();
        let records: Vec<Record> = mine.iter().map(|t| t.1.clone()).collect();
        let name = FileName {
            kind,
            month,
            sender: sender.clone(),
            sender_type: Some(office.service_type.clone()),
            receiver,
            receiver_type: Some(stype.clone()),
            timestamp: set_timestamp(now, i),
        };
        sets.push(ExportSet {
            receiver_name: directory
                .name_of(&number, &stype)
                .unwrap_or_default()
                .to_string(),
            receiver: number,
            receiver_type: stype,
            version,
            members: mine.iter().map(|t| t.2.clone()).collect(),
            files: vec![write_packed(&name, &records, version)?],
        });
    }
    Ok(sets)
}

/// What a delete export would withdraw: per recipient, the destinations (number, type, plan
/// date) sent before for the month that are no longer planned. Used by the builders and the
/// export screen.
pub fn withdrawn(
    conn: &mut DbConnection,
    office: &Office,
    data: DataKind,
    m: ServiceMonth,
    only: &[i64],
) -> Result<Vec<Sent>, AppError> {
    let corp = office.corporation_id;
    let history = db::exports::of_month(conn, corp, office.id, data.code(), &m.yyyymm(), None)?;
    let offices = db::offices::list(conn, corp)?;
    let mut out = Vec::new();
    // Per recipient: the destinations (number, type) still planned, and the plan in effect.
    type Current = (i64, Vec<(String, String)>, Option<NaiveDate>);
    let mut current: Vec<Current> = Vec::new();
    for (rid, number, stype, plan_date) in sent_before(&history, only) {
        if !current.iter().any(|c| c.0 == rid) {
            let (still, date): (Vec<(String, String)>, Option<NaiveDate>) = match data {
                DataKind::Plan => {
                    let lines = sq::lines_for(conn, rid, &m.yyyymm())?;
                    let days = sq::days_for(conn, &lines.iter().map(|l| l.id).collect::<Vec<_>>())?;
                    let still = lines
                        .iter()
                        .filter(|l| days.iter().any(|d| d.line_id == l.id && d.plan_count > 0))
                        .map(|l| (l.provider_number.clone(), l.provider_type.clone()))
                        .collect();
                    (still, None)
                }
                DataKind::Actual => {
                    let lines: Vec<ScheduleLine> = sq::lines_for(conn, rid, &m.yyyymm())?
                        .into_iter()
                        .filter(|l| l.is_provider(&office.office_number, &office.service_type))
                        .collect();
                    let days = sq::days_for(conn, &lines.iter().map(|l| l.id).collect::<Vec<_>>())?;
                    let delivered = days.iter().any(|d| d.actual_count > 0);
                    // While anything is delivered, the destination 居宅 stays.
                    let still = if delivered {
                        history
                            .iter()
                            .filter(|e| e.recipient_id == rid)
                            .map(|e| (e.receiver_number.clone(), e.receiver_type.clone()))
                            .collect()
                    } else {
                        Vec::new()
                    };
                    (still, None)
                }
                DataKind::Careplan => {
                    let still = plan_destinations(conn, corp, &offices, rid, m)?
                        .into_iter()
                        .map(|d| (d.0, d.1))
                        .collect();
                    (still, plan_for_month(conn, rid, m)?.map(|p| p.plan_date))
                }
            };
            current.push((rid, still, date));
        }
        let Some((_, still, date)) = current.iter().find(|c| c.0 == rid) else {
            continue;
        };
        let same_plan = data != DataKind::Careplan || *date == plan_date;
        if !(same_plan && still.iter().any(|s| s.0 == number && s.1 == stype)) {
            out.push((rid, number, stype, plan_date));
        }
    }
    Ok(out)
}

/// 削除出力: DLTPLAN (利用票), DLT1KYO (計画書) or DLTJSK (実績) for what `withdrawn` finds.
/// (The builders' common arguments plus the data kind.)
#[allow(clippy::too_many_arguments)]
pub fn build_delete_sets(
    conn: &mut DbConnection,
    office: &Office,
    data: DataKind,
    m: ServiceMonth,
    only: &[i64],
    version_override: Option<CsvVersion>,
    now: NaiveDateTime,
    progress: &mut Progress<'_>,
) -> Result<ExportResult, AppError> {
    let corp = office.corporation_id;
    let mut result = ExportResult::default();
    let mut targets = Vec::new();
    let own = OfficeNumber::parse(&office.office_number)
        .map_err(|e| AppError::BadRequest(e.message_ja))?;
    let own_type =
        ServiceType::parse(&office.service_type).map_err(|e| AppError::BadRequest(e.message_ja))?;
    let targets_found = withdrawn(conn, office, data, m, only)?;
    let total = targets_found.len();
    for (i, (rid, number, stype, plan_date)) in targets_found.into_iter().enumerate() {
        if i % 20 == 0 {
            progress(i, total)?;
        }
        let Some(r) = db::recipients::find_visible(conn, corp, office.id, rid)? else {
            continue;
        };
        let keys = match keys_or_block(&r) {
            Ok(k) => k,
            Err(b) => {
                if !result.blocked.contains(&b) {
                    result.blocked.push(b);
                }
                continue;
            }
        };
        let (insurer, insured) = keys;
        let record = match data {
            DataKind::Plan => Record::PlanDelete(PlanDelete {
                csv_version: CsvVersion::DEFAULT,
                insurer,
                insured,
                month: m,
            }),
            DataKind::Careplan => {
                let Some(plan_date) = plan_date else { continue };
                Record::Plan1Delete(Plan1Delete {
                    csv_version: CsvVersion::DEFAULT,
                    insurer,
                    insured,
                    plan_date,
                })
            }
            DataKind::Actual => Record::ActualsDelete(ActualsDelete {
                csv_version: CsvVersion::DEFAULT,
                insurer,
                insured,
                month: m,
                provider: own.clone(),
                service_type: own_type,
            }),
        };
        let member = Member {
            plan_date,
            ..Member::plain(rid)
        };
        targets.push(((number, stype), record, member));
    }
    let (kind, month) = match data {
        DataKind::Plan => (FileKind::Dltplan, Some(m)),
        DataKind::Careplan => (FileKind::Dlt1kyo, None),
        DataKind::Actual => (FileKind::Dltjsk, Some(m)),
    };
    result.sets = delete_sets(
        conn,
        corp,
        office,
        kind,
        month,
        targets,
        version_override,
        now,
    )?;
    Ok(result)
}
