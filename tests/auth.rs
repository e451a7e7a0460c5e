//! Login, sessions, CSRF, lock-out and password changes, through the real HTTP stack.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state, state_with};
use tsunagi::config::Settings;

both_backends!(
    login_redirects_and_renews_session,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut c = Client::new(app(state(&db)).await);
        // Not logged in: to the login form, remembering where we were going.
        let r = c.get("/staff?q=x").await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert_eq!(r.location(), "/login?next=%2Fstaff%3Fq%3Dx");
        // A session id set before login is replaced by a new one at login.
        c.cookies
            .insert("tsunagi_session".into(), "planted-by-attacker".into());
        c.login_demo("admin").await;
        let sid = c.cookies.get("tsunagi_session").cloned().unwrap();
        assert_ne!(sid, "planted-by-attacker");
        let top = c.get("/").await;
        assert_eq!(top.status, StatusCode::OK);
        assert!(top.body.contains("佐藤 一郎"));
        assert!(top.body.contains("つなぎ居宅介護支援事業所"));
        assert_eq!(top.header("cache-control"), "no-store");
        assert!(
            top.header("content-security-policy")
                .contains("script-src 'self'")
        );
        assert_eq!(top.header("x-frame-options"), "DENY");
        assert_eq!(top.header("x-content-type-options"), "nosniff");
        // Logging in again gives yet another session id.
        c.login_demo("admin").await;
        assert_ne!(c.cookies.get("tsunagi_session").unwrap(), &sid);
    }
);

both_backends!(wrong_password_then_lockout, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    for i in 1..=4 {
        let r = c.login("kyotaku", "wrong password").await;
        assert_eq!(r.status, StatusCode::OK, "attempt {i}");
        assert!(
            r.body
                .contains("ログインIDまたはパスワードが正しくありません")
        );
    }
    let r = c.login("kyotaku", "wrong password").await;
    assert!(r.body.contains("ロックされています"), "{}", r.body);
    // Even the right password is refused while locked.
    let r = c.login("kyotaku", tsunagi::demo::PASSWORD).await;
    assert!(r.body.contains("ロックされています"));
    assert!(!c.cookies.contains_key("tsunagi_session"));
    // The audit log has the failures and the lock.
    let mut conn = db.conn();
    let (entries, _) =
        tsunagi::db::audit::search(&mut conn, 1, &Default::default(), 100, 0).unwrap();
    assert!(entries.iter().any(|(e, _)| e.action == "login_locked"));
    assert!(
        entries
            .iter()
            .filter(|(e, _)| e.action == "login_failed")
            .count()
            >= 4
    );
    // A password reset unlocks.
    let id = common::staff_id(&db, "kyotaku");
    tsunagi::db::staff::set_password_hash(
        &mut conn,
        id,
        &tsunagi::auth::password::hash("a-new-password-1"),
    )
    .unwrap();
    drop(conn);
    let r = c.login("kyotaku", "a-new-password-1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
});

both_backends!(lockout_is_shared_between_servers, |db: TestDb| async move {
    let db = db.with_demo();
    // Two app instances on one database stand for two servers.
    let mut a = Client::new(app(state(&db)).await);
    let mut b = Client::new(app(state(&db)).await);
    for _ in 0..3 {
        a.login("helper", "nope nope nope").await;
    }
    for _ in 0..2 {
        b.login("helper", "nope nope nope").await;
    }
    let r = b.login("helper", tsunagi::demo::PASSWORD).await;
    assert!(r.body.contains("ロックされています"));
    let r = a.login("helper", tsunagi::demo::PASSWORD).await;
    assert!(r.body.contains("ロックされています"));
});

both_backends!(address_throttling, |db: TestDb| async move {
    let db = db.with_demo();
    let settings = Settings {
        address_failure_limit: 3,
        ..Settings::default()
    };
    let mut c = Client::new(app(state_with(&db, settings)).await);
    for name in ["nobody1", "nobody2", "nobody3"] {
        c.login(name, "whatever-123").await;
    }
    let r = c.login("admin", tsunagi::demo::PASSWORD).await;
    assert!(
        r.body.contains("この端末からのログイン失敗が続いた"),
        "{}",
        r.body
    );
    // Another address is not affected.
    c.peer = "127.0.0.2:40000".parse().unwrap();
    c.login_demo("admin").await;
});

