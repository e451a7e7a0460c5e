//! Reading a file (decode, split, per-field checks from the layout tables, per-kind checks)
//! and writing one (strict writer, then our own checker on the output).

use super::csvform::{self, Fields, RawRecord, RawTable};
use super::encoding;
use super::file_name::{FileKind, FileName, base_name};
use super::finding::{Finding, FindingCode as C, Severity};
use super::layout::{self, DateOrZero, FieldKind, MonthOrZero};
use super::version::{CsvVersion, Layout};
use super::{ParsedFile, ParsedRecord, Record, WrittenFile, upsikyu};
use crate::domain::{OfficeNumber, ServiceType};

/// Where findings go while reading one file.
pub(crate) struct Sink<'a> {
    pub file: &'a str,
    pub findings: Vec<Finding>,
}

impl Sink<'_> {
    pub fn add(
        &mut self,
        code: C,
        line: Option<usize>,
        field: Option<(usize, &str)>,
        args: &[(&str, String)],
    ) {
        self.findings
            .push(Finding::new(code, self.file, line, field, args));
    }

    pub fn add_sev(
        &mut self,
        sev: Severity,
        code: C,
        line: Option<usize>,
        field: Option<(usize, &str)>,
        args: &[(&str, String)],
    ) {
        self.findings
            .push(Finding::new(code, self.file, line, field, args).with_severity(sev));
    }
}

/// Field No. (in `layout`) and name of the first table entry called `name`.
pub(crate) fn item(kind: FileKind, layout: Layout, name: &str) -> Option<(usize, &'static str)> {
    layout::fields_in(kind.table(), layout)
        .find(|(_, _, d)| d.name == name)
        .map(|(no, _, d)| (no, d.name))
}

/// A first record whose field 1 holds no digit at all (e.g. `CSVバージョン`) is a header row;
/// a damaged version such as `2024O7` is not (it is reported as an unknown version).
fn looks_like_header(first: &str) -> bool {
    !first.is_empty() && !first.bytes().any(|b| b.is_ascii_digit())
}

/// Reads one file: `path` is its name (directories are ignored), `bytes` its content.
/// Never panics. A large file is split and checked on all cores.
pub fn read_file(path: &str, bytes: &[u8]) -> ParsedFile {
    read_core(path, bytes, true, cores(), MAX_FILE_BYTES)
}

/// The findings `read_file` would give, without keeping the parsed records: each typed record
/// is built, checked and dropped. The writer's self-check uses it (a fraction of the memory).
pub fn check_file(path: &str, bytes: &[u8]) -> Vec<Finding> {
    read_core(path, bytes, false, cores(), MAX_FILE_BYTES).findings
}

