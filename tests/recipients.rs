//! 利用者基本情報: finding, registering and editing recipients, certifications, providers.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};

fn recipient_id(db: &TestDb, code: &str, corp: i64) -> i64 {
    use diesel::prelude::*;
    use tsunagi::db::schema::recipients;
    let mut c = db.conn();
    recipients::table
        .filter(recipients::code.eq(code))
        .filter(recipients::corporation_id.eq(corp))
        .select(recipients::id)
        .first::<i64>(&mut *c)
        .unwrap()
}

both_backends!(care_manager_finds_recipients, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    c.login_demo("kyotaku").await;
    let list = c.get("/recipients").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("全 22 件中 1〜20 件"), "{}", list.body);
    for col in [
        "利用者コード",
        "氏名",
        "ふりがな",
        "介護度",
        "保険者",
        "被保険者番号",
        "担当ケアマネ",
        "認定有効期間",
    ] {
        assert!(list.body.contains(&format!("<th>{col}</th>")));
    }
    // Katakana typed, hiragana stored.
    let r = c.get("/recipients?q=%E3%83%A4%E3%83%9E%E3%83%80").await; // ヤマダ
    assert!(r.body.contains("山田 太郎") && r.body.contains("全 1 件"));
    // The や row.
    let r = c.get("/recipients?row=%E3%82%84").await;
    assert!(
        r.body.contains("山田 太郎")
            && r.body.contains("吉田 よし子")
            && !r.body.contains("青木 キヨ")
    );
    // By care level (要介護1 = 21) and by care manager.
    let r = c.get("/recipients?level=21").await;
    assert!(r.body.contains("青木 キヨ") && !r.body.contains("石川 正男"));
    let kid = common::staff_id(&db, "kyotaku");
    let r = c.get(&format!("/recipients?cm={kid}")).await;
    assert!(r.body.contains("全 11 件"), "{}", r.body);
    // The second corporation's recipients never appear.
    let r = c.get("/recipients?q=%E5%A4%A7%E9%98%AA").await; // 大阪
    assert!(r.body.contains("条件に合う利用者はいません"));
});

