//! Export: the files a month's exchange sends, one set per destination office × service type,
//! and the monthly zip(s).
//!
//! * 居宅, 利用票: UPPLAN + UPSIKYU + UPHOSOKU (提供年月) per destination;
//! * 居宅, 居宅サービス計画書: UP1KYO + UP2KYO + UP3KYO (V4 only) + UPHOSOKU (`000000`);
//! * provider, 実績: UPJSK per destination 居宅;
//! * 削除出力: DLTPLAN / DLT1KYO / DLTJSK for what was sent before (the export history says
//!   what and to whom) and is no longer planned.
//!
//! Rules followed (../shared/spec/csv-schedule-actuals.md §4, csv-plan-hosoku.md §3): one month
//! per file; a set goes to one receiver (number + type) and holds every selected recipient who
//! uses that receiver; each recipient's 第6/7表 carries all providers' lines of that recipient
//! except service types outside the exchange; the 第7表 carries its subtotal and total rows; the
//! sets of one export get distinct timestamps (one second apart), because the receiver groups
//! files into sets by timestamp alone.

use crate::db::exports::NewExportEntry;
use crate::db::offices::Office;
use crate::db::plans::CarePlan;
use crate::db::recipients::Recipient;
use crate::db::schedules::{self as sq, ScheduleDay, ScheduleLine};
use crate::db::{self, DbConnection};
use crate::domain::billing::{RowKind, Table7};
use crate::domain::{
    CareLevel, CertificationStatus, DailyLifeReason, InsuranceCoverage, InsuredNumber,
    InsurerNumber, OfficeNumber, PlanCategory, ServiceCode, ServiceMonth, ServiceType, Weekday,
};
use crate::standard::{
    ActualsDelete, Benefit, CsvVersion, DateOrZero, FileKind, FileName, Finding, Hhmm, Layout,
    MonthOrZero, Plan1, Plan1Delete, Plan2, Plan3, PlanDelete, Record, Schedule, Severity,
    Supplement, UnitPrice, WrittenFile, check_file, write_unchecked,
};
use crate::web::AppError;
use crate::web::schedules::{Basis, table7_from};
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

mod actual;
mod careplan;
mod delete;
mod loaded;
mod plan;

pub use actual::{ActualRecords, actual_records_for, build_actual_sets};
pub use careplan::{CareplanRecords, build_careplan_sets, careplan_records_for, plan_destinations};
pub use delete::{build_delete_sets, withdrawn};
pub use loaded::MonthData;
pub use plan::{PlanRecords, build_plan_sets, plan_records_for};

/// What is exported (選択データ).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DataKind {
    /// 居宅: 利用票 (第6表 + 第7表 + 利用者補足情報).
    Plan,
    /// 居宅: 居宅サービス計画書 (第1/2/3表 + 利用者補足情報).
    Careplan,
    /// Provider: 実績.
    Actual,
}

impl DataKind {
    pub fn code(self) -> &'static str {
        match self {
            DataKind::Plan => "plan",
            DataKind::Careplan => "careplan",
            DataKind::Actual => "actual",
        }
    }

    pub fn parse(s: &str) -> Option<DataKind> {
        match s {
            "plan" => Some(DataKind::Plan),
            "careplan" => Some(DataKind::Careplan),
            "actual" => Some(DataKind::Actual),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DataKind::Plan => "利用票",
            DataKind::Careplan => "居宅サービス計画書",
            DataKind::Actual => "実績",
        }
    }

    /// The first word of the download's name.
    pub fn zip_label(self, delete: bool) -> &'static str {
        match (self, delete) {
            (DataKind::Plan, false) => "利用票出力",
            (DataKind::Plan, true) => "利用票削除出力",
            (DataKind::Careplan, false) => "計画書出力",
            (DataKind::Careplan, true) => "計画書削除出力",
            (DataKind::Actual, false) => "実績出力",
            (DataKind::Actual, true) => "実績削除出力",
        }
    }

    /// Whether a 居宅 (43/46) sends this kind; a provider sends only 実績.
    pub fn sent_by_care_office(self) -> bool {
        self != DataKind::Actual
    }
}

