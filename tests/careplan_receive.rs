//! ケアプラン連携 印刷・取込: the difference view of a received set and applying it through the
//! job (利用票 at the provider, 実績 at the 居宅), idempotence and order.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};
use tsunagi::exchange::export::{DataKind, ExportRequest, SpecChoice, no_progress, run};

fn month_now() -> tsunagi::domain::ServiceMonth {
    tsunagi::web::schedules::current_month()
}

fn prev_month() -> String {
    month_now().prev().yyyymm()
}

/// A zip exported by `office` (number, type) for `month`, dated `hour`:00 on 2026-11-21.
fn exported(db: &TestDb, office: (&str, &str), data: DataKind, month: &str, hour: u32) -> Vec<u8> {
    let out = common::export_all(db, office, data, month, hour);
    // As the job does: the history says what was sent to whom.
    tsunagi::db::exports::record(&mut db.conn(), &out.history).unwrap();
    out.zips.into_iter().next().unwrap().bytes
}

fn recipient(db: &TestDb, code: &str) -> i64 {
    use diesel::prelude::*;
    use tsunagi::db::schema::recipients as r;
    let mut c = db.conn();
    r::table
        .filter(r::code.eq(code))
        .filter(r::corporation_id.eq(1))
        .select(r::id)
        .first(&mut *c)
        .unwrap()
}

async fn upload<S, B>(c: &mut Client<S>, zip: &[u8]) -> String
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let r = c.upload(&[("files", "in.zip", zip)]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
}

/// The timestamps of the sets listed on /careplan/receive.
fn sets_on(body: &str) -> Vec<String> {
    body.match_indices("href=\"/careplan/receive/")
        .map(|(i, m)| body[i + m.len()..i + m.len() + 14].to_string())
        .collect()
}

/// A top-level row of a set page (the day tables inside a row have rows of their own).
fn row_of<'a>(body: &'a str, key: &str) -> &'a str {
    body.split("\n    <tr").find(|r| r.contains(key)).unwrap()
}

/// Presses 取込 for one recipient on a set page, as the form does.
async fn apply_to<S, B>(c: &mut Client<S>, page: &common::Resp, set: &str, rid: i64) -> common::Resp
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let token = page.csrf();
    let rs = rid.to_string();
    c.post(
        &format!("/careplan/receive/{set}/apply"),
        &[("csrf_token", token.as_str()), ("sel", rs.as_str())],
    )
    .await
}

fn drain(db: &TestDb) {
    tsunagi::jobs::drain(&db.db, chrono::Duration::seconds(60)).unwrap();
}

both_backends!(the_care_office_imports_actuals, |db: TestDb| async move {
    let db = db.with_demo();
    let month = prev_month();
    // The provider's 実績 for last month, as sent.
    let zip = exported(&db, ("1310100001", "11"), DataKind::Actual, &month, 9);
    // Here the 居宅's copy of 青木 キヨ's 実績 lacks one visit (one day's actual count is 0).
    let rid = recipient(&db, "R0001");
    let (line, day) = {
        let mut c = db.conn();
        let lines = tsunagi::db::schedules::lines_for(&mut c, rid, &month).unwrap();
        let l = lines
            .iter()
            .find(|l| l.provider_type == "11")
            .unwrap()
            .clone();
        let days = tsunagi::db::schedules::days_for(&mut c, &[l.id]).unwrap();
        let d = days.iter().find(|d| d.actual_count > 0).unwrap().clone();
        let mut actual = [0; 31];
        for x in &days {
            actual[(x.day - 1) as usize] = x.actual_count;
        }
        actual[(d.day - 1) as usize] = 0;
        tsunagi::db::schedules::set_days(&mut c, l.id, None, Some(&actual)).unwrap();
        (l.id, d.day)
    };
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    upload(&mut k, &zip).await;
    let list = k.get("/careplan/receive").await;
    let sets = sets_on(&list.body);
    assert_eq!(sets.len(), 1, "{}", list.body);
    let page = k.get(&format!("/careplan/receive/{}", sets[0])).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    // Exactly one difference: that day, 0 here, 1 received.
    let row = row_of(&page.body, "R0001");
    assert!(
        row.contains("変更あり") && row.contains("変更 1 行"),
        "{row}"
    );
    assert!(row.contains(&format!("<td>{day}</td>")));
    assert_eq!(
        page.body.matches("変更あり").count(),
        1,
        "only R0001 differs"
    );
    // 取込 → job → the 実績 is back.
    let r = apply_to(&mut k, &page, &sets[0], rid).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    drain(&db);
    {
        let mut c = db.conn();
        let days = tsunagi::db::schedules::days_for(&mut c, &[line]).unwrap();
        assert_eq!(days.iter().find(|d| d.day == day).unwrap().actual_count, 1);
        let office = common::office_id(&db, "1310100001", "43");
        assert_eq!(
            tsunagi::db::imports::applied_count(&mut c, office).unwrap(),
            1
        );
    }
    // The set is applied: no longer listed; the same zip again is a duplicate, nothing changes.
    assert!(sets_on(&k.get("/careplan/receive").await.body).is_empty());
    let loc = upload(&mut k, &zip).await;
    assert!(loc.contains("stored=0"), "{loc}");
});

