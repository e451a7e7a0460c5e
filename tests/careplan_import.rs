//! ケアプラン連携 取込, first step: upload received files and zips, the 取込確認 list with every
//! check, originals kept as evidence; bad uploads refused whole with a message.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};

/// The 居宅's 利用票 zip for this month, as `tsunagi export` would write it.
fn plan_zip(db: &TestDb) -> Vec<u8> {
    use tsunagi::exchange::export::DataKind;
    let month = tsunagi::web::dates::today_jst().format("%Y%m").to_string();
    let out = common::export_all(db, ("1310100001", "43"), DataKind::Plan, &month, 9);
    out.zips.into_iter().next().unwrap().bytes
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    tsunagi::exchange::unpack::read_zip("x.zip", bytes)
        .unwrap()
        .into_iter()
        .map(|i| (i.name, i.bytes))
        .collect()
}

fn stored(db: &TestDb) -> i64 {
    use diesel::prelude::*;
    let mut c = db.conn();
    tsunagi::db::schema::received_files::table
        .count()
        .get_result(&mut *c)
        .unwrap()
}

both_backends!(provider_uploads_the_monthly_zip, |db: TestDb| async move {
    let db = db.with_demo();
    let zip = plan_zip(&db);
    let mut h = Client::new(app(state(&db)).await);
    h.login_demo("helper").await;
    let page = h.get("/careplan/import").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("受信したファイルはありません"));
    let token = page.csrf();
    let r = h
        .post_files(
            "/careplan/import/upload",
            &[("csrf_token", token.as_str())],
            &[("files", "利用票出力_1310100001.zip", &zip)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let files = unzip(&zip).len();
    assert!(
        r.location().contains(&format!("stored={files}")),
        "{}",
        r.location()
    );
    let list = h.get(&r.location()).await;
    assert!(
        list.body
            .contains(&format!("{files}件のファイルを受け付けました")),
        "{}",
        list.body
    );
    // The set addressed to this office (訪問介護 1310100001/11) can be imported; the others
    // are refused with the reason.
    let ours = list
        .body
        .split("<tr")
        .find(|row| row.contains("_1310100001_11_") && row.contains("UPPLAN_"))
        .unwrap();
    assert!(!ours.contains("field-error\">(エ)"), "{ours}");
    assert!(ours.contains("利用票") && ours.contains("つなぎ居宅介護支援事業所"));
    assert!(list.body.contains(
        "(エ) この事業所（1310100001 11）宛てのファイルではありません（送信先 1310200002 15）。"
    ));
    assert!(list.body.contains("令和"), "提供月 in 和暦");
    assert_eq!(stored(&db), files as i64);

    // The same zip again: nothing new is stored.
    let token = h.get("/careplan/import").await.csrf();
    let r = h
        .post_files(
            "/careplan/import/upload",
            &[("csrf_token", token.as_str())],
            &[("files", "again.zip", &zip)],
        )
        .await;
    assert!(
        r.location().contains(&format!("stored=0&dup={files}")),
        "{}",
        r.location()
    );
    assert_eq!(stored(&db), files as i64);

    // The original is kept byte for byte.
    let (name, bytes) = unzip(&zip)
        .into_iter()
        .find(|(n, _)| n.starts_with("UPPLAN_"))
        .unwrap();
    let id = {
        use diesel::prelude::*;
        use tsunagi::db::schema::received_files as rf;
        let mut c = db.conn();
        rf::table
            .filter(rf::file_name.eq(&name))
            .select(rf::id)
            .first::<i64>(&mut *c)
            .unwrap()
    };
    let got = h.get(&format!("/careplan/import/files/{id}")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.bytes, bytes);
    // Another corporation's staff cannot fetch it.
    let mut o = Client::new(app(state(&db)).await);
    o.login_demo("other").await;
    assert_eq!(
        o.get(&format!("/careplan/import/files/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
});

both_backends!(bad_uploads_are_refused_whole, |db: TestDb| async move {
    let db = db.with_demo();
    let zip = plan_zip(&db);
    let entries = unzip(&zip);
    let (name, bytes) = entries
        .iter()
        .find(|(n, _)| n.starts_with("UPPLAN_") && n.contains("_1310100001_11_"))
        .unwrap();
    let mut h = Client::new(app(state(&db)).await);
    h.login_demo("helper").await;
    let token = h.get("/careplan/import").await.csrf();
    let form = [("csrf_token", token.as_str())];
    // A zip that climbs out of itself.
    let evil = common::zip_of(&[("../x.CSV", b"202407\r\n")]);
    let r = h
        .post_files(
            "/careplan/import/upload",
            &form,
            &[("files", "evil.zip", &evil)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("何も保存しませんでした"), "{}", r.body);
    // Not a CSV or zip, even next to a good file: nothing is stored.
    let r = h
        .post_files(
            "/careplan/import/upload",
            &form,
            &[("files", name, bytes), ("files", "memo.xlsx", b"PK")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("CSV でも zip でもない"));
    // Over 10 MB.
    let big = vec![b'0'; 10 * 1024 * 1024 + 10];
    let r = h
        .post_files(
            "/careplan/import/upload",
            &form,
            &[("files", "big.CSV", &big)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("1ファイル10MB"), "{}", r.body);
    assert_eq!(stored(&db), 0);

    // A UTF-8 file and a truncated file are received but refused, with the reason.
    let text = tsunagi::web::service_codes::decode_text(bytes);
    // (Same name: the two uploads differ in their bytes, and both are kept.)
    let utf8_name = name.clone();
    let truncated = &bytes[..bytes.len() / 2 + 7];
    let r = h
        .post_files(
            "/careplan/import/upload",
            &form,
            &[
                ("files", &utf8_name, text.as_bytes()),
                ("files", name, truncated),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        r.location().contains("stored=2") && r.location().contains("refused=2"),
        "{}",
        r.location()
    );
    let list = h.get("/careplan/import").await;
    assert!(list.body.contains("UTF-8"), "{}", list.body);
    assert!(list.body.contains("field-error\">(エ)"));
    // An incomplete set is refused as a set: only the UPPLAN of its set arrived.
    assert!(
        list.body.contains("UPSIKYU"),
        "the set message names the missing file: {}",
        list.body
    );

    // Without ケアプラン連携: 403, nothing stored.
    let mut n = Client::new(app(state(&db)).await);
    n.login_demo("noperm").await;
    assert_eq!(
        n.get("/careplan/import").await.status,
        StatusCode::FORBIDDEN
    );
});

both_backends!(
    a_set_arriving_in_pieces_becomes_importable,
    |db: TestDb| async move {
        let db = db.with_demo();
        let zip = plan_zip(&db);
        let mine: Vec<(String, Vec<u8>)> = unzip(&zip)
            .into_iter()
            .filter(|(n, _)| n.contains("_1310100001_43_1310100001_11_"))
            .collect();
        assert_eq!(mine.len(), 3);
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        let token = h.get("/careplan/import").await.csrf();
        let form = [("csrf_token", token.as_str())];
        let upplan = mine.iter().find(|(n, _)| n.starts_with("UPPLAN_")).unwrap();
        let r = h
            .post_files(
                "/careplan/import/upload",
                &form,
                &[("files", &upplan.0, &upplan.1)],
            )
            .await;
        assert!(r.location().contains("refused=1"), "{}", r.location());
        let rest: Vec<(&str, &str, &[u8])> = mine
            .iter()
            .filter(|(n, _)| !n.starts_with("UPPLAN_"))
            .map(|(n, b)| ("files", n.as_str(), b.as_slice()))
            .collect();
        let r = h.post_files("/careplan/import/upload", &form, &rest).await;
        assert!(
            r.location().contains("stored=2&dup=0&refused=0"),
            "{}",
            r.location()
        );
        let list = h.get("/careplan/import").await;
        assert!(!list.body.contains("field-error\">(エ)"), "{}", list.body);
        assert!(
            !list
                .body
                .contains("<strong class=\"field-error\">取り込めません")
        );
    }
);

both_backends!(
    an_unknown_sender_can_be_registered_from_the_list,
    |db: TestDb| async move {
        let db = db.with_demo();
        // The 居宅's set for the 訪問介護, as if sent by a 居宅 we do not know.
        let files: Vec<(String, Vec<u8>)> = unzip(&plan_zip(&db))
            .into_iter()
            .filter(|(n, _)| n.contains("_1310100001_11_"))
            .map(|(n, b)| (n.replace("_1310100001_43_", "_1399999999_43_"), b))
            .collect();
        assert!(!files.is_empty());
        let upload: Vec<(&str, &str, &[u8])> = files
            .iter()
            .map(|(n, b)| ("files", n.as_str(), b.as_slice()))
            .collect();
        let link = "/partners/new?office_number=1399999999&#38;service_type=43";
        // helper may not use 他社情報: the sender is marked unknown, without the link.
        let mut h = Client::new(app(state(&db)).await);
        h.login_demo("helper").await;
        let r = h.upload(&upload).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let list = h.get("/careplan/import").await;
        assert!(list.body.contains("（他社情報に未登録）"));
        assert!(!list.body.contains(link));
        // admin, working in the 訪問介護, gets the link, and the form comes filled in.
        let homon = common::office_id(&db, "1310100001", "11");
        let mut a = Client::new(app(state(&db)).await);
        a.login_demo("admin").await;
        a.submit("/", "/office/switch", &[("office_id", &homon.to_string())])
            .await;
        let list = a.get("/careplan/import").await;
        assert!(list.body.contains(link), "{}", list.body);
        let form = a.get(&link.replace("&#38;", "&")).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("value=\"1399999999\""), "{}", form.body);
        // A known sender (our own 居宅) gets no link.
        assert!(!list.body.contains("office_number=1310100001"));
        // Nothing but well-formed numbers is taken over.
        let odd = a
            .get("/partners/new?office_number=%3Cb%3E&service_type=4")
            .await;
        assert!(!odd.body.contains("&lt;b&gt;"));
    }
);