/// The largest file read (1 GiB; an upload is limited far below, see `exchange::unpack`). The
/// decoded text of a file is indexed with u32 offsets, and MS932 grows by at most half when
/// decoded to UTF-8, so this keeps every offset in range.
const MAX_FILE_BYTES: usize = 1 << 30;

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn read_core(path: &str, bytes: &[u8], keep: bool, threads: usize, max: usize) -> ParsedFile {
    let file_name = base_name(path).to_string();
    let mut sink = Sink {
        file: &file_name,
        findings: Vec::new(),
    };
    let (name, name_layout, kind) = match FileName::parse(&file_name) {
        Ok((n, l)) => {
            let k = n.kind;
            (Some(n), Some(l), Some(k))
        }
        Err(e) => {
            sink.findings.push(Finding::with_detail(
                C::BadFileName,
                &file_name,
                None,
                &e.ja,
                &e.en,
            ));
            let prefix = file_name.split(['_', '.']).next().unwrap_or("");
            (None, None, FileKind::from_prefix(prefix))
        }
    };
    if bytes.len() > max {
        sink.add(
            C::FileTooLarge,
            None,
            None,
            &[
                ("value", bytes.len().to_string()),
                ("expected", max.to_string()),
            ],
        );
        let findings = sink.findings;
        return ParsedFile {
            file_name,
            name,
            name_layout,
            kind,
            version: None,
            records: Vec::new(),
            findings,
            raw: Vec::new(),
        };
    }

    let (utf8, body) = encoding::detect_utf8(bytes);
    if utf8 {
        sink.add(C::Utf8File, None, None, &[]);
    }
    let charset = if utf8 {
        csvform::Charset::Utf8
    } else {
        csvform::Charset::Ms932
    };
    let split = csvform::split_bytes(body, charset, threads);
    for issue in split.issues {
        sink.findings.push(Finding::with_detail(
            C::CsvSyntax,
            &file_name,
            Some(issue.line),
            issue.detail_ja,
            issue.detail_en,
        ));
    }
    let mut parts = split.parts;
    if let Some(first) = parts.iter_mut().find(|p| !p.is_empty())
        && looks_like_header(first.fields(0).get(0))
    {
        let line = first.line(0);
        first.skip_first();
        sink.add(C::HeaderRow, Some(line), None, &[]);
    }
    let all = || {
        parts
            .iter()
            .flat_map(|p| (0..p.len()).map(move |r| (p.line(r), p.fields(r))))
    };
    let count: usize = parts.iter().map(RawTable::len).sum();
    if count == 0 {
        sink.add(C::NoRecords, None, None, &[]);
    }
    if split.malformed && !utf8 {
        for (line, r) in all() {
            for (i, f) in r.iter().enumerate() {
                if let Some(pos) = f.chars().position(|c| c == '\u{FFFD}') {
                    sink.add(
                        C::BadEncoding,
                        Some(line),
                        Some((i + 1, "")),
                        &[(
                            "detail",
                            format!("{}文字目 / character {}", pos + 1, pos + 1),
                        )],
                    );
                    if let Some(last) = sink.findings.last_mut() {
                        last.item = None;
                    }
                }
            }
        }
    }

    // CSV version: one per file.
    let mut version: Option<CsvVersion> = None;
    for (line, r) in all() {
        let v = r.get(0);
        match CsvVersion::parse(v) {
            Some(found) => match version {
                None => version = Some(found),
                Some(first) if first != found => sink.add(
                    C::VersionMixed,
                    Some(line),
                    Some((1, "CSVバージョン")),
                    &[
                        ("value", found.code().into()),
                        ("expected", first.code().into()),
                    ],
                ),
                Some(_) => {}
            },
            None if v.is_empty() => {
                sink.add(C::Required, Some(line), Some((1, "CSVバージョン")), &[])
            }
            None => sink.add(
                C::UnknownVersion,
                Some(line),
                Some((1, "CSVバージョン")),
                &[("value", v.into())],
            ),
        }
    }
    if let Some(v) = version {
        match v {
            CsvVersion::V201910 | CsvVersion::V202003 => {
                sink.add(C::OldVersion, None, None, &[("value", v.code().into())])
            }
            CsvVersion::V202410 => sink.add(
                C::NonstandardVersion,
                None,
                None,
                &[("value", v.code().into())],
            ),
            _ => {}
        }
        if let Some(nl) = name_layout
            && nl != v.layout()
        {
            let form = if nl == Layout::V4 { "V4" } else { "V3" };
            sink.add(
                C::VersionNameMismatch,
                None,
                None,
                &[("value", form.into()), ("expected", v.code().into())],
            );
        }
        if let Some(k) = kind
            && !k.exists_in(v.layout())
        {
            sink.add(
                C::KindNotInVersion,
                None,
                None,
                &[("value", k.prefix().into()), ("expected", v.code().into())],
            );
        }
    }
    let file_layout = version
        .map(CsvVersion::layout)
        .or(name_layout)
        .unwrap_or(Layout::V4);

    // Field checks and typed records, part by part (in parallel when the file was split in
    // parts); findings stay in line order.
    let checked: Vec<Checked> = match kind {
        None => parts
            .iter()
            .map(|p| Checked {
                findings: Vec::new(),
                records: (0..p.len())
                    .map(|r| ParsedRecord {
                        line: p.line(r),
                        data: None,
                    })
                    .collect(),
                convertible: Vec::new(),
            })
            .collect(),
        Some(kind) => {
            let plans = [Layout::V3, Layout::V4].map(|layout| -> Plan {
                layout::fields_in(kind.table(), layout)
                    .map(|(no, idx, d)| (no, d, kind.max_len(idx, layout)))
                    .collect()
            });
            let check = |p: &RawTable| check_part(&file_name, kind, &plans, file_layout, keep, p);
            if parts.len() > 1 {
                std::thread::scope(|s| {
                    let handles: Vec<_> = parts.iter().map(|p| s.spawn(|| check(p))).collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                        .collect()
                })
            } else {
                parts.iter().map(check).collect()
            }
        }
    };
    let mut records = Vec::with_capacity(if keep { count } else { 0 });
    let mut convertible = Vec::new();
    for (k, c) in checked.into_iter().enumerate() {
        sink.findings.extend(c.findings);
        records.extend(c.records);
        convertible.extend(c.convertible.into_iter().map(|r| (k, r)));
    }

    if let Some(kind) = kind {
        if keep {
            let typed = records
                .iter()
                .filter_map(|r| r.data.as_ref().map(|d| (r.line, d)));
            kind_checks(&mut sink, kind, name.as_ref(), file_layout, typed);
        } else {
            let typed = convertible.iter().filter_map(|&(k, r)| {
                let p = &parts[k];
                let raw = p.fields(r);
                Record::from_raw(kind, raw, layout_of(raw, file_layout)).map(|d| (p.line(r), d))
            });
            kind_checks(&mut sink, kind, name.as_ref(), file_layout, typed);
        }
    }
    let findings = sink.findings;
    ParsedFile {
        file_name,
        name,
        name_layout,
        kind,
        version,
        records,
        findings,
        raw: if keep { parts } else { Vec::new() },
    }
}

