//! Every route for every demo account (and for a visitor who is not logged in): the one guard
//! answers each request with the page, a 403 that names the missing permission, a 404 for
//! another corporation's ids, or the login form.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};

const OK: u16 = 200;
const LOGIN: u16 = 303;
const FORBIDDEN: u16 = 403;
const NOT_FOUND: u16 = 404;

both_backends!(every_route_for_every_account, |db: TestDb| async move {
    let db = db.with_demo();
    let kyotaku = common::staff_id(&db, "kyotaku");
    let office43 = common::office_id(&db, "1310100001", "43");
    let office11 = common::office_id(&db, "1310100001", "11");
    let partner = {
        let mut c = db.conn();
        tsunagi::db::partners::list(&mut c, 1, "").unwrap()[0].id
    };
    // A finished job of admin's in the 居宅 office, with a file.
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    admin.submit("/staff", "/staff/export", &[]).await;
    tsunagi::jobs::drain(&db.db, chrono::Duration::seconds(30)).unwrap();
    let job = {
        let mut c = db.conn();
        tsunagi::db::jobs::list(&mut c, 1, office43, None, 1, 0)
            .unwrap()
            .0[0]
            .job
            .id
    };

    let recipient = {
        use diesel::prelude::*;
        use tsunagi::db::schema::recipients;
        let mut c = db.conn();
        recipients::table
            .filter(recipients::code.eq("R0001"))
            .filter(recipients::corporation_id.eq(1))
            .select(recipients::id)
            .first::<i64>(&mut *c)
            .unwrap()
    };
    let routes: Vec<String> = vec![
        "/".into(),
        "/office".into(),
        "/account/password".into(),
        "/staff".into(),
        "/staff/new".into(),
        format!("/staff/{kyotaku}"),
        format!("/staff/{kyotaku}/offices"),
        format!("/staff/{kyotaku}/permissions"),
        format!("/staff/{kyotaku}/permissions/{office43}"),
        "/offices".into(),
        "/offices/new".into(),
        format!("/offices/{office11}"),
        "/partners".into(),
        "/partners/new".into(),
        format!("/partners/{partner}"),
        "/jobs".into(),
        format!("/jobs/{job}/download"),
        "/audit".into(),
        "/settings".into(),
        "/recipients".into(),
        "/recipients/new".into(),
        format!("/recipients/{recipient}"),
        format!("/recipients/{recipient}/certifications"),
        format!("/recipients/{recipient}/providers"),
        format!("/recipients/{recipient}/plans"),
        "/schedules".into(),
        format!("/schedules/{recipient}/202612"),
        format!("/schedules/{recipient}/202612/table7"),
        "/careplan/export".into(),
        "/careplan/export?data=plan&month=202612".into(),
        "/careplan/import".into(),
        "/careplan/receive".into(),
    ];
    #[rustfmt::skip]
    let expected: Vec<(&str, [u16; 32])> = vec![
        //               /   office pw   staff new  s/id  offc  perm  p/of  offs  o/new o/id  ptnr  p/new p/id  jobs  dl    audit settings recipients new r/id certs providers … export search import receive
        ("",           [LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN, LOGIN]),
        ("admin",      [OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
        ("kyotaku",    [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
        ("helper",     [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK, OK]),
        ("noperm",     [OK, FORBIDDEN, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK, NOT_FOUND, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN]),
        ("other",      [OK, OK, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, OK, NOT_FOUND, OK, OK, NOT_FOUND, OK, NOT_FOUND, OK, OK, OK, OK, NOT_FOUND, NOT_FOUND, NOT_FOUND, NOT_FOUND, OK, NOT_FOUND, NOT_FOUND, OK, OK, OK, OK]),
    ];
    for (account, statuses) in expected {
        let mut c = Client::new(app(state(&db)).await);
        if !account.is_empty() {
            c.login_demo(account).await;
        }
        for (route, want) in routes.iter().zip(statuses) {
            let r = c.get(route).await;
            assert_eq!(
                r.status.as_u16(),
                want,
                "{account:?} GET {route}: {}",
                &r.body[..r.body.len().min(400)]
            );
            match want {
                LOGIN => assert!(
                    r.location().starts_with("/login?next="),
                    "{account} {route}"
                ),
                FORBIDDEN => assert!(
                    r.body.contains("の権限が設定されていません")
                        || r.body.contains("管理者だけが行える操作です"),
                    "{account} {route}: the 403 page says what is missing"
                ),
                NOT_FOUND => assert!(r.body.contains("ページが見つかりません")),
                _ => {}
            }
        }
    }
});

both_backends!(
    forbidden_page_names_the_permission,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut c = Client::new(app(state(&db)).await);
        c.login_demo("kyotaku").await;
        let r = c.get("/staff").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(r.body.contains("「職員情報」の権限が設定されていません"));
        let r = c.get("/partners").await;
        assert!(r.body.contains("「他社情報」の権限"));
    }
);

both_backends!(noperm_sees_no_menu, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    c.login_demo("noperm").await;
    let top = c.get("/").await;
    assert!(
        top.body
            .contains("この事業所で使える画面が設定されていません")
    );
    for label in [
        "職員情報",
        "自社情報",
        "他社情報",
        "システム設定",
        "一括処理状況確認",
    ] {
        assert!(
            !top.body.contains(&format!(">{label}</a>")),
            "menu {label} shown to noperm"
        );
    }
    // No 事業所選択 control either.
    assert!(!top.body.contains("office-select"));
});

both_backends!(
    other_corporation_never_sees_the_first,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut c = Client::new(app(state(&db)).await);
        c.login_demo("other").await;
        for (path, absent) in [
            ("/staff?scope=all", "鈴木 花子"),
            ("/offices", "つなぎ居宅介護支援事業所"),
            ("/partners", "みどり訪問看護ステーション"),
            ("/jobs", "職員一覧CSV出力"),
            ("/audit", "kyotaku"),
        ] {
            let r = c.get(path).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            assert!(!r.body.contains(absent), "{path} shows {absent}");
        }
        let staff = c.get("/staff?scope=all").await;
        assert!(staff.body.contains("山本 剛"));
        // Switching to an office of the first corporation is refused.
        let office43 = common::office_id(&db, "1310100001", "43");
        let r = c
            .submit(
                "/",
                "/office/switch",
                &[("office_id", &office43.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        // Editing the first corporation's staff by id is refused and changes nothing.
        let kyotaku = common::staff_id(&db, "kyotaku");
        let r = c
            .submit(
                "/",
                &format!("/staff/{kyotaku}"),
                &[
                    ("code", "S002"),
                    ("name", "乗っ取り"),
                    ("kana", "のっとり"),
                    ("login_id", "kyotaku"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let mut conn = db.conn();
        assert_eq!(
            tsunagi::db::staff::find_by_id(&mut conn, kyotaku)
                .unwrap()
                .unwrap()
                .name,
            "鈴木 花子"
        );
    }
);

both_backends!(static_assets_are_served, |db: TestDb| async move {
    let mut c = Client::new(app(state(&db)).await);
    let css = c.get("/static/app.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.header("content-type").starts_with("text/css"));
    assert!(css.header("cache-control").contains("max-age"));
    assert_eq!(
        c.get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        c.get("/static/nothing.js").await.status,
        StatusCode::NOT_FOUND
    );
});