both_backends!(
    register_with_wareki_and_validation,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut c = Client::new(app(state(&db)).await);
        c.login_demo("kyotaku").await;
        let r = c
            .submit(
                "/recipients/new",
                "/recipients/new",
                &[
                    ("code", "R0001"),
                    ("name", "𠮷野 一"),
                    ("kana", "ヨシノ"),
                    ("birth_date", "平成31年5月1日"),
                    ("insurer_number", "13101"),
                    ("insured_number", "12345"),
                    ("burden_ratio", "1"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        for msg in [
            "この利用者コードはすでに使われています",
            "使えない文字「𠮷」",
            "その元号の期間外",
            "保険者番号は半角数字6桁",
            "被保険者番号は半角数字10桁",
        ] {
            assert!(r.body.contains(msg), "missing {msg}");
        }
        // The same insurer + insured number as 青木 キヨ.
        let r = c
            .submit(
                "/recipients/new",
                "/recipients/new",
                &[
                    ("code", "R0100"),
                    ("name", "吉野 一"),
                    ("kana", "よしの はじめ"),
                    ("birth_date", "S15.4.1"),
                    ("insurer_number", "131016"),
                    ("insured_number", "1000000101"),
                    ("burden_ratio", "2"),
                ],
            )
            .await;
        assert!(r.body.contains(
            "この保険者番号と被保険者番号の利用者はすでに登録されています（R0001 青木 キヨ）"
        ));
        assert!(
            r.body.contains("1940/04/01（昭和15年4月1日）"),
            "the typed 和暦 is shown in both calendars"
        );
        let office = common::office_id(&db, "1310100001", "43");
        let r = c
            .submit(
                "/recipients/new",
                "/recipients/new",
                &[
                    ("code", "R0100"),
                    ("name", "吉野 一"),
                    ("kana", "よしの はじめ"),
                    ("gender", "1"),
                    ("birth_date", "S15.4.1"),
                    ("insurer_number", "１３１０１６"),
                    ("insured_number", "h123456789"),
                    ("burden_ratio", "2"),
                    ("care_office", &format!("o:{office}")),
                    (
                        "care_manager",
                        &common::staff_id(&db, "kyotaku").to_string(),
                    ),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let page = c.get(&r.location()).await;
        assert!(page.body.contains("登録しました"));
        assert!(page.body.contains("value=\"1940/04/01\""));
        assert!(page.body.contains("1940/04/01（昭和15年4月1日）"));
        assert!(
            page.body.contains("value=\"H123456789\""),
            "生保単独 number normalised"
        );
        assert!(page.body.contains("value=\"2\" checked"));
    }
);

both_backends!(certifications_fill_the_limit, |db: TestDb| async move {
    let db = db.with_demo();
    let mut c = Client::new(app(state(&db)).await);
    c.login_demo("kyotaku").await;
    let id = recipient_id(&db, "R0002", 1);
    let path = format!("/recipients/{id}/certifications");
    let page = c.get(&path).await;
    assert!(
        page.body.contains("要介護２") && page.body.contains("19,705 単位"),
        "{}",
        page.body
    );
    let r = c
        .submit(
            &path,
            &path,
            &[
                ("status", "certified"),
                ("care_level", "24"),
                ("certified_on", "R8.3.20"),
                ("valid_from", "R8.4.1"),
                ("valid_to", "R8.3.31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("終了日は開始日より後に"));
    let r = c
        .submit(
            &path,
            &path,
            &[
                ("status", "certified"),
                ("care_level", "24"),
                ("certified_on", "R8.3.20"),
                ("valid_from", "R8.4.1"),
                ("valid_to", "2027/3/31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = c.get(&path).await;
    assert!(page.body.contains("要介護４") && page.body.contains("30,938 単位"));
    assert!(page.body.contains("2026/04/01（令和8年4月1日）"));
    // 申請中 needs no 認定日.
    let r = c
        .submit(
            &path,
            &path,
            &[
                ("status", "applying"),
                ("care_level", "21"),
                ("valid_from", "2027/4/1"),
                ("valid_to", "2028/3/31"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(c.get(&path).await.body.contains("申請中"));
});

both_backends!(providers_and_office_scope, |db: TestDb| async move {
    let db = db.with_demo();
    // R0002 uses 通所介護 and 訪問看護, not 訪問介護: the helper does not see them.
    let r2 = recipient_id(&db, "R0002", 1);
    let mut helper = Client::new(app(state(&db)).await);
    helper.login_demo("helper").await;
    assert_eq!(
        helper.get(&format!("/recipients/{r2}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = helper.get("/recipients").await;
    assert!(list.body.contains("青木 キヨ") && !list.body.contains("石川 正男"));
    // The care manager adds 訪問介護 for R0002; now the helper sees them.
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    let homon = common::office_id(&db, "1310100001", "11");
    let path = format!("/recipients/{r2}/providers");
    let r = k
        .submit(&path, &path, &[("provider", &format!("o:{homon}"))])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        k.get(&path)
            .await
            .body
            .contains("つなぎ訪問介護ステーション")
    );
    assert_eq!(
        helper.get(&format!("/recipients/{r2}")).await.status,
        StatusCode::OK
    );
    // Twice is refused with a message.
    let r = k
        .submit(&path, &path, &[("provider", &format!("o:{homon}"))])
        .await;
    assert!(r.body.contains("すでに登録されています"));
    // Another corporation's office id is refused.
    let naniwa = common::office_id(&db, "2710100001", "43");
    let r = k
        .submit(&path, &path, &[("provider", &format!("o:{naniwa}"))])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Another corporation cannot read or change the recipient.
    let mut other = Client::new(app(state(&db)).await);
    other.login_demo("other").await;
    assert_eq!(
        other.get(&format!("/recipients/{r2}")).await.status,
        StatusCode::NOT_FOUND
    );
    let r = other
        .submit(
            "/recipients",
            &format!("/recipients/{r2}/certifications"),
            &[
                ("care_level", "25"),
                ("valid_from", "2026/1/1"),
                ("valid_to", "2026/12/31"),
                ("certified_on", "2025/12/1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
});

// The unfiltered list's total is counted from indexes (those whose 居宅 the office is, plus those
// it provides for, less both); it must equal the rows the list's filter finds, for a 居宅, a
// provider, and an office that is both for the same recipients.
both_backends!(
    unfiltered_total_counts_each_recipient_once,
    |db: TestDb| async move {
        use diesel::prelude::*;
        use tsunagi::db::recipients::{RecipientQuery, add_provider, search};
        use tsunagi::db::schema::{offices, recipients};
        let db = db.with_demo();
        let mut conn = db.conn();
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        let query = |corporation_id, office_id, per_page| {
            RecipientQuery::unfiltered(corporation_id, office_id, day, per_page)
        };
        let all: Vec<(i64, i64)> = offices::table
            .select((offices::id, offices::corporation_id))
            .load(&mut *conn)
            .unwrap();
        // A 居宅 that also provides for two of its own recipients and for one without a 居宅.
        let (kyotaku, _) = *all
            .iter()
            .find(|(id, _)| {
                recipients::table
                    .filter(recipients::care_office_id.eq(id))
                    .count()
                    .get_result::<i64>(&mut *conn)
                    .unwrap()
                    >= 2
            })
            .unwrap();
        let own: Vec<i64> = recipients::table
            .filter(recipients::care_office_id.eq(kyotaku))
            .select(recipients::id)
            .order(recipients::id)
            .limit(2)
            .load(&mut *conn)
            .unwrap();
        // One of its recipients without a 居宅 (a provider-only recipient): seen through the link.
        let other: i64 = recipients::table
            .filter(recipients::care_office_id.eq(kyotaku))
            .select(recipients::id)
            .order(recipients::id.desc())
            .first(&mut *conn)
            .unwrap();
        assert!(!own.contains(&other));
        diesel::update(recipients::table.find(other))
            .set(recipients::care_office_id.eq(None::<i64>))
            .execute(&mut *conn)
            .unwrap();
        for r in own.iter().chain([&other]) {
            add_provider(&mut conn, *r, Some(kyotaku), None, "13").unwrap();
        }
        // The same link twice (two service types of one office) is still one recipient.
        add_provider(&mut conn, other, Some(kyotaku), None, "11").unwrap();
        let mut checked = 0;
        for (office, corp) in all {
            let (_, total) = search(&mut conn, &query(corp, office, 5)).unwrap();
            let (rows, _) = search(&mut conn, &query(corp, office, 10_000)).unwrap();
            assert_eq!(total, rows.len() as i64, "office {office}");
            if office == kyotaku {
                let own_count: i64 = recipients::table
                    .filter(recipients::care_office_id.eq(kyotaku))
                    .count()
                    .get_result(&mut *conn)
                    .unwrap();
                assert_eq!(total, own_count + 1);
            }
            checked += usize::from(total > 0);
        }
        assert!(checked >= 3, "the demo's offices should have recipients");
    }
);