/// (field No., definition, 項目長 for the layout) of every field of a layout.
type Plan = Vec<(usize, &'static layout::FieldDef, u16)>;

/// What checking one part of a file gives.
struct Checked {
    findings: Vec<Finding>,
    /// The records (when kept).
    records: Vec<ParsedRecord>,
    /// The records whose field count is right (when not kept): their typed records are built
    /// later, one at a time, for the per-kind checks.
    convertible: Vec<usize>,
}

/// The layout of a record: from its own version field, else the file's.
fn layout_of(raw: Fields, file_layout: Layout) -> Layout {
    CsvVersion::parse(raw.get(0))
        .map(CsvVersion::layout)
        .unwrap_or(file_layout)
}

/// Field checks of every record of `part` and (when `keep`) its typed records.
fn check_part(
    file_name: &str,
    kind: FileKind,
    plans: &[Plan; 2],
    file_layout: Layout,
    keep: bool,
    part: &RawTable,
) -> Checked {
    let mut sink = Sink {
        file: file_name,
        findings: Vec::new(),
    };
    let mut records = Vec::with_capacity(if keep { part.len() } else { 0 });
    let mut convertible = Vec::with_capacity(if keep { 0 } else { part.len() });
    for r in 0..part.len() {
        let (line, raw) = (part.line(r), part.fields(r));
        let layout = layout_of(raw, file_layout);
        let plan = &plans[usize::from(layout == Layout::V4)];
        let mut data = None;
        if raw.len() != plan.len() {
            sink.add(
                C::FieldCount,
                Some(line),
                None,
                &[
                    ("value", raw.len().to_string()),
                    ("expected", plan.len().to_string()),
                ],
            );
        } else {
            for &(no, def, max) in plan {
                if def.kind == FieldKind::Version {
                    continue;
                }
                let value = raw.get(no - 1);
                if let Some((code, args)) = layout::check_field(def, max, value) {
                    sink.add(code, Some(line), Some((no, def.name)), &args);
                } else if def.kind == FieldKind::ServiceType
                    && !value.is_empty()
                    && ServiceType::from_code(value).is_none()
                {
                    sink.add(
                        C::UnknownServiceType,
                        Some(line),
                        Some((no, def.name)),
                        &[("value", value.into())],
                    );
                }
            }
            if keep {
                data = Record::from_raw(kind, raw, layout);
            } else {
                convertible.push(r);
            }
        }
        if keep {
            records.push(ParsedRecord { line, data });
        }
    }
    Checked {
        findings: sink.findings,
        records,
        convertible,
    }
}

/// A field named lazily: (kind, layout, item name), resolved only when a finding is made.
type Lazy<'a> = (FileKind, Layout, &'a str);

fn office_check(
    sink: &mut Sink,
    sev: Severity,
    line: usize,
    field: Lazy,
    value: &OfficeNumber,
    expected: &OfficeNumber,
) {
    if value != expected {
        sink.add_sev(
            sev,
            C::OfficeMismatch,
            Some(line),
            item(field.0, field.1, field.2),
            &[
                ("value", value.to_string()),
                ("expected", expected.to_string()),
            ],
        );
    }
}

