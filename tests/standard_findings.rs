//! One test per finding code, each starting from a clean golden fixture and breaking one thing.

use std::collections::BTreeSet;
use std::path::Path;
use tsunagi::standard::csvform::{self, RawRecord};
use tsunagi::standard::layout::fields_in;
use tsunagi::standard::{
    self, CsvVersion, FieldKind, FileKind, FileName, FindingCode as C, Layout, ParsedFile, Record,
    Severity,
};

fn fixture(dir: &str, prefix: &str) -> (String, Vec<u8>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/standard")
        .join(dir);
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    let p = v
        .into_iter()
        .find(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with(&format!("{prefix}_")) && n.ends_with(".CSV")
        })
        .unwrap();
    (
        p.file_name().unwrap().to_str().unwrap().to_string(),
        std::fs::read(&p).unwrap(),
    )
}

fn rows(bytes: &[u8]) -> Vec<Vec<String>> {
    csvform::split(&standard::encoding::decode(bytes).text)
        .0
        .iter()
        .map(RawRecord::to_vec)
        .collect()
}

fn build(kind: FileKind, layout: Layout, rows: &[Vec<String>]) -> Vec<u8> {
    let mask: Vec<bool> = fields_in(kind.table(), layout)
        .map(|(_, _, d)| d.kind == FieldKind::Text)
        .collect();
    let mut out = Vec::new();
    for r in rows {
        csvform::write_record(&mut out, r, &mask);
    }
    out
}

/// Reads the V4 fixture of `prefix` after `edit` changed its rows.
fn edited(prefix: &str, edit: impl FnOnce(&mut Vec<Vec<String>>)) -> ParsedFile {
    edited_in("v4", prefix, edit)
}

fn edited_in(dir: &str, prefix: &str, edit: impl FnOnce(&mut Vec<Vec<String>>)) -> ParsedFile {
    let (name, bytes) = fixture(dir, prefix);
    let mut r = rows(&bytes);
    edit(&mut r);
    let kind = FileKind::from_prefix(prefix).unwrap();
    let layout = if dir == "v4" { Layout::V4 } else { Layout::V3 };
    standard::read_file(&name, &build(kind, layout, &r))
}

fn codes(f: &ParsedFile) -> BTreeSet<C> {
    f.findings.iter().map(|x| x.code).collect()
}

#[track_caller]
fn has(f: &ParsedFile, code: C) -> &standard::Finding {
    f.findings
        .iter()
        .find(|x| x.code == code)
        .unwrap_or_else(|| panic!("{code:?} not in {:#?}", f.findings))
}

#[test]
fn utf8_file() {
    let (name, bytes) = fixture("v4", "UPPLAN");
    let text = standard::encoding::decode(&bytes).text;
    let f = standard::read_file(&name, text.as_bytes());
    let x = has(&f, C::Utf8File);
    assert!(x.is_error());
    assert!(x.message_ja.contains("UTF-8"));
    let mut bom = standard::encoding::UTF8_BOM.to_vec();
    bom.extend_from_slice(text.as_bytes());
    has(&standard::read_file(&name, &bom), C::Utf8File);
}

#[test]
fn bad_encoding() {
    let (name, mut bytes) = fixture("v4", "DLTPLAN");
    bytes.splice(7..7, [0xFFu8]);
    let f = standard::read_file(&name, &bytes);
    let x = has(&f, C::BadEncoding);
    assert_eq!((x.line, x.field_no), (Some(1), Some(2)));
}

#[test]
fn bad_file_name() {
    let (_, bytes) = fixture("v4", "UPPLAN");
    let f = standard::read_file("UPPLAN_2025_x.CSV", &bytes);
    let x = has(&f, C::BadFileName);
    assert!(!x.message_en.contains("{detail}"));
    assert_eq!(
        f.kind,
        Some(FileKind::Upplan),
        "kind still known from the prefix"
    );
    has(&standard::read_file("readme.txt", b""), C::BadFileName);
}

#[test]
fn csv_syntax() {
    let (name, mut bytes) = fixture("v4", "DLTPLAN");
    bytes.extend_from_slice(b"202407,\"131016");
    has(&standard::read_file(&name, &bytes), C::CsvSyntax);
}

