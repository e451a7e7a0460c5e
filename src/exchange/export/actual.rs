//! 実績: UPJSK per destination 居宅.

use super::*;

/// A destination 居宅 (number, type, name) with its records and recipients.
pub(crate) type Destination = ((String, String, String), Vec<Record>, Vec<Member>);

/// A recipient's 実績: destination 居宅 (number, type, name), its UPJSK records, its member.
pub type ActualRecords = ((String, String, String), Vec<Record>, Member);

/// One recipient's 実績 records from this provider office for the month, with the destination
/// 居宅 (number, type, name); `None` when nothing was delivered.
pub fn actual_records_for(
    conn: &mut DbConnection,
    provider_office: &Office,
    sender: &OfficeNumber,
    offices: &[Office],
    r: &Recipient,
    m: ServiceMonth,
    today: NaiveDate,
) -> Result<Result<Option<ActualRecords>, Blocker>, AppError> {
    let corp = provider_office.corporation_id;
    let lines: Vec<ScheduleLine> = sq::lines_for(conn, r.id, &m.yyyymm())?
        .into_iter()
        .filter(|l| {
            l.is_provider(
                &provider_office.office_number,
                &provider_office.service_type,
            )
        })
        .collect();
    let days = sq::days_for(conn, &lines.iter().map(|l| l.id).collect::<Vec<_>>())?;
    if !days.iter().any(|d| d.actual_count > 0) {
        return Ok(Ok(None));
    }
    let (Ok(insurer), Ok(insured)) = (
        InsurerNumber::parse(&r.insurer_number),
        InsuredNumber::parse(&r.insured_number),
    ) else {
        return Ok(Err(Blocker {
            recipient_id: r.id,
            message_ja: "保険者番号または被保険者番号がありません。".into(),
            message_en: "no insurer or insured number".into(),
        }));
    };
    let destination = match (r.care_office_id, r.care_partner_id) {
        (Some(o), _) => offices.iter().find(|x| x.id == o).map(|o| {
            (
                o.office_number.clone(),
                o.service_type.clone(),
                o.name.clone(),
            )
        }),
        (None, Some(p)) => {
            db::partners::find(conn, corp, p)?.map(|p| (p.office_number, p.service_type, p.name))
        }
        _ => None,
    };
    let Some(destination) = destination else {
        return Ok(Err(Blocker {
            recipient_id: r.id,
            message_ja: "居宅介護支援事業所が設定されていません。".into(),
            message_en: "the recipient has no care-management office".into(),
        }));
    };
    let head = ScheduleHead {
        keys: (insurer, insured),
        month: m,
        today,
        plan_office: OfficeNumber::parse(&destination.0).ok(),
        care_manager: "",
        updater: sender,
    };
    let mut records = Vec::new();
    for l in &lines {
        let delivered = days
            .iter()
            .filter(|d| d.line_id == l.id && d.actual_count > 0);
        records.extend(delivered.filter_map(|d| {
            let entry = DayEntry {
                day: d.day,
                count: d.actual_count,
                start: d.actual_start.as_deref().unwrap_or(&l.start_time),
                end: d.actual_end.as_deref().unwrap_or(&l.end_time),
                units: l.units.max(0) as u32,
            };
            schedule_record(&head, l, entry)
        }));
    }
    let member = Member {
        content_hash: content_hash(&records),
        ..Member::plain(r.id)
    };
    Ok(Ok(Some((destination, records, member))))
}

/// The provider's 実績 sets: one UPJSK per destination 居宅 (its number and type), holding the
/// actuals of every recipient this provider office served in the month (satellites merged).
pub fn build_actual_sets(
    conn: &mut DbConnection,
    provider_office: &Office,
    m: ServiceMonth,
    only: &[i64],
    version_override: Option<CsvVersion>,
    now: NaiveDateTime,
    progress: &mut Progress<'_>,
) -> Result<ExportResult, AppError> {
    let corp = provider_office.corporation_id;
    let sender = OfficeNumber::parse(&provider_office.office_number)
        .map_err(|e| AppError::BadRequest(e.message_ja))?;
    let rows = db::recipients::all_of_office(conn, corp, provider_office.id, m.first_day())?;
    let offices = db::offices::list(conn, corp)?;
    let mut result = ExportResult::default();
    let mut by_destination: Vec<Destination> = Vec::new();
    let today = now.date();
    let total = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        if i % 20 == 0 {
            progress(i, total)?;
        }
        let r = row.recipient;
        if !only.is_empty() && !only.contains(&r.id) {
            continue;
        }
        let (destination, records, member) =
            match actual_records_for(conn, provider_office, &sender, &offices, &r, m, today)? {
                Ok(Some(x)) => x,
                Ok(None) => continue,
                Err(b) => {
                    result.blocked.push(b);
                    continue;
                }
            };
        match by_destination
            .iter_mut()
            .find(|(d, _, _)| *d == destination)
        {
            Some((_, recs, members)) => {
                recs.extend(records);
                members.push(member);
            }
            None => by_destination.push((destination, records, vec![member])),
        }
    }
    by_destination.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, ((number, stype, name), records, members)) in by_destination.into_iter().enumerate() {
        let Ok(receiver) = OfficeNumber::parse(&number) else {
            continue;
        };
        let version = match version_override {
            Some(v) => v,
            None => version_for(conn, corp, &number, &stype)?,
        };
        let file_name = FileName {
            kind: FileKind::Upjsk,
            month: Some(m),
            sender: sender.clone(),
            sender_type: Some(provider_office.service_type.clone()),
            receiver,
            receiver_type: Some(stype.clone()),
            timestamp: set_timestamp(now, i),
        };
        result.sets.push(ExportSet {
            receiver: number,
            receiver_type: stype,
            receiver_name: name,
            version,
            members,
            files: vec![write_packed(&file_name, &records, version)?],
        });
    }
    Ok(result)
}