both_backends!(
    the_provider_imports_a_plan_and_an_older_set_never_wins,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = month_now().yyyymm();
        let older = exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 9);
        let newer = exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 10);
        // The provider's copy lacks 青木 キヨ's 訪問介護 line.
        let rid = recipient(&db, "R0001");
        {
            let mut c = db.conn();
            let line = tsunagi::db::schedules::lines_for(&mut c, rid, &month)
                .unwrap()
                .into_iter()
                .find(|l| l.provider_type == "11")
                .unwrap();
            tsunagi::db::schedules::delete_line(&mut c, rid, line.id).unwrap();
        }
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        upload(&mut h, &newer).await;
        let sets = sets_on(&h.get("/careplan/receive").await.body);
        assert_eq!(sets.len(), 1);
        let page = h.get(&format!("/careplan/receive/{}", sets[0])).await;
        let row = row_of(&page.body, "R0001");
        assert!(row.contains("追加 1 行"), "{row}");
        apply_to(&mut h, &page, &sets[0], rid).await;
        drain(&db);
        {
            let mut c = db.conn();
            let lines = tsunagi::db::schedules::lines_for(&mut c, rid, &month).unwrap();
            assert!(
                lines.iter().any(|l| l.provider_type == "11"),
                "the line is back"
            );
        }
        // The older set arrives later: R0001 cannot be overwritten by it.
        upload(&mut h, &older).await;
        let sets = sets_on(&h.get("/careplan/receive").await.body);
        assert_eq!(sets.len(), 1);
        let page = h.get(&format!("/careplan/receive/{}", sets[0])).await;
        let row = row_of(&page.body, "R0001");
        assert!(row.contains("より新しい送信単位"), "{row}");
        assert!(
            !row.contains("name=\"sel\""),
            "a blocked recipient cannot be ticked"
        );
        // Asking for it anyway changes nothing.
        apply_to(&mut h, &page, &sets[0], rid).await;
        drain(&db);
        let mut c = db.conn();
        let office = common::office_id(&db, "1310100001", "11");
        assert_eq!(
            tsunagi::db::imports::applied_count(&mut c, office).unwrap(),
            1
        );
    }
);

both_backends!(
    receive_screens_need_the_permission,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut n = Client::new(app(state(&db)).await);
        n.login_demo("noperm").await;
        assert_eq!(
            n.get("/careplan/receive").await.status,
            StatusCode::FORBIDDEN
        );
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("kyotaku").await;
        assert_eq!(
            k.get("/careplan/receive/20260101000000").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            k.get("/careplan/receive/../etc").await.status,
            StatusCode::NOT_FOUND
        );
    }
);

