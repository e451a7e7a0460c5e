//! `tsunagi csv check` / `csv show` through the library functions.

use std::io::Write;
use std::path::{Path, PathBuf};
use tsunagi::cli::csv::{CheckArgs, ShowArgs, check, read_zip, show, zip_entry_name};

fn fixtures(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/standard")
        .join(dir)
}

fn run_check(paths: Vec<PathBuf>, json: bool) -> (i32, String, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = check(&CheckArgs { json, paths }, &mut out, &mut err);
    (
        code,
        String::from_utf8(out).unwrap(),
        String::from_utf8(err).unwrap(),
    )
}

#[test]
fn check_clean_folder_exits_0_with_kinds_and_sets() {
    let (code, out, _) = run_check(vec![fixtures("v4")], false);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("kind UPPLAN  version 202407  sender 1310100019 (43)  receiver 1310100027 (11)  month 202504  timestamp 20250325100000  records 14"), "{out}");
    assert!(out.contains("set 20250325100000 (schedule)"));
    assert!(out.contains("11 files, 6 sets: 0 errors, 0 warnings"));
}

#[test]
fn check_json_lists_files_and_sets() {
    let (code, out, _) = run_check(vec![fixtures("v3")], true);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["files"].as_array().unwrap().len(), 10);
    assert_eq!(v["sets"].as_array().unwrap().len(), 6);
    assert_eq!(v["errors"], 0);
    let upplan = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "UPPLAN")
        .unwrap();
    assert_eq!(upplan["version"], "202208");
    assert_eq!(upplan["month"], "202504");
    assert_eq!(upplan["record_count"], 14);
}

#[test]
fn check_errors_exit_1_and_unreadable_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir
        .path()
        .join("UPPLAN_202504_1310100019_43_1310100027_11_20250325100000.CSV");
    std::fs::write(&p, b"202407,131016\r\n").unwrap();
    let (code, out, _) = run_check(vec![p.clone()], false);
    assert_eq!(code, 1);
    assert!(out.contains("error field_count"), "{out}");
    assert!(out.contains("error set_incomplete"), "{out}");
    let (code, _, err) = run_check(vec![dir.path().join("missing.CSV")], false);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"));
}

#[test]
fn check_reads_zips_with_utf8_and_ms932_names() {
    let dir = tempfile::tempdir().unwrap();
    let zpath = dir.path().join("送信.zip");
    let mut zw = zip::ZipWriter::new(std::fs::File::create(&zpath).unwrap());
    let opts = zip::write::SimpleFileOptions::default();
    for e in std::fs::read_dir(fixtures("v4")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "CSV") {
            zw.start_file(
                format!("月次/{}", p.file_name().unwrap().to_str().unwrap()),
                opts,
            )
            .unwrap();
            zw.write_all(&std::fs::read(&p).unwrap()).unwrap();
        }
    }
    zw.start_file("メモ.txt", opts).unwrap();
    zw.write_all(b"not a csv").unwrap();
    zw.finish().unwrap();
    let (code, out, _) = run_check(vec![zpath.clone()], false);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("送信.zip!月次/UPPLAN_202504"), "{out}");
    let inputs = read_zip("x.zip", &std::fs::read(&zpath).unwrap()).unwrap();
    assert_eq!(inputs.len(), 11);
    // names without the UTF-8 flag are MS932
    assert_eq!(zip_entry_name(&[0x8c, 0x8e, 0x8e, 0x9f], false), "月次");
    assert_eq!(zip_entry_name("月次".as_bytes(), true), "月次");
    assert!(read_zip("bad.zip", b"PK\x03\x04garbage").is_err());
}

#[test]
fn show_json_has_fields_and_typed_data() {
    let p = std::fs::read_dir(fixtures("v4"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with("UPSIKYU") && n.ends_with(".CSV")
        })
        .unwrap();
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = show(
        &ShowArgs {
            json: true,
            file: p.clone(),
        },
        &mut out,
        &mut err,
    );
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    for k in [
        "kind",
        "version",
        "sender",
        "receiver",
        "month",
        "timestamp",
        "records",
        "findings",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(v["kind"], "UPSIKYU");
    let r0 = &v["records"][0];
    assert_eq!(r0["fields"].as_array().unwrap().len(), 37);
    assert_eq!(r0["fields"][8], "111111");
    assert_eq!(r0["data"]["service_code"], "111111");
    assert_eq!(r0["data"]["count"], 8);
    let mut out = Vec::new();
    assert_eq!(
        show(
            &ShowArgs {
                json: false,
                file: p
            },
            &mut out,
            &mut err
        ),
        0
    );
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains(" 9 サービスコード: 111111"), "{text}");
    assert_eq!(
        show(
            &ShowArgs {
                json: false,
                file: PathBuf::from("/nonexistent/x.CSV")
            },
            &mut Vec::new(),
            &mut Vec::new()
        ),
        2
    );
}
