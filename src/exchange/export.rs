//! Export: the 居宅's 利用票 sets (第6表 UPPLAN + 第7表 UPSIKYU + 利用者補足情報 UPHOSOKU) for a
//! month, one set per destination office × service type, and the monthly zip.
//!
//! Rules followed (../shared/spec/csv-schedule-actuals.md §4): one month per file; a set goes to
//! one receiver (number + type) and holds every selected recipient who uses that receiver;
//! each recipient's 第6/7表 carries all providers' lines of that recipient except service types
//! outside the exchange; the 第7表 carries its subtotal and total rows; the sets of one export
//! get distinct timestamps (one second apart), because the receiver groups files into sets by
//! timestamp alone.

use crate::db::offices::Office;
use crate::db::recipients::Recipient;
use crate::db::schedules::{self as sq, ScheduleDay, ScheduleLine};
use crate::db::{self, DbConnection};
use crate::domain::billing::{RowKind, Table7};
use crate::domain::{
    CareLevel, InsuredNumber, InsurerNumber, OfficeNumber, ServiceCode, ServiceMonth, ServiceType,
};
use crate::standard::{
    Benefit, CsvVersion, DateOrZero, FileKind, FileName, Hhmm, MonthOrZero, Record, Schedule,
    Supplement, UnitPrice, WrittenFile, write_file,
};
use crate::web::schedules::{Basis, compute_table7};
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use std::io::Write;

/// Why a recipient cannot be exported (shown with (エ) on the export list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub recipient_id: i64,
    pub message_ja: String,
    pub message_en: String,
}

/// One destination's set.
#[derive(Debug)]
pub struct ExportSet {
    pub receiver: String,
    pub receiver_type: String,
    pub receiver_name: String,
    pub version: CsvVersion,
    pub recipients: Vec<i64>,
    pub files: Vec<WrittenFile>,
}

/// What an export produced.
#[derive(Debug, Default)]
pub struct ExportResult {
    pub sets: Vec<ExportSet>,
    pub blocked: Vec<Blocker>,
}

/// The CSV version a receiver reads: V3 for partners registered as V3-only, else V4.1.
pub fn version_for(
    conn: &mut DbConnection,
    corporation_id: i64,
    number: &str,
    service_type: &str,
) -> db::DbResult<CsvVersion> {
    Ok(
        match db::partners::find_by_number(conn, corporation_id, number, service_type)? {
            Some(p) if p.csv_version == "v3" => CsvVersion::V202208,
            _ => CsvVersion::V202407,
        },
    )
}

fn hhmm(t: &str) -> Hhmm {
    if t.len() == 4 && t != "9999" {
        Hhmm::at(t[..2].parse().unwrap_or(99), t[2..].parse().unwrap_or(99)).unwrap_or(Hhmm::NoTime)
    } else {
        Hhmm::NoTime
    }
}

fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

fn u(v: Option<i64>) -> Option<u32> {
    v.map(|x| x.clamp(0, u32::MAX as i64) as u32)
}

struct RecipientMonth {
    recipient: Recipient,
    insurer: InsurerNumber,
    insured: InsuredNumber,
    care_manager: String,
    lines: Vec<ScheduleLine>,
    days: Vec<ScheduleDay>,
    table7: Table7,
}

