//! The job queue: claiming with leases, retries, failures, results, and the status screen.

mod common;
use actix_web::http::StatusCode;
use chrono::Duration;
use common::{Client, TestDb, app, state};
use std::collections::HashSet;
use tsunagi::db::jobs::{self as q, NewJob};

fn enqueue(db: &TestDb, kind: &str, payload: &str) -> i64 {
    let mut c = db.conn();
    let office = common::office_id(db, "1310100001", "43");
    q::enqueue(
        &mut c,
        &NewJob {
            corporation_id: 1,
            office_id: office,
            created_by: Some(common::staff_id(db, "admin")),
            kind,
            title: "試験の処理",
            payload,
            max_attempts: 3,
        },
    )
    .unwrap()
}

both_backends!(staff_csv_end_to_end, |db: TestDb| async move {
    let db = db.with_demo();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let r = admin
        .submit("/staff", "/staff/export", &[("scope", "all")])
        .await;
    assert_eq!(r.location(), "/staff?done=queued");
    assert!(
        admin
            .get("/staff?done=queued")
            .await
            .body
            .contains("処理を受け付けました")
    );
    // Waiting: the header says so, the status page refreshes itself.
    let top = admin.get("/").await;
    assert!(top.body.contains("依頼中の処理があります（1件）"));
    let jobs = admin.get("/jobs").await;
    assert!(jobs.body.contains("職員一覧CSV出力") && jobs.body.contains("待機中"));
    assert!(jobs.body.contains("http-equiv=\"refresh\""));
    assert_eq!(
        tsunagi::jobs::drain(&db.db, Duration::seconds(30)).unwrap(),
        1
    );
    let jobs = admin.get("/jobs").await;
    assert!(
        jobs.body.contains("完了") && jobs.body.contains("7件（法人全体）"),
        "{}",
        jobs.body
    );
    assert!(!jobs.body.contains("http-equiv=\"refresh\""));
    assert!(!admin.get("/").await.body.contains("依頼中の処理があります"));
    let link = common::extract_value(&jobs.body, "href=\"/jobs/").unwrap();
    let r = admin.get(&format!("/jobs/{link}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let disposition = r.header("content-disposition");
    assert!(
        disposition.contains("filename*=UTF-8''%E8%81%B7%E5%93%A1%E4%B8%80%E8%A6%A7_1310100001_"),
        "{disposition}"
    );
    assert!(r.header("content-type").contains("Shift_JIS"));
    let (text, _, errors) = encoding_rs::SHIFT_JIS.decode(&r.bytes);
    assert!(!errors);
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "職員コード,氏名,ふりがな,性別,ログインID,ログイン,管理者,所属事業所"
    );
    assert!(lines[1].starts_with("S001,佐藤 一郎,さとう　いちろう,男,admin,可,○,"));
    assert_eq!(lines.len(), 1 + 7 + 1); // header, 7 staff, trailing empty
    // Another office's staff member cannot fetch it by id, nor another corporation's.
    for who in ["helper", "kyotaku", "other"] {
        let mut c = Client::new(app(state(&db)).await);
        c.login_demo(who).await;
        assert_eq!(
            c.get(&format!("/jobs/{link}")).await.status,
            StatusCode::NOT_FOUND,
            "{who}"
        );
        assert!(
            !c.get("/jobs").await.body.contains("職員一覧CSV出力"),
            "{who}"
        );
    }
});

both_backends!(a_failed_job_shows_its_error, |db: TestDb| async move {
    let db = db.with_demo();
    enqueue(&db, "staff_csv", "{not json");
    enqueue(&db, "no_such_kind", "{}");
    tsunagi::jobs::drain(&db.db, Duration::seconds(30)).unwrap();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let page = admin.get("/jobs").await;
    assert_eq!(page.body.matches("status-failed").count(), 2);
    assert!(page.body.contains("処理の依頼内容を読み取れません"));
    assert!(page.body.contains("不明な処理の種類です（no_such_kind）"));
});

both_backends!(
    lease_expiry_runs_the_job_again_once,
    |db: TestDb| async move {
        let db = db.with_demo();
        let id = enqueue(&db, "staff_csv", r#"{"all_offices":false}"#);
        let mut c = db.conn();
        // Worker A claims it and dies (never finishes, no heartbeat).
        let a = q::claim(&mut c, "worker-a", Duration::seconds(60))
            .unwrap()
            .unwrap();
        assert_eq!((a.id, a.attempts), (id, 1));
        // While A's lease holds, nobody else gets it.
        assert!(
            q::claim(&mut c, "worker-b", Duration::seconds(60))
                .unwrap()
                .is_none()
        );
        // A's lease runs out.
        {
            use diesel::prelude::*;
            use tsunagi::db::schema::jobs;
            diesel::update(jobs::table.find(id))
                .set(jobs::locked_until.eq(Some(tsunagi::db::now() - Duration::seconds(1))))
                .execute(&mut *c)
                .unwrap();
        }
        let b = q::claim(&mut c, "worker-b", Duration::seconds(60))
            .unwrap()
            .unwrap();
        assert_eq!((b.id, b.attempts), (id, 2));
        drop(c);
        tsunagi::jobs::run_claimed(&db.db, "worker-b", Duration::seconds(60), b);
        let mut c = db.conn();
        // A comes back to life: its result is refused, nothing is duplicated.
        let art = q::NewArtifact {
            file_name: "late.csv".into(),
            content_type: "text/csv".into(),
            data: b"late".to_vec(),
        };
        assert!(!q::finish_ok(&mut c, &a, "worker-a", &[art], "late").unwrap());
        let job = q::find_any(&mut c, id).unwrap().unwrap();
        assert_eq!(job.status, q::DONE);
        let arts = q::artifacts_of_job(&mut c, id).unwrap();
        assert_eq!(arts.len(), 1);
        assert_ne!(arts[0].file_name, "late.csv");
    }
);

both_backends!(retry_with_backoff_then_give_up, |db: TestDb| async move {
    let db = db.with_demo();
    let id = enqueue(&db, "staff_csv", r#"{"all_offices":false}"#);
    let mut c = db.conn();
    let set_run_after_past = |c: &mut tsunagi::db::PooledConn| {
        use diesel::prelude::*;
        use tsunagi::db::schema::jobs;
        diesel::update(jobs::table.find(id))
            .set(jobs::run_after.eq(tsunagi::db::now() - Duration::seconds(1)))
            .execute(&mut **c)
            .unwrap();
    };
    for attempt in 1..=2 {
        let j = q::claim(&mut c, "w", Duration::seconds(60))
            .unwrap()
            .unwrap();
        assert_eq!(j.attempts, attempt);
        let retry_at = tsunagi::db::now() + Duration::seconds(30);
        assert!(q::finish_err(&mut c, id, "w", "一時的な障害", Some(retry_at)).unwrap());
        // Not runnable again before its time.
        assert!(
            q::claim(&mut c, "w", Duration::seconds(60))
                .unwrap()
                .is_none()
        );
        let job = q::find_any(&mut c, id).unwrap().unwrap();
        assert_eq!(job.status, q::QUEUED);
        assert_eq!(job.error.as_deref(), Some("一時的な障害"));
        set_run_after_past(&mut c);
    }
    // The third attempt dies with its lease: the job is failed with a message, not run a 4th time.
    let j = q::claim(&mut c, "w", Duration::seconds(60))
        .unwrap()
        .unwrap();
    assert_eq!(j.attempts, 3);
    {
        use diesel::prelude::*;
        use tsunagi::db::schema::jobs;
        diesel::update(jobs::table.find(id))
            .set(jobs::locked_until.eq(Some(tsunagi::db::now() - Duration::seconds(1))))
            .execute(&mut *c)
            .unwrap();
    }
    assert!(
        q::claim(&mut c, "w", Duration::seconds(60))
            .unwrap()
            .is_none()
    );
    let job = q::find_any(&mut c, id).unwrap().unwrap();
    assert_eq!(job.status, q::FAILED);
    assert!(job.error.unwrap().contains("再試行の上限"));
});

both_backends!(
    concurrent_workers_never_share_a_job,
    |db: TestDb| async move {
        let db = db.with_demo();
        let total = 60;
        for _ in 0..total {
            enqueue(&db, "noop", "{}");
        }
        let claimed = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let threads: Vec<_> = (0..4)
            .map(|n| {
                let (pool, claimed) = (db.db.clone(), claimed.clone());
                std::thread::spawn(move || {
                    let name = format!("w{n}");
                    loop {
                        let mut c = pool.conn().unwrap();
                        match q::claim(&mut c, &name, Duration::seconds(60)).unwrap() {
                            Some(job) => {
                                claimed.lock().unwrap().push(job.id);
                                assert!(
                                    q::finish_err(&mut c, job.id, &name, "done", None).unwrap()
                                );
                            }
                            None => break,
                        }
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let ids = claimed.lock().unwrap().clone();
        let unique: HashSet<i64> = ids.iter().copied().collect();
        assert_eq!(ids.len(), total, "every job claimed exactly once");
        assert_eq!(unique.len(), total);
    }
);

both_backends!(workers_in_threads_finish_jobs, |db: TestDb| async move {
    let db = db.with_demo();
    let id = enqueue(&db, "staff_csv", r#"{"all_offices":true}"#);
    let workers = tsunagi::jobs::Workers::start(db.db.clone(), Duration::seconds(30), 2);
    let mut done = false;
    for _ in 0..100 {
        let mut c = db.conn();
        if q::find_any(&mut c, id).unwrap().unwrap().status == q::DONE {
            done = true;
            break;
        }
        drop(c);
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    workers.stop();
    assert!(done, "the worker threads ran the job");
});

both_backends!(audit_csv_job, |db: TestDb| async move {
    let db = db.with_demo();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    admin.login("kyotaku", "bad password!!").await; // a failure to find in the log
    admin.login_demo("admin").await;
    let r = admin
        .submit(
            "/audit",
            "/audit/export",
            &[("from", ""), ("until", ""), ("staff", "")],
        )
        .await;
    assert_eq!(r.location(), "/audit?done=queued");
    tsunagi::jobs::drain(&db.db, Duration::seconds(30)).unwrap();
    let jobs = admin.get("/jobs").await;
    assert!(jobs.body.contains("操作履歴CSV出力") && jobs.body.contains("（全期間）"));
    let link = common::extract_value(&jobs.body, "href=\"/jobs/").unwrap();
    let r = admin.get(&format!("/jobs/{link}")).await;
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&r.bytes);
    assert!(text.starts_with("日時,職員,ログインID,操作,内容,端末\r\n"));
    assert!(text.contains("ログイン失敗,パスワード誤り"));
    assert!(text.contains("一括処理依頼,操作履歴CSV出力"));
});
