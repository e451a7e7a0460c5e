//! 居宅サービス計画書: UP1KYO + UP2KYO + UP3KYO (V4) + UPHOSOKU (`000000`) per destination.

use super::plan::supplement_for;
use super::*;

/// Where a recipient's plan goes: the providers registered on the recipient (利用者 → 提供事業所)
/// and every provider on the month's 予定, service types outside the exchange left out.
pub fn plan_destinations(
    conn: &mut DbConnection,
    corp: i64,
    offices: &[Office],
    recipient_id: i64,
    m: ServiceMonth,
) -> db::DbResult<Vec<(String, String, String)>> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut push = |number: String, stype: String, name: String| {
        if ServiceType::parse(&stype).is_ok_and(|t| t.is_exchange_target())
            && !out.iter().any(|d| d.0 == number && d.1 == stype)
        {
            out.push((number, stype, name));
        }
    };
    for link in db::recipients::providers_of(conn, recipient_id)? {
        if let Some(o) = link
            .office_id
            .and_then(|id| offices.iter().find(|o| o.id == id))
        {
            push(
                o.office_number.clone(),
                o.service_type.clone(),
                o.name.clone(),
            );
        } else if let Some(pid) = link.partner_id
            && let Some(p) = db::partners::find(conn, corp, pid)?
        {
            push(p.office_number, p.service_type, p.name);
        }
    }
    for l in sq::lines_for(conn, recipient_id, &m.yyyymm())? {
        push(l.provider_number, l.provider_type, l.provider_name);
    }
    out.sort();
    Ok(out)
}

/// The plan in effect for a month: the newest whose 作成（変更）日 is on or before its last day.
pub(crate) fn plan_for_month(
    conn: &mut DbConnection,
    recipient_id: i64,
    m: ServiceMonth,
) -> db::DbResult<Option<CarePlan>> {
    let last = m.last_day();
    Ok(db::plans::list_for_recipient(conn, recipient_id)?
        .into_iter()
        .find(|p| p.plan_date <= last))
}

