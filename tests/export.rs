//! Export of the 居宅's 利用票 sets: every file we write passes our own checker, sets are
//! complete, and each recipient's 第6/7表 carries all providers' lines.

mod common;
use common::TestDb;
use tsunagi::exchange::export::{build_plan_sets, no_progress, zip_files};
use tsunagi::standard::{FileKind, Severity, check_sets, read_file};

fn month_now() -> tsunagi::domain::ServiceMonth {
    tsunagi::web::schedules::current_month()
}

both_backends!(demo_month_exports_clean_sets, |db: TestDb| async move {
    let db = db.with_demo();
    let mut conn = db.conn();
    let office = tsunagi::db::offices::find_by_number(&mut conn, "1310100001", "43")
        .unwrap()
        .unwrap();
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 20)
        .unwrap()
        .and_hms_opt(10, 30, 0)
        .unwrap();
    let result = build_plan_sets(
        &mut conn,
        &office,
        month_now(),
        &[],
        None,
        now,
        &mut no_progress,
    )
    .unwrap();
    assert!(result.blocked.is_empty(), "{:?}", result.blocked);
    // Destinations: own 訪問介護 and 通所介護, and the partners used (訪問看護, 福祉用具, あおば);
    // 通所リハ has no schedule lines in the demo.
    let receivers: Vec<String> = result
        .sets
        .iter()
        .map(|s| format!("{}:{}", s.receiver, s.receiver_type))
        .collect();
    assert!(
        receivers.contains(&"1310100001:11".to_string())
            && receivers.contains(&"1310200002:15".to_string()),
        "{receivers:?}"
    );
    let mut all = Vec::new();
    for set in &result.sets {
        assert_eq!(set.files.len(), 3);
        for f in &set.files {
            let errors: Vec<_> = f
                .findings
                .iter()
                .filter(|x| x.severity == Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{}: {:?}", f.name, errors);
            let bytes = f.bytes().unwrap();
            assert_eq!(
                (bytes.len(), f.sha256.clone()),
                (f.size, sha256_hex(&bytes))
            );
            let parsed = read_file(&f.name, &bytes);
            assert!(!parsed.has_errors(), "{}: {:?}", f.name, parsed.findings);
            all.push(parsed);
        }
    }
    for report in check_sets(&all) {
        let errors: Vec<_> = report
            .findings
            .iter()
            .filter(|x| x.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "set {}: {:?}", report.timestamp, errors);
    }
    // Distinct timestamps per set; V3 only for the V3 partner.
    let mut stamps: Vec<&str> = result
        .sets
        .iter()
        .map(|s| s.files[0].name.rsplit('_').next().unwrap())
        .collect();
    stamps.dedup();
    assert_eq!(stamps.len(), result.sets.len());
    // The 訪問介護 set carries, for a recipient who also uses 福祉用具, the 福祉用具 lines too.
    let homon = result
        .sets
        .iter()
        .find(|s| s.receiver == "1310100001" && s.receiver_type == "11")
        .unwrap();
    let upplan = homon
        .files
        .iter()
        .find(|f| f.name.starts_with("UPPLAN_"))
        .unwrap();
    let bytes = upplan.bytes().unwrap();
    let parsed = read_file(&upplan.name, &bytes);
    assert_eq!(parsed.kind, Some(FileKind::Upplan));
    let text = encoding_rs::SHIFT_JIS.decode(&bytes).0.to_string();
    assert!(
        text.contains(",171003,"),
        "the 福祉用具 line of a shared recipient is included"
    );
    assert!(text.ends_with("\r\n"));
    // The zip holds every file of every set, in order, under the standard's name at its root
    // and with the bytes written (the hash the history keeps).
    let files: Vec<_> = result.sets.iter().flat_map(|s| s.files.iter()).collect();
    let zip = zip_files(files.iter().copied()).unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    assert_eq!(archive.len(), result.sets.len() * 3);
    for (i, f) in files.iter().enumerate() {
        let mut entry = archive.by_index(i).unwrap();
        let name = entry.name().unwrap().to_string();
        assert!(
            name == f.name && name.ends_with(".CSV") && !name.contains('/'),
            "{name}"
        );
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        assert_eq!(sha256_hex(&data), f.sha256, "{name}");
    }
});

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