fn service_type_check(
    sink: &mut Sink,
    line: usize,
    field: Lazy,
    code: &crate::domain::ServiceCode,
) -> Option<ServiceType> {
    match code.service_type() {
        None => {
            sink.add(
                C::UnknownServiceType,
                Some(line),
                item(field.0, field.1, field.2),
                &[("value", code.type_code().into())],
            );
            None
        }
        Some(t) if !t.is_exchange_target() => {
            sink.add(
                C::ExcludedServiceType,
                Some(line),
                item(field.0, field.1, field.2),
                &[("value", t.label())],
            );
            Some(t)
        }
        Some(t) => Some(t),
    }
}

/// Checks that need the typed records and the file name.
fn kind_checks<R>(
    sink: &mut Sink,
    kind: FileKind,
    name: Option<&FileName>,
    layout: Layout,
    records: impl IntoIterator<Item = (usize, R)>,
) where
    R: std::borrow::Borrow<Record>,
{
    let it = |n: &str| item(kind, layout, n);
    let name_month = name.and_then(|n| n.month);
    let month_check =
        |sink: &mut Sink, line: usize, field: &str, m: crate::domain::ServiceMonth| {
            if let Some(nm) = name_month
                && m != nm
            {
                sink.add(
                    C::MonthMismatch,
                    Some(line),
                    item(kind, layout, field),
                    &[("value", m.yyyymm()), ("expected", nm.yyyymm())],
                );
            }
        };
    let mut benefit_rows = Vec::new();
    let mut plan2_keys = std::collections::HashMap::new();
    for (line, rec) in records {
        match rec.borrow() {
            Record::Schedule(r) => {
                month_check(sink, line, "対象年月", r.month);
                if !r.month.contains(r.service_date) {
                    sink.add(
                        C::DateOutsideMonth,
                        Some(line),
                        it("サービス利用日"),
                        &[
                            ("value", r.service_date.format("%Y%m%d").to_string()),
                            ("expected", r.month.yyyymm()),
                        ],
                    );
                }
                if let Some(t) = service_type_check(
                    sink,
                    line,
                    (kind, layout, "サービスコード"),
                    &r.service_code,
                ) && layout == Layout::V4
                    && t.is_welfare_equipment_rental()
                    && r.tais_code.is_none()
                    && r.notification_code.is_none()
                {
                    sink.add(
                        C::EquipmentCodeMissing,
                        Some(line),
                        it("TAISコード"),
                        &[("value", r.service_code.to_string())],
                    );
                }
                if let Some(n) = name {
                    // UPPLAN comes from the 居宅 (sender), UPJSK from the provider (sender).
                    let kyotaku = if kind == FileKind::Upplan {
                        &n.sender
                    } else {
                        &n.receiver
                    };
                    if let Some(p) = &r.plan_office {
                        office_check(
                            sink,
                            Severity::Warning,
                            line,
                            (kind, layout, "プラン担当業者コード"),
                            p,
                            kyotaku,
                        );
                    }
                    if kind == FileKind::Upjsk {
                        office_check(
                            sink,
                            Severity::Error,
                            line,
                            (kind, layout, "サービス事業者コード"),
                            &r.provider,
                            &n.sender,
                        );
                    }
                    if let Some(u) = &r.updater {
                        office_check(
                            sink,
                            Severity::Warning,
                            line,
                            (kind, layout, "更新業者コード"),
                            u,
                            &n.sender,
                        );
                    }
                }
            }
            Record::Benefit(r) => {
                month_check(sink, line, "対象年月", r.month);
                if r.service_code.row_kind() == crate::domain::CodeRowKind::Detail
                    && let Some(t) = service_type_check(
                        sink,
                        line,
                        (kind, layout, "サービスコード"),
                        &r.service_code,
                    )
                    && layout == Layout::V4
                    && t.is_welfare_equipment_rental()
                    && r.tais_code.is_none()
                    && r.notification_code.is_none()
                {
                    sink.add(
                        C::EquipmentCodeMissing,
                        Some(line),
                        it("TAISコード"),
                        &[("value", r.service_code.to_string())],
                    );
                }
                if let (Some(n), Some(u)) = (name, &r.updater) {
                    office_check(
                        sink,
                        Severity::Warning,
                        line,
                        (kind, layout, "更新業者コード"),
                        u,
                        &n.sender,
                    );
                }
                // Owned: the records may be converted one at a time and dropped (the writer's
                // self-check); 第7表 files are small.
                benefit_rows.push((line, (**r).clone()));
            }
            Record::Supplement(r) => {
                match (name, name_month, r.month) {
                    (Some(_), Some(nm), MonthOrZero::Month(m)) if m != nm => sink.add(
                        C::MonthMismatch,
                        Some(line),
                        it("対象年月"),
                        &[("value", m.yyyymm()), ("expected", nm.yyyymm())],
                    ),
                    (Some(_), Some(nm), MonthOrZero::Zero) => sink.add(
                        C::MonthMismatch,
                        Some(line),
                        it("対象年月"),
                        &[("value", "000000".into()), ("expected", nm.yyyymm())],
                    ),
                    (Some(_), None, MonthOrZero::Month(m)) => sink.add(
                        C::MonthMismatch,
                        Some(line),
                        it("対象年月"),
                        &[("value", m.yyyymm()), ("expected", "000000".into())],
                    ),
                    _ => {}
                }
                match (name.is_some(), name_month, r.plan_date) {
                    (true, Some(_), DateOrZero::Date(d)) => sink.add_sev(
                        Severity::Warning,
                        C::BadFormat,
                        Some(line),
                        it("居宅サービス計画作成（変更）日"),
                        &[
                            ("value", d.format("%Y%m%d").to_string()),
                            (
                                "expected",
                                "第6/7表と送るときは 00000000 / 00000000 when sent with 第6/7表"
                                    .into(),
                            ),
                        ],
                    ),
                    (true, None, DateOrZero::Zero) => sink.add(
                        C::BadFormat,
                        Some(line),
                        it("居宅サービス計画作成（変更）日"),
                        &[
                            ("value", "00000000".into()),
                            (
                                "expected",
                                "第1表の居宅サービス計画作成（変更）日 / the plan date of 第1表"
                                    .into(),
                            ),
                        ],
                    ),
                    _ => {}
                }
                let slots = r.slots();
                if let Some(first_empty) = slots.iter().position(|s| s.0.is_none())
                    && let Some(later) = slots.iter().skip(first_empty).position(|s| s.0.is_some())
                {
                    sink.add(
                        C::SlotGap,
                        Some(line),
                        None,
                        &[("value", format!("{}", first_empty + later + 1))],
                    );
                }
            }
            Record::Plan1(r) => {
                if let Some(n) = name {
                    office_check(
                        sink,
                        Severity::Error,
                        line,
                        (kind, layout, "介護支援事業者コード"),
                        &r.office,
                        &n.sender,
                    );
                    if let Some(u) = &r.updater {
                        office_check(
                            sink,
                            Severity::Warning,
                            line,
                            (kind, layout, "更新業者コード"),
                            u,
                            &n.sender,
                        );
                    }
                }
            }
            Record::Plan2(r) => {
                if let (Some(a), Some(b), Some(c)) = (r.need_no, r.goal_no, r.service_no) {
                    let key = (r.insurer, r.insured, r.plan_date, a, b, c);
                    if let Some(first) = plan2_keys.insert(key, line) {
                        sink.add(
                            C::DuplicateRecord,
                            Some(line),
                            None,
                            &[("value", format!("{a}-{b}-{c} (line {first})"))],
                        );
                    }
                }
            }
            Record::Plan3(_) | Record::Plan1Delete(_) => {}
            Record::PlanDelete(r) => month_check(sink, line, "削除対象年月", r.month),
            Record::ActualsDelete(r) => {
                month_check(sink, line, "削除対象年月", r.month);
                if let Some(n) = name {
                    office_check(
                        sink,
                        Severity::Error,
                        line,
                        (kind, layout, "サービス事業者コード"),
                        &r.provider,
                        &n.sender,
                    );
                }
            }
        }
    }
    if kind == FileKind::Upsikyu {
        let rows: Vec<(usize, &upsikyu::Benefit)> =
            benefit_rows.iter().map(|(l, b)| (*l, b)).collect();
        upsikyu::check_rows(sink, layout, &rows);
    }
}

