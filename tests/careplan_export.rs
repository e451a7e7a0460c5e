//! ケアプラン連携 出力 through the screens: the list with errors and warnings, the confirmation
//! per destination, the job, the zip (checked field by field for a small office, V4 and V3),
//! 一括 / 個別, the export history and audit, deletes, permissions.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};
use std::io::Read;
use tsunagi::standard::{Record, Severity, check_sets, raw_records, read_file};

/// `common::fresh_recipient` (要介護1 over December 2026) planned by hand for 202612:
/// 身体介護１ (訪問介護, own office) 9:00–9:30 on Mondays and Thursdays (9 days) and 通所介護
/// (own day centre) 9:00–16:30 on Wednesdays (5 days).
fn small_office_recipient(db: &TestDb) -> i64 {
    use tsunagi::db::schedules as sq;
    let id = common::fresh_recipient(db);
    let mut c = db.conn();
    let line = |number: &str,
                stype: &str,
                name: &str,
                code: &str,
                service: &str,
                units,
                start: &str,
                end: &str| {
        sq::LineFields {
            provider_number: number.into(),
            provider_type: stype.into(),
            provider_name: name.into(),
            service_code: code.into(),
            service_name: service.into(),
            units,
            start_time: start.into(),
            end_time: end.into(),
            over_30: "0".into(),
            ..Default::default()
        }
    };
    let homon_line = sq::add_line(
        &mut c,
        1,
        id,
        "202612",
        &line(
            "1310100001",
            "11",
            "つなぎ訪問介護ステーション",
            "111111",
            "身体介護１",
            244,
            "0900",
            "0930",
        ),
    )
    .unwrap();
    let day_line = sq::add_line(
        &mut c,
        1,
        id,
        "202612",
        &line(
            "1310200002",
            "15",
            "つなぎデイサービスセンター",
            "151151",
            "通所介護Ⅰ５１",
            658,
            "0900",
            "1630",
        ),
    )
    .unwrap();
    sq::set_days(
        &mut c,
        homon_line,
        Some(&tsunagi::domain::calendar::weekday_pattern(
            2026,
            12,
            &[1, 4],
        )),
        None,
    )
    .unwrap();
    sq::set_days(
        &mut c,
        day_line,
        Some(&tsunagi::domain::calendar::weekday_pattern(2026, 12, &[3])),
        None,
    )
    .unwrap();
    id
}

fn drain(db: &TestDb) {
    tsunagi::jobs::drain(&db.db, chrono::Duration::seconds(60)).unwrap();
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.push((f.name().unwrap().to_string(), data));
    }
    out.sort();
    out
}

/// Runs the confirmation and the run step for these recipients, as the screens do.
async fn export<S, B>(
    k: &mut Client<S>,
    query: &str,
    recipients: &[i64],
    extra: &[(&str, &str)],
) -> common::Resp
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let list = format!("/careplan/export?{query}");
    let page = k.get(&list).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let token = page.csrf();
    let ids: Vec<String> = recipients.iter().map(|i| i.to_string()).collect();
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
    for pair in query.split('&') {
        if let Some((a, b)) = pair.split_once('=') {
            form.push((a, b));
        }
    }
    for id in &ids {
        form.push(("sel", id));
    }
    let confirm = k.post("/careplan/export/confirm", &form).await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let dests = common::values_of(&confirm.body, "dest");
    for d in &dests {
        form.push(("dest", d));
    }
    form.extend_from_slice(extra);
    k.post("/careplan/export/run", &form).await
}

fn last_zips(db: &TestDb) -> Vec<(String, Vec<u8>)> {
    let mut c = db.conn();
    let office = common::office_id(db, "1310100001", "43");
    let job = tsunagi::db::jobs::list(&mut c, 1, office, None, 1, 0)
        .unwrap()
        .0
        .remove(0);
    assert_eq!(job.job.status, "done", "{:?}", job.job.error);
    job.artifacts
        .iter()
        .map(|a| {
            (
                a.file_name.clone(),
                tsunagi::db::jobs::artifact_data(&mut c, a.id).unwrap(),
            )
        })
        .collect()
}

