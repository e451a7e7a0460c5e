//! Security, beyond tests/auth.rs and tests/routes.rs: CSRF with another session's token on the
//! care-record and exchange forms (uploads too) and the Origin check; sessions ended on every
//! server; ids of another office or corporation in URLs and hidden fields; HTML escaping of
//! every text a user can type; hostile uploads.

mod common;
use actix_web::http::{StatusCode, header};
use actix_web::test;
use common::{Client, Resp, TestDb, app, state};
use diesel::prelude::*;

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

/// A file of the standard addressed to the demo 訪問介護 (1310100001 / 11).
const TO_HOMON: &str = "UPPLAN_202612_1310100001_43_1310100001_11_20261121090000.CSV";

fn received_files(db: &TestDb) -> i64 {
    use tsunagi::db::schema::received_files as f;
    f::table.count().get_result(&mut *db.conn()).unwrap()
}

/// (file name, verdict, messages) of every received file.
fn received_rows(db: &TestDb) -> Vec<(String, String, String)> {
    use tsunagi::db::schema::received_files as f;
    f::table
        .order(f::id)
        .select((f::file_name, f::verdict, f::messages))
        .load(&mut *db.conn())
        .unwrap()
}

/// The page shows none of the markup in `texts` as markup: neither the text as typed nor a
/// tag or attribute it would open.
fn assert_escaped(body: &str, page: &str, texts: &[&str]) {
    for t in texts {
        assert!(!body.contains(t), "{page} shows {t:?} unescaped");
    }
    for raw in ["<script>alert", "<img src=x", "onerror=alert(1)>"] {
        assert!(!body.contains(raw), "{page} holds {raw:?}");
    }
}