both_backends!(
    a_dltplan_withdraws_the_providers_plan,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = month_now().yyyymm();
        // The 居宅 sent this month's 利用票, then withdrew R0001's 訪問介護 and sent a DLTPLAN.
        exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 9);
        let rid = recipient(&db, "R0001");
        let fields = {
            let mut c = db.conn();
            let line = tsunagi::db::schedules::lines_for(&mut c, rid, &month)
                .unwrap()
                .into_iter()
                .find(|l| l.provider_type == "11")
                .unwrap();
            // Every 訪問介護 line of the month goes.
            for l in tsunagi::db::schedules::lines_for(&mut c, rid, &month).unwrap() {
                if l.provider_type == "11" {
                    tsunagi::db::schedules::delete_line(&mut c, rid, l.id).unwrap();
                }
            }
            tsunagi::db::schedules::LineFields {
                provider_number: line.provider_number,
                provider_type: line.provider_type,
                provider_name: line.provider_name,
                service_code: line.service_code,
                service_name: line.service_name,
                units: line.units,
                start_time: line.start_time,
                end_time: line.end_time,
                over_30: "0".into(),
                ..Default::default()
            }
        };
        let zip = {
            let mut conn = db.conn();
            let req = ExportRequest {
                office_id: common::office_id(&db, "1310100001", "43"),
                month: month.clone(),
                data: DataKind::Plan,
                delete: true,
                recipients: Vec::new(),
                destinations: Vec::new(),
                spec: SpecChoice::Partner,
                split: false,
            };
            let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 21)
                .unwrap()
                .and_hms_opt(11, 0, 0)
                .unwrap();
            let out = run(&mut conn, 1, &req, now, None, None, &mut no_progress).unwrap();
            assert!(out.errors.is_empty());
            assert!(
                !out.zips.is_empty(),
                "blocked: {:?}; sets: {}",
                out.result.blocked,
                out.result.sets.len()
            );
            out.zips.into_iter().next().unwrap().bytes
        };
        // The provider's copy still holds the plan (as it would in its own software).
        {
            let mut c = db.conn();
            let id = tsunagi::db::schedules::add_line(&mut c, 1, rid, &month, &fields).unwrap();
            let mut plan = [0; 31];
            plan[0] = 1;
            plan[1] = 1;
            tsunagi::db::schedules::set_days(&mut c, id, Some(&plan), None).unwrap();
        }
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        upload(&mut h, &zip).await;
        let list = h.get("/careplan/receive").await;
        assert!(list.body.contains("利用票（予定）の削除"), "{}", list.body);
        let sets = sets_on(&list.body);
        let page = h.get(&format!("/careplan/receive/{}", sets[0])).await;
        let row = row_of(&page.body, "R0001");
        assert!(row.contains("削除 1 行"), "{row}");
        apply_to(&mut h, &page, &sets[0], rid).await;
        drain(&db);
        let mut c = db.conn();
        let lines = tsunagi::db::schedules::lines_for(&mut c, rid, &month).unwrap();
        assert!(
            !lines.iter().any(|l| l.provider_type == "11"),
            "the withdrawn plan is gone"
        );
    }
);

both_backends!(
    an_unknown_recipient_is_registered_from_the_supplement,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = month_now().yyyymm();
        let zip = exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 9);
        // Here R0001 is known under another 被保険者番号, so the one in the file is unknown.
        set_recipient(&db, recipient(&db, "R0001"), Some("9999999999"), None);
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        upload(&mut h, &zip).await;
        let sets = sets_on(&h.get("/careplan/receive").await.body);
        let page = h.get(&format!("/careplan/receive/{}", sets[0])).await;
        assert!(
            page.body
                .contains("1000000101（保険者 131016）の利用者が登録されていません"),
            "{}",
            page.body
        );
        assert!(page.body.contains("補足情報から利用者を登録"));
        let token = page.csrf();
        let r = h
            .post(
                &format!("/careplan/receive/{}/register", sets[0]),
                &[
                    ("csrf_token", token.as_str()),
                    ("insurer", "131016"),
                    ("insured", "1000000101"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = h.get(&r.location()).await;
        assert!(page.body.contains("利用者を登録しました"), "{}", page.body);
        let row = row_of(&page.body, "1000000101");
        assert!(
            row.contains("青木 キヨ") && row.contains("変更あり"),
            "{row}"
        );
        // The new recipient: name, kana in hiragana, certification, this office as provider.
        let mut c = db.conn();
        let rec = tsunagi::db::recipients::find_by_numbers(&mut c, 1, "131016", "1000000101")
            .unwrap()
            .unwrap();
        assert_eq!(rec.name, "青木 キヨ");
        assert!(rec.kana.starts_with("あおき"), "{}", rec.kana);
        assert_eq!(
            tsunagi::db::recipients::certifications_of(&mut c, rec.id)
                .unwrap()
                .len(),
            1
        );
        let providers = tsunagi::db::recipients::providers_of(&mut c, rec.id).unwrap();
        assert_eq!(providers.len(), 1);
        // A second registration is refused.
        drop(c);
        let token = h.get("/careplan/receive").await.csrf();
        let r = h
            .post(
                &format!("/careplan/receive/{}/register", sets[0]),
                &[
                    ("csrf_token", token.as_str()),
                    ("insurer", "131016"),
                    ("insured", "1000000101"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("すでに登録されています"));
    }
);

both_backends!(
    a_different_certification_is_flagged,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = month_now().yyyymm();
        let zip = exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 9);
        // Our copy of R0001's certification says another level than the file.
        let rid = recipient(&db, "R0001");
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
                    status: cert.status.clone(),
                    care_level: if cert.care_level == "23" { "24" } else { "23" }.into(),
                    certified_on: cert.certified_on,
                    valid_from: cert.valid_from,
                    valid_to: cert.valid_to,
                    limit_units: cert.limit_units,
                },
            )
            .unwrap();
        }
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        upload(&mut h, &zip).await;
        let sets = sets_on(&h.get("/careplan/receive").await.body);
        let page = h.get(&format!("/careplan/receive/{}", sets[0])).await;
        let row = row_of(&page.body, "R0001");
        assert!(row.contains("(警) 受信した要介護度"), "{row}");
    }
);

