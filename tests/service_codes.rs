//! サービスコード表: lookup, import on screen (per corporation) and from the command line.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};

const TABLE: &str = "code,name,units,unit_basis,limit_target,kind,rate,valid_from,valid_to\n\
111111,身体介護１,244,1回,1,基本,,20240401,\n\
111211,身体介護２,387,1回,1,基本,,20240401,\n";

both_backends!(lookup_and_import_on_screen, |db: TestDb| async move {
    let db = db.with_demo();
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    let page = k
        .get("/service-codes?q=%E8%BA%AB%E4%BD%93%E4%BB%8B%E8%AD%B7%EF%BC%91")
        .await; // 身体介護１
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("111111") && page.body.contains("244"));
    assert!(page.body.contains("同梱の令和6年度サービスコード表"));
    assert!(
        !page.body.contains("サービスコード表の取込"),
        "only managers with システム設定 import"
    );
    let token = page.csrf();
    let r = k
        .post_multipart(
            "/service-codes/import",
            &[("csrf_token", &token)],
            ("file", "codes.csv", TABLE.as_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let token = admin.get("/service-codes").await.csrf();
    // A broken table: every problem with its line, nothing imported.
    let bad = "code,name,units,unit_basis,limit_target,kind,rate,valid_from,valid_to\n111111,身体介護１,abc,1回,1,基本,,,\n991111,謎,1,1回,1,基本,,,\n";
    let r = admin
        .post_multipart(
            "/service-codes/import",
            &[("csrf_token", &token)],
            ("file", "bad.csv", bad.as_bytes()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("取り込みませんでした")
            && r.body.contains("2 行目")
            && r.body.contains("3 行目"),
        "{}",
        r.body
    );
    // Without the token: refused.
    let r = admin
        .post_multipart(
            "/service-codes/import",
            &[],
            ("file", "codes.csv", TABLE.as_bytes()),
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);
    // An MS932 file imports and replaces the table for this corporation only.
    let (ms932, _, _) = encoding_rs::SHIFT_JIS.encode(TABLE);
    let r = admin
        .post_multipart(
            "/service-codes/import",
            &[("csrf_token", &token)],
            ("file", "codes.csv", &ms932),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = admin.get("/service-codes").await;
    assert!(page.body.contains("取り込んだサービスコード表（2 行）"));
    let mut other = Client::new(app(state(&db)).await);
    other.login_demo("other").await;
    assert!(
        other
            .get("/service-codes")
            .await
            .body
            .contains("同梱の令和6年度サービスコード表")
    );
});

#[test]
fn import_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("c.sqlite3").display());
    let good = dir.path().join("good.csv");
    std::fs::write(&good, TABLE).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "code,name\n111111,x\n").unwrap();
    let run = |f: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_tsunagi"))
            .env("RUST_LOG", "warn")
            .args(["admin", "--database-url", &url, "import-service-codes"])
            .arg(f)
            .output()
            .unwrap()
    };
    let out = run(&good);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 2 service codes"));
    let out = run(&bad);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing was imported"));
}
