//! 取込, second step: what a received set changes in 予定実績, recipient by recipient and day by
//! day, and applying it.
//!
//! The standard's replace semantics: a received 利用票 (UPPLAN) replaces the receiving provider's
//! 予定 rows for the recipient-month (its own lines; actual counts on matching lines are kept;
//! the form's lines of other providers are not the provider's to change); a received 実績
//! (UPJSK) replaces the sending provider's 実績 for the recipient-month (its lines of that
//! service type). A line is
//! matched by provider number + service type + service code + start and end time; a visit made
//! at another time is a line of its own, as the 第6表 writes time bands. Applying the same set
//! twice changes nothing; a set older than one already applied for the same recipient, month and
//! sender is refused. A delete (DLTPLAN at a provider, DLTJSK at a 居宅) empties that side of
//! those same lines for each person and month it names.

use crate::db::imports::{self as iq, ReceivedFile};
use crate::db::offices::Office;
use crate::db::recipients::Recipient;
use crate::db::schedules::{self as sq, LineFields, ScheduleDay, ScheduleLine};
use crate::db::{self, DbConnection, DbResult};
use crate::domain::ServiceMonth;
use crate::standard::layout::FieldValue;
use crate::standard::{self, FileKind, Record, Schedule};
use crate::web::AppError;
use std::collections::BTreeMap;

/// Which side of the 予定実績 a set writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// A provider receiving the 居宅's 利用票: 予定.
    Plan,
    /// A 居宅 receiving a provider's 実績票: 実績.
    Actual,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Plan => "利用票（予定）",
            Side::Actual => "実績票（実績）",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineKey {
    pub provider: String,
    pub service_type: String,
    pub code: String,
    pub start: String,
    pub end: String,
}

impl LineKey {
    fn of_line(l: &ScheduleLine) -> LineKey {
        LineKey {
            provider: l.provider_number.clone(),
            service_type: l.provider_type.clone(),
            code: l.service_code.clone(),
            start: l.start_time.clone(),
            end: l.end_time.clone(),
        }
    }

    fn of_record(r: &Schedule) -> LineKey {
        LineKey {
            provider: r.provider.to_string(),
            service_type: r.service_code.type_code().to_string(),
            code: r.service_code.to_string(),
            start: r.start_time.format_field(),
            end: r.end_time.format_field(),
        }
    }
}

/// A line as received: its days and what a new line needs.
#[derive(Debug, Clone)]
struct ReceivedLine {
    fields: LineFields,
    counts: [i32; 31],
}

/// One day that changes: (day, before, after); times are the 実績 time when it differs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayChange {
    pub day: u32,
    pub before: i32,
    pub after: i32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineStatus {
    Added,
    Removed,
    Changed,
    Same,
}