/// Loads a recipient's month and checks what would block the export.
fn load_recipient(
    conn: &mut DbConnection,
    corp: i64,
    recipient: Recipient,
    m: ServiceMonth,
) -> Result<Result<RecipientMonth, Blocker>, crate::web::AppError> {
    let block = |ja: &str, en: &str| Blocker {
        recipient_id: recipient.id,
        message_ja: ja.to_string(),
        message_en: en.to_string(),
    };
    let (Ok(insurer), Ok(insured)) = (
        InsurerNumber::parse(&recipient.insurer_number),
        InsuredNumber::parse(&recipient.insured_number),
    ) else {
        return Ok(Err(block(
            "保険者番号または被保険者番号がありません。",
            "no insurer or insured number",
        )));
    };
    let first = m.first_day();
    let last = NaiveDate::from_ymd_opt(first.year(), first.month(), m.days()).unwrap_or(first);
    let certs = db::recipients::certifications_of(conn, recipient.id)?;
    if !certs.iter().any(|c| c.overlaps(first, last)) {
        return Ok(Err(block(
            "この月に有効な認定情報がありません。",
            "no certification covers the month",
        )));
    }
    for text in [&recipient.name, &recipient.kana, &recipient.address] {
        if let Some(c) = crate::standard::unencodable_chars(text).first() {
            return Ok(Err(block(
                &format!("利用者情報に MS932 で書けない文字「{c}」があります。"),
                &format!("the recipient's data has a character MS932 cannot write ({c})"),
            )));
        }
    }
    let lines: Vec<ScheduleLine> = sq::lines_for(conn, recipient.id, &m.yyyymm())?
        .into_iter()
        .filter(|l| ServiceType::parse(&l.provider_type).is_ok_and(|t| t.is_exchange_target()))
        .collect();
    let days = sq::days_for(conn, &lines.iter().map(|l| l.id).collect::<Vec<_>>())?;
    let table7 = match compute_table7(conn, corp, &recipient, m, Basis::Plan) {
        Ok((t, _)) => t,
        Err(crate::web::AppError::BadRequest(msg)) => {
            return Ok(Err(block(
                &msg,
                "the 第7表 cannot be computed (unknown service code)",
            )));
        }
        Err(e) => return Err(e),
    };
    let care_manager = match recipient.care_manager_id {
        Some(id) => db::staff::find_by_id(conn, id)?
            .map(|s| s.name)
            .unwrap_or_default(),
        None => String::new(),
    };
    Ok(Ok(RecipientMonth {
        recipient,
        insurer,
        insured,
        care_manager,
        lines,
        days,
        table7,
    }))
}

fn schedule_records(
    rm: &RecipientMonth,
    care_office: &OfficeNumber,
    m: ServiceMonth,
    today: NaiveDate,
) -> Vec<Record> {
    let mut out = Vec::new();
    for l in &rm.lines {
        let (Ok(code), Ok(provider)) = (
            ServiceCode::parse(&l.service_code),
            OfficeNumber::parse(&l.provider_number),
        ) else {
            continue;
        };
        // Rate codes carry no units of their own: write the units the 第7表 computed.
        let units = if l.units > 0 {
            l.units as u32
        } else {
            rm.table7
                .detail_of(&provider, &l.service_code)
                .map(|r| r.units.max(0) as u32)
                .unwrap_or(0)
        };
        for d in rm
            .days
            .iter()
            .filter(|d| d.line_id == l.id && d.plan_count > 0)
        {
            let Some(date) =
                NaiveDate::from_ymd_opt(m.year() as i32, m.month() as u32, d.day as u32)
            else {
                continue;
            };
            out.push(Record::Schedule(Box::new(Schedule {
                csv_version: CsvVersion::DEFAULT,
                insurer: rm.insurer,
                insured: rm.insured,
                created_on: today,
                month: m,
                plan_office: Some(care_office.clone()),
                care_manager_name: rm.care_manager.clone(),
                units: Some(units),
                short_stay_days_before: l.short_stay_days.map(|v| v.max(0) as u32),
                service_date: date,
                per_diem_days: non_empty(&l.per_diem_mask),
                start_time: hhmm(&l.start_time),
                end_time: hhmm(&l.end_time),
                count: d.plan_count as u32,
                service_code: code,
                tais_code: non_empty(&l.tais_code),
                notification_code: non_empty(&l.notification_code),
                equipment_name: l.equipment_name.clone(),
                line_discriminator: l.line_no.parse().ok(),
                provider: provider.clone(),
                provider_name: l.provider_name.clone(),
                satellite: non_empty(&l.satellite),
                over_30_days: l.over_30 == "1",
                updater: Some(care_office.clone()),
                identifier: String::new(),
            })));
        }
    }
    out
}

