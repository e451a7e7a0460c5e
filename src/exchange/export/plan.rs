//! 利用票: UPPLAN + UPSIKYU + UPHOSOKU (提供年月) per destination provider.

use super::*;
use std::borrow::Cow;

pub(crate) struct RecipientMonth<'d> {
    recipient: Recipient,
    insurer: InsurerNumber,
    insured: InsuredNumber,
    care_manager: String,
    /// The lines of the services in the exchange, in position order.
    lines: Vec<&'d ScheduleLine>,
    table7: Table7,
}

/// A recipient's month from the loaded data, and what would block the export.
pub(crate) fn load_recipient<'d>(
    data: &'d MonthData,
    recipient: Recipient,
    m: ServiceMonth,
) -> Result<Result<RecipientMonth<'d>, Blocker>, AppError> {
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
    let (first, last) = (m.first_day(), m.last_day());
    let certs = data.certifications(recipient.id);
    if !certs.iter().any(|c| c.overlaps(first, last)) {
        return Ok(Err(block(
            "この月に有効な認定情報がありません。",
            "no certification covers the month",
        )));
    }
    if let Some(b) = unencodable_blocker(&recipient) {
        return Ok(Err(b));
    }
    let all_lines = data.lines(recipient.id);
    let all_days = data.days(all_lines);
    let levels: Vec<CareLevel> = certs
        .iter()
        .filter(|c| c.overlaps(first, last))
        .filter_map(|c| CareLevel::parse(&c.care_level).ok())
        .collect();
    let table7 = match table7_from(
        all_lines,
        &all_days,
        data.codes(),
        crate::domain::care_limit::limit_for_month(&levels),
        recipient.benefit_rate() as u32,
        m,
        Basis::Plan,
        |number, stype| Ok(data.area(number, stype)),
    ) {
        Ok((t, _)) => t,
        Err(AppError::BadRequest(msg)) => {
            return Ok(Err(block(
                &msg,
                "the 第7表 cannot be computed (unknown service code)",
            )));
        }
        Err(e) => return Err(e),
    };
    let lines: Vec<&ScheduleLine> = all_lines
        .iter()
        .filter(|l| ServiceType::parse(&l.provider_type).is_ok_and(|t| t.is_exchange_target()))
        .collect();
    Ok(Ok(RecipientMonth {
        care_manager: data.staff_name(recipient.care_manager_id),
        recipient,
        insurer,
        insured,
        lines,
        table7,
    }))
}

/// What a recipient's 第6表 records are made from. The records themselves are not kept: an
/// export makes them again while it writes each destination's file (a month of 25 days on 4
/// lines is 100 records a recipient, some 400 bytes each, where the source is the month's data
/// already loaded).
pub(crate) struct ScheduleSource<'d> {
    head: (InsurerNumber, InsuredNumber, OfficeNumber),
    month: ServiceMonth,
    today: NaiveDate,
    care_manager: String,
    /// Each line of the exchange with the units its records carry and its days.
    lines: Vec<(&'d ScheduleLine, u32, &'d [ScheduleDay])>,
    /// How many records [`ScheduleSource::records`] makes.
    count: usize,
}

impl<'d> ScheduleSource<'d> {
    fn new(
        data: &'d MonthData,
        rm: &RecipientMonth<'d>,
        care_office: &OfficeNumber,
        m: ServiceMonth,
        today: NaiveDate,
    ) -> ScheduleSource<'d> {
        let lines = rm
            .lines
            .iter()
            .map(|&l| {
                // Rate codes carry no units of their own: write the units the 第7表 computed.
                let units = if l.units > 0 {
                    l.units as u32
                } else {
                    OfficeNumber::parse(&l.provider_number)
                        .ok()
                        .and_then(|p| rm.table7.detail_of(&p, &l.service_code))
                        .map(|r| r.units.max(0) as u32)
                        .unwrap_or(0)
                };
                (l, units, data.days_of(l.id))
            })
            .collect();
        ScheduleSource {
            head: (rm.insurer, rm.insured, care_office.clone()),
            month: m,
            today,
            care_manager: rm.care_manager.clone(),
            lines,
            count: 0,
        }
    }

    /// The 第6表 records, line by line and day by day, made anew on every call.
    pub(crate) fn records(&self) -> impl Iterator<Item = Record> + '_ {
        let (insurer, insured, care_office) = &self.head;
        let head = ScheduleHead {
            keys: (*insurer, *insured),
            month: self.month,
            today: self.today,
            plan_office: Some(care_office.clone()),
            care_manager: &self.care_manager,
            updater: care_office,
        };
        self.lines.iter().flat_map(move |&(l, units, days)| {
            let head = head.clone();
            days.iter()
                .filter(|d| d.plan_count > 0)
                .filter_map(move |d| {
                    let entry = DayEntry {
                        day: d.day,
                        count: d.plan_count,
                        start: &l.start_time,
                        end: &l.end_time,
                        units,
                    };
                    schedule_record(&head, l, entry)
                })
        })
    }
}