fn prev_month() -> String {
    month_now().prev().yyyymm()
}

fn tsunagi(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tsunagi"))
        .env("RUST_LOG", "warn")
        .args(args)
        .output()
        .unwrap()
}

/// `tsunagi export` writes zips that `tsunagi csv check` passes, for the 居宅's 利用票 and the
/// provider's 実績.
#[test]
fn export_command_writes_checked_zips() {
    let db = TestDb::sqlite().with_demo();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let month = month_now().yyyymm();
    let o = tsunagi(&[
        "export",
        "--office",
        "1310100001:43",
        "--month",
        &month,
        "--database-url",
        &db.url,
        "--out",
        dir,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        summary["recipients"], 22,
        "every demo recipient has a plan this month"
    );
    let zip = summary["zips"][0].as_str().unwrap().to_string();
    assert!(zip.starts_with("利用票出力_1310100001_"), "{zip}");
    let check = tsunagi(&["csv", "check", &format!("{dir}/{zip}")]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // 個別: one zip per destination.
    let split = tempfile::tempdir().unwrap();
    let o = tsunagi(&[
        "export",
        "--office",
        "1310100001:43",
        "--month",
        &month,
        "--database-url",
        &db.url,
        "--out",
        split.path().to_str().unwrap(),
        "--split",
        "--json",
    ]);
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        s["zips"].as_array().unwrap().len(),
        s["sets"].as_array().unwrap().len()
    );
    // The provider's 実績 for last month, to the 居宅.
    let o = tsunagi(&[
        "export",
        "--office",
        "1310100001:11",
        "--month",
        &prev_month(),
        "--data",
        "actual",
        "--database-url",
        &db.url,
        "--out",
        dir,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(s["sets"][0]["receiver"], "1310100001");
    assert_eq!(s["sets"][0]["receiver_type"], "43");
    assert!(s["files"][0].as_str().unwrap().starts_with("UPJSK_"));
    let zip = s["zips"][0].as_str().unwrap().to_string();
    assert!(zip.starts_with("実績出力_1310100001_"));
    let check = tsunagi(&["csv", "check", &format!("{dir}/{zip}")]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // 計画書: UP1KYO + UP2KYO + UP3KYO + UPHOSOKU 000000, passing the checker.
    let o = tsunagi(&[
        "export",
        "--office",
        "1310100001:43",
        "--month",
        &month,
        "--data",
        "careplan",
        "--database-url",
        &db.url,
        "--out",
        dir,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let zip = s["zips"][0].as_str().unwrap().to_string();
    assert!(zip.starts_with("計画書出力_1310100001_"), "{zip}");
    assert!(
        s["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f.as_str().unwrap().starts_with("UPHOSOKU_000000_"))
    );
    let check = tsunagi(&["csv", "check", &format!("{dir}/{zip}")]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    // The command line records the export history like the job does; a withdrawn provider then
    // gets a DLTPLAN from `--delete`.
    let recipient = {
        let mut c = db.conn();
        let hist: Vec<tsunagi::db::exports::ExportEntry> = tsunagi::db::exports::of_month(
            &mut c,
            1,
            common::office_id(&db, "1310100001", "43"),
            "plan",
            &month,
            None,
        )
        .unwrap();
        assert!(!hist.is_empty(), "the history is recorded");
        let e = hist
            .iter()
            .find(|e| e.receiver_type == "15")
            .unwrap()
            .clone();
        for l in tsunagi::db::schedules::lines_for(&mut c, e.recipient_id, &month).unwrap() {
            if l.provider_type == "15" {
                tsunagi::db::schedules::delete_line(&mut c, e.recipient_id, l.id).unwrap();
            }
        }
        e.recipient_id
    };
    let del = tempfile::tempdir().unwrap();
    let o = tsunagi(&[
        "export",
        "--office",
        "1310100001:43",
        "--month",
        &month,
        "--delete",
        "--database-url",
        &db.url,
        "--out",
        del.path().to_str().unwrap(),
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        s["recipients"], 1,
        "only the withdrawn recipient ({recipient})"
    );
    assert!(
        s["files"][0].as_str().unwrap().starts_with("DLTPLAN_"),
        "{s}"
    );
    // Wrong kind for the office, and an unknown office, are refused plainly.
    let o = tsunagi(&[
        "export",
        "--office",
        "1310100001:11",
        "--month",
        &month,
        "--database-url",
        &db.url,
        "--out",
        dir,
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("sends 実績"));
    let o = tsunagi(&[
        "export",
        "--office",
        "1310100001",
        "--month",
        &month,
        "--database-url",
        &db.url,
        "--out",
        dir,
    ]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("several service types"));
}

/// `tsunagi import --apply`: the provider's 実績 zip received by the 居宅 restores the visit the
/// 居宅's copy lacked; the same files again change nothing.
#[test]
fn import_command_receives_and_applies() {
    let db = TestDb::sqlite().with_demo();
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();
    let month = prev_month();
    let o = tsunagi(&[
        "export",
        "--office",
        "1310100001:11",
        "--month",
        &month,
        "--data",
        "actual",
        "--database-url",
        &db.url,
        "--out",
        dir,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let zip = format!("{dir}/{}", s["zips"][0].as_str().unwrap());
    // The 居宅's copy of R0001's 訪問介護 実績 lacks one visit.
    let (line, day) = {
        use diesel::prelude::*;
        use tsunagi::db::schema::recipients as r;
        let mut c = db.conn();
        let rid: i64 = r::table
            .filter(r::code.eq("R0001"))
            .filter(r::corporation_id.eq(1))
            .select(r::id)
            .first(&mut *c)
            .unwrap();
        let l = tsunagi::db::schedules::lines_for(&mut c, rid, &month)
            .unwrap()
            .into_iter()
            .find(|l| l.provider_type == "11")
            .unwrap();
        let days = tsunagi::db::schedules::days_for(&mut c, &[l.id]).unwrap();
        let mut actual = [0; 31];
        for d in &days {
            actual[(d.day - 1) as usize] = d.actual_count;
        }
        let day = days.iter().find(|d| d.actual_count > 0).unwrap().day;
        actual[(day - 1) as usize] = 0;
        tsunagi::db::schedules::set_days(&mut c, l.id, None, Some(&actual)).unwrap();
        (l.id, day)
    };
    let o = tsunagi(&[
        "import",
        "--office",
        "1310100001:43",
        &zip,
        "--apply",
        "--database-url",
        &db.url,
        "--json",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        s["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["verdict"] == "ok"),
        "{s}"
    );
    let people = s["applied"][0]["recipients"].as_array().unwrap();
    let changed: Vec<&serde_json::Value> = people
        .iter()
        .filter(|p| p["changed"].as_u64().unwrap() > 0 || p["added"].as_u64().unwrap() > 0)
        .collect();
    assert_eq!(changed.len(), 1, "{s}");
    assert_eq!(changed[0]["recipient"], "R0001");
    {
        let mut c = db.conn();
        let days = tsunagi::db::schedules::days_for(&mut c, &[line]).unwrap();
        assert_eq!(days.iter().find(|d| d.day == day).unwrap().actual_count, 1);
    }
    // Again: already received, nothing applied.
    let o = tsunagi(&[
        "import",
        "--office",
        "1310100001:43",
        &zip,
        "--apply",
        "--database-url",
        &db.url,
    ]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        text.contains("already received") && text.contains("no change"),
        "{text}"
    );
}
