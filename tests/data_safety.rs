//! Retention: the retention job drops the bytes of old job results and received originals, keeps
//! their records and the audit log, and the screens say so instead of offering a broken link.

mod common;
use actix_web::http::StatusCode;
use chrono::{Months, NaiveDateTime};
use common::{Client, TestDb, app, state, state_with};
use diesel::prelude::*;
use std::process::Command;
use tsunagi::config::Settings;
use tsunagi::db::schema::{artifacts, audit_log, received_files as rf};
use tsunagi::jobs::retention;

// ---- test data: job results and received files of the demo's offices ------------------------

fn kyotaku_actor(db: &TestDb) -> tsunagi::auth::session::Actor {
    tsunagi::auth::session::Actor {
        corporation_id: 1,
        office_id: common::office_id(db, "1310100001", "43"),
        staff_id: common::staff_id(db, "kyotaku"),
        login_id: "kyotaku".into(),
        client_addr: "127.0.0.1".into(),
    }
}

fn this_month() -> String {
    tsunagi::web::dates::today_jst().format("%Y%m").to_string()
}

/// The 居宅's 利用票 export of this month, as the 出力 screen queues it; returns the job id.
fn queue_export(db: &TestDb) -> i64 {
    use tsunagi::exchange::export::{DataKind, ExportRequest, SpecChoice};
    let mut conn = db.conn();
    let actor = kyotaku_actor(db);
    let payload = tsunagi::jobs::export_zip::Payload {
        request: ExportRequest {
            office_id: actor.office_id,
            month: this_month(),
            data: DataKind::Plan,
            delete: false,
            recipients: Vec::new(),
            destinations: Vec::new(),
            spec: SpecChoice::Partner,
            split: false,
        },
        login_id: actor.login_id.clone(),
        client_addr: actor.client_addr.clone(),
    };
    tsunagi::jobs::enqueue(&mut conn, &actor, &payload).unwrap()
}

fn drain(db: &TestDb) {
    tsunagi::jobs::drain(&db.db, chrono::Duration::seconds(60)).unwrap();
}

/// The 居宅's 利用票 zip dated `hour` o'clock, received by the 訪問介護 office (as its 取込 screen
/// stores it). Returns the set's timestamp (ファイル連番).
fn receive_plan(db: &TestDb, hour: u32) -> String {
    use tsunagi::exchange::export::{DataKind, ExportRequest, SpecChoice, no_progress, run};
    let mut conn = db.conn();
    let req = ExportRequest {
        office_id: common::office_id(db, "1310100001", "43"),
        month: this_month(),
        data: DataKind::Plan,
        delete: false,
        recipients: Vec::new(),
        destinations: vec!["1310100001:11".into()],
        spec: SpecChoice::Partner,
        split: false,
    };
    let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 21)
        .unwrap()
        .and_hms_opt(hour, 0, 0)
        .unwrap();
    let out = run(&mut conn, 1, &req, now, None, None, &mut no_progress).unwrap();
    let zip = out.zips.into_iter().next().unwrap().bytes;
    let inputs = tsunagi::exchange::unpack::read_zip("利用票.zip", &zip).unwrap();
    let office =
        tsunagi::db::offices::find(&mut conn, 1, common::office_id(db, "1310100001", "11"))
            .unwrap()
            .unwrap();
    let report = tsunagi::exchange::receive::receive(
        &mut conn,
        &office,
        Some(common::staff_id(db, "helper")),
        inputs,
    )
    .unwrap();
    assert!(!report.stored.is_empty());
    assert_eq!(
        report.refused, 0,
        "the set is complete and addressed to 訪問介護"
    );
    now.format("%Y%m%d%H%M%S").to_string()
}

/// Two export jobs of the 居宅 (results in the database) and two sets received by the 訪問介護.
/// Returns (older job, newer job, older set, newer set).
fn make_files(db: &TestDb) -> (i64, i64, String, String) {
    let old_job = queue_export(db);
    let new_job = queue_export(db);
    drain(db);
    let old_set = receive_plan(db, 9);
    let new_set = receive_plan(db, 10);
    (old_job, new_job, old_set, new_set)
}

fn years_ago(years: u32) -> NaiveDateTime {
    tsunagi::db::now()
        .checked_sub_months(Months::new(12 * years))
        .unwrap()
}

/// Makes a job's results and a received set look `years` old.
fn age(db: &TestDb, job: i64, set: &str, years: u32) {
    let mut c = db.conn();
    let then = years_ago(years);
    diesel::update(artifacts::table.filter(artifacts::job_id.eq(job)))
        .set(artifacts::created_at.eq(then))
        .execute(&mut *c)
        .unwrap();
    diesel::update(rf::table.filter(rf::file_timestamp.eq(set)))
        .set(rf::uploaded_at.eq(then))
        .execute(&mut *c)
        .unwrap();
}

