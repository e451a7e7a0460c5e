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
use crate::db::recipients::{Certification, Recipient};
use crate::db::schedules::{self as sq, LineFields, ScheduleDay, ScheduleLine};
use crate::db::{self, DbConnection, DbResult};
use crate::domain::ServiceMonth;
use crate::standard::layout::FieldValue;
use crate::standard::{self, FileKind, Record, Schedule};
use crate::web::AppError;
use std::collections::{BTreeMap, HashMap, HashSet};

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

/// Ids per `IN (…)` list and rows per multi-row INSERT when a set is compared and applied (the
/// `*_in_chunks` variants take another number: tests use a small one to cross chunk boundaries).
pub const CHUNK: usize = db::IN_LIST_MAX;

/// Do lines of `number` / `service_type` belong to `owner` (number, type; an empty type: any)?
fn owns(owner: &(String, String), number: &str, service_type: &str) -> bool {
    number == owner.0 && (owner.1.is_empty() || service_type == owner.1)
}

/// A received set as read from its files, before it is compared with 予定実績.
struct ReadSet {
    side: Side,
    deleting: bool,
    sender: String,
    sender_type: String,
    files: Vec<ReceivedFile>,
    /// The lines received per (insurer, insured, month yyyymm); a delete names a person with none.
    by_person: BTreeMap<(String, String, String), BTreeMap<LineKey, ReceivedLine>>,
    /// 利用者補足情報 of the set, by (insurer, insured): the certification the sender holds.
    supplements: BTreeMap<(String, String), standard::Supplement>,
}

impl ReadSet {
    /// The people the set names for a month that parses, with that month, in the set's order.
    fn people(&self) -> impl Iterator<Item = (&(String, String, String), ServiceMonth)> {
        self.by_person
            .keys()
            .filter_map(|k| ServiceMonth::parse(&k.2).ok().map(|m| (k, m)))
    }
}