fn benefit_records(
    rm: &RecipientMonth,
    care_office: &OfficeNumber,
    m: ServiceMonth,
    today: NaiveDate,
) -> Vec<Record> {
    rm.table7
        .rows
        .iter()
        .filter_map(|r| {
            let provider = OfficeNumber::parse(&r.office_number).ok()?;
            // 福祉用具 detail rows repeat the product codes of their 第6表 line.
            let line = (r.kind == RowKind::Detail)
                .then(|| {
                    rm.lines.iter().find(|l| {
                        l.provider_number == r.office_number
                            && l.service_code == r.service_code.as_str()
                    })
                })
                .flatten();
            Some(Record::Benefit(Box::new(Benefit {
                csv_version: CsvVersion::DEFAULT,
                insurer: rm.insurer,
                insured: rm.insured,
                created_on: today,
                month: m,
                provider_name: r.office_name.clone(),
                provider,
                satellite: r.satellite.clone(),
                service_code: r.service_code,
                tais_code: line.and_then(|l| non_empty(&l.tais_code)),
                notification_code: line.and_then(|l| non_empty(&l.notification_code)),
                equipment_name: line.map(|l| l.equipment_name.clone()).unwrap_or_default(),
                units: if r.kind == RowKind::Detail {
                    r.units.max(0) as u32
                } else {
                    0
                },
                discount_rate: r.discount_rate_percent,
                discounted_units: u(r.discounted_units),
                count: r.count.unwrap_or(0),
                service_units: u(Some(r.service_units)),
                benefit_units: u(r.benefit_managed_units),
                type_limit_over: u(r.type_over_units),
                type_limit_within: u(r.type_within_units),
                limit_over: u(r.over_limit_units),
                limit_within: u(r.within_limit_units),
                unit_price: r.unit_price.map(|p| UnitPrice(p.hundredths())),
                total_cost: u(r.total_cost),
                benefit_rate: r.benefit_rate_percent,
                claim: u(r.claim_amount),
                fixed_copay_unit: u(r.fixed_copay_unit_amount),
                copay: u(r.copay),
                copay_full: u(r.full_copay),
                short_stay_days_before: None,
                short_stay_days_planned: None,
                short_stay_days_cumulative: None,
                over_30_days: false,
                office_code: Some("9999999999".into()),
                operator_code: Some("9999999999".into()),
                updater: Some(care_office.clone()),
                identifier: String::new(),
            })))
        })
        .collect()
}

fn supplement_record(
    conn: &mut DbConnection,
    rm: &RecipientMonth,
    care_office: &OfficeNumber,
    m: ServiceMonth,
) -> db::DbResult<Record> {
    let r = &rm.recipient;
    let first = m.first_day();
    let last = NaiveDate::from_ymd_opt(first.year(), first.month(), m.days()).unwrap_or(first);
    let certs: Vec<_> = db::recipients::certifications_of(conn, r.id)?
        .into_iter()
        .filter(|c| c.overlaps(first, last))
        .collect();
    // The heavier level applies to the month (certifications_of is newest first).
    let levels: Vec<CareLevel> = certs
        .iter()
        .filter_map(|c| CareLevel::parse(&c.care_level).ok())
        .collect();
    let level = crate::domain::care_limit::heavier_level(&levels);
    let cert = certs
        .iter()
        .find(|c| Some(c.care_level.as_str()) == level.map(|l| l.code()))
        .or(certs.first());
    let (postal, phone) = (non_empty(&r.postcode), non_empty(&r.phone));
    Ok(Record::Supplement(Box::new(Supplement {
        csv_version: CsvVersion::DEFAULT,
        insurer: rm.insurer,
        insured: rm.insured,
        plan_date: DateOrZero::Zero,
        name_kana: katakana(&r.kana),
        name: r.name.clone(),
        sex: crate::domain::Sex::from_code(&r.gender),
        birth_date: r.birth_date,
        postal_code: postal,
        address1: r.address.clone(),
        address2: String::new(),
        phone,
        certified_on: cert.and_then(|c| c.certified_on),
        limit_from: cert.map(|c| c.valid_from),
        limit_to: cert.map(|c| c.valid_to),
        certification_status: cert.map(|c| {
            if c.status == "applying" {
                crate::domain::CertificationStatus::Applying
            } else {
                crate::domain::CertificationStatus::Certified
            }
        }),
        care_level_changed_on: None,
        care_level: level,
        limit_units: level.and_then(crate::domain::care_limit::monthly_limit),
        slot1_type: None,
        slot1_limit: None,
        slot1_total: None,
        slot1_over: None,
        slot2_type: None,
        slot2_limit: None,
        slot2_total: None,
        slot2_over: None,
        slot3_type: None,
        slot3_limit: None,
        slot3_total: None,
        slot3_over: None,
        slot4_type: None,
        slot4_limit: None,
        slot4_total: None,
        slot4_over: None,
        slot5_type: None,
        slot5_limit: None,
        slot5_total: None,
        slot5_over: None,
        slot6_type: None,
        slot6_limit: None,
        slot6_total: None,
        slot6_over: None,
        slot7_type: None,
        slot7_limit: None,
        slot7_total: None,
        slot7_over: None,
        slot8_type: None,
        slot8_limit: None,
        slot8_total: None,
        slot8_over: None,
        slot9_type: None,
        slot9_limit: None,
        slot9_total: None,
        slot9_over: None,
        total_over: u(Some(rm.table7.over_limit_units)),
        short_stay_days_before: None,
        short_stay_days_cumulative: None,
        previous_care_level: None,
        consent_office: None,
        updater: Some(care_office.clone()),
        identifier: String::new(),
        month: MonthOrZero::Month(m),
    })))
}