both_backends!(csrf_is_required_on_every_form, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    // The login form itself needs its token.
    let r = c
        .post(
            "/login",
            &[("login_id", "admin"), ("password", tsunagi::demo::PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("画面の有効期限が切れました"));
    c.login_demo("admin").await;
    let kyotaku = common::staff_id(&db, "kyotaku");
    let office = common::office_id(&db, "1310100001", "43");
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        ("/logout".into(), vec![]),
        ("/office/switch".into(), vec![("office_id", "2")]),
        (
            "/account/password".into(),
            vec![("current", "x"), ("new_password", "y"), ("confirm", "y")],
        ),
        ("/staff/new".into(), vec![("code", "X1")]),
        (format!("/staff/{kyotaku}"), vec![("code", "X1")]),
        (format!("/staff/{kyotaku}/offices"), vec![("office", "1")]),
        (
            format!("/staff/{kyotaku}/permissions/{office}"),
            vec![("menu", "staff")],
        ),
        ("/staff/export".into(), vec![]),
        ("/offices/new".into(), vec![]),
        (format!("/offices/{office}"), vec![]),
        ("/partners/new".into(), vec![]),
        ("/partners/1".into(), vec![]),
        ("/audit/export".into(), vec![]),
        ("/settings".into(), vec![("name", "乗っ取り")]),
    ];
    // A token from another session is as bad as none.
    let mut other = Client::new(app(state(&db)).await);
    other.login_demo("kyotaku").await;
    let foreign = other.get("/").await.csrf();
    for (path, fields) in &posts {
        let r = c.post(path, fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "no token: {path}");
        let mut with_foreign: Vec<(&str, &str)> = vec![("csrf_token", foreign.as_str())];
        with_foreign.extend(fields.iter().cloned());
        let r = c.post(path, &with_foreign).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "foreign token: {path}");
    }
    // Nothing changed: still logged in, permissions intact, name intact.
    let top = c.get("/").await;
    assert_eq!(top.status, StatusCode::OK);
    assert!(top.body.contains("株式会社つなぎケア"));
    let mut conn = db.conn();
    let menus = tsunagi::db::staff::menus(&mut conn, kyotaku, office).unwrap();
    assert_eq!(menus.len(), 3);
});

both_backends!(logout_ends_the_session, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    c.login_demo("kyotaku").await;
    let stolen = c.cookies.get("tsunagi_session").cloned().unwrap();
    let r = c.submit("/", "/logout", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/login?reason=logout");
    // Replaying the old cookie does not work.
    c.cookies.insert("tsunagi_session".into(), stolen);
    let r = c.get("/").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
});