impl LineStatus {
    pub fn label(self) -> &'static str {
        match self {
            LineStatus::Added => "追加",
            LineStatus::Removed => "削除",
            LineStatus::Changed => "変更",
            LineStatus::Same => "変更なし",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LineChange {
    pub key: LineKey,
    pub provider_name: String,
    pub service_name: String,
    pub status: LineStatus,
    pub days: Vec<DayChange>,
}

/// What a set changes for one recipient-month.
#[derive(Debug, Clone)]
pub struct RecipientChange {
    pub recipient: Option<Recipient>,
    pub insurer: String,
    pub insured: String,
    pub month: ServiceMonth,
    pub lines: Vec<LineChange>,
    /// Why it cannot be applied.
    pub blocked: Option<String>,
    /// What the user should look at (e.g. the certification in the file differs from ours).
    pub warnings: Vec<String>,
    received: BTreeMap<LineKey, ReceivedLine>,
}

impl RecipientChange {
    /// The lines as received (for the printable 第6表): fields and counts by day.
    pub fn received_lines(&self) -> Vec<(&LineFields, &[i32; 31])> {
        self.received
            .values()
            .map(|l| (&l.fields, &l.counts))
            .collect()
    }

    pub fn changed(&self) -> bool {
        self.lines.iter().any(|l| l.status != LineStatus::Same)
    }

    /// (added, removed, changed) line counts.
    pub fn summary(&self) -> (usize, usize, usize) {
        let n = |s| self.lines.iter().filter(|l| l.status == s).count();
        (
            n(LineStatus::Added),
            n(LineStatus::Removed),
            n(LineStatus::Changed),
        )
    }
}

/// A received set ready to compare: its files (metadata) and what it carries.
pub struct ReceivedSet {
    pub side: Side,
    /// A delete set (DLTPLAN / DLTJSK): the named months' side is emptied.
    pub deleting: bool,
    /// Whose lines the set replaces (number, type).
    pub owner: (String, String),
    pub timestamp: String,
    pub sender: String,
    pub sender_type: String,
    pub files: Vec<ReceivedFile>,
    pub changes: Vec<RecipientChange>,
}

/// Which side an office imports: a 居宅 takes 実績, a provider takes 利用票.
pub fn side_for(office: &Office) -> Side {
    if crate::exchange::export::is_care_office(office) {
        Side::Actual
    } else {
        Side::Plan
    }
}

/// The files of a received set of the office (one ファイル連番, not yet applied), when every one
/// of them passed the checks.
pub(crate) fn load_set(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
) -> Result<Vec<(ReceivedFile, Vec<u8>)>, AppError> {
    let stored = iq::of_timestamp(conn, office.corporation_id, office.id, timestamp)?;
    if stored.is_empty() {
        return Err(AppError::NotFound);
    }
    if stored.iter().any(|(f, _)| f.purged_at.is_some()) {
        return Err(AppError::BadRequest(
            "この送信単位の元のファイルは保存期間を過ぎたため削除しました。取り込めません。".into(),
        ));
    }
    if stored.iter().any(|(f, _)| f.verdict != iq::OK) {
        return Err(AppError::BadRequest(
            "この送信単位にはエラーのあるファイルがあるため、取り込めません。取込確認の内容を確認してください。".into(),
        ));
    }
    Ok(stored)
}

/// Reads a received set (files of one ファイル連番 for the office, not yet applied) and compares
/// it with what we hold.
pub fn compare(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
) -> Result<ReceivedSet, AppError> {
    let corp = office.corporation_id;
    let side = side_for(office);
    let stored = load_set(conn, office, timestamp)?;
    // What this office takes from a set: its side's file, or that side's delete file (which
    // empties the side for each person and month it names).
    let (wanted, delete) = match side {
        Side::Plan => (FileKind::Upplan, FileKind::Dltplan),
        Side::Actual => (FileKind::Upjsk, FileKind::Dltjsk),
    };
    let mut by_person: BTreeMap<(String, String, String), BTreeMap<LineKey, ReceivedLine>> =
        BTreeMap::new();
    let mut files = Vec::new();
    // 利用者補足情報 of the set, by (insurer, insured): the certification the sender holds.
    let mut supplements: BTreeMap<(String, String), standard::Supplement> = BTreeMap::new();
    let (mut sender, mut sender_type) = (String::new(), String::new());
    let mut deleting = false;
    for (f, data) in stored {
        let parsed = standard::read_file(&f.file_name, &data);
        if parsed.kind == Some(FileKind::Uphosoku) {
            for (_, r) in parsed.data() {
                if let Record::Supplement(x) = r {
                    supplements.insert(
                        (x.insurer.to_string(), x.insured.to_string()),
                        (**x).clone(),
                    );
                }
            }
        }
        if parsed.kind == Some(delete) {
            sender = f.sender_number.clone();
            sender_type = f.sender_type.clone();
            for (_, r) in parsed.data() {
                let person = match r {
                    Record::PlanDelete(d) => {
                        (d.insurer.to_string(), d.insured.to_string(), d.month)
                    }
                    Record::ActualsDelete(d) => {
                        (d.insurer.to_string(), d.insured.to_string(), d.month)
                    }
                    _ => continue,
                };
                by_person
                    .entry((person.0, person.1, person.2.yyyymm()))
                    .or_default();
            }
            deleting = true;
        }
        if parsed.kind == Some(wanted) {
            sender = f.sender_number.clone();
            sender_type = f.sender_type.clone();
            for (_, r) in parsed.data() {
                let Record::Schedule(s) = r else { continue };
                let person = (
                    s.insurer.to_string(),
                    s.insured.to_string(),
                    s.month.yyyymm(),
                );
                let lines = by_person.entry(person).or_default();
                let key = LineKey::of_record(s);
                let line = lines.entry(key.clone()).or_insert_with(|| ReceivedLine {
                    fields: LineFields {
                        provider_number: key.provider.clone(),
                        provider_type: key.service_type.clone(),
                        provider_name: s.provider_name.clone(),
                        satellite: s.satellite.clone().unwrap_or_default(),
                        service_code: key.code.clone(),
                        service_name: String::new(),
                        units: s.units.unwrap_or(0) as i32,
                        start_time: key.start.clone(),
                        end_time: key.end.clone(),
                        tais_code: s.tais_code.clone().unwrap_or_default(),
                        notification_code: s.notification_code.clone().unwrap_or_default(),
                        equipment_name: s.equipment_name.clone(),
                        line_no: s
                            .line_discriminator
                            .map(|n| n.to_string())
                            .unwrap_or_default(),
                        per_diem_mask: s.per_diem_days.clone().unwrap_or_default(),
                        over_30: if s.over_30_days { "1" } else { "0" }.into(),
                        short_stay_days: s.short_stay_days_before.map(|v| v as i32),
                    },
                    counts: [0; 31],
                });
                let day = chrono::Datelike::day(&s.service_date) as usize;
                if (1..=31).contains(&day) {
                    line.counts[day - 1] += s.count as i32;
                }
            }
        }
        files.push(f);
    }
    if sender.is_empty() {
        return Err(AppError::BadRequest(format!(
            "この送信単位には、この事業所が取り込む{}がありません。",
            side.label()
        )));
    }
    // Service names from the code table.
    let codes: Vec<String> = by_person
        .values()
        .flat_map(|l| l.keys().map(|k| k.code.clone()))
        .collect();
    let table = db::service_codes::table_for_codes(conn, corp, &codes)?;
    // Whose lines the set replaces: a provider's own lines (its 予定 rows; the 居宅's lines for
    // other providers are not the provider's to change), or the sending provider's (実績).
    let owner = match side {
        Side::Plan => (office.office_number.clone(), office.service_type.clone()),
        Side::Actual => (sender.clone(), sender_type.clone()),
    };
    let mut changes = Vec::new();
    for ((insurer, insured, month), mut received) in by_person {
        received.retain(|k, _| {
            k.provider == owner.0 && (owner.1.is_empty() || k.service_type == owner.1)
        });
        let Ok(m) = ServiceMonth::parse(&month) else {
            continue;
        };
        for line in received.values_mut() {
            if let Ok(code) = crate::domain::ServiceCode::parse(&line.fields.service_code)
                && let Some(e) = table.get_on(&code, m.first_day())
            {
                line.fields.service_name = e.name.clone();
            }
        }
        let recipient = db::recipients::find_by_numbers(conn, corp, &insurer, &insured)?;
        let mut change = RecipientChange {
            recipient: recipient.clone(),
            insurer,
            insured,
            month: m,
            lines: Vec::new(),
            blocked: None,
            warnings: Vec::new(),
            received,
        };
        match &recipient {
            None => {
                change.blocked = Some(format!(
                    "被保険者番号 {}（保険者 {}）の利用者が登録されていません。利用者を登録してから取り込んでください。",
                    change.insured, change.insurer
                ));
            }
            Some(r) => {
                let ours = ours_for(conn, r.id, &m, &owner)?;
                change.lines = diff(&ours.0, &ours.1, &change.received, side);
                if let Some(sup) =
                    supplements.get(&(change.insurer.clone(), change.insured.clone()))
                {
                    let certs = db::recipients::certifications_of(conn, r.id)?;
                    change
                        .warnings
                        .extend(certification_differences(sup, &certs, m));
                }
                if let Some(newer) =
                    iq::applied_after(conn, corp, office.id, r.id, &m.yyyymm(), &sender, timestamp)?
                {
                    change.blocked = Some(format!(
                        "より新しい送信単位（{newer}）を取込済みです。古い送信単位では上書きしません。"
                    ));
                }
            }
        }
        changes.push(change);
    }
    Ok(ReceivedSet {
        side,
        owner,
        deleting,
        timestamp: timestamp.to_string(),
        sender,
        sender_type,
        files,
        changes,
    })
}

/// Our lines that the set replaces, with their days: the lines of `owner` (number, type).
fn ours_for(
    conn: &mut DbConnection,
    recipient_id: i64,
    m: &ServiceMonth,
    owner: &(String, String),
) -> DbResult<(Vec<ScheduleLine>, Vec<ScheduleDay>)> {
    let lines: Vec<ScheduleLine> = sq::lines_for(conn, recipient_id, &m.yyyymm())?
        .into_iter()
        .filter(|l| {
            l.provider_number == owner.0 && (owner.1.is_empty() || l.provider_type == owner.1)
        })
        .collect();
    let days = sq::days_for(conn, &lines.iter().map(|l| l.id).collect::<Vec<_>>())?;
    Ok((lines, days))
}

fn counts_of(days: &[ScheduleDay], line: i64, side: Side) -> [i32; 31] {
    let mut out = [0; 31];
    for d in days.iter().filter(|d| d.line_id == line) {
        if (1..=31).contains(&d.day) {
            out[(d.day - 1) as usize] = match side {
                Side::Plan => d.plan_count,
                Side::Actual => d.actual_count,
            };
        }
    }
    out
}

fn day_changes(before: &[i32; 31], after: &[i32; 31]) -> Vec<DayChange> {
    (0..31)
        .filter(|&i| before[i] != after[i])
        .map(|i| DayChange {
            day: i as u32 + 1,
            before: before[i],
            after: after[i],
        })
        .collect()
}

fn diff(
    lines: &[ScheduleLine],
    days: &[ScheduleDay],
    received: &BTreeMap<LineKey, ReceivedLine>,
    side: Side,
) -> Vec<LineChange> {
    let mut out = Vec::new();
    for (key, r) in received {
        let ours = lines.iter().find(|l| LineKey::of_line(l) == *key);
        let before = ours.map(|l| counts_of(days, l.id, side)).unwrap_or([0; 31]);
        let d = day_changes(&before, &r.counts);
        out.push(LineChange {
            key: key.clone(),
            provider_name: r.fields.provider_name.clone(),
            service_name: ours
                .map(|l| l.service_name.clone())
                .unwrap_or_else(|| r.fields.service_name.clone()),
            status: match (ours, d.is_empty()) {
                (None, _) => LineStatus::Added,
                (Some(_), true) => LineStatus::Same,
                (Some(_), false) => LineStatus::Changed,
            },
            days: d,
        });
    }
    for l in lines {
        let key = LineKey::of_line(l);
        if received.contains_key(&key) {
            continue;
        }
        let before = counts_of(days, l.id, side);
        if before.iter().all(|c| *c == 0) {
            continue;
        }
        out.push(LineChange {
            key,
            provider_name: l.provider_name.clone(),
            service_name: l.service_name.clone(),
            status: LineStatus::Removed,
            days: day_changes(&before, &[0; 31]),
        });
    }
    out
}

/// Applies the changes of these recipients (all when `only` is empty) inside the caller's
/// transaction and records the import history. Returns (recipients applied, lines touched).
pub fn apply(
    conn: &mut DbConnection,
    office: &Office,
    set: &ReceivedSet,
    only: &[i64],
    staff_id: Option<i64>,
) -> DbResult<(usize, usize)> {
    let corp = office.corporation_id;
    let mut applied = 0;
    let mut touched = 0;
    for c in &set.changes {
        let Some(r) = &c.recipient else { continue };
        if c.blocked.is_some() || (!only.is_empty() && !only.contains(&r.id)) {
            continue;
        }
        let (lines, days) = ours_for(conn, r.id, &c.month, &set.owner)?;
        for (key, rl) in &c.received {
            let line_id = match lines.iter().find(|l| LineKey::of_line(l) == *key) {
                Some(l) => l.id,
                None => sq::add_line(conn, corp, r.id, &c.month.yyyymm(), &rl.fields)?,
            };
            match set.side {
                Side::Plan => sq::set_days(conn, line_id, Some(&rl.counts), None)?,
                Side::Actual => sq::set_days(conn, line_id, None, Some(&rl.counts))?,
            }
            touched += 1;
        }
        // Lines of ours the set no longer carries: their side is emptied; a line left with
        // neither 予定 nor 実績 goes.
        for l in &lines {
            if c.received.contains_key(&LineKey::of_line(l)) {
                continue;
            }
            let zero = [0; 31];
            match set.side {
                Side::Plan => sq::set_days(conn, l.id, Some(&zero), None)?,
                Side::Actual => sq::set_days(conn, l.id, None, Some(&zero))?,
            }
            let other = match set.side {
                Side::Plan => counts_of(&days, l.id, Side::Actual),
                Side::Actual => counts_of(&days, l.id, Side::Plan),
            };
            if other.iter().all(|c| *c == 0) {
                sq::delete_line(conn, r.id, l.id)?;
            }
            touched += 1;
        }
        let (added, removed, changed) = c.summary();
        iq::record_applied(
            conn,
            &iq::NewImport {
                corporation_id: corp,
                office_id: office.id,
                recipient_id: r.id,
                month: c.month.yyyymm(),
                side: match set.side {
                    Side::Plan => "plan".into(),
                    Side::Actual => "actual".into(),
                },
                sender_number: set.sender.clone(),
                sender_type: set.sender_type.clone(),
                file_timestamp: set.timestamp.clone(),
                summary: format!("追加 {added} 行、削除 {removed} 行、変更 {changed} 行"),
                applied_by: staff_id,
                applied_at: db::now(),
            },
        )?;
        applied += 1;
    }
    iq::mark_applied(conn, corp, office.id, &set.timestamp)?;
    Ok((applied, touched))
}

/// Registers the recipient a received set names but we do not know, from the set's 利用者補足情報
/// (name, kana, sex, birth date, address, insurance numbers and the certification), as a
/// recipient of the receiving office. 負担割合 is not in the file: 1割 is set and the message
/// says to check it. Returns the new recipient's id.
pub fn register_from_supplement(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
    insurer: &str,
    insured: &str,
) -> Result<i64, AppError> {
    use crate::db::recipients::{self as rq, CertificationFields, RecipientFields};
    let corp = office.corporation_id;
    if rq::find_by_numbers(conn, corp, insurer, insured)?.is_some() {
        return Err(AppError::BadRequest(
            "この利用者はすでに登録されています。".into(),
        ));
    }
    let mut found = None;
    for (f, data) in iq::of_timestamp(conn, corp, office.id, timestamp)? {
        if f.kind != "UPHOSOKU" {
            continue;
        }
        let parsed = standard::read_file(&f.file_name, &data);
        for (_, r) in parsed.data() {
            if let Record::Supplement(s) = r
                && s.insurer.to_string() == insurer
                && s.insured.to_string() == insured
            {
                found = Some((
                    (**s).clone(),
                    f.sender_number.clone(),
                    f.sender_type.clone(),
                ));
            }
        }
    }
    let Some((s, sender, sender_type)) = found else {
        return Err(AppError::BadRequest(
            "この送信単位に、この利用者の利用者補足情報がありません。利用者基本情報の画面で登録してください。"
                .into(),
        ));
    };
    let kana = crate::domain::kana::normalize(&s.name_kana);
    let mut code = insured.to_string();
    let mut n = 1;
    while rq::code_taken(conn, corp, &code, None)? {
        n += 1;
        code = format!("{insured}-{n}");
    }
    // The 居宅 that sent the set: one of our own offices, or a partner.
    let own = db::offices::list(conn, corp)?
        .into_iter()
        .find(|o| o.office_number == sender && o.service_type == sender_type);
    let partner = match own {
        Some(_) => None,
        None => db::partners::find_by_number(conn, corp, &sender, &sender_type)?,
    };
    db::dialect::write_transaction(conn, |conn| -> Result<i64, AppError> {
        let id = rq::create(
            conn,
            corp,
            &RecipientFields {
                code,
                name: s.name.clone(),
                kana_row: crate::domain::kana::row_of(&kana).to_string(),
                kana,
                gender: s.sex.map(|x| x.code().to_string()).unwrap_or_default(),
                birth_date: s.birth_date,
                postcode: s.postal_code.clone().unwrap_or_default(),
                address: format!("{}{}", s.address1, s.address2),
                phone: s.phone.clone().unwrap_or_default(),
                insurer_number: insurer.to_string(),
                insurer_name: String::new(),
                insured_number: insured.to_string(),
                burden_ratio: 1,
                care_office_id: own.as_ref().map(|o| o.id),
                care_partner_id: partner.as_ref().map(|p| p.id),
                care_manager_id: None,
            },
        )?;
        if let (Some(level), Some(from), Some(to)) = (s.care_level, s.limit_from, s.limit_to) {
            rq::add_certification(
                conn,
                id,
                &CertificationFields {
                    status: if s.certification_status
                        == Some(crate::domain::CertificationStatus::Applying)
                    {
                        "applying".into()
                    } else {
                        "certified".into()
                    },
                    care_level: level.code().to_string(),
                    certified_on: s.certified_on,
                    valid_from: from,
                    valid_to: to,
                    limit_units: s.limit_units.map(|u| u as i32),
                },
            )?;
        }
        rq::add_provider(conn, id, Some(office.id), None, &office.service_type)?;
        Ok(id)
    })
}

/// How the certification in a received 利用者補足情報 differs from ours for the month.
fn certification_differences(
    s: &standard::Supplement,
    ours: &[crate::db::recipients::Certification],
    m: ServiceMonth,
) -> Vec<String> {
    let (first, last) = (m.first_day(), m.last_day());
    let mine = ours.iter().find(|c| c.overlaps(first, last));
    let Some(level) = s.care_level else {
        return Vec::new();
    };
    let Some(c) = mine else {
        return vec![format!(
            "受信した認定情報（{}）に当たる認定情報が、この月の利用者情報にありません。",
            level.name()
        )];
    };
    let mut out = Vec::new();
    if c.care_level != level.code() {
        out.push(format!(
            "受信した要介護度（{}）が利用者情報（{}）と違います。",
            level.name(),
            c.care_level_name()
        ));
    }
    if s.limit_from.is_some_and(|d| d != c.valid_from)
        || s.limit_to.is_some_and(|d| d != c.valid_to)
    {
        out.push(format!(
            "受信した認定有効期間（{}〜{}）が利用者情報（{}〜{}）と違います。",
            s.limit_from
                .map(|d| d.format("%Y/%m/%d").to_string())
                .unwrap_or_default(),
            s.limit_to
                .map(|d| d.format("%Y/%m/%d").to_string())
                .unwrap_or_default(),
            c.valid_from.format("%Y/%m/%d"),
            c.valid_to.format("%Y/%m/%d")
        ));
    }
    out
}
