//! 送信単位 (transmission sets): files sharing one 14-digit ファイル連番.
//!
//! Allowed combinations: 第1表 + 第2表 (+ 第3表 in V4) + 補足 (plan), 第6表 + 第7表 + 補足
//! (schedule), 第1表削除, 第6表削除, 実績, 実績削除. Members must agree on sender, receiver
//! (with their service types) and month, and their keys must match across files.

use super::file_name::FileKind;
use super::finding::{Finding, FindingCode as C, Severity};
use super::layout::{DateOrZero, FieldValue, MonthOrZero};
use super::version::Layout;
use super::{ParsedFile, Record};
use crate::domain::{InsuredNumber, InsurerNumber};
use std::collections::{BTreeMap, BTreeSet};

/// The kind of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetKind {
    /// UP1KYO + UP2KYO (+ UP3KYO) + UPHOSOKU
    Plan,
    /// UPPLAN + UPSIKYU + UPHOSOKU
    Schedule,
    /// DLT1KYO
    PlanDelete,
    /// DLTPLAN
    ScheduleDelete,
    /// UPJSK
    Actuals,
    /// DLTJSK
    ActualsDelete,
}

impl SetKind {
    pub fn label(self) -> &'static str {
        match self {
            Self::Plan => "第1表+第2表(+第3表)+補足",
            Self::Schedule => "第6表+第7表+補足",
            Self::PlanDelete => "第1表削除",
            Self::ScheduleDelete => "第6表削除",
            Self::Actuals => "実績",
            Self::ActualsDelete => "実績削除",
        }
    }

    fn members(self) -> &'static [FileKind] {
        use FileKind::*;
        match self {
            Self::Plan => &[Up1kyo, Up2kyo, Up3kyo, Uphosoku],
            Self::Schedule => &[Upplan, Upsikyu, Uphosoku],
            Self::PlanDelete => &[Dlt1kyo],
            Self::ScheduleDelete => &[Dltplan],
            Self::Actuals => &[Upjsk],
            Self::ActualsDelete => &[Dltjsk],
        }
    }
}

/// One set and what is wrong with it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SetReport {
    /// ファイル連番 (`YYYYMMDDHHMMSS`).
    pub timestamp: String,
    pub kind: Option<SetKind>,
    /// Member file names.
    pub files: Vec<String>,
    /// Indexes of the members in the slice given to [`check_sets`].
    pub members: Vec<usize>,
    pub findings: Vec<Finding>,
}

impl SetReport {
    pub fn has_errors(&self) -> bool {
        super::has_errors(&self.findings)
    }
}

fn classify(kinds: &BTreeSet<FileKind>, hosoku_month_zero: bool) -> Option<SetKind> {
    use FileKind::*;
    if kinds.contains(&Up1kyo) || kinds.contains(&Up2kyo) || kinds.contains(&Up3kyo) {
        Some(SetKind::Plan)
    } else if kinds.contains(&Upplan) || kinds.contains(&Upsikyu) {
        Some(SetKind::Schedule)
    } else if kinds.contains(&Uphosoku) {
        Some(if hosoku_month_zero {
            SetKind::Plan
        } else {
            SetKind::Schedule
        })
    } else if kinds.contains(&Dlt1kyo) {
        Some(SetKind::PlanDelete)
    } else if kinds.contains(&Dltplan) {
        Some(SetKind::ScheduleDelete)
    } else if kinds.contains(&Upjsk) {
        Some(SetKind::Actuals)
    } else if kinds.contains(&Dltjsk) {
        Some(SetKind::ActualsDelete)
    } else {
        None
    }
}

/// Groups files with a valid name into sets by ファイル連番 and checks each set. Files whose
/// name does not parse are left out (their own findings say why). Sets come oldest first, the
/// order in which they must be imported.
pub fn check_sets(files: &[ParsedFile]) -> Vec<SetReport> {
    let mut by_ts: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, f) in files.iter().enumerate() {
        if let Some(n) = &f.name {
            by_ts.entry(n.timestamp.clone()).or_default().push(i);
        }
    }
    by_ts
        .into_iter()
        .map(|(ts, members)| check_one(files, ts, members))
        .collect()
}

