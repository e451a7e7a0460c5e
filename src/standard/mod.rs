//! The ケアプランデータ連携 codec: read, validate and write every file of the standard
//! (V4.1 `202407`, V4.0 `202504`, V3 `202208`; older and non-standard values read with a
//! warning).
//!
//! Pure: bytes in, typed records and findings out, and back. No database, no web, no clock
//! (the caller supplies the file name with its timestamp).
//!
//! * Import: [`read_file`] (file name + bytes → [`ParsedFile`] with raw fields, typed
//!   [`Record`]s and [`Finding`]s), then [`check_sets`] (groups files into 送信単位 by the
//!   14-digit ファイル連番, checks each set, returns them oldest first).
//! * Export: build typed records, then [`write_file`] → [`WrittenFile`] (name, MS932 bytes,
//!   findings: characters replaced by 〓 and anything our own checker finds in the output).
//! * Screens: [`unencodable_chars`] finds characters that cannot be written in MS932.
//!
//! Interpretations of UNCONFIRMED points are listed in docs/standard.md.

pub mod csvform;
pub mod dlt1kyo;
pub mod dltplan;
pub mod encoding;
pub mod file_name;
pub mod finding;
pub mod layout;
pub mod sets;
pub mod up1kyo;
pub mod up2kyo;
pub mod up3kyo;
pub mod uphosoku;
pub mod upplan;
pub mod upsikyu;
pub mod validate;
pub mod version;

pub use csvform::{Fields, RawRecord};
pub use dlt1kyo::Plan1Delete;
pub use dltplan::{ActualsDelete, PlanDelete};
pub use encoding::unencodable_chars;
pub use file_name::{FileKind, FileName, NameError};
pub use finding::{Finding, FindingCode, Severity, has_errors};
pub use layout::{DateOrZero, FieldDef, FieldKind, Hhmm, MonthOrZero, TypedRecord, UnitPrice};
pub use sets::{SetKind, SetReport, check_sets};
pub use up1kyo::Plan1;
pub use up2kyo::Plan2;
pub use up3kyo::Plan3;
pub use uphosoku::Supplement;
pub use upplan::Schedule;
pub use upsikyu::Benefit;
pub use validate::{check_file, raw_records, read_file, write_unchecked};
pub use version::{CsvVersion, Layout};

/// A typed record of any kind. Serialised as the inner struct. The wide records are boxed so
/// that a `Vec<Record>` stays small and records move cheaply.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum Record {
    /// UPHOSOKU
    Supplement(Box<Supplement>),
    /// UP1KYO
    Plan1(Box<Plan1>),
    /// UP2KYO
    Plan2(Box<Plan2>),
    /// UP3KYO
    Plan3(Plan3),
    /// DLT1KYO
    Plan1Delete(Plan1Delete),
    /// UPPLAN and UPJSK
    Schedule(Box<Schedule>),
    /// UPSIKYU
    Benefit(Box<Benefit>),
    /// DLTPLAN
    PlanDelete(PlanDelete),
    /// DLTJSK
    ActualsDelete(ActualsDelete),
}

impl Record {
    /// Converts raw fields of a file of `kind` in `layout`.
    pub fn from_raw(kind: FileKind, raw: Fields, layout: Layout) -> Option<Record> {
        Some(match kind {
            FileKind::Uphosoku => Record::Supplement(Box::new(Supplement::from_raw(raw, layout)?)),
            FileKind::Up1kyo => Record::Plan1(Box::new(Plan1::from_raw(raw, layout)?)),
            FileKind::Up2kyo => Record::Plan2(Box::new(Plan2::from_raw(raw, layout)?)),
            FileKind::Up3kyo => Record::Plan3(Plan3::from_raw(raw, layout)?),
            FileKind::Dlt1kyo => Record::Plan1Delete(Plan1Delete::from_raw(raw, layout)?),
            FileKind::Upplan | FileKind::Upjsk => {
                Record::Schedule(Box::new(Schedule::from_raw(raw, layout)?))
            }
            FileKind::Upsikyu => Record::Benefit(Box::new(Benefit::from_raw(raw, layout)?)),
            FileKind::Dltplan => Record::PlanDelete(PlanDelete::from_raw(raw, layout)?),
            FileKind::Dltjsk => Record::ActualsDelete(ActualsDelete::from_raw(raw, layout)?),
        })
    }

    /// The raw fields in spec order for `layout`.
    pub fn to_fields(&self, layout: Layout) -> Vec<String> {
        match self {
            Record::Supplement(r) => r.to_fields(layout),
            Record::Plan1(r) => r.to_fields(layout),
            Record::Plan2(r) => r.to_fields(layout),
            Record::Plan3(r) => r.to_fields(layout),
            Record::Plan1Delete(r) => r.to_fields(layout),
            Record::Schedule(r) => r.to_fields(layout),
            Record::Benefit(r) => r.to_fields(layout),
            Record::PlanDelete(r) => r.to_fields(layout),
            Record::ActualsDelete(r) => r.to_fields(layout),
        }
    }