/// 標準仕様: what each partner reads (their 他社情報), or one version for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SpecChoice {
    Partner,
    V4,
    V3,
}

impl SpecChoice {
    pub fn parse(s: &str) -> Option<SpecChoice> {
        match s {
            "partner" => Some(SpecChoice::Partner),
            "v4" => Some(SpecChoice::V4),
            "v3" => Some(SpecChoice::V3),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            SpecChoice::Partner => "partner",
            SpecChoice::V4 => "v4",
            SpecChoice::V3 => "v3",
        }
    }

    pub fn forced(self) -> Option<CsvVersion> {
        match self {
            SpecChoice::Partner => None,
            SpecChoice::V4 => Some(CsvVersion::V202407),
            SpecChoice::V3 => Some(CsvVersion::V202208),
        }
    }
}

/// One export as the screen, the job and the command line ask for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequest {
    /// The sending office (one of the corporation's own).
    pub office_id: i64,
    /// サービス提供月, YYYYMM.
    pub month: String,
    pub data: DataKind,
    /// 削除出力.
    #[serde(default)]
    pub delete: bool,
    /// The recipients; empty = every recipient the export would take.
    #[serde(default)]
    pub recipients: Vec<i64>,
    /// The destinations (`number:type`); empty = every destination.
    #[serde(default)]
    pub destinations: Vec<String>,
    pub spec: SpecChoice,
    /// 個別: one zip per destination instead of one for all (一括).
    #[serde(default)]
    pub split: bool,
}

/// Reports progress (done, total recipients); an error stops the export (e.g. the job lost its
/// lease).
pub type Progress<'a> = dyn FnMut(usize, usize) -> Result<(), AppError> + 'a;

/// For callers that do not show progress.
pub fn no_progress(_: usize, _: usize) -> Result<(), AppError> {
    Ok(())
}

/// Why a recipient cannot be exported (shown with (エ) on the export list).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub recipient_id: i64,
    pub message_ja: String,
    pub message_en: String,
}

/// A recipient in a set, with what the export history keeps of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub recipient_id: i64,
    /// Hash of the recipient's records in this set, without the creation date.
    pub content_hash: String,
    /// Hash of the certification data sent (利用者補足情報).
    pub cert_hash: String,
    /// 居宅サービス計画作成（変更）日 of a 計画書 (or its delete).
    pub plan_date: Option<NaiveDate>,
}

impl Member {
    fn plain(recipient_id: i64) -> Member {
        Member {
            recipient_id,
            content_hash: String::new(),
            cert_hash: String::new(),
            plan_date: None,
        }
    }
}

/// One destination's set.
#[derive(Debug)]
pub struct ExportSet {
    pub receiver: String,
    pub receiver_type: String,
    pub receiver_name: String,
    pub version: CsvVersion,
    pub members: Vec<Member>,
    pub files: Vec<SetFile>,
}

/// A file of a set as an export keeps it: deflated as soon as it is written and checked, so
/// that an export holds the plain bytes of only the files being written.
#[derive(Debug, Clone)]
pub struct SetFile {
    /// The standard's file name.
    pub name: String,
    /// What the writer and our own checker found in the file ([`WrittenFile::findings`]).
    pub findings: Vec<Finding>,
    /// Hex SHA-256 of the file's bytes (the export history keeps it).
    pub sha256: String,
    /// The file's size in bytes.
    pub size: usize,
    /// The number of line ends (CRLF) in the file: its records, unless a text holds a line
    /// break.
    pub lines: usize,
    /// The file deflated, as a zip holding only this entry; the monthly zips copy the entry
    /// as it is.
    zipped: Vec<u8>,
}