fn check_one(files: &[ParsedFile], timestamp: String, members: Vec<usize>) -> SetReport {
    let mut findings = Vec::new();
    let fs: Vec<&ParsedFile> = members.iter().map(|&i| &files[i]).collect();
    let kinds: BTreeSet<FileKind> = fs.iter().filter_map(|f| f.kind).collect();
    let hosoku_zero = fs.iter().any(|f| {
        f.kind == Some(FileKind::Uphosoku) && f.name.as_ref().is_some_and(|n| n.month.is_none())
    });
    let kind = classify(&kinds, hosoku_zero);
    let first_name = fs[0].file_name.clone();
    let add = |findings: &mut Vec<Finding>,
               file: &str,
               code: C,
               line: Option<usize>,
               args: &[(&str, String)]| {
        findings.push(Finding::new(code, file, line, None, args));
    };

    if let Some(kind) = kind {
        let label = kind.label().to_string();
        // members allowed, duplicates
        let mut seen: BTreeMap<FileKind, usize> = BTreeMap::new();
        for f in &fs {
            let Some(k) = f.kind else { continue };
            *seen.entry(k).or_default() += 1;
            if !kind.members().contains(&k) {
                add(
                    &mut findings,
                    &f.file_name,
                    C::SetUnexpected,
                    None,
                    &[("value", k.prefix().into()), ("detail", label.clone())],
                );
            }
        }
        for (k, n) in &seen {
            if *n > 1 {
                add(
                    &mut findings,
                    &first_name,
                    C::SetDuplicate,
                    None,
                    &[("value", k.prefix().into())],
                );
            }
        }
        let layout = fs.iter().find_map(|f| f.layout()).unwrap_or(Layout::V4);
        let required: Vec<(FileKind, Severity)> = match kind {
            SetKind::Plan => {
                let mut r = vec![
                    (FileKind::Up1kyo, Severity::Error),
                    (FileKind::Up2kyo, Severity::Error),
                    (FileKind::Uphosoku, Severity::Error),
                ];
                if layout == Layout::V4 {
                    r.push((FileKind::Up3kyo, Severity::Warning));
                }
                r
            }
            SetKind::Schedule => vec![
                (FileKind::Upplan, Severity::Error),
                (FileKind::Upsikyu, Severity::Error),
                (FileKind::Uphosoku, Severity::Error),
            ],
            _ => vec![],
        };
        for (k, sev) in required {
            if !kinds.contains(&k) {
                findings.push(
                    Finding::new(
                        C::SetIncomplete,
                        &first_name,
                        None,
                        None,
                        &[("value", k.prefix().into()), ("detail", label.clone())],
                    )
                    .with_severity(sev),
                );
            }
        }
    }

    // header agreement
    if let Some(n0) = fs[0].name.as_ref() {
        for f in &fs[1..] {
            let Some(n) = f.name.as_ref() else { continue };
            let pairs = [
                (
                    "送信元の事業所番号 / sender",
                    n0.sender.to_string(),
                    n.sender.to_string(),
                ),
                (
                    "送信先の事業所番号 / receiver",
                    n0.receiver.to_string(),
                    n.receiver.to_string(),
                ),
                (
                    "送信元のサービス種類 / sender type",
                    n0.sender_type.clone().unwrap_or_default(),
                    n.sender_type.clone().unwrap_or_default(),
                ),
                (
                    "送信先のサービス種類 / receiver type",
                    n0.receiver_type.clone().unwrap_or_default(),
                    n.receiver_type.clone().unwrap_or_default(),
                ),
            ];
            for (what, a, b) in pairs {
                if a != b {
                    findings.push(Finding::new(
                        C::SetHeaderMismatch,
                        &f.file_name,
                        None,
                        None,
                        &[("item", what.into()), ("value", b), ("expected", a)],
                    ));
                }
            }
        }
        let months: BTreeSet<String> = fs
            .iter()
            .filter_map(|f| f.name.as_ref())
            .filter(|n| n.kind.has_month())
            .map(|n| {
                n.month
                    .map(|m| m.yyyymm())
                    .unwrap_or_else(|| "000000".into())
            })
            .collect();
        let month_ok = match kind {
            Some(SetKind::Plan) => months.iter().all(|m| m == "000000"),
            _ => months.len() <= 1,
        };
        if !month_ok {
            let list: Vec<String> = months.into_iter().collect();
            let expected = if kind == Some(SetKind::Plan) {
                "000000".to_string()
            } else {
                list[0].clone()
            };
            findings.push(Finding::new(
                C::SetHeaderMismatch,
                &first_name,
                None,
                None,
                &[
                    ("item", "年月 / month".into()),
                    ("value", list.join(", ")),
                    ("expected", expected),
                ],
            ));
        }
        let versions: BTreeSet<&str> = fs
            .iter()
            .filter_map(|f| f.version.map(|v| v.code()))
            .collect();
        if versions.len() > 1 {
            let v: Vec<&str> = versions.into_iter().collect();
            findings.push(Finding::new(
                C::VersionMixed,
                &first_name,
                None,
                None,
                &[("value", v[1].into()), ("expected", v[0].into())],
            ));
        }
    }

    match kind {
        Some(SetKind::Plan) => plan_keys(&fs, &mut findings),
        Some(SetKind::Schedule) => schedule_keys(&fs, &mut findings),
        _ => {}
    }
    SetReport {
        timestamp,
        kind,
        files: fs.iter().map(|f| f.file_name.clone()).collect(),
        members,
        findings,
    }
}

/// 保険者番号, 被保険者番号 and the date or month that the files of a set must agree on.
type Key = (InsurerNumber, InsuredNumber, When);