pub(crate) fn benefit_records(
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
                    rm.lines.iter().copied().find(|l| {
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

pub(crate) fn supplement_record(
    data: &MonthData,
    rm: &RecipientMonth,
    care_office: &OfficeNumber,
    m: ServiceMonth,
) -> Record {
    supplement_for(
        data.certifications(rm.recipient.id),
        &rm.recipient,
        (rm.insurer, rm.insured),
        care_office,
        m,
        DateOrZero::Zero,
        MonthOrZero::Month(m),
        u(Some(rm.table7.over_limit_units)),
    )
}

/// 利用者補足情報 of a recipient: in a 利用票 set keyed by the month (作成日 `00000000`), in a
/// 計画書 set keyed by the plan date (対象年月 `000000`). The certification is the one in
/// effect for the month (the heavier level when two overlap).
#[allow(clippy::too_many_arguments)]
pub(crate) fn supplement_for(
    certifications: &[crate::db::recipients::Certification],
    r: &Recipient,
    keys: (InsurerNumber, InsuredNumber),
    care_office: &OfficeNumber,
    m: ServiceMonth,
    plan_date: DateOrZero,
    month: MonthOrZero,
    total_over: Option<u32>,
) -> Record {
    let first = m.first_day();
    let last = m.last_day();
    let certs: Vec<_> = certifications
        .iter()
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
    Record::Supplement(Box::new(Supplement {
        csv_version: CsvVersion::DEFAULT,
        insurer: keys.0,
        insured: keys.1,
        plan_date,
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
        total_over,
        short_stay_days_before: None,
        short_stay_days_cumulative: None,
        previous_care_level: None,
        consent_office: None,
        updater: Some(care_office.clone()),
        identifier: String::new(),
        month,
    }))
}

/// 利用者氏名フリガナ: our kana is stored in hiragana; the forms use katakana.
pub(crate) fn katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// A recipient's 利用票 records, shared by every destination's set: the 第7表 and 補足 records
/// built once, the 第6表 records made while each file is written ([`PlanRecords::plan`]).
pub struct PlanRecords<'d> {
    pub recipient_id: i64,
    /// (number, type, name) of every provider on the recipient's lines.
    pub destinations: Vec<(String, String, String)>,
    schedule: ScheduleSource<'d>,
    pub benefit: Vec<Record>,
    pub supplement: Record,
    pub member: Member,
}

impl PlanRecords<'_> {
    /// The 第6表 records (UPPLAN), made anew on every call.
    pub fn plan(&self) -> impl Iterator<Item = Record> + '_ {
        self.schedule.records()
    }
}

/// One recipient's 利用票 records for the month (`None` when nothing is planned for the
/// exchange), or why they cannot be exported.
pub fn plan_records_for<'d>(
    data: &'d MonthData,
    sender: &OfficeNumber,
    r: Recipient,
    m: ServiceMonth,
    today: NaiveDate,
) -> Result<Result<Option<PlanRecords<'d>>, Blocker>, AppError> {
    let rm = match load_recipient(data, r, m)? {
        Ok(rm) if !rm.lines.is_empty() => rm,
        Ok(_) => return Ok(Ok(None)),
        Err(b) => return Ok(Err(b)),
    };
    let mut schedule = ScheduleSource::new(data, &rm, sender, m, today);
    let benefit = benefit_records(&rm, sender, m, today);
    let supplement = supplement_record(data, &rm, sender, m);
    let mut destinations: Vec<(String, String, String)> = Vec::new();
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
    // The records are made once here for the hash, and counted.
    let mut count = 0;
    let content_hash = content_hash(
        schedule
            .records()
            .inspect(|_| count += 1)
            .map(Cow::Owned)
            .chain(benefit.iter().chain([&supplement]).map(Cow::Borrowed)),
    );
    schedule.count = count;
    let member = Member {
        recipient_id: rm.recipient.id,
        content_hash,
        cert_hash: cert_hash(&supplement),
        plan_date: None,
    };
    Ok(Ok(Some(PlanRecords {
        recipient_id: rm.recipient.id,
        destinations,
        schedule,
        benefit,
        supplement,
        member,
    })))
}