impl SetFile {
    /// Hashes and deflates a written file; its plain bytes are dropped. A file the writer
    /// refused (no name: its findings say why) is kept without an entry: it is never sent.
    pub fn pack(f: WrittenFile) -> std::io::Result<SetFile> {
        let mut packed = SetFile::pack_bytes(&f.name, &f.bytes)?;
        packed.findings = f.findings;
        Ok(packed)
    }

    /// A file named `name` (empty: refused, no entry) with content `bytes`, hashed and
    /// deflated; no findings.
    fn pack_bytes(name: &str, bytes: &[u8]) -> std::io::Result<SetFile> {
        let mut zipped = Vec::new();
        if !name.is_empty() {
            let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            zip.start_file(name, zip_options())
                .map_err(std::io::Error::other)?;
            zip.write_all(bytes)?;
            zipped = zip.finish().map_err(std::io::Error::other)?.into_inner();
        }
        Ok(SetFile {
            sha256: hex::encode(Sha256::digest(bytes)),
            size: bytes.len(),
            lines: bytes.iter().filter(|b| **b == b'\n').count(),
            name: name.to_string(),
            findings: Vec::new(),
            zipped,
        })
    }

    /// The file's bytes, inflated again (the export itself never needs them: for checks and
    /// tests).
    pub fn bytes(&self) -> std::io::Result<Vec<u8>> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(self.zipped.as_slice()))
            .map_err(std::io::Error::other)?;
        let mut entry = archive.by_index(0).map_err(std::io::Error::other)?;
        let mut out = Vec::with_capacity(self.size);
        entry.read_to_end(&mut out)?;
        Ok(out)
    }
}

/// How many of an export's files are written at once, each on a thread of its own: each holds
/// its bytes while it is written, checked and deflated (30 MB for a UPPLAN of the benchmark's
/// 2,000 recipients), and its check holds one part of the file's text and records at a time
/// (`standard::check_file`).
const FILES_AT_ONCE: usize = 2;

/// Writes a file, checks it with our own checker and packs it ([`SetFile::pack`]): the
/// builders' way of adding a file to a set.
pub(crate) fn write_packed<R: std::borrow::Borrow<Record>>(
    name: &FileName,
    records: impl IntoIterator<Item = R>,
    version: CsvVersion,
) -> Result<SetFile, AppError> {
    let written = match write_unchecked(name, records, version) {
        Ok(written) => written,
        Err(refused) => return SetFile::pack(refused).map_err(AppError::internal),
    };
    // The check reads the file back while this thread deflates and hashes it: they take about
    // as long as each other, and a set's files are written one after another.
    let (checked, packed) = std::thread::scope(|s| {
        let check = s.spawn(|| check_file(&written.name, &written.bytes));
        let packed = SetFile::pack_bytes(&written.name, &written.bytes);
        let checked = check
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        (checked, packed)
    });
    let mut packed = packed.map_err(AppError::internal)?;
    packed.findings = written.findings;
    packed.findings.extend(checked);
    Ok(packed)
}

impl ExportSet {
    pub fn recipient_ids(&self) -> Vec<i64> {
        self.members.iter().map(|m| m.recipient_id).collect()
    }

    /// `number:type`, as requests name destinations.
    pub fn destination_key(&self) -> String {
        format!("{}:{}", self.receiver, self.receiver_type)
    }