#[test]
fn header_row() {
    let (name, bytes) = fixture("v4", "DLTPLAN");
    let mut with =
        standard::encoding::encode("CSVバージョン,保険者番号,被保険者番号,削除対象年月\r\n").0;
    with.extend_from_slice(&bytes);
    let f = standard::read_file(&name, &with);
    assert_eq!(has(&f, C::HeaderRow).severity, Severity::Warning);
    assert_eq!(f.records.len(), 1);
    assert!(!f.has_errors());
    // a damaged version is not taken for a header
    let f = edited("DLTPLAN", |r| r[0][0] = "2024O7".into());
    assert!(!codes(&f).contains(&C::HeaderRow));
    has(&f, C::UnknownVersion);
}

#[test]
fn no_records() {
    let (name, _) = fixture("v4", "DLTPLAN");
    assert_eq!(
        has(&standard::read_file(&name, b""), C::NoRecords).severity,
        Severity::Warning
    );
}

#[test]
fn file_too_large() {
    // Over 1 GiB: refused before any byte is looked at (the zeroed pages are never touched).
    let (name, _) = fixture("v4", "DLTPLAN");
    let bytes = vec![0u8; (1 << 30) + 1];
    let f = standard::read_file(&name, &bytes);
    assert_eq!(has(&f, C::FileTooLarge).severity, Severity::Error);
    assert!(f.records.is_empty());
    assert_eq!(f.findings.len(), 1);
}

#[test]
fn field_count() {
    let f = edited("UPPLAN", |r| {
        r[0].pop();
    });
    let x = has(&f, C::FieldCount);
    assert!(x.message_en.contains("24 fields, expected 25"));
    assert!(f.records[0].data.is_none());
}

#[test]
fn unknown_version() {
    let f = edited("DLTPLAN", |r| r[0][0] = "209901".into());
    has(&f, C::UnknownVersion);
}

#[test]
fn old_version() {
    let f = edited_in("v3", "UPPLAN", |r| {
        r.iter_mut().for_each(|x| x[0] = "202003".into())
    });
    assert_eq!(has(&f, C::OldVersion).severity, Severity::Warning);
    assert!(!f.has_errors(), "{:#?}", f.findings);
    let f = edited_in("v3", "UPPLAN", |r| {
        r.iter_mut().for_each(|x| x[0] = "201910".into())
    });
    has(&f, C::OldVersion);
}

#[test]
fn nonstandard_version() {
    let f = edited("UPPLAN", |r| {
        r.iter_mut().for_each(|x| x[0] = "202410".into())
    });
    assert_eq!(has(&f, C::NonstandardVersion).severity, Severity::Warning);
    assert!(!f.has_errors());
    assert_eq!(f.layout(), Some(Layout::V4));
    // 202504 (V4.0) is read without warning
    let f = edited("UPPLAN", |r| {
        r.iter_mut().for_each(|x| x[0] = "202504".into())
    });
    assert!(f.findings.is_empty(), "{:#?}", f.findings);
}

#[test]
fn version_mixed() {
    let f = edited("UPPLAN", |r| r[1][0] = "202504".into());
    assert!(has(&f, C::VersionMixed).is_error());
}

#[test]
fn version_name_mismatch() {
    let (_, bytes) = fixture("v3", "DLTPLAN");
    let (v4name, _) = fixture("v4", "DLTPLAN");
    has(
        &standard::read_file(&v4name, &bytes),
        C::VersionNameMismatch,
    );
}

#[test]
fn kind_not_in_version() {
    let f = edited("UP3KYO", |r| {
        r.iter_mut().for_each(|x| x[0] = "202208".into())
    });
    has(&f, C::KindNotInVersion);
}

#[test]
fn required() {
    let f = edited("UPPLAN", |r| r[0][2] = String::new());
    let x = has(&f, C::Required);
    assert_eq!(
        (x.field_no, x.item.as_deref()),
        (Some(3), Some("被保険者番号"))
    );
    assert_eq!(x.message_ja, "「被保険者番号」は必須です。");
    // delete files: every item is required
    let f = edited("DLTJSK", |r| r[0][5] = String::new());
    has(&f, C::Required);
}

#[test]
fn too_long() {
    let f = edited("UPPLAN", |r| r[0][13] = "123".into());
    assert_eq!(has(&f, C::TooLong).field_no, Some(14));
    // 回数／日数 is 3 digits in V4 but 2 in V3
    let f = edited("UPSIKYU", |r| r[0][15] = "100".into());
    assert!(!codes(&f).contains(&C::TooLong), "{:#?}", f.findings);
    let f = edited_in("v3", "UPSIKYU", |r| r[0][12] = "100".into());
    assert_eq!(has(&f, C::TooLong).item.as_deref(), Some("回数／日数"));
}