/// `text` as askama writes it into a page.
fn html(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// The page shows each of `texts`, escaped.
fn assert_shown_escaped(body: &str, page: &str, texts: &[&str]) {
    assert_escaped(body, page, texts);
    for t in texts {
        assert!(body.contains(&html(t)), "{page} does not show {t:?}");
    }
}

// ---- uploads ------------------------------------------------------------------------------------

both_backends!(hostile_uploads_are_refused, |db: TestDb| async move {
    let db = db.with_demo();
    let mut h = Client::new(app(state(&db)).await);
    h.login_demo("helper").await;

    // Too many files in one upload, loose or in a zip: refused whole, nothing stored.
    let names: Vec<String> = (0..1001).map(|i| format!("F{i:04}.CSV")).collect();
    let loose: Vec<(&str, &str, &[u8])> = names
        .iter()
        .map(|n| ("files", n.as_str(), b"1\r\n".as_slice()))
        .collect();
    let r = h.upload(&loose).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body
            .contains("ファイルが 1001 件あり、1回に取り込める 1000 件を超えている"),
        "{}",
        r.body
    );
    let entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), b"1\r\n".as_slice()))
        .collect();
    let many = common::zip_of(&entries);
    let r = h.upload(&[("files", "many.zip", &many)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("1000 件を超えている"), "{}", r.body);
    assert_eq!(received_files(&db), 0);

    // A zip bomb: 8 MB of one byte in a few kilobytes. Refused before it is unpacked whole.
    let bomb = common::zip_of(&[(TO_HOMON, &vec![b'0'; 8 << 20])]);
    assert!(bomb.len() < 64 << 10);
    let r = h.upload(&[("files", "bomb.zip", &bomb)]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body
            .contains("圧縮された大きさの 200 倍を超えて展開されます"),
        "{}",
        r.body
    );
    assert!(r.body.contains("何も保存しませんでした"));

    // Names that climb out of the archive, absolute or relative, either slash.
    for evil in [
        "/etc/UPPLAN.CSV",
        "C:/UPPLAN.CSV",
        "a/../../UPPLAN.CSV",
        "..\\UPPLAN.CSV",
    ] {
        let z = common::zip_of(&[("ok/A.CSV", b"1\r\n"), (evil, b"1\r\n")]);
        let r = h.upload(&[("files", "slip.zip", &z)]).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{evil}");
        assert!(r.body.contains("zip の外"), "{evil}: {}", r.body);
    }
    // Not a zip at all, though named one.
    let r = h
        .upload(&[("files", "fake.zip", b"PK\x03\x04 not really")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("zip ファイルとして読み取れません"),
        "{}",
        r.body
    );
    assert_eq!(received_files(&db), 0);

    // A picture renamed .CSV, and UTF-16 text: each received as a refused file (the record of
    // the refusal, with the reason), never read as exchange data.
    let png: Vec<u8> =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x10\0\0\0\x10\x08\x06\0\0\0\x1f\xf3\xffa".to_vec();
    let utf16: Vec<u8> = std::iter::once(0xFEFFu16)
        .chain("1,\"202612\",\"1310100001\"\r\n".encode_utf16())
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let utf16_name = TO_HOMON.replace("090000", "090001");
    let r = h
        .upload(&[("files", TO_HOMON, &png), ("files", &utf16_name, &utf16)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        r.location().contains("stored=2") && r.location().contains("refused=2"),
        "{}",
        r.location()
    );
    let rows = received_rows(&db);
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|(_, verdict, _)| verdict == "refused"));
    assert!(
        rows[0]
            .2
            .contains("(エ) CSV ファイル（文字だけのファイル）ではありません"),
        "{}",
        rows[0].2
    );
    assert!(
        rows[1].2.contains("(エ) 文字コードが UTF-16"),
        "{}",
        rows[1].2
    );
    let list = h.get("/careplan/import").await;
    assert!(
        list.body
            .contains("画像・PDF・Excel などのファイルの名前を .CSV に変えたもの")
    );
    assert!(list.body.contains("Shift_JIS（MS932）で作られます"));
    // Refused files cannot be imported: their set is not offered on 印刷・取込.
    let sets = h.get("/careplan/receive").await;
    assert!(
        !sets
            .body
            .contains("href=\"/careplan/receive/20261121090000")
    );

    // A file name that is HTML is shown as text (a quote cannot stand in a multipart name).
    let tag = &IMG[2..];
    let r = h
        .upload(&[("files", &format!("{tag}.CSV"), b"1\r\n".as_slice())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let list = h.get("/careplan/import").await;
    assert_escaped(&list.body, "/careplan/import", &[tag]);
    assert!(list.body.contains(&format!("{}.CSV", html(tag))));
    let r = h
        .upload(&[("files", &format!("{SCRIPT}.txt"), b"x".as_slice())])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_escaped(&r.body, "refusal", &[SCRIPT]);
    assert_eq!(received_files(&db), 3);

    // The service-code table import: a picture, UTF-16, an over-size file: each refused with
    // its reason, and the shipped table stays.
    let mut admin = Client::new(app(state(&db)).await);
    admin.login_demo("admin").await;
    let token = admin.get("/service-codes").await.csrf();
    let big = vec![b'1'; 10 * 1024 * 1024 + 1];
    for (file, data, says) in [
        (
            "codes.csv",
            png.as_slice(),
            "CSV ファイル（文字だけのファイル）ではない",
        ),
        (
            "codes.csv",
            utf16.as_slice(),
            "UTF-16（Unicode）のファイルは取り込めません",
        ),
        ("codes.csv", big.as_slice(), "1ファイル10MB"),
    ] {
        let r = admin
            .post_multipart(
                "/service-codes/import",
                &[("csrf_token", token.as_str())],
                ("file", file, data),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{says}");
        assert!(r.body.contains(says), "{says}: {}", r.body);
    }
    assert!(
        admin
            .get("/service-codes")
            .await
            .body
            .contains("同梱の令和6年度サービスコード表")
    );
});

// ---- helpers shared by the tests below -----------------------------------------------------------

/// The fields a browser would send with the form whose action is `action`: hidden and text
/// inputs, and the checked checkboxes and radio buttons.
fn form_fields(body: &str, action: &str) -> Vec<(String, String)> {
    let start = body
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action}"));
    let end = body[start..]
        .find("</form>")
        .map_or(body.len(), |e| start + e);
    let attr = |tag: &str, name: &str| -> Option<String> {
        let marker = format!(" {name}=\"");
        let i = tag.find(&marker)? + marker.len();
        let j = tag[i..].find('"')? + i;
        Some(unescape(&tag[i..j]))
    };
    let mut out = Vec::new();
    for piece in body[start..end].split("<input").skip(1) {
        let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        let kind = attr(tag, "type").unwrap_or_else(|| "text".into());
        if matches!(kind.as_str(), "checkbox" | "radio") && !tag.contains(" checked") {
            continue;
        }
        out.push((name, attr(tag, "value").unwrap_or_default()));
    }
    for piece in body[start..end].split("<select").skip(1) {
        let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
        let Some(name) = attr(tag, "name") else {
            continue;
        };
        let options = &piece[..piece.find("</select>").unwrap_or(piece.len())];
        let chosen = options
            .split("<option")
            .skip(1)
            .find(|o| o[..o.find('>').unwrap_or(0)].contains(" selected"))
            .or_else(|| options.split("<option").nth(1));
        let value = chosen.and_then(|o| attr(&o[..o.find('>').unwrap_or(0)], "value"));
        out.push((name, value.unwrap_or_default()));
    }
    for piece in body[start..end].split("<textarea").skip(1) {
        let tag = &piece[..piece.find('>').unwrap_or(piece.len())];
        if let Some(name) = attr(tag, "name") {
            let text = &piece[tag.len() + 1..piece.find("</textarea>").unwrap_or(tag.len() + 1)];
            out.push((name, unescape(text)));
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&")
}

/// Sets one field of a form (replacing what the page had).
fn set(fields: &mut Vec<(String, String)>, name: &str, value: &str) {
    fields.retain(|(k, _)| k != name);
    fields.push((name.to_string(), value.to_string()));
}

/// Submits the form of `page` with `changes`, as a person editing it would.
async fn edit<S, B>(c: &mut Client<S>, page: &str, action: &str, changes: &[(&str, &str)]) -> Resp
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let body = c.get(page).await.body;
    let mut fields = form_fields(&body, action);
    for (k, v) in changes {
        set(&mut fields, k, v);
    }
    let r = c.post(action, &pairs(&fields)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{action}: {}", r.body);
    r
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Exports every recipient the list finds for `data` and `month` in the current office, through
/// the list, the confirmation and the run as the screens do; answers the confirmation page.
async fn export_all<S, B>(c: &mut Client<S>, data: &str, month: &str) -> Resp
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let token = c
        .get(&format!("/careplan/export?data={data}&month={month}"))
        .await
        .csrf();
    let confirm = c
        .post(
            "/careplan/export/confirm",
            &[
                ("csrf_token", token.as_str()),
                ("data", data),
                ("month", month),
                ("all", "1"),
            ],
        )
        .await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.body);
    let fields = form_fields(&confirm.body, "/careplan/export/run");
    let r = c.post("/careplan/export/run", &pairs(&fields)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    confirm
}

/// (job id, its artifact ids) of every job of an office, newest first.
fn jobs_of(db: &TestDb, corp: i64, office: i64) -> Vec<(i64, Vec<i64>)> {
    let mut c = db.conn();
    tsunagi::db::jobs::list(&mut c, corp, office, None, 100, 0)
        .unwrap()
        .0
        .into_iter()
        .map(|r| (r.job.id, r.artifacts.iter().map(|a| a.id).collect()))
        .collect()
}

fn drain(db: &TestDb) {
    tsunagi::jobs::drain(&db.db, chrono::Duration::seconds(60)).unwrap();
}

/// How many rows every table of care records, exchange and administration holds.
fn row_counts(db: &TestDb) -> Vec<(&'static str, i64)> {
    use tsunagi::db::schema::*;
    let mut c = db.conn();
    macro_rules! count {
        ($($t:ident),*) => {
            vec![$((stringify!($t), $t::table.count().get_result::<i64>(&mut *c).unwrap())),*]
        };
    }
    count!(
        corporations,
        offices,
        partners,
        staff,
        memberships,
        permissions,
        jobs,
        artifacts,
        recipients,
        certifications,
        recipient_providers,
        care_plans,
        care_plan_lines,
        care_plan_weekly,
        service_codes,
        schedule_lines,
        schedule_days,
        schedule_locks,
        export_history,
        received_files,
        import_history
    )
}

/// What `c` sees on each of `paths` (status and page).
async fn snapshot<S, B>(c: &mut Client<S>, paths: &[String]) -> Vec<(String, u16, String)>
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let mut out = Vec::new();
    for p in paths {
        let r = c.get(p).await;
        assert_eq!(r.status, StatusCode::OK, "{p}");
        out.push((p.clone(), r.status.as_u16(), r.body));
    }
    out
}

// ---- ids of another office or corporation ------------------------------------------------------

const NOT_FOUND: u16 = 404;
const FORBIDDEN: u16 = 403;
const BAD_REQUEST: u16 = 400;

/// One request an attacker tries, and the refusal expected.
struct Try {
    post: bool,
    path: String,
    form: Vec<(String, String)>,
    want: u16,
}

fn get(path: String, want: u16) -> Try {
    Try {
        post: false,
        path,
        form: Vec::new(),
        want,
    }
}

fn post(path: String, form: &[(&str, &str)], want: u16) -> Try {
    Try {
        post: true,
        path,
        form: form
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        want,
    }
}

/// Sends every try (forms with the attacker's own valid token: this is about ids, not CSRF)
/// and checks the refusal and that the answer names none of `secrets`.
async fn attempt<S, B>(c: &mut Client<S>, who: &str, tries: &[Try], secrets: &[&str])
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let token = c.get("/").await.csrf();
    for t in tries {
        let r = if t.post {
            let mut form = vec![("csrf_token", token.as_str())];
            form.extend(pairs(&t.form));
            c.post(&t.path, &form).await
        } else {
            c.get(&t.path).await
        };
        let method = if t.post { "POST" } else { "GET" };
        assert_eq!(
            r.status.as_u16(),
            t.want,
            "{who} {method} {} {:?}: {}",
            t.path,
            t.form,
            &r.body[..r.body.len().min(600)]
        );
        for s in secrets {
            assert!(
                !r.body.contains(s),
                "{who} {method} {} reveals {s:?}",
                t.path
            );
        }
        if t.want == NOT_FOUND {
            assert!(
                r.body.contains("ページが見つかりません"),
                "{who} {}",
                t.path
            );
        }
    }
}

both_backends!(
    ids_of_another_office_or_corporation_are_refused,
    |db: TestDb| async move {
        let db = db.with_demo();
        let office43 = common::office_id(&db, "1310100001", "43");
        let office11 = common::office_id(&db, "1310100001", "11");
        let office15 = common::office_id(&db, "1310200002", "15");
        let naniwa = common::office_id(&db, "2710100001", "43");
        let month = tsunagi::web::schedules::current_month();
        let (m, prev) = (month.yyyymm(), month.prev().yyyymm());

        // ---- what the 居宅 of the first corporation holds ----
        let mut admin = Client::new(app(state(&db)).await);
        admin.login_demo("admin").await;
        // A staff list (CSV) and a 利用票 export: jobs of the 居宅, each with a file.
        admin.submit("/staff", "/staff/export", &[]).await;
        export_all(&mut admin, "plan", &m).await;
        // A received set at the 居宅: the 訪問介護's 実績 of last month, exported there and
        // uploaded here.
        let r = admin
            .submit(
                "/",
                "/office/switch",
                &[("office_id", &office11.to_string())],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        export_all(&mut admin, "actual", &prev).await;
        drain(&db);
        let (job11, files11) = jobs_of(&db, 1, office11).remove(0);
        let zip = admin
            .get(&format!("/jobs/{job11}/files/{}", files11[0]))
            .await;
        assert_eq!(zip.status, StatusCode::OK);
        admin
            .submit(
                "/",
                "/office/switch",
                &[("office_id", &office43.to_string())],
            )
            .await;
        let r = admin.upload(&[("files", "jisseki.zip", &zip.bytes)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let jobs43 = jobs_of(&db, 1, office43);
        assert_eq!(jobs43.len(), 2);
        let (file, file_name, ts) = {
            use tsunagi::db::schema::received_files as f;
            f::table
                .filter(f::office_id.eq(office43))
                .order(f::id)
                .select((f::id, f::file_name, f::file_timestamp))
                .first::<(i64, String, String)>(&mut *db.conn())
                .unwrap()
        };
        let set_page = admin.get(&format!("/careplan/receive/{ts}")).await;
        assert_eq!(set_page.status, StatusCode::OK, "{}", set_page.body);
        let print_marker = format!("/careplan/receive/{ts}/print/");
        let insured =
            common::extract_value(&set_page.body, &print_marker).expect("a printable recipient");
        // A recipient of the 居宅 whom the 訪問介護 does not serve (r), one it serves (rh),
        // and what hangs off r.
        let (r, rh, name, number, cert, link, plan, line) = {
            use tsunagi::db::recipients as rq;
            use tsunagi::db::schema::recipients as t;
            let mut c = db.conn();
            let ids: Vec<i64> = t::table
                .filter(t::care_office_id.eq(office43))
                .order(t::id)
                .select(t::id)
                .load(&mut *c)
                .unwrap();
            let seen = |c: &mut tsunagi::db::PooledConn, id: i64| {
                rq::find_visible(c, 1, office11, id).unwrap()
            };
            let r = *ids.iter().find(|id| seen(&mut c, **id).is_none()).unwrap();
            let rh = *ids.iter().find(|id| seen(&mut c, **id).is_some()).unwrap();
            let rec = rq::find_visible(&mut c, 1, office43, r).unwrap().unwrap();
            let lines = tsunagi::db::schedules::lines_for(&mut c, r, &m).unwrap();
            (
                r,
                rh,
                rec.name,
                rec.insured_number,
                rq::certifications_of(&mut c, r).unwrap()[0].id,
                rq::providers_of(&mut c, r).unwrap()[0].id,
                tsunagi::db::plans::list_for_recipient(&mut c, r).unwrap()[0].id,
                lines[0].id,
            )
        };
        let (partner, partner_name) = {
            let p = tsunagi::db::partners::list(&mut db.conn(), 1, "")
                .unwrap()
                .remove(0);
            (p.id, p.name)
        };
        let ks = common::staff_id(&db, "kyotaku");
        let tsusho = common::staff_id(&db, "tsusho");
        let other_id = common::staff_id(&db, "other");
        let n = {
            use tsunagi::db::schema::recipients as t;
            t::table
                .filter(t::corporation_id.eq(2))
                .order(t::id)
                .select(t::id)
                .first::<i64>(&mut *db.conn())
                .unwrap()
        };

        // What the owners see, and how many rows there are, before any attempt.
        let owner_pages: Vec<String> = vec![
            format!("/recipients/{r}"),
            format!("/recipients/{r}/certifications"),
            format!("/recipients/{r}/providers"),
            format!("/recipients/{r}/plans"),
            format!("/plans/{plan}"),
            format!("/plans/{plan}/table2"),
            format!("/schedules/{r}/{m}"),
            format!("/schedules/{r}/{m}/table7"),
            format!("/recipients/{rh}/certifications"),
            format!("/recipients/{rh}/providers"),
            format!("/schedules/{rh}/{m}"),
            format!("/partners/{partner}"),
            format!("/staff/{ks}"),
            format!("/staff/{ks}/offices"),
            format!("/staff/{ks}/permissions/{office43}"),
            format!("/staff/{tsusho}"),
            format!("/offices/{office43}"),
            "/careplan/import".into(),
            format!("/careplan/receive/{ts}"),
            "/settings".into(),
        ];
        let before = snapshot(&mut admin, &owner_pages).await;
        let mut other = Client::new(app(state(&db)).await);
        other.login_demo("other").await;
        let other_pages: Vec<String> = vec![
            format!("/recipients/{n}/certifications"),
            format!("/recipients/{n}/providers"),
            format!("/recipients/{n}/plans"),
            format!("/staff/{other_id}/offices"),
            format!("/staff/{other_id}/permissions/{naniwa}"),
        ];
        let other_before = snapshot(&mut other, &other_pages).await;
        let counts = row_counts(&db);

        // ---- the requests ----
        let (s43, s11, s15) = (
            office43.to_string(),
            office11.to_string(),
            office15.to_string(),
        );
        let (rs, cert_s, link_s, line_s, plan_s) = (
            r.to_string(),
            cert.to_string(),
            link.to_string(),
            line.to_string(),
            plan.to_string(),
        );
        let o43 = format!("o:{office43}");
        let o11 = format!("o:{office11}");
        let pp = format!("p:{partner}");
        let (p_day, a_day, over) = (
            format!("p_{line}_1"),
            format!("a_{line}_1"),
            format!("over_{line}"),
        );
        let cert_form = [
            ("status", "certified"),
            ("care_level", "25"),
            ("certified_on", "2026-11-01"),
            ("valid_from", "2026-12-01"),
            ("valid_to", "2027-11-30"),
        ];
        let mut cert_of_r = cert_form.to_vec();
        cert_of_r.push(("cert_id", &cert_s));
        let recipient_form = [
            ("code", "X9999"),
            ("name", "乗っ取り 太郎"),
            ("kana", "のっとり たろう"),
            ("gender", "1"),
            ("birth_date", "1940-01-01"),
            ("insurer_number", "131016"),
            ("insured_number", "0000088888"),
            ("burden_ratio", "1"),
        ];
        let table1 = [
            ("plan_date", "2026-12-01"),
            ("document_date", "2026-12-01"),
            ("first_plan_date", "2026-12-01"),
            ("first", "1"),
            ("author_name", "乗っ取り"),
        ];
        let table2 = [
            ("document_date", "2026-12-01"),
            ("need_no", "1"),
            ("goal_no", "1"),
            ("item_no", "1"),
            ("content", "乗っ取り"),
        ];
        let table3 = [
            ("document_date", "2026-12-01"),
            ("kind", "activity"),
            ("name", "乗っ取り"),
            ("start", "9:00"),
            ("end", "10:00"),
        ];
        let line_form = [("line", line_s.as_str()), ("weekday", "1")];
        let lock = [("provider", "1310100001:11")];
        let export_foreign = [
            ("data", "plan"),
            ("month", m.as_str()),
            ("office", s43.as_str()),
            ("sel", rs.as_str()),
            ("dest", "1310100001:11"),
        ];
        // Every route that takes an id of the 居宅's records, with the ids of r.
        let care_records = |want: u16| -> Vec<Try> {
            let mut v = vec![
                get(format!("/recipients/{r}"), want),
                get(format!("/recipients/{r}/certifications"), want),
                get(format!("/recipients/{r}/providers"), want),
                get(format!("/recipients/{r}/plans"), want),
                get(format!("/plans/{plan}"), want),
                get(format!("/plans/{plan}/table1"), want),
                get(format!("/plans/{plan}/table2"), want),
                get(format!("/plans/{plan}/table3"), want),
                get(format!("/schedules/{r}/{m}"), want),
                get(format!("/schedules/{r}/{m}/print"), want),
                get(format!("/schedules/{r}/{m}/table7"), want),
                post(format!("/recipients/{r}"), &recipient_form, want),
                post(format!("/recipients/{r}/certifications"), &cert_form, want),
                post(format!("/recipients/{r}/certifications"), &cert_of_r, want),
                post(
                    format!("/recipients/{r}/certifications/delete"),
                    &[("id", &cert_s)],
                    want,
                ),
                post(
                    format!("/recipients/{r}/providers"),
                    &[("remove", &link_s)],
                    want,
                ),
                post(
                    format!("/recipients/{r}/providers"),
                    &[("provider", &o11)],
                    want,
                ),
                post(
                    format!("/recipients/{r}/plans"),
                    &[("plan_date", "2026-12-01"), ("copy_from", &plan_s)],
                    want,
                ),
                post(format!("/plans/{plan}/table1"), &table1, want),
                post(format!("/plans/{plan}/table2"), &table2, want),
                post(format!("/plans/{plan}/table3"), &table3, want),
                post(
                    format!("/schedules/{r}/{m}"),
                    &[(&p_day, "9"), (&a_day, "9")],
                    want,
                ),
                post(
                    format!("/schedules/{r}/{m}/lines"),
                    &[
                        ("provider", "1310100001:11"),
                        ("code", "111111"),
                        ("weekday", "1"),
                    ],
                    want,
                ),
                post(format!("/schedules/{r}/{m}/delete-line"), &line_form, want),
                post(format!("/schedules/{r}/{m}/pattern"), &line_form, want),
                post(format!("/schedules/{r}/{m}/copy-previous"), &[], want),
                post(format!("/schedules/{r}/{m}/copy-actual"), &[], want),
                post(format!("/schedules/{r}/{m}/lock"), &lock, want),
                post(format!("/schedules/{r}/{m}/unlock"), &lock, want),
                post(format!("/schedules/{r}/{m}/table7"), &[(&over, "9")], want),
                // The 居宅's received files and sets.
                get(format!("/careplan/import/files/{file}"), want),
                get(format!("/careplan/receive/{ts}"), want),
                get(format!("/careplan/receive/{ts}/list.csv"), want),
                get(format!("/careplan/receive/{ts}/print/{insured}"), want),
                get(format!("/careplan/receive/{ts}/print"), want),
                get(format!("/careplan/receive/{ts}/print?sel={rs}"), want),
                post(
                    format!("/careplan/receive/{ts}/apply"),
                    &[("sel", &rs)],
                    want,
                ),
                post(
                    format!("/careplan/receive/{ts}/match"),
                    &[
                        ("insurer", "131016"),
                        ("insured", &number),
                        ("recipient", &rs),
                    ],
                    want,
                ),
                // Export from the 居宅 (the office is a hidden field of the forms).
                get(format!("/careplan/export?office={office43}"), FORBIDDEN),
                post(
                    "/careplan/export/confirm".into(),
                    &export_foreign,
                    FORBIDDEN,
                ),
                post("/careplan/export/run".into(), &export_foreign, FORBIDDEN),
            ];
            // The 居宅's jobs and their files (an export and a staff list).
            for (job, files) in &jobs43 {
                v.push(get(format!("/jobs/{job}/download"), want));
                for f in files {
                    v.push(get(format!("/jobs/{job}/files/{f}"), want));
                }
            }
            v
        };

        // Another corporation's manager, with every menu.
        let mut tries = care_records(NOT_FOUND);
        tries.extend([
            get(format!("/staff/{ks}"), NOT_FOUND),
            get(format!("/staff/{ks}/offices"), NOT_FOUND),
            get(format!("/staff/{ks}/permissions"), NOT_FOUND),
            get(format!("/staff/{ks}/permissions/{office43}"), NOT_FOUND),
            get(
                format!("/staff/{other_id}/permissions/{office43}"),
                NOT_FOUND,
            ),
            get(format!("/offices/{office43}"), NOT_FOUND),
            get(format!("/partners/{partner}"), NOT_FOUND),
            post(
                format!("/staff/{ks}"),
                &[
                    ("code", "S002"),
                    ("name", "乗っ取り"),
                    ("login_id", "kyotaku"),
                ],
                NOT_FOUND,
            ),
            post(
                format!("/staff/{ks}/offices"),
                &[
                    ("office", &naniwa.to_string()),
                    ("primary", &naniwa.to_string()),
                ],
                NOT_FOUND,
            ),
            post(
                format!("/staff/{other_id}/offices"),
                &[("office", &s43), ("primary", &s43)],
                NOT_FOUND,
            ),
            post(
                format!("/staff/{ks}/permissions/{office43}"),
                &[("menu", "staff")],
                NOT_FOUND,
            ),
            post(
                format!("/staff/{other_id}/permissions/{office43}"),
                &[("menu", "staff")],
                NOT_FOUND,
            ),
            post(
                format!("/offices/{office43}"),
                &[("name", "乗っ取り")],
                NOT_FOUND,
            ),
            post(
                format!("/partners/{partner}"),
                &[("name", "乗っ取り")],
                NOT_FOUND,
            ),
            post("/office/switch".into(), &[("office_id", &s43)], NOT_FOUND),
            // The first corporation's ids in the hidden fields and choices of its own records.
            post(
                "/recipients/new".into(),
                &[recipient_form.as_slice(), &[("care_office", o43.as_str())]].concat(),
                NOT_FOUND,
            ),
            post(
                "/recipients/new".into(),
                &[recipient_form.as_slice(), &[("care_office", pp.as_str())]].concat(),
                NOT_FOUND,
            ),
            post(
                format!("/recipients/{n}/certifications"),
                &cert_of_r,
                NOT_FOUND,
            ),
            post(
                format!("/recipients/{n}/certifications/delete"),
                &[("id", &cert_s)],
                NOT_FOUND,
            ),
            post(
                format!("/recipients/{n}/providers"),
                &[("remove", &link_s)],
                NOT_FOUND,
            ),
            post(
                format!("/recipients/{n}/providers"),
                &[("provider", &o11)],
                NOT_FOUND,
            ),
            post(
                format!("/recipients/{n}/providers"),
                &[("provider", &pp)],
                NOT_FOUND,
            ),
            post(
                format!("/recipients/{n}/plans"),
                &[("plan_date", "2026-12-01"), ("copy_from", &plan_s)],
                NOT_FOUND,
            ),
            post(
                format!("/schedules/{n}/{m}/delete-line"),
                &line_form,
                NOT_FOUND,
            ),
            post(format!("/schedules/{n}/{m}/pattern"), &line_form, NOT_FOUND),
            // Its own export, naming the first corporation's recipient: nothing to export.
            post(
                "/careplan/export/run".into(),
                &[
                    ("data", "plan"),
                    ("month", m.as_str()),
                    ("sel", rs.as_str()),
                    ("dest", "1310100001:11"),
                ],
                BAD_REQUEST,
            ),
        ]);
        let secrets = [
            name.as_str(),
            number.as_str(),
            partner_name.as_str(),
            file_name.as_str(),
            "鈴木 花子",
            "つなぎ居宅介護支援事業所",
        ];
        attempt(&mut other, "other", &tries, &secrets).await;

        // Another office of the same corporation (the 訪問介護), without the 居宅's permission
        // or relation to r.
        let mut helper = Client::new(app(state(&db)).await);
        helper.login_demo("helper").await;
        let mut tries = care_records(NOT_FOUND);
        let rh_s = rh.to_string();
        tries.extend([
            // r's ids in the hidden fields of rh's forms, whom the 訪問介護 does serve.
            post(
                format!("/recipients/{rh}/certifications"),
                &cert_of_r,
                NOT_FOUND,
            ),
            post(
                format!("/recipients/{rh}/certifications/delete"),
                &[("id", &cert_s)],
                NOT_FOUND,
            ),
            post(
                format!("/recipients/{rh}/providers"),
                &[("remove", &link_s)],
                NOT_FOUND,
            ),
            post("/office/switch".into(), &[("office_id", &s43)], FORBIDDEN),
            post(
                "/careplan/export/run".into(),
                &[
                    ("data", "actual"),
                    ("month", prev.as_str()),
                    ("sel", rs.as_str()),
                    ("dest", "1310100001:43"),
                ],
                BAD_REQUEST,
            ),
            // Applying the 居宅's set, naming the recipient it serves.
            post(
                format!("/careplan/receive/{ts}/apply"),
                &[("sel", &rh_s)],
                NOT_FOUND,
            ),
        ]);
        attempt(&mut helper, "helper", &tries, &[&name, &number, &file_name]).await;
        // rh's day counts with r's line id in the field names: accepted, and nothing moves.
        let r2 = helper
            .submit(
                &format!("/schedules/{rh}/{m}"),
                &format!("/schedules/{rh}/{m}"),
                &[(&p_day, "9"), (&a_day, "9")],
            )
            .await;
        assert_eq!(r2.status, StatusCode::SEE_OTHER, "{}", r2.body);
        // Registering a recipient with r's numbers says they exist, but not who they are.
        let dup = helper
            .submit(
                "/recipients/new",
                "/recipients/new",
                &[
                    ("code", "X9999"),
                    ("name", "重複 確認"),
                    ("kana", "ちょうふく かくにん"),
                    ("gender", "1"),
                    ("birth_date", "1940-01-01"),
                    ("insurer_number", "131016"),
                    ("insured_number", &number),
                    ("burden_ratio", "1"),
                ],
            )
            .await;
        assert_eq!(dup.status, StatusCode::OK);
        assert!(dup.body.contains("すでに登録されています"), "{}", dup.body);
        assert!(!dup.body.contains(&name), "the refusal names r");

        // A staff member of the 居宅 without 管理者 sees only the staff of their own office.
        let mut jimu = Client::new(app(state(&db)).await);
        jimu.login_demo("jimu").await;
        let tries = [
            get(format!("/staff/{tsusho}"), NOT_FOUND),
            get(format!("/staff/{tsusho}/offices"), NOT_FOUND),
            get(format!("/staff/{tsusho}/permissions"), NOT_FOUND),
            post(
                format!("/staff/{tsusho}"),
                &[
                    ("code", "S005"),
                    ("name", "乗っ取り"),
                    ("login_id", "tsusho"),
                ],
                NOT_FOUND,
            ),
            post(
                format!("/staff/{tsusho}/permissions/{office15}"),
                &[("menu", "staff")],
                FORBIDDEN,
            ),
            post(
                format!("/staff/{tsusho}/offices"),
                &[("office", &s15), ("primary", &s15)],
                FORBIDDEN,
            ),
        ];
        attempt(&mut jimu, "jimu", &tries, &["伊藤 直樹"]).await;

        // Nothing changed anywhere.
        assert_eq!(row_counts(&db), counts);
        let after = snapshot(&mut admin, &owner_pages).await;
        for (b, a) in before.iter().zip(&after) {
            assert!(b == a, "{} changed", b.0);
        }
        assert!(snapshot(&mut other, &other_pages).await == other_before);
        let _ = s11;
    }
);

// ---- CSRF and the Origin check -------------------------------------------------------------------

/// A recipient of the demo 居宅 with a plan and schedule lines this month: (id, plan, line,
/// certification, provider link).
fn planned_recipient(db: &TestDb, month: &str) -> (i64, i64, i64, i64, i64) {
    use tsunagi::db::recipients as rq;
    use tsunagi::db::schema::recipients as t;
    let mut c = db.conn();
    let r: i64 = t::table
        .filter(t::code.eq("R0001"))
        .filter(t::corporation_id.eq(1))
        .select(t::id)
        .first(&mut *c)
        .unwrap();
    (
        r,
        tsunagi::db::plans::list_for_recipient(&mut c, r).unwrap()[0].id,
        tsunagi::db::schedules::lines_for(&mut c, r, month).unwrap()[0].id,
        rq::certifications_of(&mut c, r).unwrap()[0].id,
        rq::providers_of(&mut c, r).unwrap()[0].id,
    )
}

both_backends!(
    csrf_token_of_another_session_is_refused_on_records_and_exchange,
    |db: TestDb| async move {
        let db = db.with_demo();
        let m = tsunagi::web::schedules::current_month().yyyymm();
        let (r, plan, line, cert, link) = planned_recipient(&db, &m);
        let mut admin = Client::new(app(state(&db)).await);
        admin.login_demo("admin").await;
        let mut k = Client::new(app(state(&db)).await);
        k.login_demo("kyotaku").await;
        let foreign = k.get("/").await.csrf();
        let counts = row_counts(&db);
        let (cert, link, line) = (cert.to_string(), link.to_string(), line.to_string());
        let rs = r.to_string();
        let ts = "20261121090000";
        let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
            (
                "/recipients/new".into(),
                vec![("code", "X1"), ("name", "x")],
            ),
            (
                format!("/recipients/{r}"),
                vec![("code", "X1"), ("name", "x")],
            ),
            (
                format!("/recipients/{r}/certifications"),
                vec![("care_level", "25"), ("valid_from", "2026-12-01")],
            ),
            (
                format!("/recipients/{r}/certifications/delete"),
                vec![("id", &cert)],
            ),
            (
                format!("/recipients/{r}/providers"),
                vec![("remove", &link)],
            ),
            (
                format!("/recipients/{r}/plans"),
                vec![("plan_date", "2026-12-01")],
            ),
            (format!("/plans/{plan}/table1"), vec![("author_name", "x")]),
            (format!("/plans/{plan}/table2"), vec![("content", "x")]),
            (format!("/plans/{plan}/table3"), vec![("name", "x")]),
            (format!("/schedules/{r}/{m}"), vec![]),
            (
                format!("/schedules/{r}/{m}/lines"),
                vec![("provider", "1310100001:11"), ("code", "111111")],
            ),
            (
                format!("/schedules/{r}/{m}/delete-line"),
                vec![("line", &line)],
            ),
            (format!("/schedules/{r}/{m}/pattern"), vec![("line", &line)]),
            (format!("/schedules/{r}/{m}/copy-previous"), vec![]),
            (format!("/schedules/{r}/{m}/copy-actual"), vec![]),
            (
                format!("/schedules/{r}/{m}/lock"),
                vec![("provider", "1310100001:11")],
            ),
            (
                format!("/schedules/{r}/{m}/unlock"),
                vec![("provider", "1310100001:11")],
            ),
            (format!("/schedules/{r}/{m}/table7"), vec![]),
            (
                "/careplan/export/confirm".into(),
                vec![("data", "plan"), ("month", &m), ("sel", &rs)],
            ),
            (
                "/careplan/export/run".into(),
                vec![
                    ("data", "plan"),
                    ("month", &m),
                    ("sel", &rs),
                    ("dest", "1310100001:11"),
                ],
            ),
            (format!("/careplan/receive/{ts}/apply"), vec![("sel", &rs)]),
            (
                format!("/careplan/receive/{ts}/register"),
                vec![("insurer", "131016"), ("insured", "1000000101")],
            ),
        ];
        for (path, fields) in &posts {
            let r = admin.post(path, fields).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "no token: {path}");
            assert!(r.body.contains("画面の有効期限が切れました"), "{path}");
            let mut with_foreign = vec![("csrf_token", foreign.as_str())];
            with_foreign.extend(fields.iter().cloned());
            let r = admin.post(path, &with_foreign).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "foreign token: {path}");
        }
        // The uploads (multipart forms): without a token and with another session's.
        let csv = b"1\r\n".as_slice();
        for token in [None, Some(foreign.as_str())] {
            let fields: Vec<(&str, &str)> = token.map(|t| ("csrf_token", t)).into_iter().collect();
            let r = admin
                .post_files(
                    "/careplan/import/upload",
                    &fields,
                    &[("files", TO_HOMON, csv)],
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "upload, token {token:?}");
            assert!(r.body.contains("画面の有効期限が切れました"));
            let r = admin
                .post_multipart("/service-codes/import", &fields, ("file", "codes.csv", csv))
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "service codes, token {token:?}"
            );
        }
        assert_eq!(row_counts(&db), counts);
        assert_eq!(admin.get("/").await.status, StatusCode::OK);

        // The login form's token belongs to the browser that fetched it.
        let mut a = Client::new(app(state(&db)).await);
        let mut b = Client::new(app(state(&db)).await);
        let theirs = a.get("/login").await.csrf();
        b.get("/login").await;
        let r = b
            .post(
                "/login",
                &[
                    ("csrf_token", theirs.as_str()),
                    ("login_id", "admin"),
                    ("password", tsunagi::demo::PASSWORD),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        assert!(!b.cookies.contains_key("tsunagi_session"));
    }
);

/// Posts a form with the session's cookie, a valid token and a chosen Origin or Referer, as a
/// page of another site would make the browser do.
async fn post_from<S, B>(
    c: &mut Client<S>,
    path: &str,
    form: &[(&str, &str)],
    source: (&str, &str),
) -> StatusCode
where
    S: actix_web::dev::Service<
            actix_http::Request,
            Response = actix_web::dev::ServiceResponse<B>,
            Error = actix_web::Error,
        >,
    B: actix_web::body::MessageBody,
{
    let req = test::TestRequest::post()
        .uri(path)
        .peer_addr(c.peer)
        .insert_header((header::COOKIE, c.cookie_header()))
        .insert_header(source)
        .insert_header((header::CONTENT_TYPE, "application/x-www-form-urlencoded"))
        .set_payload(serde_html_form::to_string(form).unwrap())
        .to_request();
    test::call_service(&c.app, req).await.status()
}

both_backends!(
    forms_from_another_site_are_refused,
    |db: TestDb| async move {
        let db = db.with_demo();
        let mut admin = Client::new(app(state(&db)).await);
        admin.login_demo("admin").await;
        let token = admin.get("/settings").await.csrf();
        let form = [
            ("csrf_token", token.as_str()),
            ("name", "乗っ取り株式会社"),
            ("kana", "のっとり"),
        ];
        for source in [
            ("origin", "https://evil.example"),
            ("origin", "http://localhost:8080.evil.example"),
            ("origin", "null"),
            ("referer", "https://evil.example/localhost:8080/settings"),
        ] {
            let status = post_from(&mut admin, "/settings", &form, source).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{source:?}");
        }
        assert!(!admin.get("/settings").await.body.contains("乗っ取り"));
        // The same form from our own pages (the test server is localhost:8080) is taken.
        let status = post_from(
            &mut admin,
            "/settings",
            &form,
            ("origin", "http://localhost:8080"),
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER);
        assert!(
            admin
                .get("/settings")
                .await
                .body
                .contains("乗っ取り株式会社")
        );
    }
);

// ---- sessions on several servers ---------------------------------------------------------------

both_backends!(sessions_end_on_every_server, |db: TestDb| async move {
    let db = db.with_demo();
    // Two servers: two apps, each with its own connection pool, on one database.
    let one = state(&db);
    let two = tsunagi::AppState {
        db: tsunagi::db::Db::open(&db.url, 2).unwrap(),
        settings: std::sync::Arc::new(tsunagi::config::Settings::default()),
    };
    let mut a = Client::new(app(one.clone()).await);
    a.login_demo("kyotaku").await;
    // The same browser reaches server two (a load balancer without stickiness).
    let mut b = Client::new(app(two.clone()).await);
    b.cookies = a.cookies.clone();
    assert_eq!(b.get("/").await.status, StatusCode::OK);
    // Logging out on server two ends the session on server one.
    let r = b.submit("/", "/logout", &[]).await;
    assert_eq!(r.location(), "/login?reason=logout");
    let r = a.get("/recipients").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.location().starts_with("/login?next="));

    // helper is logged in twice, once on each server; a manager on server two disables the
    // account: both sessions end, on both servers, and no session row is left.
    let mut h1 = Client::new(app(one.clone()).await);
    h1.login_demo("helper").await;
    let mut h2 = Client::new(app(two.clone()).await);
    h2.login_demo("helper").await;
    let mut h1_on_two = Client::new(app(two.clone()).await);
    h1_on_two.cookies = h1.cookies.clone();
    assert_eq!(h1_on_two.get("/").await.status, StatusCode::OK);
    let mut admin = Client::new(app(two.clone()).await);
    admin.login_demo("admin").await;
    let hid = common::staff_id(&db, "helper");
    let helper_form = format!("/staff/{hid}");
    let fields = [
        ("code", "S003"),
        ("name", "高橋 健一"),
        ("kana", "たかはし けんいち"),
        ("gender", "1"),
        ("login_id", "helper"),
    ];
    // login_enabled left unchecked.
    let r = admin.submit(&helper_form, &helper_form, &fields).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    for (who, c) in [
        ("h1", &mut h1),
        ("h2", &mut h2),
        ("h1 on two", &mut h1_on_two),
    ] {
        assert_eq!(c.get("/").await.status, StatusCode::SEE_OTHER, "{who}");
    }
    {
        use tsunagi::db::schema::sessions as s;
        let left: i64 = s::table
            .filter(s::staff_id.eq(hid))
            .count()
            .get_result(&mut *db.conn())
            .unwrap();
        assert_eq!(left, 0);
    }
    // Enabling the account again does not bring the old sessions back.
    let enabled = [fields.as_slice(), &[("login_enabled", "1")]].concat();
    let r = admin.submit(&helper_form, &helper_form, &enabled).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(h1.get("/").await.status, StatusCode::SEE_OTHER);
    // The manager's own session went on throughout, on both servers.
    let mut admin_on_one = Client::new(app(one).await);
    admin_on_one.cookies = admin.cookies.clone();
    assert_eq!(admin_on_one.get("/").await.status, StatusCode::OK);
});

// ---- HTML escaping -----------------------------------------------------------------------------

both_backends!(
    every_text_a_user_types_is_escaped,
    |db: TestDb| async move {
        let db = db.with_demo();
        let office11 = common::office_id(&db, "1310100001", "11");
        let ks = common::staff_id(&db, "kyotaku");
        let sakura = {
            let list = tsunagi::db::partners::list(&mut db.conn(), 1, "").unwrap();
            list.iter()
                .find(|p| p.name == "さくら福祉用具センター")
                .unwrap()
                .id
        };
        let id = common::fresh_recipient(&db);
        let m = "202612";
        let mut admin = Client::new(app(state(&db)).await);
        admin.login_demo("admin").await;

        // ---- every form with free text ----
        edit(&mut admin, "/settings", "/settings", &[("name", SCRIPT)]).await;
        let o11 = format!("/offices/{office11}");
        edit(
            &mut admin,
            &o11,
            &o11,
            &[("name", IMG), ("address", SCRIPT)],
        )
        .await;
        let p = format!("/partners/{sakura}");
        edit(
            &mut admin,
            &p,
            &p,
            &[("name", SCRIPT), ("address", IMG), ("note", SCRIPT)],
        )
        .await;
        let s = format!("/staff/{ks}");
        edit(&mut admin, &s, &s, &[("name", IMG)]).await;
        let rp = format!("/recipients/{id}");
        edit(
            &mut admin,
            &rp,
            &rp,
            &[("name", SCRIPT), ("address", IMG), ("insurer_name", IMG)],
        )
        .await;
        let providers = format!("/recipients/{id}/providers");
        let r = admin
            .submit(
                &providers,
                &providers,
                &[("provider", &format!("p:{sakura}"))],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let grid = format!("/schedules/{id}/{m}");
        let lines = format!("{grid}/lines");
        for line in [
            vec![
                ("provider", "1310100001:11"),
                ("code", "111111"),
                ("start", "9:00"),
                ("end", "9:30"),
                ("weekday", "1"),
                ("weekday", "4"),
            ],
            vec![
                ("provider", "1310400004:17"),
                ("code", "171001"),
                ("units", "500"),
                ("tais_code", "00001-000010"),
                ("equipment_name", SCRIPT),
            ],
        ] {
            let r = admin.submit(&grid, &lines, &line).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        }
        let plans = format!("/recipients/{id}/plans");
        let r = admin
            .submit(&plans, &plans, &[("plan_date", "2026-12-01")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let plan = tsunagi::db::plans::list_for_recipient(&mut db.conn(), id).unwrap()[0].id;
        let date = ("document_date", "2026-12-01");
        for (table, fields) in [
            (
                "table1",
                vec![
                    ("plan_date", "2026-12-01"),
                    date,
                    ("first_plan_date", "2026-12-01"),
                    ("first", "1"),
                    ("care_level", "21"),
                    ("author_name", SCRIPT),
                    ("intentions", IMG),
                    ("board_opinion", SCRIPT),
                    ("policy", IMG),
                    ("livelihood_reason", "3"),
                    ("livelihood_other", SCRIPT),
                ],
            ),
            (
                "table2",
                vec![
                    date,
                    ("need_no", "1"),
                    ("need", SCRIPT),
                    ("goal_no", "1"),
                    ("long_goal", IMG),
                    ("long_period", SCRIPT),
                    ("short_goal", IMG),
                    ("short_period", SCRIPT),
                    ("item_no", "1"),
                    ("content", IMG),
                    ("insured", "Y"),
                    ("service_kind", SCRIPT),
                    ("provider_number", "1310100001"),
                    ("provider_name", IMG),
                    ("frequency", SCRIPT),
                    ("period", IMG),
                ],
            ),
            (
                "table3",
                vec![
                    date,
                    ("kind", "service"),
                    ("name", SCRIPT),
                    ("weekday", "1"),
                    ("start", "9:00"),
                    ("end", "10:00"),
                    ("other", IMG),
                ],
            ),
        ] {
            let path = format!("/plans/{plan}/{table}");
            let r = admin.submit(&path, &path, &fields).await;
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{table}: {}", r.body);
        }

        // ---- every page that shows them ----
        let both = [SCRIPT, IMG];
        let shown: Vec<(String, &[&str])> = vec![
            ("/".into(), &[SCRIPT]),
            ("/settings".into(), &[SCRIPT]),
            ("/offices".into(), &[IMG]),
            (o11.clone(), &both),
            ("/partners".into(), &[SCRIPT]),
            (p.clone(), &both),
            ("/staff".into(), &[IMG]),
            (s.clone(), &[IMG]),
            ("/recipients".into(), &[SCRIPT]),
            (rp.clone(), &both),
            (format!("{rp}/certifications"), &[SCRIPT]),
            (providers.clone(), &[SCRIPT]),
            (plans.clone(), &[SCRIPT]),
            (format!("/plans/{plan}"), &both),
            (format!("/plans/{plan}/table1"), &both),
            (format!("/plans/{plan}/table2"), &both),
            (format!("/plans/{plan}/table3"), &both),
            (format!("/schedules?month={m}"), &[SCRIPT]),
            (grid.clone(), &both),
            (format!("{grid}/print"), &both),
            (format!("{grid}/table7"), &both),
            (format!("/careplan/export?data=plan&month={m}"), &[SCRIPT]),
            ("/audit".into(), &[SCRIPT]),
        ];
        for (page, texts) in &shown {
            let r = admin.get(page).await;
            assert_eq!(r.status, StatusCode::OK, "{page}");
            assert_shown_escaped(&r.body, page, texts);
        }
        // Searches echo what was typed.
        let q = tsunagi::web::url_encode(SCRIPT);
        for page in [
            format!("/recipients?q={q}"),
            format!("/staff?q={q}"),
            format!("/partners?q={q}"),
            format!("/service-codes?q={q}"),
            format!("/careplan/export?data=plan&month={m}&kana={q}"),
        ] {
            let r = admin.get(&page).await;
            assert_eq!(r.status, StatusCode::OK, "{page}");
            assert_shown_escaped(&r.body, &page, &[SCRIPT]);
        }
        // So does the login form.
        let mut visitor = Client::new(app(state(&db)).await);
        let r = visitor.get(&format!("/login?next=/{q}")).await;
        assert_shown_escaped(&r.body, "/login", &[&format!("/{SCRIPT}")]);
        let r = visitor.login(IMG, "wrong-password").await;
        assert_shown_escaped(&r.body, "login failure", &[IMG]);

        // The export: its confirmation (destinations by name), the job list, then the 訪問介護's
        // side: what it receives, shown before it is imported.
        let confirm = export_all(&mut admin, "plan", m).await;
        assert_shown_escaped(&confirm.body, "confirm", &[SCRIPT, IMG]);
        drain(&db);
        let jobs = admin.get("/jobs").await;
        assert_escaped(&jobs.body, "/jobs", &both);
        let office43 = common::office_id(&db, "1310100001", "43");
        let (job, files) = jobs_of(&db, 1, office43).remove(0);
        let zip = admin.get(&format!("/jobs/{job}/files/{}", files[0])).await;
        assert_eq!(zip.status, StatusCode::OK);
        admin
            .submit(
                "/",
                "/office/switch",
                &[("office_id", &office11.to_string())],
            )
            .await;
        let r = admin
            .upload(&[("files", "riyouhyou.zip", &zip.bytes)])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let import = admin.get("/careplan/import").await;
        assert_escaped(&import.body, "/careplan/import", &both);
        let sets = admin.get("/careplan/receive").await;
        assert_escaped(&sets.body, "/careplan/receive", &both);
        let ts = common::extract_value(&sets.body, "href=\"/careplan/receive/")
            .expect("a set to import")[..14]
            .to_string();
        let set = admin.get(&format!("/careplan/receive/{ts}")).await;
        assert_shown_escaped(&set.body, "set", &[SCRIPT]);
        let print = common::extract_value(&set.body, &format!("/careplan/receive/{ts}/print/"))
            .expect("a printable recipient");
        let print = admin
            .get(&format!("/careplan/receive/{ts}/print/{print}"))
            .await;
        assert_shown_escaped(&print.body, "received print", &both);

        // Spreadsheets: a name that Excel would run as a formula is written as text.
        let formula = "=HYPERLINK(\"http://evil.example\",\"x\")";
        edit(&mut admin, &rp, &rp, &[("name", formula)]).await;
        let csv = admin.get(&format!("/careplan/receive/{ts}/list.csv")).await;
        assert_eq!(csv.status, StatusCode::OK);
        let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&csv.bytes);
        assert!(text.contains("\"'=HYPERLINK("), "{text}");
        assert!(!text.contains(",=HYPERLINK") && !text.contains("\"=HYPERLINK"));
        let helper = format!("/staff/{}", common::staff_id(&db, "helper"));
        edit(&mut admin, &helper, &helper, &[("name", "@SUM(1+1)")]).await;
        admin.submit("/staff", "/staff/export", &[]).await;
        drain(&db);
        let (job, files) = jobs_of(&db, 1, office11).remove(0);
        let staff_csv = admin.get(&format!("/jobs/{job}/files/{}", files[0])).await;
        let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&staff_csv.bytes);
        assert!(text.contains(",'@SUM(1+1),"), "{text}");
    }
);