/// 利用者氏名フリガナ: our kana is stored in hiragana; the forms use katakana.
fn katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Builds the 利用票 sets of a 居宅 for a month and these recipients (all of the office's
/// when `only` is empty). `now` is naive JST: it dates the records and names the files.
pub fn build_plan_sets(
    conn: &mut DbConnection,
    care_office: &Office,
    m: ServiceMonth,
    only: &[i64],
    version_override: Option<CsvVersion>,
    now: NaiveDateTime,
) -> Result<ExportResult, crate::web::AppError> {
    let corp = care_office.corporation_id;
    let sender = OfficeNumber::parse(&care_office.office_number)
        .map_err(|e| crate::web::AppError::BadRequest(e.message_ja))?;
    let rows = db::recipients::all_of_office(conn, corp, care_office.id, m.first_day())?;
    let mut result = ExportResult::default();
    let mut months: Vec<RecipientMonth> = Vec::new();
    for row in rows {
        let r = row.recipient;
        if r.care_office_id != Some(care_office.id) || (!only.is_empty() && !only.contains(&r.id)) {
            continue;
        }
        match load_recipient(conn, corp, r, m)? {
            Ok(rm) if !rm.lines.is_empty() => months.push(rm),
            Ok(_) => {}
            Err(b) => result.blocked.push(b),
        }
    }
    // Destinations: every provider (number + type) appearing on the recipients' lines.
    let mut destinations: Vec<(String, String, String)> = Vec::new();
    for rm in &months {
        for l in &rm.lines {
            if !destinations
                .iter()
                .any(|d| d.0 == l.provider_number && d.1 == l.provider_type)
            {
                destinations.push((
                    l.provider_number.clone(),
                    l.provider_type.clone(),
                    l.provider_name.clone(),
                ));
            }
        }
    }
    destinations.sort();
    let today = now.date();
    for (i, (number, stype, name)) in destinations.into_iter().enumerate() {
        let Ok(receiver) = OfficeNumber::parse(&number) else {
            continue;
        };
        let version = match version_override {
            Some(v) => v,
            None => version_for(conn, corp, &number, &stype)?,
        };
        let timestamp = (now + chrono::Duration::seconds(i as i64))
            .format("%Y%m%d%H%M%S")
            .to_string();
        let members: Vec<&RecipientMonth> = months
            .iter()
            .filter(|rm| {
                rm.lines
                    .iter()
                    .any(|l| l.provider_number == number && l.provider_type == stype)
            })
            .collect();
        let (mut plan, mut benefit, mut supplement) = (Vec::new(), Vec::new(), Vec::new());
        for rm in &members {
            plan.extend(schedule_records(rm, &sender, m, today));
            benefit.extend(benefit_records(rm, &sender, m, today));
            supplement.push(supplement_record(conn, rm, &sender, m)?);
        }
        let name_of = |kind| FileName {
            kind,
            month: Some(m),
            sender: sender.clone(),
            sender_type: Some(care_office.service_type.clone()),
            receiver: receiver.clone(),
            receiver_type: Some(stype.clone()),
            timestamp: timestamp.clone(),
        };
        let files = vec![
            write_file(&name_of(FileKind::Upplan), &plan, version),
            write_file(&name_of(FileKind::Upsikyu), &benefit, version),
            write_file(&name_of(FileKind::Uphosoku), &supplement, version),
        ];
        result.sets.push(ExportSet {
            receiver: number,
            receiver_type: stype,
            receiver_name: name,
            version,
            recipients: members.iter().map(|rm| rm.recipient.id).collect(),
            files,
        });
    }
    Ok(result)
}

/// The monthly zip: the standard's file names at the root, deflated (Windows' すべて展開 opens it).
pub fn zip_files<'a>(files: impl IntoIterator<Item = &'a WrittenFile>) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for f in files {
        zip.start_file(f.name.as_str(), options)
            .map_err(std::io::Error::other)?;
        zip.write_all(&f.bytes)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

/// A destination 居宅 (number, type, name) with its records and recipients.
type Destination = ((String, String, String), Vec<Record>, Vec<i64>);

/// The provider's 実績 sets: one UPJSK per destination 居宅 (its number and type), holding the
/// actuals of every recipient this provider office served in the month (satellites merged).
pub fn build_actual_sets(
    conn: &mut DbConnection,
    provider_office: &Office,
    m: ServiceMonth,
    only: &[i64],
    version_override: Option<CsvVersion>,
    now: NaiveDateTime,
) -> Result<ExportResult, crate::web::AppError> {
    let corp = provider_office.corporation_id;
    let sender = OfficeNumber::parse(&provider_office.office_number)
        .map_err(|e| crate::web::AppError::BadRequest(e.message_ja))?;
    let rows = db::recipients::all_of_office(conn, corp, provider_office.id, m.first_day())?;
    let offices = db::offices::list(conn, corp)?;
    let mut result = ExportResult::default();
    let mut by_destination: Vec<Destination> = Vec::new();
    let today = now.date();
    for row in rows {
        let r = row.recipient;
        if !only.is_empty() && !only.contains(&r.id) {
            continue;
        }
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
            continue;
        }
        let (Ok(insurer), Ok(insured)) = (
            InsurerNumber::parse(&r.insurer_number),
            InsuredNumber::parse(&r.insured_number),
        ) else {
            result.blocked.push(Blocker {
                recipient_id: r.id,
                message_ja: "保険者番号または被保険者番号がありません。".into(),
                message_en: "no insurer or insured number".into(),
            });
            continue;
        };
        let destination = match (r.care_office_id, r.care_partner_id) {
            (Some(o), _) => offices.iter().find(|x| x.id == o).map(|o| {
                (
                    o.office_number.clone(),
                    o.service_type.clone(),
                    o.name.clone(),
                )
            }),
            (None, Some(p)) => db::partners::find(conn, corp, p)?
                .map(|p| (p.office_number, p.service_type, p.name)),
            _ => None,
        };
        let Some(destination) = destination else {
            result.blocked.push(Blocker {
                recipient_id: r.id,
                message_ja: "居宅介護支援事業所が設定されていません。".into(),
                message_en: "the recipient has no care-management office".into(),
            });
            continue;
        };
        let care_office = OfficeNumber::parse(&destination.0).ok();
        let mut records = Vec::new();
        for l in &lines {
            let (Ok(code), Ok(provider)) = (
                ServiceCode::parse(&l.service_code),
                OfficeNumber::parse(&l.provider_number),
            ) else {
                continue;
            };
            for d in days
                .iter()
                .filter(|d| d.line_id == l.id && d.actual_count > 0)
            {
                let Some(date) =
                    NaiveDate::from_ymd_opt(m.year() as i32, m.month() as u32, d.day as u32)
                else {
                    continue;
                };
                records.push(Record::Schedule(Box::new(Schedule {
                    csv_version: CsvVersion::DEFAULT,
                    insurer,
                    insured,
                    created_on: today,
                    month: m,
                    plan_office: care_office.clone(),
                    care_manager_name: String::new(),
                    units: Some(l.units.max(0) as u32),
                    short_stay_days_before: l.short_stay_days.map(|v| v.max(0) as u32),
                    service_date: date,
                    per_diem_days: non_empty(&l.per_diem_mask),
                    start_time: hhmm(d.actual_start.as_deref().unwrap_or(&l.start_time)),
                    end_time: hhmm(d.actual_end.as_deref().unwrap_or(&l.end_time)),
                    count: d.actual_count as u32,
                    service_code: code,
                    tais_code: non_empty(&l.tais_code),
                    notification_code: non_empty(&l.notification_code),
                    equipment_name: l.equipment_name.clone(),
                    line_discriminator: l.line_no.parse().ok(),
                    provider: provider.clone(),
                    provider_name: l.provider_name.clone(),
                    satellite: non_empty(&l.satellite),
                    over_30_days: l.over_30 == "1",
                    updater: Some(sender.clone()),
                    identifier: String::new(),
                })));
            }
        }
        match by_destination
            .iter_mut()
            .find(|(d, _, _)| *d == destination)
        {
            Some((_, recs, ids)) => {
                recs.extend(records);
                ids.push(r.id);
            }
            None => by_destination.push((destination, records, vec![r.id])),
        }
    }
    by_destination.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, ((number, stype, name), records, ids)) in by_destination.into_iter().enumerate() {
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
            timestamp: (now + chrono::Duration::seconds(i as i64))
                .format("%Y%m%d%H%M%S")
                .to_string(),
        };
        result.sets.push(ExportSet {
            receiver: number,
            receiver_type: stype,
            receiver_name: name,
            version,
            recipients: ids,
            files: vec![write_file(&file_name, &records, version)],
        });
    }
    Ok(result)
}