#[test]
fn not_digits() {
    let f = edited("UPPLAN", |r| r[0][7] = "12a".into());
    assert_eq!(has(&f, C::NotDigits).item.as_deref(), Some("単位数"));
}

#[test]
fn bad_format() {
    let f = edited("UPPLAN", |r| r[0][2] = "X123456789".into());
    has(&f, C::BadFormat);
    // 生保単独 H + 9 digits is accepted
    let f = edited("UPPLAN", |r| r[0][2] = "H000000001".into());
    assert!(!codes(&f).contains(&C::BadFormat));
}

#[test]
fn bad_date() {
    let f = edited("UPPLAN", |r| r[0][3] = "20250230".into());
    assert_eq!(has(&f, C::BadDate).item.as_deref(), Some("作成年月日"));
}

#[test]
fn bad_time() {
    for t in ["2400", "1260", "930"] {
        let f = edited("UPPLAN", |r| r[0][11] = t.into());
        assert_eq!(
            has(&f, C::BadTime).item.as_deref(),
            Some("サービス開始時刻"),
            "{t}"
        );
    }
}

#[test]
fn bad_month() {
    let f = edited("DLTPLAN", |r| r[0][3] = "202513".into());
    has(&f, C::BadMonth);
}

#[test]
fn bad_code() {
    let f = edited("UPPLAN", |r| r[0][22] = "2".into());
    assert_eq!(has(&f, C::BadCode).item.as_deref(), Some("３０日超区分"));
    let f = edited("UPHOSOKU", |r| r[0][17] = "26".into());
    has(&f, C::BadCode);
}

#[test]
fn month_mismatch() {
    let f = edited("DLTPLAN", |r| r[0][3] = "202505".into());
    assert_eq!(
        has(&f, C::MonthMismatch).item.as_deref(),
        Some("削除対象年月")
    );
    // UPHOSOKU in a plan set must carry 000000
    let f = edited_in("v4", "UPHOSOKU", |r| r[0][62] = "202504".into());
    has(&f, C::MonthMismatch);
}

#[test]
fn date_outside_month() {
    let f = edited("UPPLAN", |r| r[0][9] = "20250501".into());
    has(&f, C::DateOutsideMonth);
}

#[test]
fn office_mismatch() {
    let f = edited("UPJSK", |r| r[0][19] = "1310100043".into());
    let x = has(&f, C::OfficeMismatch);
    assert!(x.is_error());
    let f = edited("UP1KYO", |r| r[0][12] = "1310100043".into());
    has(&f, C::OfficeMismatch);
    let f = edited("DLTJSK", |r| r[0][4] = "1310100043".into());
    has(&f, C::OfficeMismatch);
}

#[test]
fn unknown_service_type() {
    let f = edited("UPPLAN", |r| r[0][14] = "991111".into());
    assert_eq!(has(&f, C::UnknownServiceType).severity, Severity::Warning);
    let f = edited("DLTJSK", |r| r[0][5] = "99".into());
    has(&f, C::UnknownServiceType);
}

#[test]
fn excluded_service_type() {
    let f = edited("UPPLAN", |r| r[0][14] = "331111".into());
    assert!(
        has(&f, C::ExcludedServiceType)
            .message_ja
            .contains("特定施設入居者生活介護")
    );
}

#[test]
fn equipment_code_missing() {
    let f = edited("UPPLAN", |r| {
        let row = r.iter_mut().find(|x| x[14] == "171001").unwrap();
        row[15] = String::new();
    });
    has(&f, C::EquipmentCodeMissing);
    // the 届出 code is enough
    let f = edited("UPPLAN", |r| {
        let row = r.iter_mut().find(|x| x[14] == "171001").unwrap();
        row[15] = String::new();
        row[16] = "12345-123456".into();
    });
    assert!(f.findings.is_empty(), "{:#?}", f.findings);
    // V3 has no TAIS columns: no such check
    let f = edited_in("v3", "UPPLAN", |_| {});
    assert!(f.findings.is_empty());
}

