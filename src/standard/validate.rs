//! Reading a file (decode, split, per-field checks from the layout tables, per-kind checks)
//! and writing one (strict writer, then our own checker on the output).

use super::csvform::{self, Fields, RawRecord};
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
    read_core(
        path,
        bytes,
        How::read(crate::parallel::cores()),
        MAX_FILE_BYTES,
    )
}

/// The findings `read_file` would give, without keeping the records: the file is read in
/// parts of [`CHECK_PART_BYTES`], one after the other on the calling thread, and each part's
/// text and typed records are dropped once its checks are done (the typed records of kinds
/// whose checks compare records, which are small files, are kept to the end). The writer's
/// self-check uses it: several can run at once without holding whole files.
pub fn check_file(path: &str, bytes: &[u8]) -> Vec<Finding> {
    read_core(path, bytes, How::check(), MAX_FILE_BYTES).findings
}

/// The size of the parts [`check_file`] reads: 4 MiB of MS932 is about 5 MB of text and
/// 35,000 第6表 records.
const CHECK_PART_BYTES: usize = 4 << 20;

/// How [`read_core`] reads: on how many threads, in parts of what size, keeping the records
/// or only the findings.
#[derive(Clone, Copy)]
struct How {
    threads: usize,
    part_bytes: usize,
    keep: bool,
}

impl How {
    fn read(threads: usize) -> How {
        How {
            threads,
            part_bytes: usize::MAX,
            keep: true,
        }
    }

    fn check() -> How {
        How {
            threads: 1,
            part_bytes: CHECK_PART_BYTES,
            keep: false,
        }
    }
}

/// The decoded field strings of every record of a file, in spec order, as [`read_file`] reads
/// them (a header row skipped): `raw_records(bytes)[i]` is the record of `records[i]`. A parsed
/// file keeps only typed records and findings; this is for showing the fields as they came.
pub fn raw_records(bytes: &[u8]) -> Vec<RawRecord> {
    let (utf8, body) = encoding::detect_utf8(bytes);
    let charset = if utf8 {
        csvform::Charset::Utf8
    } else {
        csvform::Charset::Ms932
    };
    let mut stream = csvform::Records::new(body, charset);
    let mut out = Vec::new();
    let mut first = true;
    while let Some((line, f)) = stream.next_fields() {
        if std::mem::take(&mut first) && looks_like_header(f.get(0)) {
            continue;
        }
        let mut r = RawRecord::from_fields(&f.to_vec());
        r.line = line;
        out.push(r);
    }
    out
}

/// The largest file read (1 GiB; an upload is limited far below, see `exchange::unpack`). The
/// bytes of a file are indexed with u32 offsets below 2^31 (the top bit marks an ASCII field,
/// see `csvform::Fields`), so this keeps every offset in range.
const MAX_FILE_BYTES: usize = 1 << 30;

/// What the file name and the size say, before the records are read.
struct Head<'b> {
    file_name: String,
    name: Option<FileName>,
    name_layout: Option<Layout>,
    kind: Option<FileKind>,
    findings: Vec<Finding>,
    utf8: bool,
    charset: csvform::Charset,
    body: &'b [u8],
}