/// The third part of a [`Key`]: 計画作成日 in a plan set, 対象年月 in a 第6表 set.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum When {
    Day(DateOrZero),
    Month(MonthOrZero),
}

fn key_text(k: &Key) -> String {
    let when = match k.2 {
        When::Day(d) => d.format_field(),
        When::Month(m) => m.format_field(),
    };
    format!("{} {} {when}", k.0, k.1)
}

struct Rows<'a> {
    file: &'a str,
    rows: Vec<(usize, Key)>,
}

fn rows_of<'a>(
    fs: &[&'a ParsedFile],
    kind: FileKind,
    key: impl Fn(&Record) -> Option<Key>,
) -> Option<Rows<'a>> {
    let f = fs.iter().find(|f| f.kind == Some(kind))?;
    Some(Rows {
        file: &f.file_name,
        rows: f
            .data()
            .filter_map(|(l, r)| key(r).map(|k| (l, k)))
            .collect(),
    })
}

fn cross(
    findings: &mut Vec<Finding>,
    parent: &Rows,
    parent_kind: FileKind,
    child: &Rows,
    child_kind: FileKind,
    every_parent_needs_child: bool,
) {
    let pk: BTreeSet<&Key> = parent.rows.iter().map(|r| &r.1).collect();
    let ck: BTreeSet<&Key> = child.rows.iter().map(|r| &r.1).collect();
    let mut reported = BTreeSet::new();
    for (line, k) in &child.rows {
        if !pk.contains(k) && reported.insert(k) {
            findings.push(Finding::new(
                C::SetKeyMismatch,
                child.file,
                Some(*line),
                None,
                &[
                    ("value", format!("{} line {line}", child_kind.prefix())),
                    ("detail", key_text(k)),
                    ("expected", parent_kind.prefix().into()),
                ],
            ));
        }
    }
    if every_parent_needs_child {
        let mut reported = BTreeSet::new();
        for (line, k) in &parent.rows {
            if !ck.contains(k) && reported.insert(k) {
                findings.push(Finding::new(
                    C::SetKeyMismatch,
                    parent.file,
                    Some(*line),
                    None,
                    &[
                        ("value", format!("{} line {line}", parent_kind.prefix())),
                        ("detail", key_text(k)),
                        ("expected", child_kind.prefix().into()),
                    ],
                ));
            }
        }
    }
}

/// 保険者番号 + 被保険者番号 + 居宅サービス計画作成（変更）日.
fn plan_keys(fs: &[&ParsedFile], findings: &mut Vec<Finding>) {
    use FileKind::*;
    let Some(p1) = rows_of(fs, Up1kyo, |r| match r {
        Record::Plan1(r) => Some((
            r.insurer,
            r.insured,
            When::Day(DateOrZero::Date(r.plan_date)),
        )),
        _ => None,
    }) else {
        return;
    };
    if let Some(p2) = rows_of(fs, Up2kyo, |r| match r {
        Record::Plan2(r) => Some((
            r.insurer,
            r.insured,
            When::Day(DateOrZero::Date(r.plan_date)),
        )),
        _ => None,
    }) {
        cross(findings, &p1, Up1kyo, &p2, Up2kyo, true);
    }
    if let Some(p3) = rows_of(fs, Up3kyo, |r| match r {
        Record::Plan3(r) => Some((
            r.insurer,
            r.insured,
            When::Day(DateOrZero::Date(r.plan_date)),
        )),
        _ => None,
    }) {
        cross(findings, &p1, Up1kyo, &p3, Up3kyo, true);
    }
    if let Some(h) = rows_of(fs, Uphosoku, |r| match r {
        Record::Supplement(r) => Some((r.insurer, r.insured, When::Day(r.plan_date))),
        _ => None,
    }) {
        cross(findings, &p1, Up1kyo, &h, Uphosoku, true);
    }
}

/// 保険者番号 + 被保険者番号 + 対象年月: every 第6表 person has 第7表 rows and a 補足 row.
fn schedule_keys(fs: &[&ParsedFile], findings: &mut Vec<Finding>) {
    use FileKind::*;
    let Some(p6) = rows_of(fs, Upplan, |r| match r {
        Record::Schedule(r) => Some((
            r.insurer,
            r.insured,
            When::Month(MonthOrZero::Month(r.month)),
        )),
        _ => None,
    }) else {
        return;
    };
    if let Some(p7) = rows_of(fs, Upsikyu, |r| match r {
        Record::Benefit(r) => Some((
            r.insurer,
            r.insured,
            When::Month(MonthOrZero::Month(r.month)),
        )),
        _ => None,
    }) {
        cross(findings, &p6, Upplan, &p7, Upsikyu, true);
    }
    if let Some(h) = rows_of(fs, Uphosoku, |r| match r {
        Record::Supplement(r) => Some((r.insurer, r.insured, When::Month(r.month))),
        _ => None,
    }) {
        cross(findings, &p6, Upplan, &h, Uphosoku, true);
    }
}