both_backends!(
    small_office_exports_checked_field_by_field,
    |db: TestDb| async move {
        let db = db.with_demo();
        let rid = small_office_recipient(&db);
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("kyotaku").await;

        // The list shows the recipient as 作成済, never exported, with both destinations.
        let list = k
            .get("/careplan/export?data=plan&month=202612&kana=%E3%81%97%E3%81%91%E3%82%93")
            .await;
        assert!(
            list.body.contains("T0001") && list.body.contains("作成済"),
            "{}",
            list.body
        );
        assert!(list.body.contains("つなぎ訪問介護ステーション（訪問介護）"));

        let r = export(
            &mut k,
            "data=plan&month=202612&delete=0",
            &[rid],
            &[("split", "0"), ("spec", "partner")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert!(r.location().contains("done=queued"));
        drain(&db);
        let zips = last_zips(&db);
        assert_eq!(zips.len(), 1, "一括: one zip");
        let (zip_name, zip_bytes) = &zips[0];
        assert!(
            zip_name.starts_with("利用票出力_1310100001_202612_") && zip_name.ends_with(".zip")
        );
        let entries = unzip(zip_bytes);
        let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names.len(), 6, "{names:?}");
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("UPPLAN_202612_1310100001_43_1310100001_11_"))
        );
        assert!(
            names
                .iter()
                .any(|n| n.starts_with("UPSIKYU_202612_1310100001_43_1310200002_15_"))
        );

        let mut parsed = Vec::new();
        for (name, bytes) in &entries {
            let p = read_file(name, bytes);
            assert!(p.findings.is_empty(), "{name}: {:?}", p.findings);
            parsed.push(p);
        }
        for set in check_sets(&parsed) {
            assert!(
                set.findings.iter().all(|f| f.severity != Severity::Error),
                "{:?}",
                set.findings
            );
        }
        // Each destination's 第6表 carries all of the recipient's lines: 9 + 5 days.
        let upplan = parsed
            .iter()
            .find(|p| p.file_name.starts_with("UPPLAN_") && p.file_name.contains("_1310200002_15_"))
            .unwrap();
        assert_eq!(upplan.records.len(), 14);
        // The first record, field by field (V4.1, 25 fields): Thursday 3 December, 身体介護１.
        let today = tsunagi::web::dates::today_jst()
            .format("%Y%m%d")
            .to_string();
        let upplan_raw = raw_records(&entries.iter().find(|e| e.0 == upplan.file_name).unwrap().1);
        let first: Vec<&str> = upplan_raw[0].iter().collect();
        let expected = [
            "202407",
            "131016",
            "0000099999",
            today.as_str(),
            "202612",
            "1310100001",
            "鈴木 花子",
            "244",
            "",
            "20261203",
            "",
            "0900",
            "0930",
            "1",
            "111111",
            "",
            "",
            "",
            "",
            "1310100001",
            "つなぎ訪問介護ステーション",
            "",
            "0",
            "1310100001",
            "",
        ];
        assert_eq!(first.len(), expected.len(), "{first:?}");
        for (i, (got, want)) in first.iter().zip(expected).enumerate() {
            assert_eq!(*got, want, "UPPLAN field No.{} ({first:?})", i + 1);
        }
        // The 第7表: the hand computation of tests/schedules.rs (訪問介護 2,196 units, 25,034 yen;
        // 通所介護 3,290 units, 35,861 yen; total 5,486 units, 60,895 yen, 請求 54,804, 負担 6,091).
        let upsikyu = parsed
            .iter()
            .find(|p| {
                p.file_name.starts_with("UPSIKYU_") && p.file_name.contains("_1310100001_11_")
            })
            .unwrap();
        let rows: Vec<&tsunagi::standard::Benefit> = upsikyu
            .data()
            .filter_map(|(_, r)| match r {
                Record::Benefit(b) => Some(b.as_ref()),
                _ => None,
            })
            .collect();
        let total = rows
            .iter()
            .find(|b| b.service_code.as_str() == "999999")
            .unwrap();
        assert_eq!(total.service_units, Some(5486));
        assert_eq!(total.total_cost, Some(60895));
        assert_eq!(total.claim, Some(54804));
        assert_eq!(total.copay, Some(6091));
        let homon = rows
            .iter()
            .find(|b| b.service_code.as_str() == "11AAAA")
            .unwrap();
        assert_eq!(homon.service_units, Some(2196));
        assert_eq!(homon.total_cost, Some(25034));
        // 利用者補足情報: name in katakana, certification of the month.
        let hosoku = parsed
            .iter()
            .find(|p| p.file_name.starts_with("UPHOSOKU_"))
            .unwrap();
        let hosoku_raw = raw_records(&entries.iter().find(|e| e.0 == hosoku.file_name).unwrap().1);
        let h: Vec<&str> = hosoku_raw[0].iter().collect();
        assert_eq!(
            &h[1..6],
            &[
                "131016",
                "0000099999",
                "00000000",
                "シケン　ハナコ",
                "試験 花子"
            ]
        );

        // History: one row per destination, and an audit entry.
        {
            let mut c = db.conn();
            let hist = tsunagi::db::exports::of_recipient(&mut c, 1, rid).unwrap();
            assert_eq!(hist.len(), 2);
            assert!(hist.iter().all(|(e, who)| e.data_kind == "plan"
                && !e.is_delete
                && e.file_names.lines().count() == 3
                && e.file_hashes.lines().all(|h| h.len() == 64)
                && who.as_deref() == Some("鈴木 花子")));
        }
        let audit = k.get("/audit").await;
        assert_eq!(
            audit.status,
            StatusCode::FORBIDDEN,
            "kyotaku has no 操作履歴; checked below as admin"
        );
        let mut a = Client::new(app(state(&db)).await);
        a.login_demo("admin").await;
        let audit = a.get("/audit").await;
        assert!(
            audit.body.contains("ケアプラン連携出力") && audit.body.contains("利用票出力"),
            "{}",
            audit.body
        );

        // The list now shows the export date and the "nothing changed" warning.
        let list = k
            .get("/careplan/export?data=plan&month=202612&kana=%E3%81%97%E3%81%91%E3%82%93")
            .await;
        assert!(list.body.contains("(警) 前回の出力"), "{}", list.body);
        // A certification change is flagged.
        {
            let mut c = db.conn();
            let cert = tsunagi::db::recipients::certifications_of(&mut c, rid)
                .unwrap()
                .remove(0);
            tsunagi::db::recipients::update_certification(
                &mut c,
                rid,
                cert.id,
                &tsunagi::db::recipients::CertificationFields {
                    status: "certified".into(),
                    care_level: "22".into(),
                    certified_on: cert.certified_on,
                    valid_from: cert.valid_from,
                    valid_to: cert.valid_to,
                    limit_units: Some(19705),
                },
            )
            .unwrap();
        }
        let list = k
            .get("/careplan/export?data=plan&month=202612&kana=%E3%81%97%E3%81%91%E3%82%93")
            .await;
        assert!(
            list.body
                .contains("(警) 利用者の認定情報が変更されています。"),
            "{}",
            list.body
        );

        // 個別 and V3: one zip per destination, V3 names and version.
        let r = export(
            &mut k,
            "data=plan&month=202612&delete=0",
            &[rid],
            &[("split", "1"), ("spec", "v3")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        drain(&db);
        let zips = last_zips(&db);
        assert_eq!(zips.len(), 2, "個別: one zip per destination");
        assert!(
            zips.iter()
                .any(|(n, _)| n.starts_with("利用票出力_1310100001_202612_1310200002_15_"))
        );
        for (_, bytes) in &zips {
            for (name, data) in unzip(bytes) {
                // V3 names have no service types: PREFIX_YYYYMM_sender_receiver_stamp.
                assert_eq!(
                    name.trim_end_matches(".CSV").split('_').count(),
                    5,
                    "{name}"
                );
                assert!(data.starts_with(b"202208,"), "{name}");
                let p = read_file(&name, &data);
                assert!(!p.has_errors(), "{name}: {:?}", p.findings);
            }
        }
        // The choice is remembered for the next confirmation.
        let page = k.get("/careplan/export?data=plan&month=202612").await;
        let token = page.csrf();
        let rs = rid.to_string();
        let confirm = k
            .post(
                "/careplan/export/confirm",
                &[
                    ("csrf_token", token.as_str()),
                    ("data", "plan"),
                    ("month", "202612"),
                    ("sel", rs.as_str()),
                ],
            )
            .await;
        assert!(
            confirm.body.contains("value=\"v3\" checked"),
            "{}",
            confirm.body
        );
    }
);

both_backends!(errors_block_and_warnings_do_not, |db: TestDb| async move {
    let db = db.with_demo();
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    // Next month in the demo: one certification ends this month (エ), a partner is not 連携対応 (警).
    let next = tsunagi::web::dates::today_jst();
    let next = tsunagi::domain::ServiceMonth::parse(&next.format("%Y%m").to_string())
        .unwrap()
        .next();
    let list = k
        .get(&format!(
            "/careplan/export?data=plan&month={}&per=100",
            next.yyyymm()
        ))
        .await;
    assert!(
        list.body
            .contains("(エ) この月に有効な認定情報がありません。"),
        "{}",
        list.body
    );
    assert!(
        list.body
            .contains("(警) あおば訪問介護は連携対応になっていません")
    );
    // The blocked row cannot be ticked.
    let blocked_row = list.body.split("<tr class=\"row-error\">").nth(1).unwrap();
    let blocked_row = &blocked_row[..blocked_row.find("</tr>").unwrap()];
    assert!(blocked_row.contains("disabled"), "{blocked_row}");
});

both_backends!(
    permissions_and_foreign_ids_are_refused,
    |db: TestDb| async move {
        let db = db.with_demo();
        let rid = small_office_recipient(&db);
        let mut n = Client::new(app(state(&db)).await);
        n.login_demo("noperm").await;
        assert_eq!(
            n.get("/careplan/export").await.status,
            StatusCode::FORBIDDEN
        );
        let token = n.get("/").await.csrf();
        let rs = rid.to_string();
        let r = n
            .post(
                "/careplan/export/run",
                &[
                    ("csrf_token", token.as_str()),
                    ("data", "plan"),
                    ("month", "202612"),
                    ("sel", rs.as_str()),
                    ("dest", "1310100001:11"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);

        // Another corporation's office and recipient: refused, nothing queued.
        let other_office = common::office_id(&db, "2710100001", "43").to_string();
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("kyotaku").await;
        let r = k
            .get(&format!(
                "/careplan/export?data=plan&month=202612&office={other_office}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let foreign: i64 = {
            use diesel::prelude::*;
            use tsunagi::db::schema::recipients;
            let mut c = db.conn();
            recipients::table
                .filter(recipients::corporation_id.ne(1))
                .select(recipients::id)
                .first(&mut *c)
                .unwrap()
        };
        let token = k.get("/careplan/export").await.csrf();
        let fs = foreign.to_string();
        let r = k
            .post(
                "/careplan/export/run",
                &[
                    ("csrf_token", token.as_str()),
                    ("data", "plan"),
                    ("month", "202612"),
                    ("sel", fs.as_str()),
                    ("dest", "1310100001:11"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
        assert!(r.body.contains("出力の対象ではありません"));
        let mut c = db.conn();
        let office = common::office_id(&db, "1310100001", "43");
        let (jobs, _) = tsunagi::db::jobs::list(&mut c, 1, office, None, 10, 0).unwrap();
        assert!(jobs.iter().all(|j| j.job.kind != "careplan_export"));
    }
);

both_backends!(
    withdrawn_destination_gets_a_dltplan,
    |db: TestDb| async move {
        let db = db.with_demo();
        let rid = small_office_recipient(&db);
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("kyotaku").await;
        let r = export(
            &mut k,
            "data=plan&month=202612&delete=0",
            &[rid],
            &[("split", "0"), ("spec", "partner")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        drain(&db);
        // Nothing to delete while both providers are planned.
        let list = k
            .get("/careplan/export?data=plan&month=202612&delete=1")
            .await;
        assert!(!list.body.contains("T0001"));
        // The day centre is dropped from the plan.
        {
            let mut c = db.conn();
            let line = tsunagi::db::schedules::lines_for(&mut c, rid, "202612")
                .unwrap()
                .into_iter()
                .find(|l| l.provider_type == "15")
                .unwrap();
            tsunagi::db::schedules::delete_line(&mut c, rid, line.id).unwrap();
        }
        let list = k
            .get("/careplan/export?data=plan&month=202612&delete=1")
            .await;
        assert!(
            list.body.contains("T0001") && list.body.contains("つなぎデイサービスセンター"),
            "{}",
            list.body
        );
        let r = export(
            &mut k,
            "data=plan&month=202612&delete=1",
            &[rid],
            &[("split", "0"), ("spec", "partner")],
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        drain(&db);
        let zips = last_zips(&db);
        assert!(zips[0].0.starts_with("利用票削除出力_1310100001_202612_"));
        let entries = unzip(&zips[0].1);
        assert_eq!(entries.len(), 1);
        let (name, bytes) = &entries[0];
        assert!(
            name.starts_with("DLTPLAN_202612_1310100001_43_1310200002_15_"),
            "{name}"
        );
        assert_eq!(
            std::str::from_utf8(bytes).unwrap(),
            "202407,131016,0000099999,202612\r\n"
        );
        let list = k
            .get("/careplan/export?data=plan&month=202612&delete=1")
            .await;
        assert!(
            list.body.contains("削除の CSV ファイルを作成済みです"),
            "{}",
            list.body
        );
    }
);

both_backends!(
    careplan_and_actual_sets_pass_the_checker,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut conn = db.conn();
        let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 21)
            .unwrap()
            .and_hms_opt(9, 0, 0)
            .unwrap();
        let this = tsunagi::web::schedules::current_month();
        use tsunagi::exchange::export::{DataKind, ExportRequest, SpecChoice, no_progress, run};
        let kyotaku = common::office_id(&db, "1310100001", "43");
        let homon = common::office_id(&db, "1310100001", "11");
        let mut export = |office_id, data, month: String| {
            let req = ExportRequest {
                office_id,
                month,
                data,
                delete: false,
                recipients: Vec::new(),
                destinations: Vec::new(),
                spec: SpecChoice::Partner,
                split: false,
            };
            run(&mut conn, 1, &req, now, None, None, &mut no_progress)
        };
        // 計画書: UP1KYO + UP2KYO + UP3KYO + UPHOSOKU 000000 per provider.
        let out = export(kyotaku, DataKind::Careplan, this.yyyymm()).unwrap();
        assert!(!out.result.sets.is_empty());
        let mut parsed = Vec::new();
        for f in out.result.sets.iter().flat_map(|s| s.files.iter()) {
            let p = read_file(&f.name, &f.bytes().unwrap());
            assert!(!p.has_errors(), "{}: {:?}", f.name, p.findings);
            parsed.push(p);
        }
        assert!(
            parsed
                .iter()
                .any(|p| p.file_name.starts_with("UPHOSOKU_000000_"))
        );
        assert!(parsed.iter().any(|p| p.file_name.starts_with("UP3KYO_")));
        for set in check_sets(&parsed) {
            assert!(
                set.findings.iter().all(|f| f.severity != Severity::Error),
                "{:?}",
                set.findings
            );
        }
        // 実績 of the provider for last month (the demo has them), and the same bytes when run again.
        let last = this.prev();
        let a = export(homon, DataKind::Actual, last.yyyymm()).unwrap();
        assert!(
            a.zips.len() == 1
                && a.result
                    .sets
                    .iter()
                    .all(|s| s.files[0].name.starts_with("UPJSK_"))
        );
        for f in a.result.sets.iter().flat_map(|s| s.files.iter()) {
            assert!(
                !read_file(&f.name, &f.bytes().unwrap()).has_errors(),
                "{}",
                f.name
            );
        }
        let b = export(homon, DataKind::Actual, last.yyyymm()).unwrap();
        assert_eq!(
            a.zips[0].bytes, b.zips[0].bytes,
            "a rerun writes the same bytes"
        );
        // A provider cannot send 利用票, a 居宅 cannot send 実績.
        assert!(export(homon, DataKind::Plan, last.yyyymm()).is_err());
        assert!(export(kyotaku, DataKind::Actual, last.yyyymm()).is_err());
    }
);

both_backends!(
    a_rerun_export_job_records_its_history_once,
    |db: TestDb| async move {
        use chrono::Duration;
        use tsunagi::db::jobs as q;
        let db = db.with_demo();
        let rid = small_office_recipient(&db);
        let staff = common::staff_id(&db, "kyotaku");
        let office = common::office_id(&db, "1310100001", "43");
        let actor = tsunagi::auth::session::Actor {
            corporation_id: 1,
            office_id: office,
            staff_id: staff,
            login_id: "kyotaku".into(),
            client_addr: "test".into(),
        };
        let payload = tsunagi::jobs::export_zip::Payload {
            request: tsunagi::exchange::export::ExportRequest {
                office_id: office,
                month: "202612".into(),
                data: tsunagi::exchange::export::DataKind::Plan,
                delete: false,
                recipients: vec![rid],
                destinations: Vec::new(),
                spec: tsunagi::exchange::export::SpecChoice::Partner,
                split: false,
            },
            login_id: "kyotaku".into(),
            client_addr: "test".into(),
        };
        let id = {
            let mut c = db.conn();
            tsunagi::jobs::enqueue(&mut c, &actor, &payload).unwrap()
        };
        let mut c = db.conn();
        // Worker A claims the job and stalls; its lease runs out; worker B runs it to the end.
        let a = q::claim(&mut c, "worker-a", Duration::seconds(60))
            .unwrap()
            .unwrap();
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
        drop(c);
        tsunagi::jobs::run_claimed(&db.db, "worker-b", Duration::seconds(60), b);
        // A wakes up and finishes its run too: its result and history are refused.
        tsunagi::jobs::run_claimed(&db.db, "worker-a", Duration::seconds(60), a);
        let mut c = db.conn();
        assert_eq!(q::find_any(&mut c, id).unwrap().unwrap().status, q::DONE);
        assert_eq!(q::artifacts_of_job(&mut c, id).unwrap().len(), 1);
        assert_eq!(
            tsunagi::db::exports::count_of_job(&mut c, id).unwrap(),
            2,
            "one row per destination, once"
        );
    }
);

/// The `value="…"` of every input named `name` on a page.
fn values_of(body: &str, name: &str) -> Vec<String> {
    let needle = format!("name=\"{name}\" value=\"");
    body.match_indices(&needle)
        .map(|(i, m)| {
            let rest = &body[i + m.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

both_backends!(
    every_office_at_once_queues_one_job_per_sending_office,
    |db: TestDb| async move {
        let db = db.with_demo();
        let homon = common::office_id(&db, "1310100001", "11");
        let day = common::office_id(&db, "1310200002", "15");
        let kyotaku = common::office_id(&db, "1310100001", "43");
        let last = tsunagi::web::schedules::current_month().prev().yyyymm();
        // admin holds ケアプラン連携 in the 訪問介護 and the 通所介護: working in the first, the
        // office choice offers both and 全ての事業所.
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("admin").await;
        k.submit("/", "/office/switch", &[("office_id", &homon.to_string())])
            .await;
        let one = k.get("/careplan/export").await;
        assert!(
            one.body.contains("全ての事業所（2 事業所）"),
            "{}",
            one.body
        );
        let query = format!("data=actual&delete=0&month={last}&office=all");
        let list = k.get(&format!("/careplan/export?{query}")).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(list.body.contains("<option value=\"all\" selected>"));
        assert!(list.body.contains("<th>提供事業所</th>"));
        let sel = values_of(&list.body, "sel");
        let offices_listed: std::collections::BTreeSet<i64> = sel
            .iter()
            .map(|s| s.split_once(':').unwrap().0.parse().unwrap())
            .collect();
        assert_eq!(
            offices_listed,
            [homon, day].into_iter().collect(),
            "rows of both offices: {sel:?}"
        );
        // Confirm all of them, plus a forged row of the 居宅 (not an allowed office): dropped.
        let token = list.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        for pair in query.split('&') {
            form.push(pair.split_once('=').unwrap());
        }
        let forged = format!("{kyotaku}:1");
        for s in sel.iter().chain([&forged]) {
            form.push(("sel", s));
        }
        let confirm = k.post("/careplan/export/confirm", &form).await;
        assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
        assert!(confirm.body.contains("<th>出力元</th>"));
        let dests = values_of(&confirm.body, "dest");
        assert!(dests.iter().any(|d| d.starts_with(&format!("{homon}/"))));
        assert!(dests.iter().any(|d| d.starts_with(&format!("{day}/"))));
        assert!(!values_of(&confirm.body, "sel").contains(&forged));
        for d in &dests {
            form.push(("dest", d));
        }
        form.push(("split", "0"));
        form.push(("spec", "partner"));
        let run = k.post("/careplan/export/run", &form).await;
        assert_eq!(run.status, StatusCode::SEE_OTHER, "{}", run.body);
        assert!(run.location().contains("office=all"));
        drain(&db);
        // One job per sending office (listed where the request was made), each zip from that
        // office only.
        let mut c = db.conn();
        let jobs = tsunagi::db::jobs::list(&mut c, 1, homon, None, 10, 0)
            .unwrap()
            .0;
        let exports: Vec<_> = jobs
            .iter()
            .filter(|j| j.job.kind == "careplan_export")
            .collect();
        assert_eq!(exports.len(), 2);
        for number in ["1310100001", "1310200002"] {
            let job = exports
                .iter()
                .find(|j| j.artifacts[0].file_name.contains(number))
                .unwrap_or_else(|| panic!("no zip from {number}"));
            assert_eq!(job.job.status, "done", "{:?}", job.job.error);
            let bytes = tsunagi::db::jobs::artifact_data(&mut c, job.artifacts[0].id).unwrap();
            for (name, data) in unzip(&bytes) {
                assert!(name.starts_with("UPJSK_"), "{name}");
                let f = read_file(&name, &data);
                assert!(!f.has_errors(), "{name}: {:?}", f.findings);
                assert_eq!(f.name.unwrap().sender.to_string(), number);
            }
        }
    }
);