    /// The 14-digit ファイル連番 the set's files share.
    pub fn timestamp(&self) -> String {
        self.files
            .first()
            .and_then(|f| crate::standard::FileName::parse(&f.name).ok())
            .map(|(n, _)| n.timestamp)
            .unwrap_or_default()
    }
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

pub(crate) fn hhmm(t: &str) -> Hhmm {
    if t.len() == 4 && t != "9999" {
        Hhmm::at(t[..2].parse().unwrap_or(99), t[2..].parse().unwrap_or(99)).unwrap_or(Hhmm::NoTime)
    } else {
        Hhmm::NoTime
    }
}

pub(crate) fn non_empty(s: &str) -> Option<String> {
    (!s.trim().is_empty()).then(|| s.trim().to_string())
}

pub(crate) fn u(v: Option<i64>) -> Option<u32> {
    v.map(|x| x.clamp(0, u32::MAX as i64) as u32)
}

/// Hex BLAKE3 of the records' fields, with the creation date (作成年月日) left out so that an
/// unchanged month exported on another day hashes the same. It is only compared with the hash
/// of the last export (「前回の出力（…）から変更がありません。」), so it need not be SHA-256 like
/// the files' hashes, which are kept as evidence; BLAKE3 hashes the month's records in a
/// fraction of the time. (History rows written before the switch hold SHA-256: the first export
/// after it is then seen as changed, once.)
pub(crate) fn content_hash<R: std::borrow::Borrow<Record>>(
    records: impl IntoIterator<Item = R>,
) -> String {
    let mut h = blake3::Hasher::new();
    let mut raw = crate::standard::RawRecord::default();
    let mut bytes = Vec::new();
    for r in records {
        let r = r.borrow();
        raw.clear();
        r.write_raw(Layout::V4, &mut raw);
        // No.4 is 作成年月日 in UPPLAN/UPJSK, UPSIKYU and UP1KYO.
        let dated = matches!(
            r,
            Record::Schedule(_) | Record::Benefit(_) | Record::Plan1(_)
        );
        // One update per record: the hasher is fastest on longer input.
        bytes.clear();
        for (i, f) in raw.iter().enumerate() {
            if !(dated && i == 3) {
                bytes.extend_from_slice(f.as_bytes());
            }
            bytes.push(0x1f);
        }
        bytes.push(0x1e);
        h.update(&bytes);
    }
    h.finalize().to_hex().to_string()
}

/// Runs `f` for every item on up to [`FILES_AT_ONCE`] cores (the sets of an export are
/// independent: writing, re-checking and deflating their files is most of an export's time).
/// Each thread takes the next item when it is done with one, so a large set does not hold up
/// the others. Results keep the items' order.
pub(crate) fn in_parallel<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = crate::parallel::cores().min(FILES_AT_ONCE);
    crate::parallel::map_in_turns(items, threads, |_, t| f(t))
}

/// An iterator that says how many items it yields, `left` (exactly: the caller counted them),
/// so that the writer sizes its buffer for the whole file at once instead of growing it.
pub(crate) struct Counted<I> {
    pub inner: I,
    pub left: usize,
}

impl<I: Iterator> Iterator for Counted<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let item = self.inner.next();
        if item.is_some() {
            self.left = self.left.saturating_sub(1);
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left, Some(self.left))
    }
}

/// Hex SHA-256 of the certification items of a 利用者補足情報 record.
pub(crate) fn cert_hash(supplement: &Record) -> String {
    let Record::Supplement(s) = supplement else {
        return String::new();
    };
    let text = format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
        s.certified_on,
        s.limit_from,
        s.limit_to,
        s.certification_status,
        s.care_level,
        s.limit_units
    );
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// The set's timestamp: `now` plus one second per set, so that the sets of one export differ.
pub(crate) fn set_timestamp(now: NaiveDateTime, i: usize) -> String {
    (now + chrono::Duration::seconds(i as i64))
        .format("%Y%m%d%H%M%S")
        .to_string()
}

/// What every 第6表 record of one recipient's month shares (UPPLAN 予定 and UPJSK 実績).
#[derive(Clone)]
pub(crate) struct ScheduleHead<'a> {
    pub keys: (InsurerNumber, InsuredNumber),
    pub month: ServiceMonth,
    pub today: NaiveDate,
    /// 居宅介護支援事業者コード.
    pub plan_office: Option<OfficeNumber>,
    pub care_manager: &'a str,
    /// 更新業者コード: the sender.
    pub updater: &'a OfficeNumber,
}