/// The 計画書 records of one plan: 第1表, 第2表 lines, 第3表 entries (a key-only record when a
/// table is empty, so that every file of the set carries the plan's key).
pub(crate) fn careplan_records(
    conn: &mut DbConnection,
    r: &Recipient,
    plan: &CarePlan,
    office: &Office,
    sender: &OfficeNumber,
    keys: (InsurerNumber, InsuredNumber),
) -> db::DbResult<(Record, Vec<Record>, Vec<Record>)> {
    let (insurer, insured) = keys;
    let plan1 = Record::Plan1(Box::new(Plan1 {
        csv_version: CsvVersion::DEFAULT,
        insurer,
        insured,
        created_on: plan.document_date,
        postal_code: non_empty(&r.postcode),
        address1: r.address.clone(),
        address2: String::new(),
        author_name: plan.author_name.clone(),
        office_name: office.name.clone(),
        office_postal_code: non_empty(&office.postcode),
        office_address1: office.address.clone(),
        office_address2: String::new(),
        office: sender.clone(),
        plan_date: plan.plan_date,
        first_plan_date: plan.first_plan_date,
        plan_category: PlanCategory::from_code(&plan.plan_category),
        certification_status: CertificationStatus::from_code(&plan.cert_status),
        certified_on: plan.certified_on,
        valid_from: plan.cert_from,
        valid_to: plan.cert_to,
        care_level: CareLevel::parse(&plan.care_level).ok(),
        needs_analysis: plan.intentions.clone(),
        board_opinion: plan.board_opinion.clone(),
        policy: plan.policy.clone(),
        daily_life_reason: DailyLifeReason::from_code(&plan.livelihood_reason),
        other_reason: plan.livelihood_other.clone(),
        updater: Some(sender.clone()),
        identifier: String::new(),
    }));
    let n = |v: i32| (v > 0).then_some(v as u32);
    let table2_date = plan.table2_date.unwrap_or(plan.document_date);
    let empty2 = || Plan2 {
        csv_version: CsvVersion::DEFAULT,
        insurer,
        insured,
        document_date: table2_date,
        plan_date: plan.plan_date,
        need_no: None,
        need: String::new(),
        goal_no: None,
        long_term_goal: String::new(),
        short_term_goal: String::new(),
        long_term_period: String::new(),
        short_term_period: String::new(),
        service_no: None,
        service_content: String::new(),
        insurance_covered: None,
        service_kind: String::new(),
        provider: None,
        provider_name: String::new(),
        frequency: String::new(),
        period: String::new(),
        updater: Some(sender.clone()),
        identifier: String::new(),
    };
    let mut plan2: Vec<Record> = db::plans::lines(conn, plan.id)?
        .into_iter()
        .map(|l| {
            Record::Plan2(Box::new(Plan2 {
                need_no: n(l.need_no),
                need: l.need,
                goal_no: n(l.goal_no),
                long_term_goal: l.long_goal,
                short_term_goal: l.short_goal,
                long_term_period: l.long_period,
                short_term_period: l.short_period,
                service_no: n(l.item_no),
                service_content: l.content,
                insurance_covered: InsuranceCoverage::from_code(&l.insured),
                service_kind: l.service_kind,
                provider: OfficeNumber::parse(&l.provider_number).ok(),
                provider_name: l.provider_name,
                frequency: l.frequency,
                period: l.period,
                ..empty2()
            }))
        })
        .collect();
    if plan2.is_empty() {
        plan2.push(Record::Plan2(Box::new(empty2())));
    }
    let table3_date = plan.table3_date.unwrap_or(plan.document_date);
    let empty3 = || Plan3 {
        csv_version: CsvVersion::DEFAULT,
        insurer,
        insured,
        document_date: table3_date,
        plan_date: plan.plan_date,
        care_service: String::new(),
        weekday: None,
        service_start: None,
        service_end: None,
        activity: String::new(),
        activity_start: None,
        activity_end: None,
        non_weekly_service: String::new(),
    };
    let mut plan3: Vec<Record> = db::plans::weekly(conn, plan.id)?
        .into_iter()
        .map(|w| {
            Record::Plan3(if w.kind == "activity" {
                Plan3 {
                    activity: w.name,
                    activity_start: opt_time(&w.start_time),
                    activity_end: opt_time(&w.end_time),
                    ..empty3()
                }
            } else {
                Plan3 {
                    care_service: w.name,
                    weekday: w.weekday.and_then(|d| Weekday::from_code(&d.to_string())),
                    service_start: opt_time(&w.start_time),
                    service_end: opt_time(&w.end_time),
                    ..empty3()
                }
            })
        })
        .collect();
    if !plan.weekly_other.trim().is_empty() {
        plan3.push(Record::Plan3(Plan3 {
            non_weekly_service: plan.weekly_other.clone(),
            ..empty3()
        }));
    }
    if plan3.is_empty() {
        plan3.push(Record::Plan3(empty3()));
    }
    Ok((plan1, plan2, plan3))
}

/// One recipient's 計画書 set content.
pub struct CareplanRecords {
    pub destinations: Vec<(String, String, String)>,
    pub plan1: Record,
    pub plan2: Vec<Record>,
    pub plan3: Vec<Record>,
    pub supplement: Record,
    pub member: Member,
}

/// One recipient's 計画書 records (the plan in effect for the month), or why they cannot be
/// exported.
pub fn careplan_records_for(
    conn: &mut DbConnection,
    care_office: &Office,
    sender: &OfficeNumber,
    offices: &[Office],
    r: &Recipient,
    m: ServiceMonth,
) -> Result<Result<CareplanRecords, Blocker>, AppError> {
    let corp = care_office.corporation_id;
    let (plan, keys, destinations) = match careplan_check(conn, corp, offices, r, m)? {
        Ok(x) => x,
        Err(b) => return Ok(Err(b)),
    };
    let (plan1, plan2, plan3) = careplan_records(conn, r, &plan, care_office, sender, keys)?;
    let certifications = db::recipients::certifications_of(conn, r.id)?;
    let supplement = supplement_for(
        &certifications,
        r,
        keys,
        sender,
        m,
        DateOrZero::Date(plan.plan_date),
        MonthOrZero::Zero,
        None,
    );
    let member = Member {
        recipient_id: r.id,
        content_hash: content_hash(
            [&plan1]
                .into_iter()
                .chain(&plan2)
                .chain(&plan3)
                .chain([&supplement]),
        ),
        cert_hash: cert_hash(&supplement),
        plan_date: Some(plan.plan_date),
    };
    Ok(Ok(CareplanRecords {
        destinations,
        plan1,
        plan2,
        plan3,
        supplement,
        member,
    }))
}

