//! Backups and retention: `tsunagi admin backup` copies a database that is being written to, and
//! the copy restores to the same data (SQLite; PostgreSQL with pg_dump/pg_restore); the retention
//! job drops the bytes of old job results and received originals, keeps their records and the
//! audit log, and the screens say so instead of offering a broken link.

mod common;
use actix_web::http::StatusCode;
use chrono::{Months, NaiveDateTime};
use common::{Client, TestDb, app, state, state_with};
use diesel::prelude::*;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use tsunagi::config::Settings;
use tsunagi::db::schema::{artifacts, audit_log, received_files as rf};
use tsunagi::db::{Backend, Db, DbConnection};
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

#[test]
fn backup_refuses_to_overwrite_and_explains() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.sqlite3").display());
    let (code, _, _) = run(&["migrate", "--database-url", &url]);
    assert_eq!(code, 0);
    let out = dir.path().join("backup.sqlite3");
    let out_s = out.to_str().unwrap();
    std::fs::write(&out, b"keep me").unwrap();
    let (code, stdout, err) = run(&["admin", "--database-url", &url, "backup", "--out", out_s]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty());
    assert!(
        err.contains("already exists; nothing was written") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    let (code, stdout, err) = run(&[
        "admin",
        "--database-url",
        &url,
        "backup",
        "--out",
        out_s,
        "--force",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.starts_with(&format!("Backup written to {out_s}")),
        "{stdout}"
    );
    assert!(stdout.contains("integrity check: ok"));
    assert!(
        std::fs::read(&out)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );

    // No database there: said plainly, nothing written, not even an empty database.
    let missing = dir.path().join("missing.sqlite3");
    let other = dir.path().join("other.sqlite3");
    let (code, _, err) = run(&[
        "admin",
        "--database-url",
        &format!("sqlite://{}", missing.display()),
        "backup",
        "--out",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("there is no SQLite database at"), "{err}");
    assert!(!missing.exists() && !other.exists());
    // A folder that does not exist.
    let (code, _, err) = run(&[
        "admin",
        "--database-url",
        &url,
        "backup",
        "--out",
        dir.path()
            .join("no/such/folder/b.sqlite3")
            .to_str()
            .unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("does not exist; nothing was written"), "{err}");
    // Nothing half-written is left next to the backups.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn postgres_backup_without_pg_dump_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("tsunagi.dump");
    let result = tsunagi()
        .args([
            "admin",
            "--database-url",
            "postgres://tsunagi:secret@db.example:5432/tsunagi",
            "backup",
            "--out",
            out.to_str().unwrap(),
        ])
        .env("PATH", dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&result.stderr);
    assert_eq!(result.status.code(), Some(1));
    assert!(
        err.contains("pg_dump was not found on PATH, so no backup was written"),
        "{err}"
    );
    assert!(err.contains("pg_dump --format=custom"), "{err}");
    assert!(err.contains("docs/operations.md"));
    assert!(!err.contains("secret"), "the password is not shown: {err}");
    assert!(!out.exists());
}

// ---- backup while writing, then restore -----------------------------------------------------

/// Writes pairs of audit entries (one transaction per pair) until stopped, like a busy server.
struct Writer {
    stop: Arc<AtomicBool>,
    pairs: Arc<AtomicUsize>,
    handle: std::thread::JoinHandle<()>,
}

impl Writer {
    fn start(db: Db) -> Writer {
        let stop = Arc::new(AtomicBool::new(false));
        let pairs = Arc::new(AtomicUsize::new(0));
        let handle = {
            let (stop, pairs) = (stop.clone(), pairs.clone());
            std::thread::spawn(move || {
                let mut conn = db.conn().unwrap();
                let mut n = 0usize;
                while !stop.load(Ordering::Relaxed) {
                    tsunagi::db::dialect::write_transaction(
                        &mut conn,
                        |c| -> tsunagi::db::DbResult<()> {
                            for half in ["a", "b"] {
                                tsunagi::db::audit::record(
                                    c,
                                    &tsunagi::db::audit::NewEntry {
                                        corporation_id: Some(1),
                                        office_id: None,
                                        staff_id: None,
                                        login_id: "writer",
                                        action: tsunagi::db::audit::Action::SettingsSaved,
                                        detail: &format!("pair {n} {half}"),
                                        client_addr: "",
                                    },
                                )?;
                            }
                            Ok(())
                        },
                    )
                    .unwrap();
                    n += 1;
                    pairs.store(n, Ordering::SeqCst);
                }
            })
        };
        Writer {
            stop,
            pairs,
            handle,
        }
    }

    fn wait_for(&self, pairs: usize) {
        while self.pairs.load(Ordering::SeqCst) < pairs {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }

    fn stop(self) -> usize {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap();
        self.pairs.load(Ordering::SeqCst)
    }
}

/// The tables whose contents a restore must give back.
const TABLES: [(&str, &str); 13] = [
    ("offices", "id"),
    ("staff", "id"),
    ("recipients", "id"),
    ("certifications", "id"),
    ("care_plans", "id"),
    ("schedule_lines", "id"),
    ("schedule_days", "line_id"),
    ("audit_log", "id"),
    ("jobs", "id"),
    ("artifacts", "id"),
    ("export_history", "id"),
    ("received_files", "id"),
    ("service_codes", "id"),
];

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

#[derive(QueryableByName, Debug, PartialEq)]
struct TextRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    ord: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    row: String,
}

/// Every row of a table as text (all columns, bytes included), ordered.
fn rows_of(conn: &mut DbConnection, table: &str, ord: &str) -> Vec<TextRow> {
    match conn {
        DbConnection::Pg(pg) => diesel::sql_query(format!(
            "SELECT {ord}::bigint AS ord, t::text AS row FROM {table} t ORDER BY 1, 2"
        ))
        .load(pg)
        .unwrap(),
        DbConnection::Sqlite(lite) => {
            let columns: Vec<NameRow> = diesel::sql_query(format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            ))
            .load(lite)
            .unwrap();
            let row = columns
                .iter()
                .map(|c| format!("quote({})", c.name))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            diesel::sql_query(format!(
                "SELECT {ord} AS ord, {row} AS row FROM {table} ORDER BY 1, 2"
            ))
            .load(lite)
            .unwrap()
        }
    }
}

/// The pairs the writer finished, as the database holds them; asserts that none is half there.
fn complete_pairs(rows: &[TextRow]) -> usize {
    let mut halves = std::collections::BTreeMap::<usize, usize>::new();
    for r in rows {
        if let Some(rest) = r.row.split("pair ").nth(1) {
            let n: usize = rest.split(' ').next().unwrap().parse().unwrap();
            *halves.entry(n).or_default() += 1;
        }
    }
    assert!(
        halves.values().all(|h| *h == 2),
        "a transaction was copied half: {halves:?}"
    );
    let n = halves.len();
    assert!(halves.keys().copied().eq(0..n), "pairs 0..{n} in order");
    n
}

/// Compares the restored database with the source: the same rows in every table; the audit log
/// (written during the backup) holds a prefix of the source's, with whole transactions only.
fn assert_same_data(source: &Db, restored: &Db, pairs_before: usize, pairs_after: usize) {
    let mut src = source.conn().unwrap();
    let mut dst = restored.conn().unwrap();
    for (table, ord) in TABLES {
        let a = rows_of(&mut src, table, ord);
        let b = rows_of(&mut dst, table, ord);
        if table == "audit_log" {
            let last = b.last().unwrap().ord;
            let prefix: Vec<&TextRow> = a.iter().filter(|r| r.ord <= last).collect();
            assert_eq!(
                prefix,
                b.iter().collect::<Vec<_>>(),
                "the audit log up to the copy"
            );
            let copied = complete_pairs(&b);
            assert!(
                copied >= pairs_before,
                "pairs written before the backup began are in it ({copied} < {pairs_before})"
            );
            assert!(
                copied < pairs_after,
                "pairs written after the backup are not ({copied} of {pairs_after})"
            );
        } else {
            assert!(
                !a.is_empty() || table == "export_history",
                "{table} has rows"
            );
            assert_eq!(a, b, "{table} is restored as it was");
        }
    }
}

/// pg_dump, pg_restore and createdb, when all are on PATH.
fn pg_tools() -> Result<(), String> {
    for tool in ["pg_dump", "pg_restore", "createdb"] {
        if Command::new(tool).arg("--version").output().is_err() {
            return Err(format!("{tool} is not on PATH"));
        }
    }
    Ok(())
}

/// A database of the test's own, created from a restore and dropped afterwards.
struct ScratchPg {
    base: String,
    name: String,
}

impl Drop for ScratchPg {
    fn drop(&mut self) {
        use diesel::connection::SimpleConnection;
        if let Ok(mut c) = diesel::PgConnection::establish(&self.base) {
            let _ = c.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// `postgres://…/test?x` → `postgres://…/NAME`.
fn with_database(base: &str, name: &str) -> String {
    let base = base.split('?').next().unwrap();
    let (server, _) = base.rsplit_once('/').unwrap();
    format!("{server}/{name}")
}

both_backends!(
    backup_while_writing_restores_the_same_data,
    |db: TestDb| async move {
        let db = db.with_demo();
        let (old_job, _, old_set, _) = make_files(&db);
        // One office's old files already purged: the backup carries that state too.
        age(&db, old_job, &old_set, 6);
        {
            let mut c = db.conn();
            retention::run_now(&mut c, 5, tsunagi::db::now()).unwrap();
        }
        if db.db.backend == Backend::Postgres
            && let Err(why) = pg_tools()
        {
            eprintln!("skipped: the PostgreSQL backup test needs the client tools ({why})");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("backup.bin");

        let writer = Writer::start(db.db.clone());
        writer.wait_for(20);
        let pairs_before = writer.pairs.load(Ordering::SeqCst);
        let (code, stdout, err) = run(&[
            "admin",
            "--database-url",
            &db.url,
            "backup",
            "--out",
            out.to_str().unwrap(),
        ]);
        let pairs_at_end = writer.pairs.load(Ordering::SeqCst);
        writer.wait_for(pairs_at_end + 20);
        let pairs_after = writer.stop();
        assert_eq!(code, 0, "{err}");
        assert!(stdout.starts_with("Backup written to"), "{stdout}");

        // Restore into a fresh database, as docs/operations.md says, and check its migrations.
        let (restored, _scratch) = match db.db.backend {
            Backend::Sqlite => {
                assert!(stdout.contains("integrity check: ok"), "{stdout}");
                let place = dir.path().join("restored.sqlite3");
                std::fs::copy(&out, &place).unwrap();
                (Db::lazy(&format!("sqlite://{}", place.display()), 2), None)
            }
            Backend::Postgres => {
                let base = std::env::var(common::PG_ENV).unwrap();
                let schema = db.url.split("search_path%3D").nth(1).unwrap().to_string();
                assert!(stdout.contains(&format!("schema {schema}")), "{stdout}");
                let name = format!(
                    "tsunagi_restore_{}",
                    &tsunagi::auth::password::random_token()[..12].to_lowercase()
                )
                .replace('-', "_");
                let status = Command::new("createdb")
                    .arg(format!("--maintenance-db={base}"))
                    .arg(&name)
                    .status()
                    .unwrap();
                assert!(status.success(), "createdb");
                let scratch = ScratchPg {
                    base: base.clone(),
                    name: name.clone(),
                };
                let target = with_database(&base, &name);
                let restore = Command::new("pg_restore")
                    .args(["--no-owner", "--exit-on-error"])
                    .arg(format!("--dbname={target}"))
                    .arg(&out)
                    .output()
                    .unwrap();
                assert!(
                    restore.status.success(),
                    "pg_restore: {}",
                    String::from_utf8_lossy(&restore.stderr)
                );
                let url = format!("{target}?options=-csearch_path%3D{schema}");
                (Db::lazy(&url, 2), Some(scratch))
            }
        };
        let pending = restored.migrate().unwrap();
        assert!(
            pending.is_empty(),
            "the restored schema is current: {pending:?}"
        );
        assert_same_data(&db.db, &restored, pairs_before, pairs_after);
        // The restored database works: the purged file is still purged, the rest still downloads.
        let mut c = restored.conn().unwrap();
        let purged: i64 = artifacts::table
            .filter(artifacts::purged_at.is_not_null())
            .count()
            .get_result(&mut *c)
            .unwrap();
        assert_eq!(purged as usize, job_artifacts(&db, old_job).len());
        drop(c);
        drop(restored);
    }
);