/// How many recipients' records a thread makes at a time.
const BUILD_BATCH: usize = 100;

/// Builds the 利用票 sets of a 居宅 for a month and these recipients (all of the office's
/// when `only` is empty). `now` is naive JST: it dates the records and names the files.
pub fn build_plan_sets(
    conn: &mut DbConnection,
    care_office: &Office,
    m: ServiceMonth,
    only: &[i64],
    version_override: Option<CsvVersion>,
    now: NaiveDateTime,
    progress: &mut Progress<'_>,
) -> Result<ExportResult, AppError> {
    let corp = care_office.corporation_id;
    let sender = OfficeNumber::parse(&care_office.office_number)
        .map_err(|e| AppError::BadRequest(e.message_ja))?;
    let rows = db::recipients::all_of_office(conn, corp, care_office.id, m.first_day())?;
    let mut result = ExportResult::default();
    let today = now.date();
    let chosen: Vec<Recipient> = rows
        .into_iter()
        .map(|row| row.recipient)
        .filter(|r| {
            r.care_office_id == Some(care_office.id) && (only.is_empty() || only.contains(&r.id))
        })
        .collect();
    let data = MonthData::load(conn, corp, &chosen.iter().collect::<Vec<_>>(), m)?;
    let total = chosen.len();
    let mut built: Vec<PlanRecords> = Vec::new();
    // Each recipient's records are made (and hashed) on every core, a batch at a time; the
    // job's progress is written between batches.
    let threads = crate::parallel::cores();
    let mut done = 0;
    for batch in chosen.chunks(BUILD_BATCH * threads) {
        progress(done, total)?;
        let parts: Vec<&[Recipient]> = batch.chunks(BUILD_BATCH).collect();
        let made = crate::parallel::map_in_turns(&parts, threads, |_, part| {
            part.iter()
                .map(|r| plan_records_for(&data, &sender, r.clone(), m, today))
                .collect::<Vec<_>>()
        });
        for made in made.into_iter().flatten() {
            match made? {
                Ok(Some(b)) => built.push(b),
                Ok(None) => {}
                Err(b) => result.blocked.push(b),
            }
        }
        done += batch.len();
    }
    // Destinations: every provider (number + type) of the recipients.
    let receivers = receivers(
        conn,
        corp,
        built.iter().map(|b| &b.destinations),
        version_override,
        now,
    )?;
    // Each destination's files are written, re-checked and deflated on a core of their own, one
    // destination after the other: the plain bytes of only as many files as there are cores are
    // held at once. The records are shared, not copied; the 第6表 records, the bulk of them, are
    // made while each file is written.
    let sets = in_parallel(&receivers, |rc| -> Result<ExportSet, AppError> {
        let members: Vec<&PlanRecords> =
            built.iter().filter(|b| rc.among(&b.destinations)).collect();
        let name_of = |kind| FileName {
            kind,
            month: Some(m),
            sender: sender.clone(),
            sender_type: Some(care_office.service_type.clone()),
            receiver: rc.office.clone(),
            receiver_type: Some(rc.stype.clone()),
            timestamp: rc.timestamp.clone(),
        };
        // Told how many records come, the writer sizes its buffer once.
        let plan = Counted {
            left: members.iter().map(|b| b.schedule.count).sum(),
            inner: members.iter().flat_map(|b| b.plan()),
        };
        let benefit = members.iter().flat_map(|b| b.benefit.iter());
        let supplement = members.iter().map(|b| &b.supplement);
        let files = vec![
            write_packed(&name_of(FileKind::Upplan), plan, rc.version)?,
            write_packed(&name_of(FileKind::Upsikyu), benefit, rc.version)?,
            write_packed(&name_of(FileKind::Uphosoku), supplement, rc.version)?,
        ];
        Ok(ExportSet {
            receiver: rc.number.clone(),
            receiver_type: rc.stype.clone(),
            receiver_name: rc.name.clone(),
            version: rc.version,
            members: members.iter().map(|b| b.member.clone()).collect(),
            files,
        })
    });
    result.sets = sets.into_iter().collect::<Result<_, _>>()?;
    Ok(result)
}