    /// Appends the raw fields in spec order for `layout` to `out`.
    pub fn write_raw(&self, layout: Layout, out: &mut RawRecord) {
        match self {
            Record::Supplement(r) => r.write_raw(layout, out),
            Record::Plan1(r) => r.write_raw(layout, out),
            Record::Plan2(r) => r.write_raw(layout, out),
            Record::Plan3(r) => r.write_raw(layout, out),
            Record::Plan1Delete(r) => r.write_raw(layout, out),
            Record::Schedule(r) => r.write_raw(layout, out),
            Record::Benefit(r) => r.write_raw(layout, out),
            Record::PlanDelete(r) => r.write_raw(layout, out),
            Record::ActualsDelete(r) => r.write_raw(layout, out),
        }
    }

    /// Whether the record can be written to a file of `kind`.
    pub fn fits(&self, kind: FileKind) -> bool {
        matches!(
            (self, kind),
            (Record::Supplement(_), FileKind::Uphosoku)
                | (Record::Plan1(_), FileKind::Up1kyo)
                | (Record::Plan2(_), FileKind::Up2kyo)
                | (Record::Plan3(_), FileKind::Up3kyo)
                | (Record::Plan1Delete(_), FileKind::Dlt1kyo)
                | (Record::Schedule(_), FileKind::Upplan | FileKind::Upjsk)
                | (Record::Benefit(_), FileKind::Upsikyu)
                | (Record::PlanDelete(_), FileKind::Dltplan)
                | (Record::ActualsDelete(_), FileKind::Dltjsk)
        )
    }

    /// The kind name of the variant (for messages).
    pub fn variant_name(&self) -> &'static str {
        match self {
            Record::Supplement(_) => "Supplement (UPHOSOKU)",
            Record::Plan1(_) => "Plan1 (UP1KYO)",
            Record::Plan2(_) => "Plan2 (UP2KYO)",
            Record::Plan3(_) => "Plan3 (UP3KYO)",
            Record::Plan1Delete(_) => "Plan1Delete (DLT1KYO)",
            Record::Schedule(_) => "Schedule (UPPLAN/UPJSK)",
            Record::Benefit(_) => "Benefit (UPSIKYU)",
            Record::PlanDelete(_) => "PlanDelete (DLTPLAN)",
            Record::ActualsDelete(_) => "ActualsDelete (DLTJSK)",
        }
    }
}

/// One record of a parsed file (its decoded field strings: [`raw_records`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParsedRecord {
    /// 1-based physical line where the record starts.
    pub line: usize,
    /// The typed record; `None` when the field count is wrong or a field does not convert
    /// (the findings say why).
    pub data: Option<Record>,
}

/// A file as read: its name parts, version, records and findings.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ParsedFile {
    /// The file name (directories removed).
    pub file_name: String,
    /// The parsed name; `None` when the name does not follow the standard.
    pub name: Option<FileName>,
    /// The file-name form (V3 without service types, V4 with).
    pub name_layout: Option<Layout>,
    /// The kind, from the name (or its prefix when the rest of the name is wrong).
    pub kind: Option<FileKind>,
    /// The CSV version of the first record with a known version.
    pub version: Option<CsvVersion>,
    pub records: Vec<ParsedRecord>,
    pub findings: Vec<Finding>,
}

impl ParsedFile {
    pub fn has_errors(&self) -> bool {
        has_errors(&self.findings)
    }

    /// The layout used for the records (from the version, else from the name form).
    pub fn layout(&self) -> Option<Layout> {
        self.version.map(CsvVersion::layout).or(self.name_layout)
    }

    /// The typed records that converted.
    pub fn data(&self) -> impl Iterator<Item = (usize, &Record)> {
        self.records
            .iter()
            .filter_map(|r| r.data.as_ref().map(|d| (r.line, d)))
    }
}

/// A file ready to send.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WrittenFile {
    /// The standard's file name for the version written (extension `.CSV`).
    pub name: String,
    /// MS932 bytes, CRLF after every record, no header.
    #[serde(skip)]
    pub bytes: Vec<u8>,
    /// 〓 replacements (warnings) and anything our own checker finds in the written file.
    pub findings: Vec<Finding>,
}

/// Writes `records` as one file named after `name` in `version` (`202407` by default,
/// `202208` on request). Field No.1 of every record is set to `version`. Never panics; problems
/// come back as findings (an error finding means the file must not be sent).
///
/// `records` is anything that yields `&Record` (a slice, or references gathered from several
/// places without copying the records) or `Record` (records made one at a time while the file
/// is written, so that they need not all be held at once).
pub fn write_file<R: std::borrow::Borrow<Record>>(
    name: &FileName,
    records: impl IntoIterator<Item = R>,
    version: CsvVersion,
) -> WrittenFile {
    validate::write_file(name, records, version)
}