both_backends!(a_received_form_prints, |db: TestDb| async move {
    let db = db.with_demo();
    let month = month_now().yyyymm();
    let zip = exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 9);
    let mut h = Client::new(app(state(&db)).await);
    h.login_demo("helper").await;
    upload(&mut h, &zip).await;
    let sets = sets_on(&h.get("/careplan/receive").await.body);
    let page = h
        .get(&format!("/careplan/receive/{}/print/1000000101", sets[0]))
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("青木 キヨ") && page.body.contains("111111"));
    assert!(page.body.contains("data-print"));
    // Someone not in the set: 404.
    let page = h
        .get(&format!("/careplan/receive/{}/print/0000000000", sets[0]))
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    // 一括印刷: the set page links it; every recipient of the set, one sheet each, or only the
    // ticked ones.
    let set = h.get(&format!("/careplan/receive/{}", sets[0])).await;
    let all_link = format!("href=\"/careplan/receive/{}/print\"", sets[0]);
    assert!(set.body.contains(&all_link) && set.body.contains("data-print-selected"));
    let rows = set.body.matches("name=\"sel\"").count();
    let all = h.get(&format!("/careplan/receive/{}/print", sets[0])).await;
    assert_eq!(all.status, StatusCode::OK);
    let sheets = all.body.matches("class=\"print-sheet\"").count();
    assert!(
        sheets >= 2 && sheets >= rows,
        "{sheets} sheets, {rows} rows"
    );
    assert!(all.body.contains(&format!("{sheets} 人分")));
    let aoki = recipient(&db, "R0001");
    let one = h
        .get(&format!("/careplan/receive/{}/print?sel={aoki}", sets[0]))
        .await;
    assert_eq!(one.body.matches("class=\"print-sheet\"").count(), 1);
    assert!(one.body.contains("青木 キヨ"));
    // Ids not in the set print nothing.
    let none = h
        .get(&format!("/careplan/receive/{}/print?sel=999999", sets[0]))
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
});

both_backends!(
    a_dltjsk_withdraws_the_providers_actuals,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = prev_month();
        // The provider sent last month's 実績, then took R0001's back (no visit delivered after all).
        exported(&db, ("1310100001", "11"), DataKind::Actual, &month, 9);
        let rid = recipient(&db, "R0001");
        let kept: Vec<(i64, [i32; 31])> = {
            let mut c = db.conn();
            let mut kept = Vec::new();
            for l in tsunagi::db::schedules::lines_for(&mut c, rid, &month).unwrap() {
                if l.provider_type != "11" {
                    continue;
                }
                let mut actual = [0; 31];
                for d in tsunagi::db::schedules::days_for(&mut c, &[l.id]).unwrap() {
                    actual[(d.day - 1) as usize] = d.actual_count;
                }
                tsunagi::db::schedules::set_days(&mut c, l.id, None, Some(&[0; 31])).unwrap();
                kept.push((l.id, actual));
            }
            kept
        };
        let zip = {
            let mut conn = db.conn();
            let req = ExportRequest {
                office_id: common::office_id(&db, "1310100001", "11"),
                month: month.clone(),
                data: DataKind::Actual,
                delete: true,
                recipients: Vec::new(),
                destinations: Vec::new(),
                spec: SpecChoice::Partner,
                split: false,
            };
            let now = chrono::NaiveDate::from_ymd_opt(2026, 11, 21)
                .unwrap()
                .and_hms_opt(11, 0, 0)
                .unwrap();
            let out = run(&mut conn, 1, &req, now, None, None, &mut no_progress).unwrap();
            out.zips.into_iter().next().expect("a DLTJSK zip").bytes
        };
        // The 居宅's copy still holds those 実績.
        {
            let mut c = db.conn();
            for (id, actual) in &kept {
                tsunagi::db::schedules::set_days(&mut c, *id, None, Some(actual)).unwrap();
            }
        }
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("kyotaku").await;
        upload(&mut k, &zip).await;
        let list = k.get("/careplan/receive").await;
        assert!(list.body.contains("実績票（実績）の削除"), "{}", list.body);
        let sets = sets_on(&list.body);
        let page = k.get(&format!("/careplan/receive/{}", sets[0])).await;
        let row = row_of(&page.body, "R0001");
        assert!(row.contains(&format!("削除 {} 行", kept.len())), "{row}");
        apply_to(&mut k, &page, &sets[0], rid).await;
        drain(&db);
        let mut c = db.conn();
        for (id, _) in &kept {
            let days = tsunagi::db::schedules::days_for(&mut c, &[*id]).unwrap();
            assert!(days.iter().all(|d| d.actual_count == 0), "実績 withdrawn");
            assert!(days.iter().any(|d| d.plan_count > 0), "予定 kept");
        }
    }
);