type FileRow = (
    i64,
    String,
    String,
    i64,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Vec<u8>,
);

/// Every job result: id, name, hash, size, date, purged_at, bytes.
fn artifact_rows(db: &TestDb) -> Vec<FileRow> {
    let mut c = db.conn();
    artifacts::table
        .order(artifacts::id)
        .select((
            artifacts::id,
            artifacts::file_name,
            artifacts::sha256,
            artifacts::size_bytes,
            artifacts::created_at,
            artifacts::purged_at,
            artifacts::data,
        ))
        .load(&mut *c)
        .unwrap()
}

/// Every received file: id, name, hash, size, date, purged_at, bytes.
fn received_rows(db: &TestDb) -> Vec<FileRow> {
    let mut c = db.conn();
    rf::table
        .order(rf::id)
        .select((
            rf::id,
            rf::file_name,
            rf::sha256,
            rf::size_bytes,
            rf::uploaded_at,
            rf::purged_at,
            rf::data,
        ))
        .load(&mut *c)
        .unwrap()
}

fn audit_ids(db: &TestDb) -> Vec<i64> {
    let mut c = db.conn();
    audit_log::table
        .order(audit_log::id)
        .select(audit_log::id)
        .load(&mut *c)
        .unwrap()
}

fn expired_entries(db: &TestDb) -> Vec<(Option<i64>, String)> {
    let mut c = db.conn();
    audit_log::table
        .filter(audit_log::action.eq("files_expired"))
        .order(audit_log::id)
        .select((audit_log::office_id, audit_log::detail))
        .load(&mut *c)
        .unwrap()
}

fn job_artifacts(db: &TestDb, job: i64) -> Vec<i64> {
    let mut c = db.conn();
    artifacts::table
        .filter(artifacts::job_id.eq(job))
        .order(artifacts::id)
        .select(artifacts::id)
        .load(&mut *c)
        .unwrap()
}