/// See [`super::write_file`].
pub fn write_file<'a>(
    name: &FileName,
    records: impl IntoIterator<Item = &'a Record>,
    version: CsvVersion,
) -> WrittenFile {
    let layout = version.layout();
    let mut findings = Vec::new();
    let file_name = match name.build(layout) {
        Ok(n) => n,
        Err(e) => {
            findings.push(Finding::with_detail(C::BadFileName, "", None, &e.ja, &e.en));
            String::new()
        }
    };
    if !version.is_writable() {
        findings.push(Finding::new(
            C::VersionNotWritable,
            &file_name,
            None,
            None,
            &[("value", version.code().into())],
        ));
    }
    if !name.kind.exists_in(layout) {
        findings.push(Finding::new(
            C::KindNotInVersion,
            &file_name,
            None,
            None,
            &[
                ("value", name.kind.prefix().into()),
                ("expected", version.code().into()),
            ],
        ));
    }
    if !findings.is_empty() {
        return WrittenFile {
            name: file_name,
            bytes: Vec::new(),
            findings,
        };
    }
    let table = name.kind.table();
    let text_mask: Vec<bool> = layout::fields_in(table, layout)
        .map(|(_, _, d)| d.kind == FieldKind::Text)
        .collect();
    let names: Vec<&str> = layout::fields_in(table, layout)
        .map(|(_, _, d)| d.name)
        .collect();
    let records = records.into_iter();
    let mut bytes = Vec::with_capacity(records.size_hint().0 * 160);
    let mut line = 1;
    let mut raw = RawRecord::default();
    for rec in records {
        if !rec.fits(name.kind) {
            findings.push(Finding::new(
                C::KindMismatch,
                &file_name,
                Some(line),
                None,
                &[
                    ("value", name.kind.prefix().into()),
                    ("expected", rec.variant_name().into()),
                ],
            ));
            continue;
        }
        raw.clear();
        rec.write_raw(layout, &mut raw);
        let fields = std::iter::once(version.code()).chain(raw.iter().skip(1));
        for (i, c) in csvform::write_fields(&mut bytes, fields, &text_mask) {
            findings.push(Finding::new(
                C::UnencodableChar,
                &file_name,
                Some(line),
                Some((i + 1, names[i])),
                &[("value", c.to_string())],
            ));
        }
        line += 1 + raw
            .iter()
            .zip(&text_mask)
            .filter(|(_, t)| **t)
            .map(|(f, _)| line_breaks(f))
            .sum::<usize>();
    }
    // Our own checker on what we wrote (the findings only; the records are not kept).
    findings.extend(check_file(&file_name, &bytes));
    WrittenFile {
        name: file_name,
        bytes,
        findings,
    }
}