/// The file name, the size limit and the encoding; `Err` when the file is too large to read.
fn head<'b>(path: &str, bytes: &'b [u8], max: usize) -> Result<Head<'b>, Box<ParsedFile>> {
    let file_name = base_name(path).to_string();
    let mut findings = Vec::new();
    let (name, name_layout, kind) = match FileName::parse(&file_name) {
        Ok((n, l)) => {
            let k = n.kind;
            (Some(n), Some(l), Some(k))
        }
        Err(e) => {
            findings.push(Finding::with_detail(
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
        findings.push(Finding::new(
            C::FileTooLarge,
            &file_name,
            None,
            None,
            &[
                ("value", bytes.len().to_string()),
                ("expected", max.to_string()),
            ],
        ));
        return Err(Box::new(ParsedFile {
            file_name,
            name,
            name_layout,
            kind,
            version: None,
            records: Vec::new(),
            findings,
        }));
    }
    let (utf8, body) = encoding::detect_utf8(bytes);
    if utf8 {
        findings.push(Finding::new(C::Utf8File, &file_name, None, None, &[]));
    }
    let charset = if utf8 {
        csvform::Charset::Utf8
    } else {
        csvform::Charset::Ms932
    };
    Ok(Head {
        file_name,
        name,
        name_layout,
        kind,
        findings,
        utf8,
        charset,
        body,
    })
}

fn split_findings(file_name: &str, issues: &[csvform::SplitIssue]) -> Vec<Finding> {
    issues
        .iter()
        .map(|i| {
            Finding::with_detail(
                C::CsvSyntax,
                file_name,
                Some(i.line),
                i.detail_ja,
                i.detail_en,
            )
        })
        .collect()
}

/// A malformed MS932 sequence (shown as U+FFFD) in any field of a record.
fn bad_encoding(sink: &mut Sink, line: usize, r: Fields) {
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

/// The CSV version: one per file.
#[derive(Default)]
struct Versions {
    version: Option<CsvVersion>,
}

impl Versions {
    fn see(&mut self, sink: &mut Sink, line: usize, v: &str) {
        match CsvVersion::parse(v) {
            Some(found) => match self.version {
                None => self.version = Some(found),
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

    /// The file's findings about its version; returns the version and the records' layout.
    fn finish(
        self,
        sink: &mut Sink,
        name_layout: Option<Layout>,
        kind: Option<FileKind>,
    ) -> (Option<CsvVersion>, Layout) {
        if let Some(v) = self.version {
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
        let layout = self
            .version
            .map(CsvVersion::layout)
            .or(name_layout)
            .unwrap_or(Layout::V4);
        (self.version, layout)
    }
}

/// (field No., definition, 項目長 for the layout) of every field of a layout.
type Plan = Vec<(usize, &'static layout::FieldDef, u16)>;

/// The field plans of `kind`, indexed by `usize::from(layout == Layout::V4)`.
fn plans(kind: FileKind) -> [Plan; 2] {
    [Layout::V3, Layout::V4].map(|layout| -> Plan {
        layout::fields_in(kind.table(), layout)
            .map(|(no, idx, d)| (no, d, kind.max_len(idx, layout)))
            .collect()
    })
}

/// The layout of a record: from its own version field, else the file's.
fn layout_of(raw: Fields, file_layout: Layout) -> Layout {
    CsvVersion::parse(raw.get(0))
        .map(CsvVersion::layout)
        .unwrap_or(file_layout)
}

/// The field checks of one record; returns its layout when the field count is right (the
/// record may then convert to a typed record).
fn check_record(
    sink: &mut Sink,
    plans: &[Plan; 2],
    file_layout: Layout,
    line: usize,
    raw: Fields,
) -> Option<Layout> {
    let layout = layout_of(raw, file_layout);
    let plan = &plans[usize::from(layout == Layout::V4)];
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
        return None;
    }
    for &(no, def, max) in plan {
        let value = raw.get(no - 1);
        if matches!(def.kind, FieldKind::Version) {
            continue;
        }
        let problem = if layout::surely_valid(def, max, value) {
            None
        } else {
            layout::check_field(def, max, value)
        };
        if let Some((code, args)) = problem {
            sink.add(code, Some(line), Some((no, def.name)), &args);
        } else if matches!(def.kind, FieldKind::ServiceType)
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
    Some(layout)
}

/// How a file begins: its first record (a header row?) and the first known CSV version of its
/// records, which sets the layout of records whose own version is not readable.
struct Start {
    /// The line of a header row (the first record, skipped).
    header: Option<usize>,
    version: Option<CsvVersion>,
}

/// Reads records from the beginning of `body` until the first known version: a 64 KiB prefix
/// first (its last record may be cut, so it does not count unless the prefix is the whole
/// body; every record before it is split exactly as in the whole file), then the whole body.
fn start_of(body: &[u8], charset: csvform::Charset) -> Start {
    let mut size = 64 << 10;
    loop {
        let whole = size >= body.len();
        let mut stream = csvform::Records::new(&body[..size.min(body.len())], charset);
        let mut records = Vec::new();
        while let Some((line, f)) = stream.next_fields() {
            records.push((
                line,
                CsvVersion::parse(f.get(0)),
                looks_like_header(f.get(0)),
            ));
        }
        if !whole {
            records.pop();
        }
        let header = records.first().and_then(|r| r.2.then_some(r.0));
        let skip = usize::from(header.is_some());
        let version = records.iter().skip(skip).find_map(|r| r.1);
        if whole || version.is_some() {
            return Start { header, version };
        }
        size = body.len();
    }
}

/// What one part of a file gave: findings by kind (lines within the part) and typed records.
#[derive(Default)]
struct PartChecked {
    header_skipped: bool,
    /// The part's records (those kept and those dropped).
    count: usize,
    encoding: Vec<Finding>,
    /// (line, value) of every record whose CSV version is not the file's.
    versions: Vec<(usize, String)>,
    fields: Vec<Finding>,
    kinds: Vec<Finding>,
    records: Vec<ParsedRecord>,
}

fn shift(findings: &mut [Finding], by: usize) {
    for f in findings {
        if let Some(l) = &mut f.line {
            *l += by;
        }
    }
}

/// Whether the per-kind checks of a kind look at each record alone (then they run on each part
/// of a file as it is read; the others compare records and run on the whole file).
fn per_record_kind_checks(kind: FileKind) -> bool {
    matches!(kind, FileKind::Upplan | FileKind::Upjsk)
}

fn read_core(path: &str, bytes: &[u8], how: How, max: usize) -> ParsedFile {
    let h = match head(path, bytes, max) {
        Ok(h) => h,
        Err(too_large) => return *too_large,
    };
    let file_name = h.file_name;
    let start = start_of(h.body, h.charset);
    let file_layout = start
        .version
        .map(CsvVersion::layout)
        .or(h.name_layout)
        .unwrap_or(Layout::V4);
    let kind = h.kind;
    let plans = kind.map(plans);
    let encoding_checks = !h.utf8;
    // Each part: the header row skipped, then per record the encoding, the version, the fields
    // and the typed record, and for 第6表 files the per-kind checks (in parallel when the file is
    // read in parts).
    let check = |index: usize, records: &mut csvform::Records<'_>| -> PartChecked {
        let mut out = PartChecked {
            records: Vec::with_capacity(records.byte_len() / 128 + 1),
            ..PartChecked::default()
        };
        let sink = |findings: Vec<Finding>| Sink {
            file: &file_name,
            findings,
        };
        let (mut encoding, mut fields) = (sink(Vec::new()), sink(Vec::new()));
        let mut first = index == 0;
        while let Some((line, raw)) = records.next_fields() {
            if std::mem::take(&mut first) && start.header == Some(line) {
                out.header_skipped = true;
                continue;
            }
            if encoding_checks && raw.maybe_malformed() {
                bad_encoding(&mut encoding, line, raw);
            }
            let v = raw.get(0);
            let version = CsvVersion::parse(v);
            if version.is_none() || version != start.version {
                out.versions.push((line, v.to_string()));
            }
            let data = match (kind, &plans) {
                (Some(kind), Some(plans)) => {
                    check_record(&mut fields, plans, file_layout, line, raw)
                        .and_then(|layout| Record::from_raw(kind, raw, layout))
                }
                _ => None,
            };
            out.records.push(ParsedRecord { line, data });
        }
        out.count = out.records.len();
        if let Some(kind) = kind.filter(|k| per_record_kind_checks(*k)) {
            let mut kinds = sink(Vec::new());
            let typed = out
                .records
                .iter()
                .filter_map(|r| r.data.as_ref().map(|d| (r.line, d)));
            kind_checks(&mut kinds, kind, h.name.as_ref(), file_layout, typed);
            out.kinds = kinds.findings;
            if !how.keep {
                // Checked: nothing later needs this part's records.
                out.records = Vec::new();
            }
        }
        out.encoding = encoding.findings;
        out.fields = fields.findings;
        out
    };
    let mut visit = csvform::visit_parts(h.body, h.charset, how.threads, how.part_bytes, check);
    if start.header.is_some() && !visit.parts.first().is_some_and(|p| p.out.header_skipped) {
        // The first part held no record (blank lines only): read the file in one piece.
        visit = csvform::visit_bytes(h.body, h.charset, 1, check);
    }

    let mut sink = Sink {
        file: &file_name,
        findings: h.findings,
    };
    sink.findings
        .extend(split_findings(&file_name, &visit.issues));
    if let Some(line) = start.header {
        sink.add(C::HeaderRow, Some(line), None, &[]);
    }
    let count: usize = visit.parts.iter().map(|p| p.out.count).sum();
    if count == 0 {
        sink.add(C::NoRecords, None, None, &[]);
    }
    let mut parts: Vec<PartChecked> = visit
        .parts
        .into_iter()
        .map(|p| {
            let (mut out, by) = (p.out, p.line_offset);
            shift(&mut out.encoding, by);
            shift(&mut out.fields, by);
            shift(&mut out.kinds, by);
            for r in &mut out.records {
                r.line += by;
            }
            for v in &mut out.versions {
                v.0 += by;
            }
            out
        })
        .collect();
    for p in &mut parts {
        sink.findings.append(&mut p.encoding);
    }
    // The versions: every record that is not of the file's first known version.
    let mut versions = Versions {
        version: start.version,
    };
    for p in &parts {
        for (line, v) in &p.versions {
            versions.see(&mut sink, *line, v);
        }
    }
    let (version, _) = versions.finish(&mut sink, h.name_layout, kind);
    for p in &mut parts {
        sink.findings.append(&mut p.fields);
    }
    for p in &mut parts {
        sink.findings.append(&mut p.kinds);
    }
    let mut records = Vec::with_capacity(parts.iter().map(|p| p.records.len()).sum());
    for p in parts {
        records.extend(p.records);
    }
    if let Some(kind) = kind.filter(|k| !per_record_kind_checks(*k)) {
        let typed = records
            .iter()
            .filter_map(|r| r.data.as_ref().map(|d| (r.line, d)));
        kind_checks(&mut sink, kind, h.name.as_ref(), file_layout, typed);
    }
    if !how.keep {
        records = Vec::new();
    }
    let findings = sink.findings;
    ParsedFile {
        file_name,
        name: h.name,
        name_layout: h.name_layout,
        kind,
        version,
        records,
        findings,
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
pub fn write_file<R: std::borrow::Borrow<Record>>(
    name: &FileName,
    records: impl IntoIterator<Item = R>,
    version: CsvVersion,
) -> WrittenFile {
    match write_unchecked(name, records, version) {
        Ok(mut written) => {
            let checked = check_file(&written.name, &written.bytes);
            written.findings.extend(checked);
            written
        }
        Err(refused) => refused,
    }
}

/// [`super::write_file`] without its self-check: `Ok` holds a written file, and the caller must
/// add the findings of [`check_file`] on its bytes to its own (the export runs the check on one
/// thread while another deflates and hashes the bytes); `Err` holds a file refused before
/// writing (a bad name, a version or kind that cannot be written), with no bytes and nothing
/// to check.
pub fn write_unchecked<R: std::borrow::Borrow<Record>>(
    name: &FileName,
    records: impl IntoIterator<Item = R>,
    version: CsvVersion,
) -> Result<WrittenFile, WrittenFile> {
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
        return Err(WrittenFile {
            name: file_name,
            bytes: Vec::new(),
            findings,
        });
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
    let mut writer = csvform::FieldWriter::default();
    for rec in records {
        let rec = rec.borrow();
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
        for (i, c) in writer.write(&mut bytes, fields, &text_mask) {
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
    Ok(WrittenFile {
        name: file_name,
        bytes,
        findings,
    })
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

    /// `big_upplan` with a header row, records without a version or with another version and
    /// a malformed MS932 byte, all past the first part.
    fn big_upplan_with_trouble() -> (String, Vec<u8>) {
        let (name, body) = big_upplan();
        let mut out =
            b"CSV\x83o\x81[\x83W\x83\x87\x83\x93,\x95\xdb\x8c\xaf\x8e\xd2\x94\xd4\x8d\x86\r\n"
                .to_vec();
        let lines: Vec<&[u8]> = body.split_inclusive(|&b| b == b'\n').collect();
        let n = lines.len();
        for (i, l) in lines.into_iter().enumerate() {
            if i == n * 2 / 3 {
                out.extend_from_slice(&l[7..]); // no version field: the count is wrong
                out.extend_from_slice(b",");
                out.extend_from_slice(&l[7..]);
            }
            if i == n * 3 / 4 {
                out.extend_from_slice(b"202208");
                out.extend_from_slice(&l[6..]);
            }
            if i == n * 4 / 5 {
                let mut l = l.to_vec();
                let at = l.len() - 4;
                l[at] = 0x85; // no character in MS932
                out.extend_from_slice(&l);
            }
            out.extend_from_slice(l);
        }
        (name, out)
    }

    /// The findings of `check_file`, and of reading in parts of 1 MiB on one and two threads
    /// (more parts than threads), which must all be the same.
    fn checked(name: &str, bytes: &[u8]) -> Vec<Finding> {
        let whole = read_core(name, bytes, How::read(1), MAX_FILE_BYTES);
        for threads in [1, 2] {
            let small = How {
                threads,
                part_bytes: 1 << 20,
                keep: true,
            };
            let parts = read_core(name, bytes, small, MAX_FILE_BYTES);
            assert_eq!(
                parts.findings, whole.findings,
                "1 MiB parts, {threads} threads"
            );
            assert_eq!(
                parts.records, whole.records,
                "1 MiB parts, {threads} threads"
            );
        }
        read_core(name, bytes, How::check(), MAX_FILE_BYTES).findings
    }

    #[test]
    fn trouble_past_the_first_part_reads_as_on_one_thread() {
        let (name, bytes) = big_upplan_with_trouble();
        let one = read_core(&name, &bytes, How::read(1), MAX_FILE_BYTES);
        let codes: Vec<_> = one.findings.iter().map(|f| f.code).collect();
        for code in [
            C::HeaderRow,
            C::VersionMixed,
            C::BadEncoding,
            C::FieldCount,
            C::BadDate,
        ] {
            assert!(codes.contains(&code), "{code:?} in {codes:?}");
        }
        for threads in [2, 3] {
            let many = read_core(&name, &bytes, How::read(threads), MAX_FILE_BYTES);
            assert_eq!(many.findings, one.findings, "{threads} threads");
            assert_eq!(many.records, one.records, "{threads} threads");
        }
        assert_eq!(checked(&name, &bytes), one.findings);
    }

    #[test]
    fn a_file_whose_first_known_version_comes_late_reads_as_on_one_thread() {
        let (name, body) = big_upplan();
        let mut out = Vec::new();
        for (i, l) in body.split_inclusive(|&b| b == b'\n').enumerate() {
            out.extend_from_slice(if i < 2_000 { b"999999" } else { &l[..6] });
            out.extend_from_slice(&l[6..]);
        }
        assert!(out.len() > 3 << 20);
        let start = start_of(&out, csvform::Charset::Ms932);
        assert_eq!(start.version, Some(CsvVersion::V202407));
        let one = read_core(&name, &out, How::read(1), MAX_FILE_BYTES);
        assert_eq!(
            one.findings
                .iter()
                .filter(|f| f.code == C::UnknownVersion)
                .count(),
            2_000
        );
        let many = read_core(&name, &out, How::read(2), MAX_FILE_BYTES);
        assert_eq!(many.findings, one.findings);
        assert_eq!(checked(&name, &out), one.findings);
    }

    #[test]
    fn reading_on_several_threads_gives_what_one_thread_gives() {
        let (name, bytes) = big_upplan();
        let one = read_core(&name, &bytes, How::read(1), MAX_FILE_BYTES);
        assert!(one.findings.len() > 30, "{}", one.findings.len());
        for threads in [2, 3] {
            let many = read_core(&name, &bytes, How::read(threads), MAX_FILE_BYTES);
            let parts = csvform::visit_bytes(&bytes, csvform::Charset::Ms932, threads, |_, _| ());
            assert_eq!(
                parts.parts.len(),
                threads,
                "the file is really read in parts"
            );
            assert_eq!(many.findings, one.findings);
            assert_eq!(many.records, one.records);
            let checked = checked(&name, &bytes);
            assert_eq!(checked, one.findings);
        }
    }
}