both_backends!(the_provider_imports_a_care_plan, |db: TestDb| async move {
    let db = db.with_demo();
    let month = month_now().yyyymm();
    let zip = exported(&db, ("1310100001", "43"), DataKind::Careplan, &month, 9);
    // The provider's copy lacks R0001's plan: take it out (keeping what it held to compare).
    let rid = recipient(&db, "R0001");
    let (plan_date, lines, weekly) = {
        let mut c = db.conn();
        let plan = tsunagi::db::plans::list_for_recipient(&mut c, rid)
            .unwrap()
            .remove(0);
        let lines = tsunagi::db::plans::lines(&mut c, plan.id).unwrap();
        let weekly = tsunagi::db::plans::weekly(&mut c, plan.id).unwrap();
        tsunagi::db::plans::delete(&mut c, plan.id).unwrap();
        (plan.plan_date, lines, weekly)
    };
    let mut h = Client::new(app(state(&db)).await);
    h.login_demo("helper").await;
    upload(&mut h, &zip).await;
    let list = h.get("/careplan/receive").await;
    assert!(list.body.contains("居宅サービス計画書"), "{}", list.body);
    let sets = sets_on(&list.body);
    let page = h.get(&format!("/careplan/receive/{}", sets[0])).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let row = row_of(&page.body, "R0001");
    assert!(row.contains("新規"), "{row}");
    apply_to(&mut h, &page, &sets[0], rid).await;
    drain(&db);
    let mut c = db.conn();
    let plan = tsunagi::db::plans::find_by_date(&mut c, rid, plan_date)
        .unwrap()
        .expect("the plan is stored");
    assert_eq!(tsunagi::db::plans::lines(&mut c, plan.id).unwrap(), lines);
    assert_eq!(tsunagi::db::plans::weekly(&mut c, plan.id).unwrap(), weekly);
});

both_backends!(
    the_set_list_downloads_as_a_spreadsheet,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = month_now().yyyymm();
        let zip = exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 9);
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        upload(&mut h, &zip).await;
        let sets = sets_on(&h.get("/careplan/receive").await.body);
        let r = h
            .get(&format!("/careplan/receive/{}/list.csv", sets[0]))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.header("content-disposition")
                .contains("filename*=UTF-8''")
        );
        let text = encoding_rs::SHIFT_JIS.decode(&r.bytes).0.into_owned();
        assert!(text.starts_with("状態,提供月,利用者コード,氏名"), "{text}");
        assert!(text.contains("R0001") && text.contains("青木 キヨ"));
    }
);