/// Reads the files of a received set of the office (one ファイル連番, not yet applied): what this
/// office takes from it, by person and month.
fn read_set(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
) -> Result<ReadSet, AppError> {
    let side = side_for(office);
    let stored = load_set(conn, office, timestamp)?;
    // What this office takes from a set: its side's file, or that side's delete file (which
    // empties the side for each person and month it names).
    let (wanted, delete) = match side {
        Side::Plan => (FileKind::Upplan, FileKind::Dltplan),
        Side::Actual => (FileKind::Upjsk, FileKind::Dltjsk),
    };
    let mut set = ReadSet {
        side,
        deleting: false,
        sender: String::new(),
        sender_type: String::new(),
        files: Vec::new(),
        by_person: BTreeMap::new(),
        supplements: BTreeMap::new(),
    };
    for (f, data) in stored {
        let parsed = standard::read_file(&f.file_name, &data);
        add_supplements(&parsed, &mut set.supplements);
        if parsed.kind == Some(delete) {
            set.sender = f.sender_number.clone();
            set.sender_type = f.sender_type.clone();
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
                set.by_person
                    .entry((person.0, person.1, person.2.yyyymm()))
                    .or_default();
            }
            set.deleting = true;
        }
        if parsed.kind == Some(wanted) {
            set.sender = f.sender_number.clone();
            set.sender_type = f.sender_type.clone();
            for (_, r) in parsed.data() {
                let Record::Schedule(s) = r else { continue };
                let person = (
                    s.insurer.to_string(),
                    s.insured.to_string(),
                    s.month.yyyymm(),
                );
                let lines = set.by_person.entry(person).or_default();
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
        set.files.push(f);
    }
    if set.sender.is_empty() {
        return Err(AppError::BadRequest(format!(
            "この送信単位には、この事業所が取り込む{}がありません。",
            side.label()
        )));
    }
    Ok(set)
}

/// Adds the 利用者補足情報 of a parsed UPHOSOKU file (nothing for another kind) by (保険者番号,
/// 被保険者番号); the last record wins when a person has several.
pub(crate) fn add_supplements(
    parsed: &standard::ParsedFile,
    into: &mut BTreeMap<(String, String), standard::Supplement>,
) {
    if parsed.kind != Some(FileKind::Uphosoku) {
        return;
    }
    for (_, r) in parsed.data() {
        if let Record::Supplement(x) = r {
            into.insert(
                (x.insurer.to_string(), x.insured.to_string()),
                (**x).clone(),
            );
        }
    }
}

/// The corporation's recipients that these people are, by (insurer, insured).
fn recipients_named(
    conn: &mut DbConnection,
    corp: i64,
    set: &ReadSet,
    chunk: usize,
) -> DbResult<HashMap<(String, String), Recipient>> {
    let mut numbers: Vec<(String, String)> = set
        .people()
        .map(|((insurer, insured, _), _)| (insurer.clone(), insured.clone()))
        .collect();
    numbers.dedup();
    Ok(
        db::recipients::find_many_by_numbers(conn, corp, &numbers, chunk)?
            .into_iter()
            .map(|r| ((r.insurer_number.clone(), r.insured_number.clone()), r))
            .collect(),
    )
}

/// The ids of the registered recipients a received set of the office carries (those 取込 may be
/// asked for), without comparing it: the set's files read once and one query per [`CHUNK`]
/// people. Errors as [`compare`] (no such set, a refused file, nothing this office takes).
pub fn recipients_of_set(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
) -> Result<Vec<i64>, AppError> {
    let set = read_set(conn, office, timestamp)?;
    Ok(recipients_named(conn, office.corporation_id, &set, CHUNK)?
        .into_values()
        .map(|r| r.id)
        .collect())
}

/// Reads a received set (files of one ファイル連番 for the office, not yet applied) and compares
/// it with what we hold.
pub fn compare(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
) -> Result<ReceivedSet, AppError> {
    compare_in_chunks(conn, office, timestamp, CHUNK)
}

/// [`compare`] with `chunk` ids per query: what we hold for all the set's people is read at
/// once (recipients, their month's lines and days, certifications, newer sets applied).
pub fn compare_in_chunks(
    conn: &mut DbConnection,
    office: &Office,
    timestamp: &str,
    chunk: usize,
) -> Result<ReceivedSet, AppError> {
    let corp = office.corporation_id;
    let read = read_set(conn, office, timestamp)?;
    let side = read.side;
    // Service names from the code table.
    let codes: Vec<String> = read
        .by_person
        .values()
        .flat_map(|l| l.keys().map(|k| k.code.clone()))
        .collect();
    let table = db::service_codes::table_for_codes(conn, corp, &codes)?;
    // Whose lines the set replaces: a provider's own lines (its 予定 rows; the 居宅's lines for
    // other providers are not the provider's to change), or the sending provider's (実績).
    let owner = match side {
        Side::Plan => (office.office_number.clone(), office.service_type.clone()),
        Side::Actual => (read.sender.clone(), read.sender_type.clone()),
    };
    let recipients = recipients_named(conn, corp, &read, chunk)?;
    let months: Vec<(i64, String)> = read
        .people()
        .filter_map(|((insurer, insured, _), m)| {
            let r = recipients.get(&(insurer.clone(), insured.clone()))?;
            Some((r.id, m.yyyymm()))
        })
        .collect();
    let ours = Ours::load(conn, &months, &owner, chunk)?;
    let mut ids: Vec<i64> = months.iter().map(|(id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let with_supplement: Vec<i64> = read
        .supplements
        .keys()
        .filter_map(|k| recipients.get(k).map(|r| r.id))
        .collect();
    let mut certs: HashMap<i64, Vec<Certification>> = HashMap::new();
    for c in db::recipients::certifications_of_many_in(conn, &with_supplement, chunk)? {
        certs.entry(c.recipient_id).or_default().push(c);
    }
    let newer: HashMap<(i64, String), String> =
        iq::applied_after_many(conn, corp, office.id, &ids, &read.sender, timestamp, chunk)?
            .into_iter()
            .map(|(r, m, t)| ((r, m), t))
            .collect();
    let mut changes = Vec::new();
    for ((insurer, insured, month), mut received) in read.by_person {
        received.retain(|k, _| owns(&owner, &k.provider, &k.service_type));
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
        let recipient = recipients.get(&(insurer.clone(), insured.clone())).cloned();
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
                change.lines = diff(&ours, ours.lines(r.id, &m.yyyymm()), &change.received, side);
                if let Some(sup) = read
                    .supplements
                    .get(&(change.insurer.clone(), change.insured.clone()))
                {
                    let mine = certs.get(&r.id).map(Vec::as_slice).unwrap_or(&[]);
                    change
                        .warnings
                        .extend(certification_differences(sup, mine, m));
                }
                if let Some(newer) = newer.get(&(r.id, m.yyyymm())) {
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
        deleting: read.deleting,
        timestamp: timestamp.to_string(),
        sender: read.sender,
        sender_type: read.sender_type,
        files: read.files,
        changes,
    })
}

/// Our lines that a set replaces, for many recipient-months at once: per (recipient, month
/// yyyymm) the owner's lines in position order, their days, and the last position of all the
/// month's lines (where new lines go).
#[derive(Default)]
struct Ours {
    lines: HashMap<(i64, String), Vec<ScheduleLine>>,
    last_position: HashMap<(i64, String), i32>,
    days: HashMap<i64, Vec<ScheduleDay>>,
}

/// Every line of these recipient-months (one query per month and `chunk` recipients).
fn lines_of_months(
    conn: &mut DbConnection,
    months: &[(i64, String)],
    chunk: usize,
) -> DbResult<Vec<ScheduleLine>> {
    let mut by_month: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (id, m) in months {
        by_month.entry(m.as_str()).or_default().push(*id);
    }
    let mut out = Vec::new();
    for (month, mut ids) in by_month {
        ids.sort_unstable();
        ids.dedup();
        out.extend(sq::lines_for_many_in(conn, &ids, month, chunk)?);
    }
    Ok(out)
}

impl Ours {
    fn load(
        conn: &mut DbConnection,
        months: &[(i64, String)],
        owner: &(String, String),
        chunk: usize,
    ) -> DbResult<Ours> {
        let mut ours = Ours::default();
        for l in lines_of_months(conn, months, chunk)? {
            let key = (l.recipient_id, l.month.clone());
            let last = ours.last_position.entry(key.clone()).or_insert(l.position);
            *last = (*last).max(l.position);
            if owns(owner, &l.provider_number, &l.provider_type) {
                ours.lines.entry(key).or_default().push(l);
            }
        }
        let ids: Vec<i64> = ours.lines.values().flatten().map(|l| l.id).collect();
        for d in sq::days_for_in(conn, &ids, chunk)? {
            ours.days.entry(d.line_id).or_default().push(d);
        }
        Ok(ours)
    }

    fn lines(&self, recipient_id: i64, month: &str) -> &[ScheduleLine] {
        self.lines
            .get(&(recipient_id, month.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn days(&self, line_id: i64) -> &[ScheduleDay] {
        self.days.get(&line_id).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The counts of one side of a line.
    fn counts(&self, line_id: i64, side: Side) -> [i32; 31] {
        let mut out = [0; 31];
        for d in self.days(line_id) {
            if (1..=31).contains(&d.day) {
                out[(d.day - 1) as usize] = match side {
                    Side::Plan => d.plan_count,
                    Side::Actual => d.actual_count,
                };
            }
        }
        out
    }
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
    ours: &Ours,
    lines: &[ScheduleLine],
    received: &BTreeMap<LineKey, ReceivedLine>,
    side: Side,
) -> Vec<LineChange> {
    let mut out = Vec::new();
    for (key, r) in received {
        let mine = lines.iter().find(|l| LineKey::of_line(l) == *key);
        let before = mine.map(|l| ours.counts(l.id, side)).unwrap_or([0; 31]);
        let d = day_changes(&before, &r.counts);
        out.push(LineChange {
            key: key.clone(),
            provider_name: r.fields.provider_name.clone(),
            service_name: mine
                .map(|l| l.service_name.clone())
                .unwrap_or_else(|| r.fields.service_name.clone()),
            status: match (mine, d.is_empty()) {
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
        let before = ours.counts(l.id, side);
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
    apply_in_chunks(conn, office, set, only, staff_id, CHUNK)
}

/// [`apply`] with `chunk` ids per query and rows per INSERT: our lines of all the chosen
/// recipient-months are read again at once (inside the transaction), then new lines, days,
/// removed lines and the history are written in multi-row statements.
pub fn apply_in_chunks(
    conn: &mut DbConnection,
    office: &Office,
    set: &ReceivedSet,
    only: &[i64],
    staff_id: Option<i64>,
    chunk: usize,
) -> DbResult<(usize, usize)> {
    let corp = office.corporation_id;
    let only: HashSet<i64> = only.iter().copied().collect();
    let chosen: Vec<(&RecipientChange, i64, String)> = set
        .changes
        .iter()
        .filter_map(|c| {
            let r = c.recipient.as_ref()?;
            (c.blocked.is_none() && (only.is_empty() || only.contains(&r.id)))
                .then(|| (c, r.id, c.month.yyyymm()))
        })
        .collect();
    let months: Vec<(i64, String)> = chosen.iter().map(|(_, r, m)| (*r, m.clone())).collect();
    let ours = Ours::load(conn, &months, &set.owner, chunk)?;
    let t = db::now();
    // Received lines we do not hold go after the month's last line, in the set's order.
    let mut new_lines = Vec::new();
    for (c, rid, month) in &chosen {
        let lines = ours.lines(*rid, month);
        let mut position = ours
            .last_position
            .get(&(*rid, month.clone()))
            .copied()
            .unwrap_or(0);
        for (key, rl) in &c.received {
            if !lines.iter().any(|l| LineKey::of_line(l) == *key) {
                position += 1;
                new_lines.push(sq::NewLine {
                    corporation_id: corp,
                    recipient_id: *rid,
                    month: month.clone(),
                    position,
                    fields: rl.fields.clone(),
                    created_at: t,
                    updated_at: t,
                });
            }
        }
    }
    sq::add_lines(conn, &new_lines, chunk)?;
    // Their ids: the owner's lines of those months that were not there before, by key.
    let before: HashSet<i64> = ours.lines.values().flatten().map(|l| l.id).collect();
    let grown: Vec<(i64, String)> = new_lines
        .iter()
        .map(|l| (l.recipient_id, l.month.clone()))
        .collect();
    let mut added: HashMap<(i64, String, LineKey), i64> = HashMap::new();
    for l in lines_of_months(conn, &grown, chunk)? {
        if !before.contains(&l.id) && owns(&set.owner, &l.provider_number, &l.provider_type) {
            added
                .entry((l.recipient_id, l.month.clone(), LineKey::of_line(&l)))
                .or_insert(l.id);
        }
    }
    let (mut rewritten, mut rows, mut touched_lines, mut gone) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    // The days of a line after its side's counts become `counts` (the other side stays).
    let mut write = |line: i64, old: &[ScheduleDay], counts: &[i32; 31]| {
        let after = match set.side {
            Side::Plan => sq::days_after(line, old, Some(counts), None),
            Side::Actual => sq::days_after(line, old, None, Some(counts)),
        };
        if let Some(after) = after {
            rewritten.push(line);
            rows.extend(after);
        }
    };
    let mut history = Vec::new();
    let mut touched = 0;
    for (c, rid, month) in &chosen {
        let lines = ours.lines(*rid, month);
        for (key, rl) in &c.received {
            match lines.iter().find(|l| LineKey::of_line(l) == *key) {
                Some(l) => {
                    write(l.id, ours.days(l.id), &rl.counts);
                    touched_lines.push(l.id);
                }
                None => {
                    let id = added
                        .get(&(*rid, month.clone(), key.clone()))
                        .copied()
                        .ok_or(diesel::result::Error::NotFound)?;
                    write(id, &[], &rl.counts);
                }
            }
            touched += 1;
        }
        // Lines of ours the set no longer carries: their side is emptied; a line left with
        // neither 予定 nor 実績 goes.
        for l in lines {
            if c.received.contains_key(&LineKey::of_line(l)) {
                continue;
            }
            let other = match set.side {
                Side::Plan => ours.counts(l.id, Side::Actual),
                Side::Actual => ours.counts(l.id, Side::Plan),
            };
            if other.iter().all(|c| *c == 0) {
                gone.push(l.id);
            } else {
                write(l.id, ours.days(l.id), &[0; 31]);
                touched_lines.push(l.id);
            }
            touched += 1;
        }
        let (added, removed, changed) = c.summary();
        history.push(iq::NewImport {
            corporation_id: corp,
            office_id: office.id,
            recipient_id: *rid,
            month: month.clone(),
            side: match set.side {
                Side::Plan => "plan".into(),
                Side::Actual => "actual".into(),
            },
            sender_number: set.sender.clone(),
            sender_type: set.sender_type.clone(),
            file_timestamp: set.timestamp.clone(),
            summary: format!("追加 {added} 行、削除 {removed} 行、変更 {changed} 行"),
            applied_by: staff_id,
            applied_at: t,
        });
    }
    // The days of removed lines go with them.
    rewritten.extend(&gone);
    sq::replace_days(conn, &rewritten, &rows, chunk)?;
    sq::touch_lines(conn, &touched_lines, chunk)?;
    sq::delete_lines(conn, &gone, chunk)?;
    iq::record_applied_many(conn, &history, chunk)?;
    iq::mark_applied(conn, corp, office.id, &set.timestamp)?;
    Ok((chosen.len(), touched))
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
    ours: &[Certification],
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
