//! 居宅サービス計画書: a care manager writes 第1/2/3表, views and prints it, copies it into a
//! new version; providers read it; others cannot.

mod common;
use actix_web::http::StatusCode;
use common::{Client, TestDb, app, state};

fn recipient_id(db: &TestDb, code: &str) -> i64 {
    use diesel::prelude::*;
    use tsunagi::db::schema::recipients;
    let mut c = db.conn();
    recipients::table
        .filter(recipients::code.eq(code))
        .filter(recipients::corporation_id.eq(1))
        .select(recipients::id)
        .first::<i64>(&mut *c)
        .unwrap()
}

both_backends!(write_view_and_copy_a_plan, |db: TestDb| async move {
    let db = db.with_demo();
    let rid = recipient_id(&db, "R0001");
    let mut k = Client::new(app(state(&db)).await);
    k.login_demo("kyotaku").await;
    let list = format!("/recipients/{rid}/plans");
    // Demo certifications run around today, so the plan is dated today.
    let today = tsunagi::web::dates::today_jst();
    let today_s = today.format("%Y/%m/%d").to_string();
    let later = today + chrono::Duration::days(30);
    let later_s = later.format("%Y/%m/%d").to_string();
    let r = k
        .submit(&list, &list, &[("plan_date", &today_s), ("copy_from", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let table1 = r.location();
    let pid: i64 = table1
        .trim_start_matches("/plans/")
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // 第1表 starts from the certification and the author.
    let page = k.get(&table1).await;
    assert!(page.body.contains(&format!("value=\"{today_s}\"")));
    assert!(page.body.contains("value=\"鈴木 花子\""));
    assert!(
        page.body.contains("value=\"21\" selected"),
        "care level from the certification"
    );
    let r = k
        .post(
            &format!("/plans/{pid}/table1"),
            &[
                ("csrf_token", &page.csrf()),
                ("plan_date", &today_s),
                ("document_date", &today_s),
                ("first_plan_date", "2025/10/1"),
                ("first", "1"),
                ("continued", "1"),
                ("cert_status", "2"),
                ("care_level", "21"),
                ("author_name", "鈴木 花子"),
                (
                    "intentions",
                    "本人：自宅で暮らし続けたい。\n家族：転倒が心配。",
                ),
                ("policy", "安全に入浴できるよう支援する。"),
                ("livelihood_reason", "3"),
                ("livelihood_other", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("「その他」の理由を入力してください"));
    assert!(
        r.body.contains("本人：自宅で暮らし続けたい。"),
        "typed text is kept"
    );
    let r = k
        .post(
            &format!("/plans/{pid}/table1"),
            &[
                ("csrf_token", &page.csrf()),
                ("plan_date", &today_s),
                ("document_date", &today_s),
                ("first_plan_date", "2025/10/1"),
                ("first", "1"),
                ("continued", "1"),
                ("cert_status", "2"),
                ("care_level", "21"),
                ("author_name", "鈴木 花子"),
                (
                    "intentions",
                    "本人：自宅で暮らし続けたい。\n家族：転倒が心配。",
                ),
                ("policy", "安全に入浴できるよう支援する。"),
                ("livelihood_reason", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // 第2表: two lines under one need; one bad line is shown with its message.
    let t2 = format!("/plans/{pid}/table2");
    let token = k.get(&t2).await.csrf();
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token), ("document_date", "2026/4/1")];
    let rows: [[&str; 15]; 3] = [
        [
            "1",
            "一人で入浴できない",
            "1",
            "自宅の浴室で入浴を続ける",
            "R8.4〜R9.3",
            "見守りで入浴できる",
            "R8.4〜R8.9",
            "1",
            "入浴介助",
            "Y",
            "訪問介護",
            "1310100001",
            "つなぎ訪問介護ステーション",
            "週2回",
            "R8.4〜R8.9",
        ],
        [
            "1",
            "",
            "1",
            "",
            "",
            "",
            "",
            "2",
            "手すりの貸与",
            "Y",
            "福祉用具貸与",
            "1310400004",
            "さくら福祉用具センター",
            "毎日",
            "R8.4〜R8.9",
        ],
        [
            "1",
            "",
            "1",
            "",
            "",
            "",
            "",
            "3",
            "家族の見守り",
            "",
            "家族",
            "123",
            "",
            "毎日",
            "",
        ],
    ];
    let names = [
        "need_no",
        "need",
        "goal_no",
        "long_goal",
        "long_period",
        "short_goal",
        "short_period",
        "item_no",
        "content",
        "insured",
        "service_kind",
        "provider_number",
        "provider_name",
        "frequency",
        "period",
    ];
    for row in &rows {
        for (n, v) in names.iter().zip(row.iter()) {
            form.push((n, v));
        }
    }
    let r = k.post(&t2, &form).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("1 行に誤りがあります"));
    assert!(r.body.contains("事業所番号は10桁"));
    // Fix the third line (no office number for family care) and save.
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &token), ("document_date", "2026/4/1")];
    let mut fixed = rows;
    fixed[2][11] = "";
    for row in &fixed {
        for (n, v) in names.iter().zip(row.iter()) {
            form.push((n, v));
        }
    }
    let r = k.post(&t2, &form).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // 第3表.
    let t3 = format!("/plans/{pid}/table3");
    let r = k
        .submit(
            &t3,
            &t3,
            &[
                ("document_date", "2026/4/1"),
                ("kind", "service"),
                ("name", "訪問介護"),
                ("weekday", "1"),
                ("start", "9:00"),
                ("end", "10:00"),
                ("kind", "service"),
                ("name", "訪問介護"),
                ("weekday", "4"),
                ("start", "9:00"),
                ("end", "10:00"),
                ("kind", "activity"),
                ("name", "起床"),
                ("weekday", ""),
                ("start", "6:00"),
                ("end", "6:00"),
                ("other", "福祉用具貸与（手すり）"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // The print view shows all three tables as on paper.
    let view = k.get(&format!("/plans/{pid}")).await;
    for text in [
        "居宅サービス計画書（1）",
        &tsunagi::web::dates::both(&today),
        "本人：自宅で暮らし続けたい。",
        "<span class=\"circled\">初回</span>",
        "<span class=\"circled\">継続</span>",
        "<span class=\"circled\">1. 一人暮らし</span>",
        "居宅サービス計画書（2）",
        "一人で入浴できない",
        "さくら福祉用具センター",
        "週間サービス計画表",
        "6:00 起床",
        "福祉用具貸与（手すり）",
        "data-print",
    ] {
        assert!(view.body.contains(text), "view lacks {text}");
    }
    assert_eq!(
        view.body.matches("一人で入浴できない").count(),
        1,
        "a need is printed once"
    );
    // Copy into a new version.
    let r = k
        .submit(
            &list,
            &list,
            &[("plan_date", &later_s), ("copy_from", &pid.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let versions = k.get(&list).await;
    assert!(
        versions.body.contains(&tsunagi::web::dates::both(&later))
            && versions.body.contains(&tsunagi::web::dates::both(&today))
    );
    assert_eq!(versions.body.matches("3 行").count(), 2, "第2表 was copied");
    // The same date twice is refused.
    let r = k
        .submit(&list, &list, &[("plan_date", &later_s), ("copy_from", "")])
        .await;
    assert!(r.body.contains("の計画書はすでにあります"));

    // The provider reads it but cannot change it; another corporation cannot see it.
    let mut h = Client::new(app(state(&db)).await);
    h.login_demo("helper").await;
    let v = h.get(&format!("/plans/{pid}")).await;
    assert_eq!(v.status, StatusCode::OK);
    assert!(!v.body.contains("第1表を編集"));
    assert_eq!(
        h.get(&format!("/plans/{pid}/table1")).await.status,
        StatusCode::BAD_REQUEST
    );
    let mut o = Client::new(app(state(&db)).await);
    o.login_demo("other").await;
    assert_eq!(
        o.get(&format!("/plans/{pid}")).await.status,
        StatusCode::NOT_FOUND
    );
});