both_backends!(
    the_receive_list_filters_by_data_month_sender_and_set,
    |db: TestDb| async move {
        let db = db.with_demo();
        let (this, next) = (month_now(), month_now().next());
        let a = exported(&db, ("1310100001", "43"), DataKind::Plan, &this.yyyymm(), 9);
        let b = exported(
            &db,
            ("1310100001", "43"),
            DataKind::Plan,
            &next.yyyymm(),
            10,
        );
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        upload(&mut h, &a).await;
        upload(&mut h, &b).await;
        let all = h.get("/careplan/receive").await;
        let sets = sets_on(&all.body);
        assert_eq!(sets.len(), 2, "{}", all.body);
        // The choices come from the received sets; the sender is named from our offices.
        assert!(
            all.body
                .contains("<label for=\"sender\">支援事業所</label>")
        );
        assert!(all.body.contains(
            "<option value=\"1310100001:43\">1310100001 つなぎ居宅介護支援事業所</option>"
        ));
        assert!(all.body.contains(&format!(
            "<option value=\"{}\">{}</option>",
            next.yyyymm(),
            tsunagi::web::careplan_import::month_wareki(&next.yyyymm())
        )));
        // サービス提供月
        let one = h
            .get(&format!("/careplan/receive?month={}", next.yyyymm()))
            .await;
        let only = sets_on(&one.body);
        assert_eq!(only.len(), 1);
        assert!(one.body.contains("1 件（全 2 件のうち）"));
        // 出力日時: the other set
        let other = sets.iter().find(|s| **s != only[0]).unwrap();
        let by_ts = h.get(&format!("/careplan/receive?ts={other}")).await;
        assert_eq!(sets_on(&by_ts.body), vec![other.clone()]);
        // 選択データ and 送信元 that match both; a month that matches none.
        let data: String = "利用票（予定）"
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect();
        let both = h
            .get(&format!(
                "/careplan/receive?data={data}&sender=1310100001%3A43"
            ))
            .await;
        assert_eq!(sets_on(&both.body).len(), 2, "{}", both.body);
        let none = h.get("/careplan/receive?month=199901").await;
        assert!(sets_on(&none.body).is_empty());
        assert!(none.body.contains("条件に合う送信単位はありません"));
    }
);

/// Sets columns of a recipient row, as another office or an earlier version of the data would
/// have left them.
fn set_recipient(db: &TestDb, id: i64, insured: Option<&str>, birth: Option<(i32, u32, u32)>) {
    use diesel::prelude::*;
    use tsunagi::db::schema::recipients as r;
    let mut c = db.conn();
    if let Some(n) = insured {
        diesel::update(r::table.filter(r::id.eq(id)))
            .set(r::insured_number.eq(n))
            .execute(&mut *c)
            .unwrap();
    }
    if let Some((y, m, d)) = birth {
        diesel::update(r::table.filter(r::id.eq(id)))
            .set(r::birth_date.eq(chrono::NaiveDate::from_ymd_opt(y, m, d)))
            .execute(&mut *c)
            .unwrap();
    }
}

fn numbers(db: &TestDb, id: i64) -> (String, String) {
    let mut c = db.conn();
    let r = tsunagi::db::recipients::find_visible(
        &mut c,
        1,
        common::office_id(db, "1310100001", "43"),
        id,
    )
    .unwrap()
    .unwrap();
    (r.insurer_number, r.insured_number)
}

/// Presses 「この利用者として照合」 for (131016, 1000000101) as the set page's form does.
async fn match_as<S, B>(c: &mut Client<S>, token: &str, set: &str, rid: i64) -> common::Resp
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let rs = rid.to_string();
    c.post(
        &format!("/careplan/receive/{set}/match"),
        &[
            ("csrf_token", token),
            ("insurer", "131016"),
            ("insured", "1000000101"),
            ("recipient", rs.as_str()),
        ],
    )
    .await
}

