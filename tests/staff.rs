//! 職員情報, 所属情報, 権限情報, 自社情報 and 他社情報 as a manager and staff use them.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};

both_backends!(
    permission_change_takes_effect_on_next_click,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut admin = Client::new(app(state(&db)).await);
        let mut kyotaku = Client::new(app(state(&db)).await);
        admin.login_demo("admin").await;
        kyotaku.login_demo("kyotaku").await;
        assert_eq!(kyotaku.get("/partners").await.status, StatusCode::FORBIDDEN);

        let id = common::staff_id(&db, "kyotaku");
        let office = common::office_id(&db, "1310100001", "43");
        let page = admin.get(&format!("/staff/{id}/permissions")).await;
        assert!(
            page.body
                .contains("利用者基本情報、予定実績、ケアプラン連携")
        );
        let form_path = format!("/staff/{id}/permissions/{office}");
        let form = admin.get(&form_path).await;
        assert!(form.body.contains("全選択") && form.body.contains("全解除"));
        assert!(form.body.contains("value=\"careplan\" checked"));
        // Grant 他社情報, take ケアプラン連携 away.
        let r = admin
            .submit(
                &form_path,
                &form_path,
                &[
                    ("menu", "recipients"),
                    ("menu", "schedules"),
                    ("menu", "partners"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        let page = admin.get(&format!("/staff/{id}/permissions")).await;
        assert!(
            page.body.contains("他社情報、利用者基本情報、予定実績"),
            "{}",
            page.body
        );
        // kyotaku's very next request sees the change, with no new login.
        assert_eq!(kyotaku.get("/partners").await.status, StatusCode::OK);
        let top = kyotaku.get("/").await;
        assert!(top.body.contains("href=\"/partners\""));
        // The audit log says who changed what.
        let audit = admin.get("/audit").await;
        assert!(audit.body.contains("権限変更"));
        assert!(audit.body.contains(
            "利用者基本情報、予定実績、ケアプラン連携 → 他社情報、利用者基本情報、予定実績"
        ));
        // Take everything away: kyotaku is left with a top page that says so.
        admin.submit(&form_path, &form_path, &[]).await;
        let top = kyotaku.get("/").await;
        assert!(top.body.contains("使える画面が設定されていません"));
    }
);

both_backends!(only_managers_edit_permissions, |db: TestDb| async move {
    let db = db.with_demo();
    let mut jimu = Client::new(app(state(&db)).await);
    jimu.login_demo("jimu").await; // has 職員情報 but is not a manager
    let id = common::staff_id(&db, "kyotaku");
    let office = common::office_id(&db, "1310100001", "43");
    assert_eq!(jimu.get("/staff").await.status, StatusCode::OK);
    let perms = jimu.get(&format!("/staff/{id}/permissions")).await;
    assert_eq!(perms.status, StatusCode::OK);
    assert!(perms.body.contains("権限の変更は管理者が行います"));
    let path = format!("/staff/{id}/permissions/{office}");
    assert_eq!(jimu.get(&path).await.status, StatusCode::FORBIDDEN);
    let r = jimu.submit("/staff", &path, &[("menu", "staff")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("管理者だけが行える操作です"));
    // Nor can they make someone a manager through 基本情報.
    let r = jimu
        .submit(
            "/staff",
            &format!("/staff/{id}"),
            &[
                ("code", "S002"),
                ("name", "鈴木 花子"),
                ("kana", "すずき はなこ"),
                ("login_id", "kyotaku"),
                ("login_enabled", "1"),
                ("is_manager", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut conn = db.conn();
    assert!(
        !tsunagi::db::staff::find_by_id(&mut conn, id)
            .unwrap()
            .unwrap()
            .is_manager
    );
});

both_backends!(last_manager_is_protected, |db: TestDb| async move {
    let db = db.with_demo();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let id = common::staff_id(&db, "admin");
    let r = admin
        .submit(
            &format!("/staff/{id}"),
            &format!("/staff/{id}"),
            &[
                ("code", "S001"),
                ("name", "佐藤 一郎"),
                ("kana", "さとう いちろう"),
                ("login_id", "admin"),
                ("login_enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("法人で最後の管理者"));
    // What was typed is kept.
    assert!(r.body.contains("value=\"佐藤 一郎\""));
    let mut conn = db.conn();
    assert!(
        tsunagi::db::staff::find_by_id(&mut conn, id)
            .unwrap()
            .unwrap()
            .is_manager
    );
    drop(conn);
    // With a second manager, the first may step down.
    let kid = common::staff_id(&db, "kyotaku");
    admin
        .submit(
            &format!("/staff/{kid}"),
            &format!("/staff/{kid}"),
            &[
                ("code", "S002"),
                ("name", "鈴木 花子"),
                ("kana", "すずき はなこ"),
                ("login_id", "kyotaku"),
                ("login_enabled", "1"),
                ("is_manager", "1"),
            ],
        )
        .await;
    let r = admin
        .submit(
            &format!("/staff/{id}"),
            &format!("/staff/{id}"),
            &[
                ("code", "S001"),
                ("name", "佐藤 一郎"),
                ("kana", "さとう いちろう"),
                ("login_id", "admin"),
                ("login_enabled", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
});

both_backends!(create_staff_with_validation, |db: TestDb| async move {
    let db = db.with_demo();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let r = admin
        .submit(
            "/staff/new",
            "/staff/new",
            &[
                ("code", "S002"),
                ("name", "𠮷田 一"),
                ("kana", "吉田"),
                ("login_id", "kyotaku"),
                ("password", "short"),
                ("password_confirm", "short"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for msg in [
        "この職員コードはすでに使われています",
        "使えない文字「𠮷」",
        "ふりがなは、ひらがな",
        "このログインIDはすでに使われています",
        "10文字以上",
    ] {
        assert!(r.body.contains(msg), "missing message: {msg}");
    }
    let r = admin
        .submit(
            "/staff/new",
            "/staff/new",
            &[
                ("code", "S100"),
                ("name", "吉田 一"),
                ("kana", "ヨシダ ハジメ"),
                ("gender", "1"),
                ("login_id", "yoshida"),
                ("login_enabled", "1"),
                ("password", "yoshida-pass-1"),
                ("password_confirm", "yoshida-pass-1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().ends_with("?done=created"));
    let page = admin.get(&r.location()).await;
    assert!(page.body.contains("登録しました"));
    assert!(
        page.body.contains("value=\"よしだ　はじめ\""),
        "kana is normalised to hiragana"
    );
    // The new account can log in, belongs to the office it was registered in, and has no menus yet.
    let mut y = Client::new(app(state(&db)).await);
    assert_eq!(
        y.login("yoshida", "yoshida-pass-1").await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        y.get("/")
            .await
            .body
            .contains("使える画面が設定されていません")
    );
});

both_backends!(
    staff_list_search_rows_sort_and_paging,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut admin = Client::new(app(state(&db)).await);
        admin.login_demo("admin").await;
        let all = admin.get("/staff?scope=all").await;
        assert!(all.body.contains("全 7 件中 1〜7 件"), "{}", all.body);
        // Kana search finds katakana input too.
        let r = admin
            .get("/staff?scope=all&q=%E3%82%B9%E3%82%BA%E3%82%AD")
            .await; // スズキ
        assert!(r.body.contains("鈴木 花子") && r.body.contains("全 1 件"));
        // The た row: 高橋, 田中.
        let r = admin.get("/staff?scope=all&row=%E3%81%9F").await;
        assert!(
            r.body.contains("高橋 健一")
                && r.body.contains("田中 美咲")
                && !r.body.contains("鈴木 花子")
        );
        // Sorted by name: 伊藤 (い) before 佐藤 (さ); by code: 佐藤 (S001) first.
        let table = |body: &str| body[body.find("<tbody>").unwrap()..].to_string();
        let r = table(&admin.get("/staff?scope=all&sort=kana").await.body);
        assert!(r.find("伊藤 直樹").unwrap() < r.find("佐藤 一郎").unwrap());
        let r = table(&admin.get("/staff?scope=all&sort=code").await.body);
        assert!(r.find("佐藤 一郎").unwrap() < r.find("伊藤 直樹").unwrap());
        // Paging: 25 more staff make two pages of 20.
        {
            let mut conn = db.conn();
            let office = common::office_id(&db, "1310100001", "43");
            for i in 0..25 {
                let basics = tsunagi::db::staff::StaffBasics {
                    code: format!("P{i:03}"),
                    name: format!("試験 {i}"),
                    kana: format!("しけん {i}"),
                    kana_row: "さ".into(),
                    gender: String::new(),
                    login_id: format!("p{i:03}"),
                };
                let sid = tsunagi::db::staff::create(
                    &mut conn,
                    &tsunagi::db::staff::NewStaff {
                        corporation_id: 1,
                        basics: &basics,
                        password_hash: "x",
                        login_enabled: true,
                        is_manager: false,
                    },
                )
                .unwrap();
                tsunagi::db::staff::set_memberships(&mut conn, sid, &[office], office).unwrap();
            }
        }
        let p1 = admin.get("/staff").await;
        assert!(p1.body.contains("全 30 件中 1〜20 件"), "{}", p1.body);
        assert!(p1.body.contains("1 / 2 ページ"));
        let p2 = admin.get("/staff?page=2").await;
        assert!(p2.body.contains("全 30 件中 21〜30 件"));
        let past = admin.get("/staff?page=99").await;
        assert!(past.body.contains("2 / 2 ページ"));
    }
);

both_backends!(memberships_and_office_switch, |db: TestDb| async move {
    let db = db.with_demo();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    // admin works in the 居宅 office (優先) and switches to 訪問介護.
    let top = admin.get("/").await;
    assert!(
        top.body
            .contains("つなぎ居宅介護支援事業所（1310100001 (43 居宅介護支援)）で作業しています")
    );
    let homon = common::office_id(&db, "1310100001", "11");
    let r = admin
        .submit("/", "/office/switch", &[("office_id", &homon.to_string())])
        .await;
    assert_eq!(r.location(), "/?done=switched");
    let top = admin.get("/?done=switched").await;
    assert!(
        top.body
            .contains("つなぎ訪問介護ステーション（1310100001 (11 訪問介護)）で作業しています")
    );
    assert!(top.body.contains("事業所を切り替えました"));
    // Give helper the 居宅 office too (優先 stays 訪問介護), then take it away again.
    let hid = common::staff_id(&db, "helper");
    let k = common::office_id(&db, "1310100001", "43");
    let path = format!("/staff/{hid}/offices");
    let r = admin
        .submit(
            &path,
            &path,
            &[
                ("office", &homon.to_string()),
                ("office", &k.to_string()),
                ("primary", &homon.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mut conn = db.conn();
    assert_eq!(
        tsunagi::db::staff::memberships(&mut conn, hid)
            .unwrap()
            .len(),
        2
    );
    drop(conn);
    // A primary outside the chosen offices is refused with a message.
    let r = admin
        .submit(
            &path,
            &path,
            &[("office", &homon.to_string()), ("primary", &k.to_string())],
        )
        .await;
    assert!(r.body.contains("「優先」を1つ選んでください"));
    // Removing an office removes its permissions.
    admin
        .submit(
            &path,
            &path,
            &[("office", &k.to_string()), ("primary", &k.to_string())],
        )
        .await;
    let mut conn = db.conn();
    assert!(
        tsunagi::db::staff::menus(&mut conn, hid, homon)
            .unwrap()
            .is_empty()
    );
});

both_backends!(offices_and_partners_validation, |db: TestDb| async move {
    let db = db.with_demo();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let r = admin
        .submit(
            "/partners/new",
            "/partners/new",
            &[
                ("office_number", "12345"),
                ("service_type", "99"),
                ("name", ""),
                ("postcode", "12"),
                ("phone", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for msg in [
        "事業所番号は半角数字10桁",
        "サービス種類コード「99」は登録されていません",
        "事業所名を入力してください",
        "郵便番号は7桁",
        "電話番号は数字とハイフン",
    ] {
        assert!(r.body.contains(msg), "missing {msg}");
    }
    assert!(r.body.contains("value=\"12345\""), "typed values are kept");
    let r = admin
        .submit(
            "/partners/new",
            "/partners/new",
            &[
                ("office_number", "１３１０９０００９"),
                ("service_type", "15"),
                ("name", "こもれび通所介護"),
                ("kana", "コモレビ"),
                ("postcode", "1010041"),
                ("phone", "03-1111-2222"),
                ("csv_version", "v3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "a 9-digit number is refused");
    let r = admin
        .submit(
            "/partners/new",
            "/partners/new",
            &[
                ("office_number", "１３１０９０００９９"),
                ("service_type", "15"),
                ("name", "こもれび通所介護"),
                ("kana", "コモレビ"),
                ("postcode", "1010041"),
                ("phone", "03-1111-2222"),
                ("csv_version", "v3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = admin
        .get("/partners?q=%E3%81%93%E3%82%82%E3%82%8C%E3%81%B3")
        .await; // こもれび
    assert!(list.body.contains("1310900099"));
    assert!(list.body.contains("未対応"));
    assert!(list.body.contains(">V3<"));
    // The same number and type twice is refused.
    let r = admin
        .submit(
            "/partners/new",
            "/partners/new",
            &[
                ("office_number", "1310900099"),
                ("service_type", "15"),
                ("name", "重複"),
            ],
        )
        .await;
    assert!(r.body.contains("すでに登録されています"));
    // Own office: 地域区分 and the unique number + type.
    let o = common::office_id(&db, "1310200002", "15");
    let r = admin
        .submit(
            &format!("/offices/{o}"),
            &format!("/offices/{o}"),
            &[
                ("office_number", "1310100001"),
                ("service_type", "43"),
                ("name", "x"),
                ("area_grade", "1"),
            ],
        )
        .await;
    assert!(
        r.body
            .contains("この事業所番号とサービス種類の組み合わせは、すでに登録されています")
    );
    let r = admin
        .submit(
            &format!("/offices/{o}"),
            &format!("/offices/{o}"),
            &[
                ("office_number", "1310200002"),
                ("service_type", "15"),
                ("name", "つなぎデイサービス本町"),
                ("area_grade", "2"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = admin.get("/offices").await;
    assert!(list.body.contains("つなぎデイサービス本町") && list.body.contains("2級地"));
});

both_backends!(escapes_user_text, |db: TestDb| async move {
    let db = db.with_demo();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let r = admin
        .submit(
            "/partners/new",
            "/partners/new",
            &[
                ("office_number", "1310900001"),
                ("service_type", "11"),
                ("name", "<script>alert(1)</script>"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let list = admin.get("/partners").await;
    assert!(!list.body.contains("<script>alert(1)</script>"));
    assert!(list.body.contains("&#60;script&#62;") || list.body.contains("&lt;script&gt;"));
});

// Every request loads a staff member's offices with their 権限 in one statement; it must give
// the memberships (優先 first) and, office by office, the menus read one by one.
both_backends!(
    offices_with_menus_match_offices_and_menus,
    |db: TestDb| async move {
        use diesel::prelude::*;
        use tsunagi::db::schema::{memberships, staff};
        let db = db.with_demo();
        let mut conn = db.conn();
        let ids: Vec<i64> = staff::table.select(staff::id).load(&mut *conn).unwrap();
        let (mut offices_seen, mut differing) = (0, false);
        for id in ids {
            let joined = tsunagi::db::offices::of_staff_with_menus(&mut conn, id).unwrap();
            let mut members: Vec<(i64, bool)> = memberships::table
                .filter(memberships::staff_id.eq(id))
                .select((memberships::office_id, memberships::is_primary))
                .load(&mut *conn)
                .unwrap();
            let mut got: Vec<(i64, bool)> = joined.iter().map(|(o, p, _)| (o.id, *p)).collect();
            // 優先 first.
            assert!(got.windows(2).all(|w| w[0].1 >= w[1].1), "staff {id}");
            members.sort();
            got.sort();
            assert_eq!(got, members, "staff {id}");
            differing |= joined.iter().any(|(_, _, m)| *m != joined[0].2);
            for (o, _, menus) in &joined {
                let one_by_one = tsunagi::db::staff::menus(&mut conn, id, o.id).unwrap();
                assert_eq!(*menus, one_by_one, "staff {id}, office {}", o.id);
                offices_seen += 1;
            }
        }
        assert!(offices_seen >= 3, "the demo's staff belong to offices");
        assert!(
            differing,
            "a demo staff member has other menus in another office"
        );
    }
);