fn set_files(db: &TestDb, set: &str) -> Vec<i64> {
    let mut c = db.conn();
    rf::table
        .filter(rf::file_timestamp.eq(set))
        .order(rf::id)
        .select(rf::id)
        .load(&mut *c)
        .unwrap()
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

// ---- retention ------------------------------------------------------------------------------

both_backends!(
    retention_drops_old_bytes_and_keeps_records,
    |db: TestDb| async move {
        let db = db.with_demo();
        let (old_job, new_job, old_set, new_set) = make_files(&db);
        age(&db, old_job, &old_set, 6);
        let old_artifacts = job_artifacts(&db, old_job);
        let new_artifacts = job_artifacts(&db, new_job);
        let old_files = set_files(&db, &old_set);
        let new_files = set_files(&db, &new_set);
        assert!(!old_artifacts.is_empty() && !new_artifacts.is_empty());
        assert!(!old_files.is_empty() && !new_files.is_empty());
        let artifacts_before = artifact_rows(&db);
        let received_before = received_rows(&db);
        let audit_before = audit_ids(&db);

        // The daily look queues one job per office holding expired files: the 居宅 (its export)
        // and the 訪問介護 (what it received).
        let queued = {
            let mut c = db.conn();
            retention::schedule(&mut c, 5, tsunagi::db::now()).unwrap()
        };
        assert_eq!(queued.len(), 2, "one job per office with expired files");
        // Asking again while they wait queues nothing more.
        {
            let mut c = db.conn();
            assert!(
                retention::schedule(&mut c, 5, tsunagi::db::now())
                    .unwrap()
                    .is_empty()
            );
        }
        drain(&db);
        {
            let mut c = db.conn();
            for id in &queued {
                let job = tsunagi::db::jobs::find_any(&mut c, *id).unwrap().unwrap();
                assert_eq!(job.status, "done", "{:?}", job.error);
                assert!(
                    job.result_summary
                        .as_deref()
                        .unwrap()
                        .contains("保存期間（5年）を過ぎたファイル"),
                    "{:?}",
                    job.result_summary
                );
            }
        }

        // Bytes gone, records kept, newer files untouched.
        let check = |before: &[FileRow], after: &[FileRow], old: &[i64]| {
            assert_eq!(before.len(), after.len(), "no row is deleted");
            for (b, a) in before.iter().zip(after) {
                assert_eq!(
                    (&b.0, &b.1, &b.2, &b.3, &b.4),
                    (&a.0, &a.1, &a.2, &a.3, &a.4)
                );
                if old.contains(&b.0) {
                    assert!(a.5.is_some(), "file {} is marked removed", a.1);
                    assert!(a.6.is_empty(), "the bytes of {} are gone", a.1);
                    assert!(!b.6.is_empty());
                } else {
                    assert_eq!(a.5, None, "{} is kept", a.1);
                    assert_eq!(a.6, b.6);
                    assert_eq!(sha256_hex(&a.6), a.2);
                }
            }
        };
        check(&artifacts_before, &artifact_rows(&db), &old_artifacts);
        check(&received_before, &received_rows(&db), &old_files);

        // The audit log keeps every entry and says how many files each office lost.
        let audit_after = audit_ids(&db);
        assert!(audit_before.iter().all(|id| audit_after.contains(id)));
        let expired = expired_entries(&db);
        assert_eq!(expired.len(), 2);
        let kyotaku = common::office_id(&db, "1310100001", "43");
        let homon = common::office_id(&db, "1310100001", "11");
        let text_of = |office: i64| {
            expired
                .iter()
                .find(|(o, _)| *o == Some(office))
                .map(|(_, d)| d.clone())
                .unwrap()
        };
        assert!(
            text_of(kyotaku).contains(&format!(
                "ファイル{}件のデータを削除しました（出力ファイル{}件、受信ファイル0件）",
                old_artifacts.len(),
                old_artifacts.len()
            )),
            "{}",
            text_of(kyotaku)
        );
        assert!(
            text_of(homon).contains(&format!(
                "ファイル{}件のデータを削除しました（出力ファイル0件、受信ファイル{}件）",
                old_files.len(),
                old_files.len()
            )),
            "{}",
            text_of(homon)
        );

        // The screens: the job list and 最近の出力 say the file is no longer kept, with no link;
        // the old link answers 410 with the same words; the newer file still downloads.
        let gone = "保存期間（5年）を過ぎたため削除しました";
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("kyotaku").await;
        let old_link = format!("/jobs/{old_job}/files/{}", old_artifacts[0]);
        let new_link = format!("/jobs/{new_job}/files/{}", new_artifacts[0]);
        let jobs = k.get("/jobs").await;
        assert!(jobs.body.contains(gone), "{}", jobs.body);
        assert!(!jobs.body.contains(&format!("href=\"{old_link}\"")));
        assert!(jobs.body.contains(&format!("href=\"{new_link}\"")));
        let export = k.get("/careplan/export").await;
        assert!(export.body.contains("最近の出力") && export.body.contains(gone));
        assert!(!export.body.contains(&format!("href=\"{old_link}\"")));
        let r = k.get(&old_link).await;
        assert_eq!(r.status, StatusCode::GONE);
        assert!(
            r.body.contains(gone) && r.body.contains(".zip"),
            "{}",
            r.body
        );
        let r = k.get(&new_link).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(sha256_hex(&r.bytes), {
            let rows = artifact_rows(&db);
            rows.iter()
                .find(|a| a.0 == new_artifacts[0])
                .unwrap()
                .2
                .clone()
        });

        // 取込確認 and the originals; 印刷・取込 no longer offers the old set.
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        let import = h.get("/careplan/import").await;
        assert!(import.body.contains(gone), "{}", import.body);
        assert!(
            !import
                .body
                .contains(&format!("href=\"/careplan/import/files/{}\"", old_files[0]))
        );
        assert!(
            import
                .body
                .contains(&format!("href=\"/careplan/import/files/{}\"", new_files[0]))
        );
        let r = h
            .get(&format!("/careplan/import/files/{}", old_files[0]))
            .await;
        assert_eq!(r.status, StatusCode::GONE);
        assert!(r.body.contains(gone), "{}", r.body);
        let r = h
            .get(&format!("/careplan/import/files/{}", new_files[0]))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(!r.bytes.is_empty());
        let receive = h.get("/careplan/receive").await;
        assert!(
            !receive
                .body
                .contains(&format!("/careplan/receive/{old_set}\""))
        );
        assert!(
            receive
                .body
                .contains(&format!("/careplan/receive/{new_set}\""))
        );
        let r = h.get(&format!("/careplan/receive/{old_set}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(
            r.body.contains("保存期間を過ぎたため削除しました"),
            "{}",
            r.body
        );

        // The job itself is on the office's list for those who see all its jobs.
        let mut a = Client::new(app(state(&db)).await);
        a.login_demo("admin").await;
        let jobs = a.get("/jobs").await;
        assert!(jobs.body.contains("保存期間を過ぎたファイルの削除"));

        // Running again changes nothing: no job, no audit entry, the same rows.
        let artifacts_now = artifact_rows(&db);
        let received_now = received_rows(&db);
        let audit_now = audit_ids(&db);
        {
            let mut c = db.conn();
            assert!(
                retention::schedule(&mut c, 5, tsunagi::db::now())
                    .unwrap()
                    .is_empty()
            );
            let again = retention::run_now(&mut c, 5, tsunagi::db::now()).unwrap();
            assert!(again.iter().all(|(_, p)| p.total() == 0), "{again:?}");
            let office_again = retention::purge(&mut c, 1, kyotaku, 5, tsunagi::db::now()).unwrap();
            assert_eq!(office_again.total(), 0);
        }
        drain(&db);
        assert_eq!(artifact_rows(&db), artifacts_now);
        assert_eq!(received_rows(&db), received_now);
        assert_eq!(audit_ids(&db), audit_now);
    }
);

both_backends!(retention_period_is_a_setting, |db: TestDb| async move {
    let db = db.with_demo();
    let (old_job, _new_job, old_set, _new_set) = make_files(&db);
    age(&db, old_job, &old_set, 4);
    // Four years old: kept under the default five years, removed under three.
    {
        let mut c = db.conn();
        let none = retention::run_now(&mut c, 5, tsunagi::db::now()).unwrap();
        assert!(none.is_empty(), "{none:?}");
        assert!(
            retention::run_now(&mut c, 0, tsunagi::db::now())
                .unwrap()
                .is_empty()
        );
        let done = retention::run_now(&mut c, 3, tsunagi::db::now()).unwrap();
        let total: usize = done.iter().map(|(_, p)| p.total()).sum();
        assert_eq!(
            total,
            job_artifacts(&db, old_job).len() + set_files(&db, &old_set).len()
        );
    }
    let settings = Settings {
        retention_years: 3,
        ..Settings::default()
    };
    let mut k = Client::new(app(state_with(&db, settings)).await);
    k.login_demo("kyotaku").await;
    let jobs = k.get("/jobs").await;
    assert!(
        jobs.body
            .contains("保存期間（3年）を過ぎたため削除しました")
    );
});

both_backends!(workers_queue_the_retention_job, |db: TestDb| async move {
    let db = db.with_demo();
    let (old_job, _, old_set, _) = make_files(&db);
    age(&db, old_job, &old_set, 6);
    let workers =
        tsunagi::jobs::Workers::start_scheduled(db.db.clone(), chrono::Duration::seconds(30), 1, 5);
    let mut done = false;
    for _ in 0..200 {
        if expired_entries(&db).len() == 2 {
            done = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    workers.stop();
    assert!(done, "the workers queued and ran the retention jobs");
    assert!(
        artifact_rows(&db)
            .iter()
            .filter(|a| job_artifacts(&db, old_job).contains(&a.0))
            .all(|a| a.6.is_empty())
    );
});

// ---- the command line -----------------------------------------------------------------------

fn tsunagi() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tsunagi"));
    c.env_remove("TSUNAGI_DATABASE_URL")
        .env_remove("TSUNAGI_RETENTION_YEARS")
        .env("RUST_LOG", "warn");
    c
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = tsunagi().args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

#[actix_web::test]
async fn admin_retention_on_the_command_line() {
    let db = TestDb::sqlite().with_demo();
    let (old_job, _, old_set, _) = make_files(&db);
    age(&db, old_job, &old_set, 4);
    let removed = job_artifacts(&db, old_job).len() + set_files(&db, &old_set).len();
    let (code, out, err) = run(&["admin", "--database-url", &db.url, "retention"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("No file is older than 5 years; nothing was removed."),
        "{out}"
    );
    let (code, out, err) = run(&[
        "admin",
        "--database-url",
        &db.url,
        "retention",
        "--retention-years",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "Removed the contents of {removed} file(s) older than 3 years."
        )),
        "{out}"
    );
    assert!(out.contains("1310100001 (43"), "{out}");
    let before = (artifact_rows(&db), received_rows(&db), audit_ids(&db));
    let (code, out, _) = tsunagi()
        .args(["admin", "--database-url", &db.url, "retention"])
        .env("TSUNAGI_RETENTION_YEARS", "3")
        .output()
        .map(|o| {
            (
                o.status.code().unwrap_or(-1),
                String::from_utf8_lossy(&o.stdout).to_string(),
                (),
            )
        })
        .unwrap();
    assert_eq!(code, 0);
    assert!(out.contains("nothing was removed"), "{out}");
    assert_eq!(
        (artifact_rows(&db), received_rows(&db), audit_ids(&db)),
        before
    );
}