/// The 予定 or 実績 of one day of a line: count, times (HHMM) and units.
pub(crate) struct DayEntry<'a> {
    pub day: i32,
    pub count: i32,
    pub start: &'a str,
    pub end: &'a str,
    pub units: u32,
}

/// One 第6表 record for a day of a line; `None` when the line's codes or the day do not parse.
pub(crate) fn schedule_record(
    h: &ScheduleHead<'_>,
    l: &ScheduleLine,
    d: DayEntry<'_>,
) -> Option<Record> {
    let code = ServiceCode::parse(&l.service_code).ok()?;
    let provider = OfficeNumber::parse(&l.provider_number).ok()?;
    let m = h.month;
    let date = NaiveDate::from_ymd_opt(m.year() as i32, m.month() as u32, d.day as u32)?;
    Some(Record::Schedule(Box::new(Schedule {
        csv_version: CsvVersion::DEFAULT,
        insurer: h.keys.0,
        insured: h.keys.1,
        created_on: h.today,
        month: m,
        plan_office: h.plan_office.clone(),
        care_manager_name: h.care_manager.to_string(),
        units: Some(d.units),
        short_stay_days_before: l.short_stay_days.map(|v| v.max(0) as u32),
        service_date: date,
        per_diem_days: non_empty(&l.per_diem_mask),
        start_time: hhmm(d.start),
        end_time: hhmm(d.end),
        count: d.count.max(0) as u32,
        service_code: code,
        tais_code: non_empty(&l.tais_code),
        notification_code: non_empty(&l.notification_code),
        equipment_name: l.equipment_name.clone(),
        line_discriminator: l.line_no.parse().ok(),
        provider,
        provider_name: l.provider_name.clone(),
        satellite: non_empty(&l.satellite),
        over_30_days: l.over_30 == "1",
        updater: Some(h.updater.clone()),
        identifier: String::new(),
    })))
}

/// A destination of one set: who receives it, in which CSV version, under which timestamp.
pub(crate) struct Receiver {
    pub number: String,
    pub stype: String,
    pub name: String,
    pub office: OfficeNumber,
    pub version: CsvVersion,
    pub timestamp: String,
}

impl Receiver {
    /// Whether a recipient's destinations include this receiver.
    pub fn among(&self, destinations: &[(String, String, String)]) -> bool {
        destinations
            .iter()
            .any(|d| d.0 == self.number && d.1 == self.stype)
    }
}

/// Every destination (number, type, name) of the recipients once, sorted, each with the
/// version it reads (or the forced one) and its own timestamp.
pub(crate) fn receivers<'a>(
    conn: &mut DbConnection,
    corp: i64,
    lists: impl Iterator<Item = &'a Vec<(String, String, String)>>,
    version_override: Option<CsvVersion>,
    now: NaiveDateTime,
) -> db::DbResult<Vec<Receiver>> {
    let mut all: Vec<(String, String, String)> = lists.flatten().cloned().collect();
    all.sort();
    all.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    let mut out = Vec::with_capacity(all.len());
    for (i, (number, stype, name)) in all.into_iter().enumerate() {
        let Ok(office) = OfficeNumber::parse(&number) else {
            continue;
        };
        let version = match version_override {
            Some(v) => v,
            None => version_for(conn, corp, &number, &stype)?,
        };
        out.push(Receiver {
            number,
            stype,
            name,
            office,
            version,
            timestamp: set_timestamp(now, i),
        });
    }
    Ok(out)
}

/// How a file is stored in the zips: deflated at level 1. These CSVs are very repetitive, so
/// the fastest level already shrinks them to a few percent; the default level costs three times
/// the time for a slightly smaller zip.
fn zip_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
}

