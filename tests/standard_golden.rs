//! Golden fixtures (tests/fixtures/standard/v4, v3): every file reads with no finding, every
//! set checks clean, and writing the typed records gives the same bytes back.

use std::path::{Path, PathBuf};
use tsunagi::standard::{self, CsvVersion, FileKind, Layout, ParsedFile, Record};

fn fixtures(dir: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/standard")
        .join(dir);
    let mut out: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "CSV"))
        .map(|p| {
            let b = std::fs::read(&p).unwrap();
            (p, b)
        })
        .collect();
    out.sort();
    out
}

fn read_all(dir: &str) -> Vec<(ParsedFile, Vec<u8>)> {
    fixtures(dir)
        .into_iter()
        .map(|(p, b)| (standard::read_file(p.to_str().unwrap(), &b), b))
        .collect()
}

fn check_dir(dir: &str, version: CsvVersion, kinds: usize) {
    let files = read_all(dir);
    assert_eq!(files.len(), kinds, "fixture count in {dir}");
    for (f, bytes) in &files {
        assert!(f.findings.is_empty(), "{}: {:#?}", f.file_name, f.findings);
        assert_eq!(f.version, Some(version), "{}", f.file_name);
        assert!(!f.records.is_empty());
        for r in &f.records {
            assert!(r.data.is_some(), "{} line {}", f.file_name, r.line);
        }
        // every .CSV has its .md
        let md = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/standard")
            .join(dir)
            .join(f.file_name.replace(".CSV", ".md"));
        assert!(md.exists(), "{md:?}");
        // typed → bytes gives the same bytes back
        let records: Vec<Record> = f.records.iter().map(|r| r.data.clone().unwrap()).collect();
        let written = standard::write_file(f.name.as_ref().unwrap(), &records, version);
        assert!(written.findings.is_empty(), "{:#?}", written.findings);
        assert_eq!(written.name, f.file_name);
        assert!(
            &written.bytes == bytes,
            "{} differs when rewritten:\n{}\n---\n{}",
            f.file_name,
            String::from_utf8_lossy(&written.bytes),
            String::from_utf8_lossy(bytes)
        );
    }
    let parsed: Vec<ParsedFile> = files.into_iter().map(|(f, _)| f).collect();
    let sets = standard::check_sets(&parsed);
    assert_eq!(sets.len(), 6);
    for s in &sets {
        assert!(s.findings.is_empty(), "{}: {:#?}", s.timestamp, s.findings);
        assert!(s.kind.is_some());
    }
    let ts: Vec<&str> = sets.iter().map(|s| s.timestamp.as_str()).collect();
    let mut sorted = ts.clone();
    sorted.sort();
    assert_eq!(ts, sorted, "sets come oldest first");
}

#[test]
fn v4_fixtures_are_clean_and_round_trip() {
    check_dir("v4", CsvVersion::V202407, 11);
}

#[test]
fn v3_fixtures_are_clean_and_round_trip() {
    check_dir("v3", CsvVersion::V202208, 10);
}

#[test]
fn v4_file_rewritten_as_v3_reads_back_the_same_except_tais() {
    for (f, original) in read_all("v4") {
        let kind = f.kind.unwrap();
        if kind == FileKind::Up3kyo {
            let recs: Vec<Record> = f.data().map(|(_, r)| r.clone()).collect();
            let w = standard::write_file(f.name.as_ref().unwrap(), &recs, CsvVersion::V202208);
            assert!(
                w.findings
                    .iter()
                    .any(|x| x.code == standard::FindingCode::KindNotInVersion)
            );
            continue;
        }
        let recs: Vec<Record> = f.data().map(|(_, r)| r.clone()).collect();
        let w = standard::write_file(f.name.as_ref().unwrap(), &recs, CsvVersion::V202208);
        assert!(w.findings.is_empty(), "{}: {:#?}", f.file_name, w.findings);
        let back = standard::read_file(&w.name, &w.bytes);
        assert_eq!(back.layout(), Some(Layout::V3));
        assert_eq!(back.records.len(), f.records.len());
        assert_eq!(
            standard::raw_records(&w.bytes)[0].len()
                + if matches!(kind, FileKind::Upplan | FileKind::Upjsk | FileKind::Upsikyu) {
                    3
                } else {
                    0
                },
            standard::raw_records(&original)[0].len()
        );
    }
}