both_backends!(
    an_unknown_recipient_is_matched_by_name_kana_and_birth_date,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = month_now().yyyymm();
        let zip = exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 9);
        // Here R0001 is still known under an old 被保険者番号, and the provider's copy lacks
        // her 訪問介護 lines.
        let rid = recipient(&db, "R0001");
        set_recipient(&db, rid, Some("9999999999"), None);
        {
            let mut c = db.conn();
            for l in tsunagi::db::schedules::lines_for(&mut c, rid, &month).unwrap() {
                if l.provider_type == "11" {
                    tsunagi::db::schedules::delete_line(&mut c, rid, l.id).unwrap();
                }
            }
        }
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        upload(&mut h, &zip).await;
        let sets = sets_on(&h.get("/careplan/receive").await.body);
        let page = h.get(&format!("/careplan/receive/{}", sets[0])).await;
        // The row names the person as the file does and offers R0001, with her numbers here.
        let row = row_of(&page.body, "1000000101");
        assert!(row.contains("受信した利用者補足情報：青木 キヨ"), "{row}");
        assert!(row.contains("1935/04/12（昭和10年4月12日）"), "{row}");
        assert!(
            row.contains("<td class=\"code\">R0001</td><td>青木 キヨ</td>")
                && row.contains("<td class=\"code\">9999999999</td>"),
            "{row}"
        );
        assert_eq!(page.body.matches("この利用者として照合").count(), 1);
        assert!(page.body.contains(
            "data-confirm=\"R0001 青木 キヨ の保険者番号・被保険者番号を 131016・9999999999 から、受信した 131016・1000000101 に変更します。よろしいですか？\""
        ));
        let r = match_as(&mut h, &page.csrf(), &sets[0], rid).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(numbers(&db, rid), ("131016".into(), "1000000101".into()));
        // Back on the set page she is registered, with what the set changes for her.
        let page = h.get(&r.location()).await;
        assert!(page.body.contains("利用者を照合し"), "{}", page.body);
        let row = row_of(&page.body, "1000000101");
        assert!(
            row.contains("R0001") && row.contains("追加 2 行") && row.contains("name=\"sel\""),
            "{row}"
        );
        assert!(!page.body.contains("この利用者として照合"));
        // The audit log names the old and the new numbers.
        {
            let mut c = db.conn();
            let (entries, _) =
                tsunagi::db::audit::search(&mut c, 1, &Default::default(), 10, 0).unwrap();
            assert!(
                entries.iter().any(|(e, _)| e.action == "recipient_saved"
                    && e.detail
                        .contains("131016 9999999999 から 131016 1000000101 に変更")),
                "{:?}",
                entries.iter().map(|(e, _)| &e.detail).collect::<Vec<_>>()
            );
        }
        // And the set applies to her.
        apply_to(&mut h, &page, &sets[0], rid).await;
        drain(&db);
        let mut c = db.conn();
        let lines = tsunagi::db::schedules::lines_for(&mut c, rid, &month).unwrap();
        assert!(
            lines.iter().any(|l| l.provider_type == "11"),
            "the line is in"
        );
    }
);

both_backends!(
    matching_refuses_what_does_not_fit,
    |db: TestDb| async move {
        let db = db.with_demo();
        let month = month_now().yyyymm();
        let zip = exported(&db, ("1310100001", "43"), DataKind::Plan, &month, 9);
        let rid = recipient(&db, "R0001");
        set_recipient(&db, rid, Some("9999999999"), None);
        // The second corporation has her twin (same name, kana and birth date): never offered.
        let twin = {
            use diesel::prelude::*;
            use tsunagi::db::schema::recipients as r;
            let mut c = db.conn();
            let id: i64 = r::table
                .filter(r::corporation_id.eq(2))
                .select(r::id)
                .first(&mut *c)
                .unwrap();
            diesel::update(r::table.filter(r::id.eq(id)))
                .set((
                    r::name.eq("青木 キヨ"),
                    r::kana.eq("あおき きよ"),
                    r::birth_date.eq(chrono::NaiveDate::from_ymd_opt(1935, 4, 12)),
                ))
                .execute(&mut *c)
                .unwrap();
            id
        };
        // Another recipient the provider serves.
        let other = {
            let mut c = db.conn();
            let office = common::office_id(&db, "1310100001", "11");
            let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
            tsunagi::db::recipients::all_of_office(&mut c, 1, office, today)
                .unwrap()
                .into_iter()
                .find(|r| r.recipient.id != rid)
                .unwrap()
                .recipient
        };
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        upload(&mut h, &zip).await;
        let set = sets_on(&h.get("/careplan/receive").await.body)[0].clone();
        let page = h.get(&format!("/careplan/receive/{set}")).await;
        assert_eq!(page.body.matches("この利用者として照合").count(), 1);
        let token = page.csrf();
        // Someone who is not her.
        let r = match_as(&mut h, &token, &set, other.id).await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.contains("role=\"alert\"")
                && r.body
                    .contains("氏名・カナ・生年月日が一致しないため、照合できません"),
            "{}",
            r.body
        );
        // The other corporation's twin: as if it did not exist.
        let r = match_as(&mut h, &token, &set, twin).await;
        assert!(
            r.body.contains("照合する利用者が見つかりません"),
            "{}",
            r.body
        );
        // Without 利用者基本情報 (通所介護's staff has ケアプラン連携 only): 403.
        let mut t = Client::new(app(state(&db)).await);
        t.login_demo("tsusho").await;
        let ttoken = t.get("/careplan/receive").await.csrf();
        let r = match_as(&mut t, &ttoken, &set, rid).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("「利用者基本情報」の権限"), "{}", r.body);
        // Her birth date here differs: no candidate, and pressing anyway is refused.
        set_recipient(&db, rid, None, Some((1935, 4, 13)));
        let page = h.get(&format!("/careplan/receive/{set}")).await;
        assert!(!page.body.contains("この利用者として照合"));
        assert!(
            page.body.contains(
                "氏名またはカナと生年月日が一致する利用者は、この事業所の利用者にいません"
            )
        );
        let r = match_as(&mut h, &token, &set, rid).await;
        assert!(
            r.body.contains("一致しないため、照合できません"),
            "{}",
            r.body
        );
        // The file's numbers were given to someone else meanwhile.
        set_recipient(&db, rid, None, Some((1935, 4, 12)));
        set_recipient(&db, other.id, Some("1000000101"), None);
        let r = match_as(&mut h, &token, &set, rid).await;
        assert!(
        r.body.contains(&format!(
            "保険者番号 131016・被保険者番号 1000000101 はすでに利用者 {} {}に登録されているため、照合できません",
            other.code, other.name
        )),
        "{}",
        r.body
    );
        // Nothing of hers changed; no match was recorded.
        assert_eq!(numbers(&db, rid), ("131016".into(), "9999999999".into()));
        let mut c = db.conn();
        let (entries, _) =
            tsunagi::db::audit::search(&mut c, 1, &Default::default(), 50, 0).unwrap();
        assert!(!entries.iter().any(|(e, _)| e.detail.contains("照合")));
    }
);

