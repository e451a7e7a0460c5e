//! 予定実績: a care manager fills a month by weekday pattern and reads the 第7表; the provider
//! records actuals of its own lines and locks them.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};

both_backends!(plan_by_weekday_and_read_table7, |db: TestDb| async move {
    let db = db.with_demo();
    let rid = common::fresh_recipient(&db);
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    let grid = format!("/schedules/{rid}/202612");
    let page = k.get(&grid).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("この月の予定はまだありません"));
    assert!(page.body.contains("16,765 単位"));
    // December 2026: 1st is a Tuesday; 身体介護１ on Mondays and Thursdays (9 days),
    // 通所介護 7–8h on Wednesdays (5 days).
    let lines = format!("{grid}/lines");
    let r = k
        .submit(
            &grid,
            &lines,
            &[
                ("provider", "1310100001:11"),
                ("code", "111111"),
                ("start", "9:00"),
                ("end", "9:30"),
                ("weekday", "1"),
                ("weekday", "4"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = k
        .submit(
            &grid,
            &lines,
            &[
                ("provider", "1310200002:15"),
                ("code", "151151 通所介護Ⅰ５１"),
                ("start", "9:00"),
                ("end", "16:30"),
                ("weekday", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // A code of another service type is refused with a message.
    let r = k
        .submit(
            &grid,
            &lines,
            &[
                ("provider", "1310100001:11"),
                ("code", "151151"),
                ("weekday", "1"),
            ],
        )
        .await;
    assert!(r.body.contains("サービス種類が違います"), "{}", r.body);
    let page = k.get(&grid).await;
    assert!(page.body.contains("身体介護１") && page.body.contains("9:00〜9:30"));
    assert_eq!(
        page.body.matches("aria-label=\"身体介護１ ").count(),
        31,
        "one plan input per day, no actual inputs for the 居宅"
    );
    // Totals per line: 9 and 5.
    assert!(
        page.body.contains("<td class=\"num\">9</td>")
            && page.body.contains("<td class=\"num\">5</td>")
    );
    // The 第7表, computed by hand:
    //   訪問介護 244 × 9 = 2,196 units; ×11.40 = 25,034.4 → 25,034 yen; 請求 ×0.9 → 22,530; 負担 2,504
    //   通所介護 658 × 5 = 3,290 units; ×10.90 = 35,861.0 → 35,861 yen; 請求 → 32,274; 負担 3,587
    //   合計 5,486 units (under 16,765); 60,895 yen; 請求 54,804; 負担 6,091
    let t7 = k.get(&format!("{grid}/table7")).await;
    assert_eq!(t7.status, StatusCode::OK);
    for v in [
        "2,196", "25,034", "22,530", "2,504", "3,290", "35,861", "32,274", "3,587", "5,486",
        "60,895", "54,804", "6,091", "11.40", "10.90",
    ] {
        assert!(t7.body.contains(&format!(">{v}<")), "第7表 lacks {v}");
    }
    assert!(t7.body.contains("11AAAA") && t7.body.contains("15AAAA") && t7.body.contains("999999"));
    // Refill the 訪問介護 line with Tuesdays only (5 days) and delete the 通所介護 line.
    let page = k.get(&grid).await;
    let first_line = common::extract_value(&page.body, "name=\"line\" value=\"").unwrap();
    let r = k
        .submit(
            &grid,
            &format!("{grid}/pattern"),
            &[("line", &first_line), ("weekday", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = k.get(&grid).await;
    assert!(page.body.contains("<td class=\"num\">5</td>"));
    // Saving the grid: Wednesday the 2nd gets 2 visits; a bad count is refused with a message.
    let token = page.csrf();
    let r = k
        .post(
            &grid,
            &[("csrf_token", &token), (&format!("p_{first_line}_2"), "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = k
        .post(
            &grid,
            &[("csrf_token", &token), (&format!("p_{first_line}_3"), "x")],
        )
        .await;
    assert!(r.body.contains("0〜99 の数字で入力してください"));
    let t7 = k.get(&format!("{grid}/table7")).await;
    assert!(
        t7.body.contains(">1,708<"),
        "244 × (5 Tuesdays + 2) after the change"
    );
});

both_backends!(
    provider_records_actuals_and_locks,
    |db: TestDb| async move {
        let db = db.with_demo();
        let rid = common::fresh_recipient(&db);
        let grid = format!("/schedules/{rid}/202612");
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("kyotaku").await;
        k.submit(
            &grid,
            &format!("{grid}/lines"),
            &[
                ("provider", "1310100001:11"),
                ("code", "111111"),
                ("start", "9:00"),
                ("end", "9:30"),
                ("weekday", "1"),
                ("weekday", "4"),
            ],
        )
        .await;
        k.submit(
            &grid,
            &format!("{grid}/lines"),
            &[
                ("provider", "1310200002:15"),
                ("code", "151151"),
                ("start", "9:00"),
                ("end", "16:30"),
                ("weekday", "3"),
            ],
        )
        .await;
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        // The provider sees the month as 作成済 and can copy its plan into actuals.
        let list = h.get("/schedules?month=202612").await;
        assert!(list.body.contains("試験 花子") && list.body.contains("status-planned\">作成済"));
        assert!(
            !list.body.contains("つなぎデイサービスセンター"),
            "a provider sees its own status only"
        );
        let page = h.get(&grid).await;
        assert!(
            !page.body.contains("name=\"p_"),
            "the provider does not edit the plan"
        );
        let r = h.submit(&grid, &format!("{grid}/copy-actual"), &[]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = h.get(&grid).await;
        let line = common::extract_value(&page.body, "name=\"a_").unwrap();
        let line = line.split('_').next().unwrap().to_string();
        // One visit (Thursday the 3rd) did not happen; the plan field sent along is ignored.
        let token = page.csrf();
        let r = h
            .post(
                &grid,
                &[
                    ("csrf_token", &token),
                    (&format!("a_{line}_3"), ""),
                    (&format!("p_{line}_3"), "5"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = h.get(&grid).await;
        assert!(
            page.body.contains("class=\"cell diff\""),
            "the difference is highlighted"
        );
        assert!(
            page.body.contains("<td class=\"num\">9</td>")
                && page.body.contains("<td class=\"num\">8</td>")
        );
        // The other provider's lines have no actual inputs for this office.
        assert_eq!(page.body.matches("name=\"a_").count(), 31);
        let t7 = h.get(&format!("{grid}/table7?basis=actual")).await;
        assert!(t7.body.contains(">1,952<"), "244 × 8 from the actuals");
        // Lock: the care manager can no longer change that provider's plan; only a manager unlocks.
        let r = h
            .submit(
                &grid,
                &format!("{grid}/lock"),
                &[("provider", "1310100001:11")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            h.get("/schedules?month=202612")
                .await
                .body
                .contains("status-locked\">確定済")
        );
        let page = k.get(&grid).await;
        assert!(
            !page.body.contains(&format!("name=\"p_{line}_")),
            "locked lines are read-only"
        );
        let r = k
            .submit(
                &grid,
                &format!("{grid}/lines"),
                &[
                    ("provider", "1310100001:11"),
                    ("code", "111211"),
                    ("weekday", "2"),
                ],
            )
            .await;
        assert!(r.body.contains("確定済みのため変更できません"));
        let r = h
            .submit(
                &grid,
                &format!("{grid}/unlock"),
                &[("provider", "1310100001:11")],
            )
            .await;
        assert!(r.body.contains("確定の解除は管理者が行います"));
        let mut admin = Client::new(app(state(&db)).await);
        admin.login_demo("admin").await;
        let homon = common::office_id(&db, "1310100001", "11");
        admin
            .submit("/", "/office/switch", &[("office_id", &homon.to_string())])
            .await;
        let r = admin
            .submit(
                &grid,
                &format!("{grid}/unlock"),
                &[("provider", "1310100001:11")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(
            !h.get("/schedules?month=202612")
                .await
                .body
                .contains("status-locked")
        );
    }
);

both_backends!(copy_previous_month_by_weekday, |db: TestDb| async move {
    let db = db.with_demo();
    let rid = common::fresh_recipient(&db);
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    let dec = format!("/schedules/{rid}/202612");
    k.submit(
        &dec,
        &format!("{dec}/lines"),
        &[
            ("provider", "1310100001:11"),
            ("code", "111111"),
            ("start", "9:00"),
            ("end", "9:30"),
            ("weekday", "1"),
            ("weekday", "4"),
        ],
    )
    .await;
    let jan = format!("/schedules/{rid}/202701");
    let r = k.submit(&jan, &format!("{jan}/copy-previous"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // January 2027 starts on a Friday: Mondays 4, 11, 18, 25 and Thursdays 7, 14, 21, 28.
    let page = k.get(&jan).await;
    assert!(
        page.body.contains("身体介護１") && page.body.contains("<td class=\"num\">8</td>"),
        "{}",
        page.body
    );
    // Copying again into a month that has lines is refused.
    let r = k.submit(&jan, &format!("{jan}/copy-previous"), &[]).await;
    assert!(r.body.contains("この月の予定はすでにあります"));
});

both_backends!(demo_months_and_access, |db: TestDb| async move {
    let db = db.with_demo();
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    let list = k.get("/schedules").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("status-planned\">作成済"),
        "the demo has this month's plans"
    );
    let today = tsunagi::web::dates::today_jst();
    let prev = if chrono::Datelike::month(&today) == 1 {
        format!("{}12", chrono::Datelike::year(&today) - 1)
    } else {
        format!(
            "{}{:02}",
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today) - 1
        )
    };
    assert!(
        k.get(&format!("/schedules?month={prev}"))
            .await
            .body
            .contains("status-actual\">実績済"),
        "and last month's actuals"
    );
    assert_eq!(
        k.get("/schedules?month=2026-13").await.status,
        StatusCode::BAD_REQUEST
    );
    let rid = common::fresh_recipient(&db);
    let mut n = Client::new(app(state(&db)).await);
    n.login_demo("noperm").await;
    assert_eq!(n.get("/schedules").await.status, StatusCode::FORBIDDEN);
    let mut o = Client::new(app(state(&db)).await);
    o.login_demo("other").await;
    assert_eq!(
        o.get(&format!("/schedules/{rid}/202612")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        o.get(&format!("/schedules/{rid}/202612/table7"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
});

both_backends!(month_list_pages_and_searches, |db: TestDb| async move {
    // One 居宅 with 240 recipients (the volume generator), December 2026 planned.
    let mut conn = db.conn();
    tsunagi::demo::volume::load(
        &mut conn,
        &tsunagi::demo::volume::Volume {
            offices: 2,
            recipients: 240,
            months: 1,
            last_month: tsunagi::domain::ServiceMonth::parse("202612").unwrap(),
            staff_per_office: 1,
        },
        &mut |_| {},
    )
    .unwrap();
    drop(conn);
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo(&tsunagi::demo::volume::login_id(1, 1)).await;
    let rows = |body: &str| body.matches("<td class=\"code\">V").count();
    let first = k.get("/schedules?month=202612").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(rows(&first.body), 50);
    assert!(
        first.body.contains("全 240 件中 1〜50 件"),
        "{}",
        first.body
    );
    assert!(first.body.contains("q=&page=2\">次へ"));
    let last = k.get("/schedules?month=202612&page=5").await;
    assert_eq!(rows(&last.body), 40);
    assert!(last.body.contains("status-planned\">作成済"));
    // Past the last page: the last page.
    assert_eq!(
        rows(&k.get("/schedules?month=202612&page=9").await.body),
        40
    );
    // A code finds its recipient; the month buttons keep the search.
    let found = k.get("/schedules?month=202612&q=V00002").await;
    assert_eq!(rows(&found.body), 1);
    assert!(found.body.contains("<td class=\"code\">V00002</td>"));
    assert!(
        found
            .body
            .contains("href=\"/schedules?month=202701&q=V00002\"")
    );
    let none = k
        .get("/schedules?month=202612&q=%E8%A9%B2%E5%BD%93%E3%81%AA%E3%81%97")
        .await;
    assert!(
        none.body
            .contains("「該当なし」に当てはまる利用者はいません。")
    );
});