#[test]
fn subtotal_missing() {
    let f = edited("UPSIKYU", |r| r.retain(|x| x[8] != "11AAAA"));
    has(&f, C::SubtotalMissing);
}

#[test]
fn total_missing() {
    let f = edited("UPSIKYU", |r| r.retain(|x| x[8] != "999999"));
    assert_eq!(
        f.findings
            .iter()
            .filter(|x| x.code == C::TotalMissing)
            .count(),
        2
    );
}

#[test]
fn total_mismatch() {
    let f = edited("UPSIKYU", |r| {
        let row = r.iter_mut().find(|x| x[8] == "999999").unwrap();
        row[16] = "3253".into();
    });
    let x = has(&f, C::TotalMismatch);
    assert_eq!(x.item.as_deref(), Some("サービス単位／金額"));
    assert!(x.message_en.contains("3253") && x.message_en.contains("3252"));
    let f = edited("UPSIKYU", |r| {
        let row = r.iter_mut().find(|x| x[8] == "11AAAA").unwrap();
        row[17] = "2950".into();
    });
    has(&f, C::TotalMismatch);
}

/// Another writer's convention: 11AAAA totals every 訪問介護 row, including one outside the
/// limit, and there is no 11EEEE: read with a warning, not a mismatch.
#[test]
fn subtotal_includes_outside_limit() {
    let f = edited("UPSIKYU", |r| {
        // A detail row outside the limit (no 給付管理単位数 nor limit columns) of 500 units.
        let mut extra = r.iter().find(|x| x[8] == "111111").unwrap().clone();
        extra[8] = "116275".into();
        extra[12] = "500".into();
        extra[15] = "1".into();
        extra[16] = "500".into();
        for i in [17, 18, 19, 20, 21] {
            extra[i] = String::new();
        }
        let at = r.iter().position(|x| x[8] == "11AAAA").unwrap();
        r.insert(at, extra);
        for code in ["11AAAA", "999999"] {
            let row = r.iter_mut().find(|x| x[8] == code).unwrap();
            row[16] = (row[16].parse::<u32>().unwrap() + 500).to_string();
        }
    });
    let w = has(&f, C::SubtotalIncludesOutsideLimit);
    assert_eq!(w.severity, standard::Severity::Warning);
    assert!(
        !f.findings.iter().any(|x| x.code == C::TotalMismatch),
        "{:?}",
        f.findings
    );
}

fn typed(prefix: &str) -> (FileName, Vec<Record>) {
    let (name, bytes) = fixture("v4", prefix);
    let f = standard::read_file(&name, &bytes);
    (
        f.name.clone().unwrap(),
        f.data().map(|(_, r)| r.clone()).collect(),
    )
}

#[test]
fn unencodable_char() {
    let (name, mut recs) = typed("UPPLAN");
    if let Record::Schedule(s) = &mut recs[1] {
        s.care_manager_name = "𠮷田 花子😀".into();
    }
    let w = standard::write_file(&name, &recs, CsvVersion::V202407);
    let found: Vec<_> = w
        .findings
        .iter()
        .filter(|x| x.code == C::UnencodableChar)
        .collect();
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[0].line, found[0].field_no, found[0].item.as_deref()),
        (Some(2), Some(7), Some("プラン担当者名"))
    );
    assert!(found[0].message_ja.contains("𠮷"));
    assert!(!standard::has_errors(&w.findings));
    assert!(!standard::read_file(&w.name, &w.bytes).has_errors());
    assert_eq!(standard::raw_records(&w.bytes)[1].get(6), "〓田 花子〓");
}

#[test]
fn duplicate_record() {
    let f = edited("UP2KYO", |r| {
        let dup = r[0].clone();
        r.push(dup);
    });
    has(&f, C::DuplicateRecord);
}

#[test]
fn slot_gap() {
    let f = edited("UPHOSOKU", |r| r[0][23] = "11".into());
    has(&f, C::SlotGap);
}

#[test]
fn kind_mismatch() {
    let (name, _) = typed("UPPLAN");
    let (_, hosoku) = typed("UPHOSOKU");
    let w = standard::write_file(&name, &hosoku, CsvVersion::V202407);
    assert!(w.findings.iter().any(|x| x.code == C::KindMismatch));
}

#[test]
fn version_not_writable() {
    let (name, recs) = typed("DLTPLAN");
    let w = standard::write_file(&name, &recs, CsvVersion::V202504);
    assert!(w.findings.iter().any(|x| x.code == C::VersionNotWritable));
    assert!(w.bytes.is_empty());
}