both_backends!(a_received_care_plan_prints, |db: TestDb| async move {
    let db = db.with_demo();
    let month = month_now().yyyymm();
    // R0001's plan has a policy of its own, to find on the printed page.
    let rid = recipient(&db, "R0001");
    {
        use diesel::prelude::*;
        use tsunagi::db::schema::care_plans as p;
        let mut c = db.conn();
        diesel::update(p::table.filter(p::recipient_id.eq(rid)))
            .set(p::policy.eq("受信印刷の確認用：夜間の見守りを続けます"))
            .execute(&mut *c)
            .unwrap();
    }
    let zip = exported(&db, ("1310100001", "43"), DataKind::Careplan, &month, 9);
    let mut h = Client::new(app(state(&db)).await);
    h.login_demo("helper").await;
    upload(&mut h, &zip).await;
    let set = sets_on(&h.get("/careplan/receive").await.body)[0].clone();
    let page = h.get(&format!("/careplan/receive/{set}")).await;
    // 印刷 per recipient and 一括印刷 of the ticked ones.
    assert!(
        page.body.contains(&format!(
            "href=\"/careplan/receive/{set}/print/1000000101\""
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains(&format!(
        "href=\"/careplan/receive/{set}/print\" target=\"_blank\" data-print-selected"
    )));
    assert!(page.body.contains("選択した利用者の計画書を"));
    let one = h
        .get(&format!("/careplan/receive/{set}/print/1000000101"))
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.body.matches("class=\"print-sheet\"").count(), 1);
    for text in [
        "居宅サービス計画書（1）",
        "居宅サービス計画書（2）",
        "週間サービス計画表",
        "青木 キヨ 殿",
        "1935/04/12（昭和10年4月12日）",
        "受信印刷の確認用：夜間の見守りを続けます",
        "身の回りのことを続けながら、安全に暮らしたい",
        "福祉用具貸与（必要に応じて）",
        "つなぎ居宅介護支援事業所（1310100001）",
        "被保険者番号 1000000101",
    ] {
        assert!(one.body.contains(text), "{text}: {}", one.body);
    }
    // Two ticked recipients: two plans, a page each.
    let ids = common::values_of(&page.body, "sel");
    assert!(ids.len() >= 2, "{ids:?}");
    let two = h
        .get(&format!(
            "/careplan/receive/{set}/print?sel={}&sel={}",
            ids[0], ids[1]
        ))
        .await;
    assert_eq!(two.status, StatusCode::OK);
    assert_eq!(two.body.matches("class=\"print-sheet\"").count(), 2);
    assert!(two.body.contains("2 件（1件ずつ改ページして印刷されます）"));
    // None ticked: every plan of the set.
    let all = h.get(&format!("/careplan/receive/{set}/print")).await;
    assert_eq!(all.body.matches("class=\"print-sheet\"").count(), ids.len());
    // Someone not in the set: 404.
    let none = h
        .get(&format!("/careplan/receive/{set}/print/0000000000"))
        .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
});