fn line_breaks(s: &str) -> usize {
    let b = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\r' {
            n += 1;
            if i + 1 < b.len() && b[i + 1] == b'\n' {
                i += 1;
            }
        } else if b[i] == b'\n' {
            n += 1;
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The golden UPPLAN repeated past the parallel threshold, with a broken date every 997th
    /// record and a wrong field count every 1,009th.
    fn big_upplan() -> (String, Vec<u8>) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/standard/v4");
        let name = "UPPLAN_202504_1310100019_43_1310100027_11_20250325100000.CSV";
        let one = std::fs::read(format!("{dir}/{name}")).unwrap();
        let lines: Vec<&[u8]> = one.split_inclusive(|&b| b == b'\n').collect();
        let mut out = Vec::new();
        let mut i = 0usize;
        while out.len() < 3 << 20 {
            let l = lines[i % lines.len()];
            if i.is_multiple_of(997) {
                let mut l = l.to_vec();
                if let Some(at) = l.windows(5).position(|w| w == b",2025") {
                    l[at + 2] = b'O';
                }
                out.extend_from_slice(&l);
            } else if i.is_multiple_of(1009) {
                out.extend_from_slice(b"202407,1,2\r\n");
            } else {
                out.extend_from_slice(l);
            }
            i += 1;
        }
        (name.to_string(), out)
    }

    #[test]
    fn reading_on_several_threads_gives_what_one_thread_gives() {
        let (name, bytes) = big_upplan();
        let one = read_core(&name, &bytes, true, 1, MAX_FILE_BYTES);
        assert!(one.findings.len() > 30, "{}", one.findings.len());
        assert_eq!(one.raw.len(), 1);
        for threads in [2, 3] {
            let many = read_core(&name, &bytes, true, threads, MAX_FILE_BYTES);
            assert_eq!(many.raw.len(), threads);
            assert_eq!(many.findings, one.findings);
            assert_eq!(many.records, one.records);
            for i in 0..one.records.len() {
                assert_eq!(many.fields(i).to_vec(), one.fields(i).to_vec());
            }
            let checked = read_core(&name, &bytes, false, threads, MAX_FILE_BYTES).findings;
            assert_eq!(checked, one.findings);
        }
    }
}