fn v4_files() -> Vec<ParsedFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/standard/v4");
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().unwrap() == "CSV")
        .collect();
    v.sort();
    v.into_iter()
        .map(|p| standard::read_file(p.to_str().unwrap(), &std::fs::read(&p).unwrap()))
        .collect()
}

fn set_codes(files: &[ParsedFile]) -> BTreeSet<C> {
    standard::check_sets(files)
        .iter()
        .flat_map(|s| s.findings.iter().map(|x| x.code))
        .collect()
}

#[test]
fn set_incomplete() {
    let files: Vec<_> = v4_files()
        .into_iter()
        .filter(|f| f.kind != Some(FileKind::Upsikyu))
        .collect();
    assert!(set_codes(&files).contains(&C::SetIncomplete));
    // V4 plan set without 第3表: a warning only
    let files: Vec<_> = v4_files()
        .into_iter()
        .filter(|f| f.kind != Some(FileKind::Up3kyo))
        .collect();
    let sets = standard::check_sets(&files);
    let plan = sets
        .iter()
        .find(|s| s.kind == Some(standard::SetKind::Plan))
        .unwrap();
    assert_eq!(plan.findings.len(), 1);
    assert_eq!(
        (plan.findings[0].code, plan.findings[0].severity),
        (C::SetIncomplete, Severity::Warning)
    );
}

#[test]
fn set_unexpected() {
    let (_, bytes) = fixture("v4", "DLTPLAN");
    let mut files = v4_files();
    files.push(standard::read_file(
        "DLTPLAN_202504_1310100019_43_1310100027_11_20250325100000.CSV",
        &bytes,
    ));
    assert!(set_codes(&files).contains(&C::SetUnexpected));
}

#[test]
fn set_duplicate() {
    let (_, bytes) = fixture("v4", "UPPLAN");
    let mut files = v4_files();
    files.push(standard::read_file(
        "UPPLAN_202504_1310100019_43_1310100027_17_20250325100000.CSV",
        &bytes,
    ));
    let c = set_codes(&files);
    assert!(c.contains(&C::SetDuplicate));
    assert!(c.contains(&C::SetHeaderMismatch));
}

#[test]
fn set_header_mismatch() {
    let mut files = v4_files();
    let (_, bytes) = fixture("v4", "UPSIKYU");
    files.retain(|f| f.kind != Some(FileKind::Upsikyu));
    files.push(standard::read_file(
        "UPSIKYU_202504_1310100019_43_1310100035_17_20250325100000.CSV",
        &bytes,
    ));
    assert!(set_codes(&files).contains(&C::SetHeaderMismatch));
}

#[test]
fn set_key_mismatch() {
    let mut files = v4_files();
    let i = files
        .iter()
        .position(|f| {
            f.kind == Some(FileKind::Uphosoku) && f.name.as_ref().unwrap().month.is_some()
        })
        .unwrap();
    let name = files[i].file_name.clone();
    let (_, bytes) = fixture("v4", "UPHOSOKU_202504");
    let mut r = rows(&bytes);
    r.pop();
    files[i] = standard::read_file(&name, &build(FileKind::Uphosoku, Layout::V4, &r));
    let sets = standard::check_sets(&files);
    let x = sets
        .iter()
        .flat_map(|s| &s.findings)
        .find(|x| x.code == C::SetKeyMismatch)
        .unwrap();
    assert!(x.message_en.contains("H123456789"), "{}", x.message_en);
    // a 補足 for a person not in 第6表
    let mut files = v4_files();
    let mut r = rows(&bytes);
    r[1][2] = "0000099999".into();
    files[i] = standard::read_file(&name, &build(FileKind::Uphosoku, Layout::V4, &r));
    assert!(set_codes(&files).contains(&C::SetKeyMismatch));
}

/// Every code in the message table is exercised above.
#[test]
fn every_code_has_a_test() {
    let tested: BTreeSet<String> = include_str!("standard_findings.rs")
        .lines()
        .filter_map(|l| {
            l.strip_prefix("fn ")
                .and_then(|l| l.split('(').next())
                .map(str::to_string)
        })
        .collect();
    for code in C::all() {
        assert!(
            tested.contains(&code.as_str()),
            "no test named {}",
            code.as_str()
        );
    }
}