/// Builds the 居宅サービス計画書 sets of a 居宅: for each recipient the plan in effect for the
/// month, to every provider of the recipient (UP1KYO + UP2KYO + UP3KYO (V4) + UPHOSOKU `000000`).
pub fn build_careplan_sets(
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
    let offices = db::offices::list(conn, corp)?;
    let rows = db::recipients::all_of_office(conn, corp, care_office.id, m.first_day())?;
    let mut result = ExportResult::default();
    let mut built: Vec<CareplanRecords> = Vec::new();
    let total = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        if i % 20 == 0 {
            progress(i, total)?;
        }
        let r = row.recipient;
        if r.care_office_id != Some(care_office.id) || (!only.is_empty() && !only.contains(&r.id)) {
            continue;
        }
        match careplan_records_for(conn, care_office, &sender, &offices, &r, m)? {
            Ok(b) => built.push(b),
            Err(b) => result.blocked.push(b),
        }
    }
    // Destinations: every provider (number + type) of the recipients.
    let receivers = receivers(
        conn,
        corp,
        built.iter().map(|b| &b.destinations),
        version_override,
        now,
    )?;
    let sets = in_parallel(&receivers, |rc| -> Result<ExportSet, AppError> {
        let members: Vec<&CareplanRecords> =
            built.iter().filter(|b| rc.among(&b.destinations)).collect();
        let name_of = |kind| FileName {
            kind,
            month: None,
            sender: sender.clone(),
            sender_type: Some(care_office.service_type.clone()),
            receiver: rc.office.clone(),
            receiver_type: Some(rc.stype.clone()),
            timestamp: rc.timestamp.clone(),
        };
        let plan1 = members.iter().map(|b| &b.plan1);
        let plan2 = members.iter().flat_map(|b| b.plan2.iter());
        let supplement = members.iter().map(|b| &b.supplement);
        let mut files = vec![
            write_packed(&name_of(FileKind::Up1kyo), plan1, rc.version)?,
            write_packed(&name_of(FileKind::Up2kyo), plan2, rc.version)?,
        ];
        // 第3表 exists from V4 on (V3 sets are 1表 + 2表 + 補足).
        if rc.version.layout() == Layout::V4 {
            let plan3 = members.iter().flat_map(|b| b.plan3.iter());
            files.push(write_packed(&name_of(FileKind::Up3kyo), plan3, rc.version)?);
        }
        files.push(write_packed(
            &name_of(FileKind::Uphosoku),
            supplement,
            rc.version,
        )?);
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

pub(crate) type CareplanCheck = Result<
    (
        CarePlan,
        (InsurerNumber, InsuredNumber),
        Vec<(String, String, String)>,
    ),
    Blocker,
>;

/// What a recipient's 計画書 export needs: numbers, a plan for the month with its author, and
/// somewhere to send it.
pub(crate) fn careplan_check(
    conn: &mut DbConnection,
    corp: i64,
    offices: &[Office],
    r: &Recipient,
    m: ServiceMonth,
) -> Result<CareplanCheck, AppError> {
    let block = |ja: &str, en: &str| Blocker {
        recipient_id: r.id,
        message_ja: ja.to_string(),
        message_en: en.to_string(),
    };
    let (Ok(insurer), Ok(insured)) = (
        InsurerNumber::parse(&r.insurer_number),
        InsuredNumber::parse(&r.insured_number),
    ) else {
        return Ok(Err(block(
            "保険者番号または被保険者番号がありません。",
            "no insurer or insured number",
        )));
    };
    if let Some(b) = unencodable_blocker(r) {
        return Ok(Err(b));
    }
    let Some(plan) = plan_for_month(conn, r.id, m)? else {
        return Ok(Err(block(
            "この月に有効な居宅サービス計画書（第1表）がありません。",
            "no care plan in effect for the month",
        )));
    };
    if plan.author_name.trim().is_empty() {
        return Ok(Err(block(
            "第1表の「居宅サービス計画作成者氏名」が入力されていません。",
            "the plan has no author name (第1表)",
        )));
    }
    let destinations = plan_destinations(conn, corp, offices, r.id, m)?;
    if destinations.is_empty() {
        return Ok(Err(block(
            "送付先のサービス事業所がありません（利用者の提供事業所か、この月の予定を登録してください）。",
            "no provider to send the plan to",
        )));
    }
    Ok(Ok((plan, (insurer, insured), destinations)))
}