/// The monthly zip: the standard's file names at the root, deflated (Windows' すべて展開 opens it).
/// The files were deflated when they were written; their entries are copied as they are.
pub fn zip_files<'a>(files: impl IntoIterator<Item = &'a SetFile>) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for f in files {
        let one = zip::ZipArchive::new(std::io::Cursor::new(f.zipped.as_slice()))
            .map_err(std::io::Error::other)?;
        zip.merge_archive(one).map_err(std::io::Error::other)?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

pub(crate) fn opt_time(t: &str) -> Option<Hhmm> {
    (!t.trim().is_empty()).then(|| hhmm(t))
}

/// A character of the recipient's name, kana or address that MS932 cannot hold.
pub(crate) fn unencodable_blocker(r: &Recipient) -> Option<Blocker> {
    for text in [&r.name, &r.kana, &r.address] {
        if let Some(c) = crate::standard::unencodable_chars(text).first() {
            return Some(Blocker {
                recipient_id: r.id,
                message_ja: format!("利用者情報に MS932 で書けない文字「{c}」があります。"),
                message_en: format!(
                    "the recipient's data has a character MS932 cannot write ({c})"
                ),
            });
        }
    }
    None
}

pub fn keys_or_block(r: &Recipient) -> Result<(InsurerNumber, InsuredNumber), Blocker> {
    match (
        InsurerNumber::parse(&r.insurer_number),
        InsuredNumber::parse(&r.insured_number),
    ) {
        (Ok(a), Ok(b)) => Ok((a, b)),
        _ => Err(Blocker {
            recipient_id: r.id,
            message_ja: "保険者番号または被保険者番号がありません。".into(),
            message_en: "no insurer or insured number".into(),
        }),
    }
}

// ---- the whole export, as the job and the command line run it ----------------------------------

/// A zip to hand out.
#[derive(Debug)]
pub struct ZipFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// An export done: the sets, the zips and the history rows to record with them.
#[derive(Debug)]
pub struct ExportOutcome {
    pub office: Office,
    pub result: ExportResult,
    pub zips: Vec<ZipFile>,
    pub history: Vec<NewExportEntry>,
    /// Warning findings in the written files (e.g. characters replaced by 〓).
    pub warnings: Vec<String>,
    /// Error findings of our own checker in the written files: when there is any, the export
    /// is refused (no zips, no history).
    pub errors: Vec<WrittenError>,
}

/// An error finding in a file we wrote.
#[derive(Debug, Clone)]
pub struct WrittenError {
    pub file: String,
    pub message_ja: String,
    pub message_en: String,
}

impl ExportOutcome {
    pub fn recipient_count(&self) -> usize {
        let mut ids: Vec<i64> = self
            .result
            .sets
            .iter()
            .flat_map(|s| s.members.iter().map(|m| m.recipient_id))
            .collect();
        ids.sort();
        ids.dedup();
        ids.len()
    }

    pub fn file_count(&self) -> usize {
        self.result.sets.iter().map(|s| s.files.len()).sum()
    }
}

/// Whether an office is a 居宅介護支援事業所 (43) or 介護予防支援 (46).
pub fn is_care_office(office: &Office) -> bool {
    ServiceType::parse(&office.service_type).is_ok_and(|t| t.is_care_management())
}

/// Runs an export: builds the sets, refuses the whole export when any written file has an
/// error finding (`errors`, no zips), zips them (一括: one zip; 個別: one per destination) and prepares the history.
/// `now` (naive JST) dates the records and names the files; the job passes its request time,
/// so running the same job twice writes the same bytes.
pub fn run(
    conn: &mut DbConnection,
    corporation_id: i64,
    req: &ExportRequest,
    now: NaiveDateTime,
    job_id: Option<i64>,
    staff_id: Option<i64>,
    progress: &mut Progress<'_>,
) -> Result<ExportOutcome, AppError> {
    let office =
        db::offices::find(conn, corporation_id, req.office_id)?.ok_or(AppError::NotFound)?;
    let m = ServiceMonth::parse(&req.month).map_err(|e| AppError::BadRequest(e.message_ja))?;
    if req.data.sent_by_care_office() != is_care_office(&office) {
        return Err(AppError::BadRequest(if is_care_office(&office) {
            "居宅介護支援事業所からは実績を出力できません（利用票または居宅サービス計画書を選んでください）。".into()
        } else {
            "サービス事業所からは実績のみ出力できます。".into()
        }));
    }
    let version = req.spec.forced();
    let only = &req.recipients;
    let mut result = if req.delete {
        build_delete_sets(conn, &office, req.data, m, only, version, now, progress)?
    } else {
        match req.data {
            DataKind::Plan => build_plan_sets(conn, &office, m, only, version, now, progress)?,
            DataKind::Careplan => {
                build_careplan_sets(conn, &office, m, only, version, now, progress)?
            }
            DataKind::Actual => build_actual_sets(conn, &office, m, only, version, now, progress)?,
        }
    };
    if !req.destinations.is_empty() {
        result
            .sets
            .retain(|s| req.destinations.contains(&s.destination_key()));
    }
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for set in &result.sets {
        for f in &set.files {
            for x in &f.findings {
                match x.severity {
                    Severity::Error => errors.push(WrittenError {
                        file: f.name.clone(),
                        message_ja: x.message_ja.clone(),
                        message_en: x.message_en.clone(),
                    }),
                    Severity::Warning => warnings.push(format!("{}: {}", f.name, x.message_ja)),
                }
            }
        }
    }
    if !errors.is_empty() {
        // Nothing is handed out or recorded: a file that fails our checker must not be sent.
        return Ok(ExportOutcome {
            office,
            result,
            zips: Vec::new(),
            history: Vec::new(),
            warnings,
            errors,
        });
    }
    let label = req.data.zip_label(req.delete);
    let stamp = now.format("%Y%m%d%H%M%S");
    let mut zips = Vec::new();
    if result.sets.is_empty() {
        // Nothing to send.
    } else if req.split {
        for set in &result.sets {
            zips.push(ZipFile {
                name: format!(
                    "{label}_{}_{}_{}_{}_{stamp}.zip",
                    office.office_number,
                    m.yyyymm(),
                    set.receiver,
                    set.receiver_type
                ),
                bytes: zip_files(&set.files).map_err(AppError::internal)?,
            });
        }
    } else {
        zips.push(ZipFile {
            name: format!(
                "{label}_{}_{}_{stamp}.zip",
                office.office_number,
                m.yyyymm()
            ),
            bytes: zip_files(result.sets.iter().flat_map(|s| s.files.iter()))
                .map_err(AppError::internal)?,
        });
    }
    let created_at = db::now();
    let mut history = Vec::new();
    for set in &result.sets {
        let names: Vec<&str> = set.files.iter().map(|f| f.name.as_str()).collect();
        let hashes: Vec<&str> = set.files.iter().map(|f| f.sha256.as_str()).collect();
        let timestamp = set.timestamp();
        for member in &set.members {
            history.push(NewExportEntry {
                corporation_id,
                office_id: office.id,
                recipient_id: member.recipient_id,
                data_kind: req.data.code().to_string(),
                is_delete: req.delete,
                month: m.yyyymm(),
                plan_date: member.plan_date,
                receiver_number: set.receiver.clone(),
                receiver_type: set.receiver_type.clone(),
                csv_version: set.version.code().to_string(),
                file_timestamp: timestamp.clone(),
                file_names: names.join("\n"),
                file_hashes: hashes.join("\n"),
                content_hash: member.content_hash.clone(),
                cert_hash: member.cert_hash.clone(),
                job_id,
                staff_id,
                created_at,
            });
        }
    }
    Ok(ExportOutcome {
        office,
        result,
        zips,
        history,
        warnings,
        errors,
    })
}