both_backends!(idle_timeout_and_disabled_staff, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    c.login_demo("kyotaku").await;
    // Make the session look idle for 31 minutes.
    {
        use diesel::prelude::*;
        use tsunagi::db::schema::sessions;
        let mut conn = db.conn();
        diesel::update(sessions::table)
            .set(sessions::last_seen_at.eq(tsunagi::db::now() - chrono::Duration::minutes(31)))
            .execute(&mut *conn)
            .unwrap();
    }
    let r = c.get("/").await;
    assert_eq!(r.location(), "/login?next=%2F&reason=timeout");
    let page = c.get("/login?reason=timeout").await;
    assert!(page.body.contains("一定時間操作がなかったため"));

    // A manager disables helper: helper's open session ends at once.
    let mut helper = Client::new(app(state(&db)).await);
    helper.login_demo("helper").await;
    assert_eq!(helper.get("/").await.status, StatusCode::OK);
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let hid = common::staff_id(&db, "helper");
    let page = admin.get(&format!("/staff/{hid}")).await;
    let r = admin
        .post(
            &format!("/staff/{hid}"),
            &[
                ("csrf_token", &page.csrf()),
                ("code", "S003"),
                ("name", "高橋 健一"),
                ("kana", "たかはし けんいち"),
                ("gender", "1"),
                ("login_id", "helper"),
                // login_enabled left unchecked
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(helper.get("/").await.status, StatusCode::SEE_OTHER);
    let r = helper.login("helper", tsunagi::demo::PASSWORD).await;
    assert!(r.body.contains("ログインできない設定"));
});

both_backends!(password_change, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    let mut elsewhere = Client::new(app(state(&db)).await);
    c.login_demo("kyotaku").await;
    elsewhere.login_demo("kyotaku").await;
    // Too short, mismatched, wrong current: each says so next to its field.
    let r = c
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current", "wrong"),
                ("new_password", "short"),
                ("confirm", "other"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("現在のパスワードが正しくありません"));
    assert!(r.body.contains("10文字以上"));
    assert!(r.body.contains("確認用のパスワードが一致しません"));
    let r = c
        .submit(
            "/account/password",
            "/account/password",
            &[
                ("current", tsunagi::demo::PASSWORD),
                ("new_password", "kyotaku-new-pass"),
                ("confirm", "kyotaku-new-pass"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // This session goes on; the other one ended; the new password works.
    assert_eq!(c.get("/").await.status, StatusCode::OK);
    assert_eq!(elsewhere.get("/").await.status, StatusCode::SEE_OTHER);
    let mut fresh = Client::new(app(state(&db)).await);
    assert_eq!(
        fresh.login("kyotaku", "kyotaku-new-pass").await.status,
        StatusCode::SEE_OTHER
    );
});

both_backends!(login_next_is_local_only, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    let page = c.get("/login?next=//evil.example/").await;
    let token = page.csrf();
    assert!(page.body.contains("name=\"next\" value=\"/\""));
    let r = c
        .post(
            "/login",
            &[
                ("csrf_token", &token),
                ("login_id", "admin"),
                ("password", tsunagi::demo::PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(r.location(), "/");
});

both_backends!(healthz, |db: TestDb| async move {
    let mut c = Client::new(app(state(&db)).await);
    let r = c.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "ok");
});

#[actix_web::test]
async fn healthz_is_503_when_the_database_is_down() {
    let db = tsunagi::db::Db::lazy("postgres://nobody@127.0.0.1:1/none", 1);
    let state = tsunagi::AppState {
        db,
        settings: std::sync::Arc::new(Settings::default()),
    };
    let mut c = Client::new(app(state).await);
    let r = c.get("/healthz").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
}

both_backends!(absolute_session_lifetime, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    c.login_demo("kyotaku").await;
    {
        use diesel::prelude::*;
        use tsunagi::db::schema::sessions;
        let mut conn = db.conn();
        diesel::update(sessions::table)
            .set(sessions::expires_at.eq(tsunagi::db::now() - chrono::Duration::seconds(1)))
            .execute(&mut *conn)
            .unwrap();
    }
    assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER);
});

both_backends!(
    manager_password_reset_ends_sessions,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut helper = Client::new(app(state(&db)).await);
        helper.login_demo("helper").await;
        let mut admin = Client::new(app(state(&db)).await);
        admin.login_demo("admin").await;
        let hid = common::staff_id(&db, "helper");
        let r = admin
            .submit(
                &format!("/staff/{hid}"),
                &format!("/staff/{hid}"),
                &[
                    ("code", "S003"),
                    ("name", "高橋 健一"),
                    ("kana", "たかはし けんいち"),
                    ("login_id", "helper"),
                    ("login_enabled", "1"),
                    ("password", "helper-reset-01"),
                    ("password_confirm", "helper-reset-01"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(helper.get("/").await.status, StatusCode::SEE_OTHER);
        assert_eq!(
            helper.login("helper", "helper-reset-01").await.status,
            StatusCode::SEE_OTHER
        );
        let audit = admin.get("/audit").await;
        assert!(audit.body.contains("パスワード再設定"));
    }
);

both_backends!(audit_filters, |db: TestDb| async move {
    let db = db.with_demo();
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    let kid = common::staff_id(&db, "kyotaku");
    let only_k = admin.get(&format!("/audit?staff={kid}")).await;
    assert!(only_k.body.contains("全 1 件"), "{}", only_k.body);
    assert!(only_k.body.contains(">kyotaku<"));
    let today = (chrono::Utc::now() + chrono::Duration::hours(9))
        .format("%Y-%m-%d")
        .to_string();
    let r = admin
        .get(&format!("/audit?from={today}&until={today}"))
        .await;
    assert!(r.body.contains(">admin<") && r.body.contains(">kyotaku<"));
    let r = admin.get("/audit?from=2000-01-01&until=2000-01-02").await;
    assert!(r.body.contains("条件に合う操作履歴はありません"));
});
