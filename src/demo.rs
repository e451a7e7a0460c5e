//! The demonstration data (`tsunagi serve --demo` on an empty database) and the first account
//! of a real installation. The office numbers and login ids are fixed: README.md and scripts
//! rely on them.

pub mod volume;

use crate::auth::{Menu, password};
use crate::db::offices::OfficeFields;
use crate::db::partners::PartnerFields;
use crate::db::staff::{NewStaff, StaffBasics};
use crate::db::{self, DbConnection, DbResult, dialect};
use crate::domain::{OfficeNumber, ServiceType, kana};
use chrono::Datelike;
use diesel::prelude::*;

/// Every demo account's password.
pub const PASSWORD: &str = "tsunagi-demo";

fn office(
    number: &str,
    service_type: &str,
    name: &str,
    kana_text: &str,
    address: &str,
    phone: &str,
    grade: &str,
) -> OfficeFields {
    OfficeFields {
        office_number: number.into(),
        service_type: service_type.into(),
        name: name.into(),
        kana: kana::normalize(kana_text),
        postcode: "100-0001".into(),
        address: address.into(),
        phone: phone.into(),
        fax: String::new(),
        area_grade: grade.into(),
    }
}

fn partner(
    number: &str,
    service_type: &str,
    name: &str,
    kana_text: &str,
    exchange: bool,
    version: &str,
    phone: &str,
) -> PartnerFields {
    PartnerFields {
        office_number: number.into(),
        service_type: service_type.into(),
        name: name.into(),
        kana: kana::normalize(kana_text),
        postcode: String::new(),
        address: "東京都千代田区".into(),
        phone: phone.into(),
        fax: phone.into(),
        exchange_enabled: exchange,
        csv_version: version.into(),
        note: String::new(),
        // Tokyo's 23 wards are 1級地; the Osaka partner is 3級地 (as the demo's own office).
        area_grade: if number.starts_with("13") {
            "1".into()
        } else {
            "3".into()
        },
    }
}

struct DemoStaff<'a> {
    code: &'a str,
    name: &'a str,
    kana: &'a str,
    gender: &'a str,
    login_id: &'a str,
    manager: bool,
    /// (office id, primary, menus)
    offices: Vec<(i64, bool, Vec<Menu>)>,
}

fn add_staff(conn: &mut DbConnection, corp: i64, hash: &str, s: DemoStaff<'_>) -> DbResult<i64> {
    let k = kana::normalize(s.kana);
    let id = db::staff::create(
        conn,
        &NewStaff {
            corporation_id: corp,
            basics: &StaffBasics {
                code: s.code.into(),
                name: s.name.into(),
                kana_row: kana::row_of(&k).into(),
                kana: k,
                gender: s.gender.into(),
                login_id: s.login_id.into(),
            },
            password_hash: hash,
            login_enabled: true,
            is_manager: s.manager,
        },
    )?;
    let ids: Vec<i64> = s.offices.iter().map(|(o, _, _)| *o).collect();
    let primary = s
        .offices
        .iter()
        .find(|(_, p, _)| *p)
        .map(|(o, _, _)| *o)
        .unwrap_or(ids[0]);
    db::staff::set_memberships(conn, id, &ids, primary)?;
    for (office, _, menus) in &s.offices {
        db::staff::grant(conn, id, *office, menus)?;
    }
    Ok(id)
}

struct DemoRecipient<'a> {
    name: &'a str,
    kana: &'a str,
    gender: &'a str,
    birth: (i32, u32, u32),
}

/// Where a demo recipient's services come from.
enum Provider {
    Own(i64),
    Partner(i64),
}

struct RecipientSetup<'a> {
    corp: i64,
    insurer: (&'a str, &'a str),
    code_prefix: &'a str,
    number_base: u64,
    care_office: i64,
    managers: &'a [i64],
    /// Provider sets, used in turn.
    providers: Vec<Vec<(Provider, &'a str)>>,
}

/// Recipients with certifications around today and the providers they use.
fn add_recipients(
    conn: &mut DbConnection,
    setup: &RecipientSetup<'_>,
    people: &[DemoRecipient<'_>],
) -> DbResult<()> {
    use crate::db::recipients as rq;
    use crate::domain::{CareLevel, care_limit};
    let today = crate::web::dates::today_jst();
    let month_start = today.with_day(1).unwrap_or(today);
    let levels = ["21", "22", "23", "12", "13", "24", "25", "21", "22", "06"];
    for (i, p) in people.iter().enumerate() {
        let k = kana::normalize(p.kana);
        let id = rq::create(
            conn,
            setup.corp,
            &rq::RecipientFields {
                code: format!("{}{:04}", setup.code_prefix, i + 1),
                name: p.name.into(),
                kana_row: kana::row_of(&k).into(),
                kana: k,
                gender: p.gender.into(),
                birth_date: chrono::NaiveDate::from_ymd_opt(p.birth.0, p.birth.1, p.birth.2),
                postcode: "101-0041".into(),
                address: format!("東京都千代田区神田須田町{}-{}", i % 3 + 1, i + 5),
                phone: format!("03-3251-{:04}", 1200 + i),
                insurer_number: setup.insurer.0.into(),
                insurer_name: setup.insurer.1.into(),
                insured_number: format!("{:010}", setup.number_base + i as u64 * 7),
                burden_ratio: match i % 7 {
                    3 => 2,
                    5 => 3,
                    _ => 1,
                },
                care_office_id: Some(setup.care_office),
                care_partner_id: None,
                care_manager_id: Some(setup.managers[i % setup.managers.len()]),
            },
        )?;
        let level = levels[i % levels.len()];
        let limit = CareLevel::parse(level)
            .ok()
            .and_then(care_limit::monthly_limit)
            .map(|u| u as i32);
        // Most certifications run a year from six months ago; one ends this month, one is 申請中.
        let from = months_after(month_start, -6);
        let to = if i == 4 {
            months_after(month_start, 1).pred_opt().unwrap_or(today)
        } else {
            months_after(from, 12).pred_opt().unwrap_or(today)
        };
        rq::add_certification(
            conn,
            id,
            &rq::CertificationFields {
                status: if i == 9 {
                    "applying".into()
                } else {
                    "certified".into()
                },
                care_level: level.into(),
                certified_on: (i != 9).then(|| from - chrono::Duration::days(10)),
                valid_from: from,
                valid_to: to,
                limit_units: limit,
            },
        )?;
        for (provider, service_type) in &setup.providers[i % setup.providers.len()] {
            let (office, partner) = match provider {
                Provider::Own(o) => (Some(*o), None),
                Provider::Partner(p) => (None, Some(*p)),
            };
            rq::add_provider(conn, id, office, partner, service_type)?;
        }
    }
    Ok(())
}

/// The first day of the month `n` months after the month of `d` (which must be a 1st).
fn months_after(d: chrono::NaiveDate, n: i32) -> chrono::NaiveDate {
    let total = d.year() * 12 + d.month0() as i32 + n;
    chrono::NaiveDate::from_ymd_opt(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
        .unwrap_or(d)
}

/// Loads the demo into an empty database, all in one transaction.
pub fn load(conn: &mut DbConnection) -> DbResult<()> {
    let hash = password::hash(PASSWORD);
    dialect::write_transaction(conn, |conn| load_inner(conn, &hash))
}

fn load_inner(conn: &mut DbConnection, hash: &str) -> DbResult<()> {
    use Menu::*;
    // ---- 株式会社つなぎケア ----
    let corp =
        db::offices::create_corporation(conn, "株式会社つなぎケア", "かぶしきがいしゃつなぎけあ")?;
    let kyotaku = db::offices::create(
        conn,
        corp,
        &office(
            "1310100001",
            "43",
            "つなぎ居宅介護支援事業所",
            "つなぎきょたくかいごしえんじぎょうしょ",
            "東京都千代田区神田須田町1-2-3 つなぎビル2階",
            "03-3251-0001",
            "1",
        ),
    )?;
    let homon = db::offices::create(
        conn,
        corp,
        &office(
            "1310100001",
            "11",
            "つなぎ訪問介護ステーション",
            "つなぎほうもんかいごすてーしょん",
            "東京都千代田区神田須田町1-2-3 つなぎビル1階",
            "03-3251-0002",
            "1",
        ),
    )?;
    let day = db::offices::create(
        conn,
        corp,
        &office(
            "1310200002",
            "15",
            "つなぎデイサービスセンター",
            "つなぎでいさーびすせんたー",
            "東京都千代田区岩本町2-4-6",
            "03-3251-0003",
            "1",
        ),
    )?;
    let mut partner_ids = Vec::new();
    for p in [
        partner(
            "1310300003",
            "13",
            "みどり訪問看護ステーション",
            "みどりほうもんかんごすてーしょん",
            true,
            "v4",
            "03-3333-1001",
        ),
        partner(
            "1310400004",
            "17",
            "さくら福祉用具センター",
            "さくらふくしようぐせんたー",
            true,
            "v4",
            "03-3333-1002",
        ),
        partner(
            "1310500005",
            "16",
            "ひかり通所リハビリテーション",
            "ひかりつうしょりはびりてーしょん",
            true,
            "v3",
            "03-3333-1003",
        ),
        partner(
            "1310600006",
            "11",
            "あおば訪問介護",
            "あおばほうもんかいご",
            false,
            "v4",
            "03-3333-1004",
        ),
        partner(
            "1310700007",
            "43",
            "やまびこ居宅介護支援センター",
            "やまびこきょたくかいごしえんせんたー",
            true,
            "v4",
            "03-3333-1005",
        ),
        partner(
            "1310800008",
            "12",
            "はなまる訪問入浴",
            "はなまるほうもんにゅうよく",
            true,
            "v4",
            "03-3333-1006",
        ),
    ] {
        partner_ids.push(db::partners::create(conn, corp, &p)?);
    }
    let (nurse, equipment, rehab, aoba) = (
        partner_ids[0],
        partner_ids[1],
        partner_ids[2],
        partner_ids[3],
    );
    let all: Vec<Menu> = Menu::ALL.to_vec();
    let work = vec![Recipients, Schedules, CarePlanExchange];
    add_staff(
        conn,
        corp,
        hash,
        DemoStaff {
            code: "S001",
            name: "佐藤 一郎",
            kana: "さとう いちろう",
            gender: "1",
            login_id: "admin",
            manager: true,
            offices: vec![
                (kyotaku, true, all.clone()),
                (homon, false, all.clone()),
                (day, false, all.clone()),
            ],
        },
    )?;
    let cm1 = add_staff(
        conn,
        corp,
        hash,
        DemoStaff {
            code: "S002",
            name: "鈴木 花子",
            kana: "すずき はなこ",
            gender: "2",
            login_id: "kyotaku",
            manager: false,
            offices: vec![(kyotaku, true, work.clone())],
        },
    )?;
    add_staff(
        conn,
        corp,
        hash,
        DemoStaff {
            code: "S003",
            name: "高橋 健一",
            kana: "たかはし けんいち",
            gender: "1",
            login_id: "helper",
            manager: false,
            offices: vec![(homon, true, work.clone())],
        },
    )?;
    add_staff(
        conn,
        corp,
        hash,
        DemoStaff {
            code: "S004",
            name: "田中 美咲",
            kana: "たなか みさき",
            gender: "2",
            login_id: "noperm",
            manager: false,
            offices: vec![(kyotaku, true, vec![])],
        },
    )?;
    add_staff(
        conn,
        corp,
        hash,
        DemoStaff {
            code: "S005",
            name: "伊藤 直樹",
            kana: "いとう なおき",
            gender: "1",
            login_id: "tsusho",
            manager: false,
            offices: vec![(day, true, vec![Schedules, CarePlanExchange, Jobs])],
        },
    )?;
    let cm2 = add_staff(
        conn,
        corp,
        hash,
        DemoStaff {
            code: "S006",
            name: "渡辺 由美",
            kana: "わたなべ ゆみ",
            gender: "2",
            login_id: "kyotaku2",
            manager: false,
            offices: vec![(
                kyotaku,
                true,
                vec![Recipients, Schedules, CarePlanExchange, Partners, Jobs],
            )],
        },
    )?;
    add_staff(
        conn,
        corp,
        hash,
        DemoStaff {
            code: "S007",
            name: "山口 修",
            kana: "やまぐち おさむ",
            gender: "1",
            login_id: "jimu",
            manager: false,
            offices: vec![
                (
                    kyotaku,
                    true,
                    vec![OfficeSelect, Offices, Partners, Staff, Jobs],
                ),
                (homon, false, vec![OfficeSelect, Staff, Jobs]),
            ],
        },
    )?;
    let people = [
        DemoRecipient {
            name: "青木 キヨ",
            kana: "あおき きよ",
            gender: "2",
            birth: (1935, 4, 12),
        },
        DemoRecipient {
            name: "石川 正男",
            kana: "いしかわ まさお",
            gender: "1",
            birth: (1938, 11, 3),
        },
        DemoRecipient {
            name: "上田 トミ",
            kana: "うえだ とみ",
            gender: "2",
            birth: (1932, 2, 28),
        },
        DemoRecipient {
            name: "遠藤 和子",
            kana: "えんどう かずこ",
            gender: "2",
            birth: (1941, 7, 19),
        },
        DemoRecipient {
            name: "岡田 茂",
            kana: "おかだ しげる",
            gender: "1",
            birth: (1936, 9, 1),
        },
        DemoRecipient {
            name: "加藤 ハル",
            kana: "かとう はる",
            gender: "2",
            birth: (1929, 3, 21),
        },
        DemoRecipient {
            name: "木村 勇",
            kana: "きむら いさむ",
            gender: "1",
            birth: (1944, 5, 5),
        },
        DemoRecipient {
            name: "小林 節子",
            kana: "こばやし せつこ",
            gender: "2",
            birth: (1939, 12, 24),
        },
        DemoRecipient {
            name: "斎藤 文雄",
            kana: "さいとう ふみお",
            gender: "1",
            birth: (1934, 8, 15),
        },
        DemoRecipient {
            name: "清水 千代",
            kana: "しみず ちよ",
            gender: "2",
            birth: (1931, 1, 8),
        },
        DemoRecipient {
            name: "髙橋 光子",
            kana: "たかはし みつこ",
            gender: "2",
            birth: (1943, 6, 30),
        },
        DemoRecipient {
            name: "中島 博",
            kana: "なかじま ひろし",
            gender: "1",
            birth: (1940, 10, 10),
        },
        DemoRecipient {
            name: "西村 静江",
            kana: "にしむら しずえ",
            gender: "2",
            birth: (1937, 4, 1),
        },
        DemoRecipient {
            name: "野口 清",
            kana: "のぐち きよし",
            gender: "1",
            birth: (1933, 3, 3),
        },
        DemoRecipient {
            name: "橋本 幸子",
            kana: "はしもと さちこ",
            gender: "2",
            birth: (1945, 2, 14),
        },
        DemoRecipient {
            name: "藤田 實",
            kana: "ふじた みのる",
            gender: "1",
            birth: (1930, 11, 23),
        },
        DemoRecipient {
            name: "前田 ミツ",
            kana: "まえだ みつ",
            gender: "2",
            birth: (1928, 5, 27),
        },
        DemoRecipient {
            name: "村上 昭",
            kana: "むらかみ あきら",
            gender: "1",
            birth: (1942, 8, 8),
        },
        DemoRecipient {
            name: "森 フサ",
            kana: "もり ふさ",
            gender: "2",
            birth: (1934, 12, 1),
        },
        DemoRecipient {
            name: "山田 太郎",
            kana: "やまだ たろう",
            gender: "1",
            birth: (1940, 4, 29),
        },
        DemoRecipient {
            name: "吉田 よし子",
            kana: "よしだ よしこ",
            gender: "2",
            birth: (1936, 7, 7),
        },
        DemoRecipient {
            name: "渡部 榮",
            kana: "わたべ さかえ",
            gender: "1",
            birth: (1932, 9, 9),
        },
    ];
    add_recipients(
        conn,
        &RecipientSetup {
            corp,
            insurer: ("131016", "千代田区"),
            code_prefix: "R",
            number_base: 1_000_000_101,
            care_office: kyotaku,
            managers: &[cm1, cm2],
            providers: vec![
                vec![
                    (Provider::Own(homon), "11"),
                    (Provider::Partner(equipment), "17"),
                ],
                vec![(Provider::Own(day), "15"), (Provider::Partner(nurse), "13")],
                vec![(Provider::Own(homon), "11"), (Provider::Own(day), "15")],
                vec![
                    (Provider::Own(homon), "11"),
                    (Provider::Partner(rehab), "16"),
                ],
                vec![(Provider::Partner(aoba), "11"), (Provider::Own(day), "15")],
            ],
        },
        &people,
    )?;
    load_care_records(conn, corp, kyotaku)?;

    // ---- 株式会社なにわ福祉会: a second tenant that must never see the first ----
    let corp2 = db::offices::create_corporation(
        conn,
        "株式会社なにわ福祉会",
        "かぶしきがいしゃなにわふくしかい",
    )?;
    let naniwa = db::offices::create(
        conn,
        corp2,
        &office(
            "2710100001",
            "43",
            "なにわ居宅介護支援センター",
            "なにわきょたくかいごしえんせんたー",
            "大阪府大阪市中央区本町1-1-1",
            "06-6251-0001",
            "3",
        ),
    )?;
    let naniwa_day = db::partners::create(
        conn,
        corp2,
        &partner(
            "2710200002",
            "15",
            "なにわデイサービス",
            "なにわでいさーびす",
            true,
            "v4",
            "06-6251-1001",
        ),
    )?;
    let other = add_staff(
        conn,
        corp2,
        hash,
        DemoStaff {
            code: "N001",
            name: "山本 剛",
            kana: "やまもと つよし",
            gender: "1",
            login_id: "other",
            manager: true,
            offices: vec![(naniwa, true, all.clone())],
        },
    )?;
    let naniwa_cm = add_staff(
        conn,
        corp2,
        hash,
        DemoStaff {
            code: "N002",
            name: "中村 桜",
            kana: "なかむら さくら",
            gender: "2",
            login_id: "naniwa-cm",
            manager: false,
            offices: vec![(naniwa, true, work.clone())],
        },
    )?;
    let people2 = [
        DemoRecipient {
            name: "大阪 松子",
            kana: "おおさか まつこ",
            gender: "2",
            birth: (1937, 1, 15),
        },
        DemoRecipient {
            name: "北野 源三",
            kana: "きたの げんぞう",
            gender: "1",
            birth: (1935, 6, 6),
        },
        DemoRecipient {
            name: "住吉 梅",
            kana: "すみよし うめ",
            gender: "2",
            birth: (1930, 3, 30),
        },
        DemoRecipient {
            name: "天満 誠",
            kana: "てんま まこと",
            gender: "1",
            birth: (1943, 10, 2),
        },
        DemoRecipient {
            name: "難波 千鶴",
            kana: "なんば ちづる",
            gender: "2",
            birth: (1939, 8, 18),
        },
    ];
    add_recipients(
        conn,
        &RecipientSetup {
            corp: corp2,
            insurer: ("272005", "大阪市"),
            code_prefix: "N",
            number_base: 2_000_000_201,
            care_office: naniwa,
            managers: &[naniwa_cm, other],
            providers: vec![vec![(Provider::Partner(naniwa_day), "15")]],
        },
        &people2,
    )?;
    Ok(())
}

/// The first account of a real installation: a corporation and office to be renamed on
/// screen (自社情報, システム設定), and a manager `admin` with every permission.
pub fn first_manager(conn: &mut DbConnection, password_text: &str) -> DbResult<()> {
    let hash = password::hash(password_text);
    dialect::write_transaction(conn, |conn| -> DbResult<()> {
        let corp = db::offices::create_corporation(conn, "（法人名を設定してください）", "")?;
        let office_id = db::offices::create(
            conn,
            corp,
            &OfficeFields {
                office_number: "0000000000".into(),
                service_type: "43".into(),
                name: "（事業所名を設定してください）".into(),
                area_grade: "other".into(),
                ..Default::default()
            },
        )?;
        add_staff(
            conn,
            corp,
            &hash,
            DemoStaff {
                code: "0001",
                name: "管理者",
                kana: "かんりしゃ",
                gender: "",
                login_id: "admin",
                manager: true,
                offices: vec![(office_id, true, Menu::ALL.to_vec())],
            },
        )?;
        Ok(())
    })
}

/// `tsunagi admin create-staff`: a new account in an existing office.
pub fn create_staff_cli(
    conn: &mut DbConnection,
    login_id: &str,
    name: &str,
    kana_text: &str,
    office: &str,
    manager: bool,
    password_text: &str,
) -> Result<(), String> {
    password::check_policy(password_text)
        .map_err(|_| "the password must have at least 10 characters".to_string())?;
    let (number, service_type) = match office.split_once(':') {
        Some((n, t)) => (n, Some(t)),
        None => (office, None),
    };
    let number = OfficeNumber::parse(number).map_err(|e| e.to_string())?;
    let service_type = service_type
        .map(ServiceType::parse)
        .transpose()
        .map_err(|e| e.to_string())?;
    use crate::db::schema::offices as o;
    let mut q = o::table
        .filter(o::office_number.eq(number.as_str()))
        .into_boxed();
    if let Some(t) = service_type {
        q = q.filter(o::service_type.eq(t.code()));
    }
    let found: Vec<(i64, i64)> = q
        .select((o::id, o::corporation_id))
        .load(conn)
        .map_err(|e| e.to_string())?;
    let (office_id, corp) = match found.as_slice() {
        [one] => *one,
        [] => return Err(format!("no office with number {office}")),
        _ => {
            return Err(format!(
                "office number {number} has several service types; name one, e.g. {number}:43"
            ));
        }
    };
    if db::staff::login_id_taken(conn, login_id, None).map_err(|e| e.to_string())? {
        return Err(format!("the login id {login_id:?} is already used"));
    }
    let existing: i64 = db::schema::staff::table
        .filter(db::schema::staff::corporation_id.eq(corp))
        .count()
        .get_result(conn)
        .map_err(|e| e.to_string())?;
    let hash = password::hash(password_text);
    let menus = if manager { Menu::ALL.to_vec() } else { vec![] };
    let code = format!("C{:03}", existing + 1);
    dialect::write_transaction(conn, |conn| -> DbResult<()> {
        add_staff(
            conn,
            corp,
            &hash,
            DemoStaff {
                code: &code,
                name,
                kana: kana_text,
                gender: "",
                login_id,
                manager,
                offices: vec![(office_id, true, menus)],
            },
        )?;
        Ok(())
    })
    .map_err(|e| e.to_string())
}

/// One demo schedule line: provider (number, type, name), code, name, units, times, weekdays.
struct DemoLine<'a> {
    provider: &'a (String, String, String),
    code: &'a str,
    units: Option<i32>,
    time: Option<(&'a str, &'a str)>,
    /// 1 = 月 … 7 = 日; empty = the 1st only (monthly codes).
    weekdays: &'a [u32],
    tais: &'a str,
    equipment: &'a str,
}

/// Plans (第1/2/3表) and the previous, current and next month's schedules, with actuals for the
/// previous month, for the first corporation's recipients.
fn load_care_records(conn: &mut DbConnection, corp: i64, kyotaku: i64) -> DbResult<()> {
    use crate::db::{plans, recipients as rq, schedules};
    use crate::domain::ServiceCode;
    use crate::domain::service_codes::ServiceCodeTable;
    let today = crate::web::dates::today_jst();
    let this_month = months_after(today.with_day(1).unwrap_or(today), 0);
    let prev_month = months_after(this_month, -1);
    // Next month's plans too, so that the 利用票 export (sent before the month starts) has work.
    let next_month = months_after(this_month, 1);
    let offices = db::offices::list(conn, corp)?;
    let partners = db::partners::list(conn, corp, "")?;
    let table = ServiceCodeTable::r6();
    let rows = db::recipients::all_of_office(conn, corp, kyotaku, today)?;
    for (i, row) in rows.iter().enumerate() {
        let r = &row.recipient;
        let level = row
            .certification
            .as_ref()
            .map(|c| c.care_level.clone())
            .unwrap_or_default();
        let care_index = match level.as_str() {
            "21" => Some(1),
            "22" => Some(2),
            "23" => Some(3),
            "24" => Some(4),
            "25" => Some(5),
            _ => None,
        };
        let providers: Vec<(String, String, String)> = rq::providers_of(conn, r.id)?
            .into_iter()
            .filter_map(|l| {
                l.office_id
                    .and_then(|o| offices.iter().find(|x| x.id == o))
                    .map(|o| {
                        (
                            o.office_number.clone(),
                            o.service_type.clone(),
                            o.name.clone(),
                        )
                    })
                    .or_else(|| {
                        l.partner_id
                            .and_then(|p| partners.iter().find(|x| x.id == p))
                            .map(|p| {
                                (
                                    p.office_number.clone(),
                                    p.service_type.clone(),
                                    p.name.clone(),
                                )
                            })
                    })
            })
            .collect();
        let day_code = care_index.map(|n| format!("15115{n}"));
        let mut lines: Vec<DemoLine<'_>> = Vec::new();
        for p in &providers {
            match p.1.as_str() {
                "11" if i == 7 => {
                    lines.push(DemoLine {
                        provider: p,
                        code: "111211",
                        units: None,
                        time: Some(("1000", "1045")),
                        weekdays: &[1, 2, 3, 4, 5, 6, 7],
                        tais: "",
                        equipment: "",
                    });
                    lines.push(DemoLine {
                        provider: p,
                        code: "111112",
                        units: None,
                        time: Some(("1900", "1930")),
                        weekdays: &[1, 2, 3, 4, 5, 6, 7],
                        tais: "",
                        equipment: "",
                    });
                }
                "11" if i % 5 == 2 => lines.push(DemoLine {
                    provider: p,
                    code: "111211",
                    units: None,
                    time: Some(("1000", "1045")),
                    weekdays: &[1, 3, 5],
                    tais: "",
                    equipment: "",
                }),
                "11" if i % 5 == 4 => lines.push(DemoLine {
                    provider: p,
                    code: "112311",
                    units: None,
                    time: Some(("1400", "1445")),
                    weekdays: &[2, 5],
                    tais: "",
                    equipment: "",
                }),
                "11" => {
                    lines.push(DemoLine {
                        provider: p,
                        code: "111111",
                        units: None,
                        time: Some(("0900", "0930")),
                        weekdays: if i % 5 == 3 { &[2, 5] } else { &[1, 4] },
                        tais: "",
                        equipment: "",
                    });
                    if p.0 == "1310100001" {
                        lines.push(DemoLine {
                            provider: p,
                            code: "116275",
                            units: None,
                            time: None,
                            weekdays: &[],
                            tais: "",
                            equipment: "",
                        });
                    }
                }
                "15" => {
                    if let Some(code) = &day_code {
                        let days: &[u32] = if i % 5 == 2 { &[4] } else { &[3] };
                        lines.push(DemoLine {
                            provider: p,
                            code,
                            units: None,
                            time: Some(("0900", "1630")),
                            weekdays: days,
                            tais: "",
                            equipment: "",
                        });
                        lines.push(DemoLine {
                            provider: p,
                            code: "155301",
                            units: None,
                            time: Some(("0900", "1630")),
                            weekdays: days,
                            tais: "",
                            equipment: "",
                        });
                    }
                }
                "13" => lines.push(DemoLine {
                    provider: p,
                    code: "131121",
                    units: None,
                    time: Some(("1400", "1430")),
                    weekdays: &[2],
                    tais: "",
                    equipment: "",
                }),
                "17" => lines.push(DemoLine {
                    provider: p,
                    code: "171003",
                    units: Some(900),
                    time: None,
                    weekdays: &[],
                    tais: "00170-000123",
                    equipment: "特殊寝台 つなぎケアベッド3モーター",
                }),
                _ => {}
            }
        }
        for (month_start, with_actuals) in
            [(prev_month, true), (this_month, false), (next_month, false)]
        {
            let month = month_start.format("%Y%m").to_string();
            for (n, l) in lines.iter().enumerate() {
                let Some(entry) = ServiceCode::parse(l.code)
                    .ok()
                    .and_then(|c| table.get_on(&c, month_start))
                else {
                    continue;
                };
                let (start, end) = l.time.unwrap_or(("9999", "9999"));
                let id = schedules::add_line(
                    conn,
                    corp,
                    r.id,
                    &month,
                    &schedules::LineFields {
                        provider_number: l.provider.0.clone(),
                        provider_type: l.provider.1.clone(),
                        provider_name: l.provider.2.clone(),
                        service_code: l.code.into(),
                        service_name: entry.name.clone(),
                        units: l.units.unwrap_or(entry.units as i32),
                        start_time: start.into(),
                        end_time: end.into(),
                        tais_code: l.tais.into(),
                        equipment_name: l.equipment.into(),
                        over_30: "0".into(),
                        ..Default::default()
                    },
                )?;
                let plan = if l.weekdays.is_empty() {
                    let mut p = [0; 31];
                    p[0] = 1;
                    p
                } else {
                    crate::domain::calendar::weekday_pattern(
                        month_start.year(),
                        month_start.month(),
                        l.weekdays,
                    )
                };
                let mut actual = if with_actuals { plan } else { [0; 31] };
                // One cancelled visit in last month's actuals, for the reconciliation screens.
                if with_actuals
                    && n == 0
                    && i % 3 == 0
                    && let Some(d) = actual.iter().position(|c| *c > 0)
                {
                    actual[d] = 0;
                }
                schedules::set_days(conn, id, Some(&plan), Some(&actual))?;
            }
        }
        // A care plan made when the certification started.
        let Some(cert) = row.certification.as_ref() else {
            continue;
        };
        let t1 = plans::Table1Fields {
            plan_date: cert.valid_from,
            document_date: cert.valid_from,
            first_plan_date: cert.valid_from,
            plan_category: if i % 4 == 0 { "11".into() } else { "21".into() },
            cert_status: if cert.status == "applying" { "1".into() } else { "2".into() },
            certified_on: cert.certified_on,
            cert_from: Some(cert.valid_from),
            cert_to: Some(cert.valid_to),
            care_level: cert.care_level.clone(),
            author_name: if i % 2 == 0 { "鈴木 花子".into() } else { "渡辺 由美".into() },
            intentions: "本人：住み慣れた自宅で、できることは自分で続けたい。\n家族：日中は独りになるので、転倒や体調の変化が心配。".into(),
            board_opinion: "特になし".into(),
            policy: "安全に自宅での生活が続けられるよう、入浴と移動を支援し、家族の介護負担を軽くします。\n緊急連絡先：長男 090-0000-0000".into(),
            livelihood_reason: String::new(),
            livelihood_other: String::new(),
        };
        let pid = plans::create(
            conn,
            &plans::NewPlan {
                corporation_id: corp,
                recipient_id: r.id,
                office_id: kyotaku,
                created_by: None,
                table1: &t1,
                weekly_other: "福祉用具貸与（必要に応じて）",
            },
        )?;
        let mut plan_lines = Vec::new();
        let mut weekly = Vec::new();
        for (n, l) in lines.iter().enumerate() {
            let kind = crate::domain::ServiceType::parse(&l.provider.1)
                .map(|t| t.name().to_string())
                .unwrap_or_default();
            if l.code.starts_with("1162") || l.code.starts_with("1553") {
                continue;
            }
            plan_lines.push(plans::PlanLine {
                need_no: 1,
                need: if n == 0 {
                    "身の回りのことを続けながら、安全に暮らしたい".into()
                } else {
                    String::new()
                },
                goal_no: 1,
                long_goal: if n == 0 {
                    "自宅で安全に生活できる".into()
                } else {
                    String::new()
                },
                long_period: if n == 0 { "1年".into() } else { String::new() },
                short_goal: if n == 0 {
                    "介助を受けて清潔を保てる".into()
                } else {
                    String::new()
                },
                short_period: if n == 0 {
                    "6か月".into()
                } else {
                    String::new()
                },
                item_no: n as i32 + 1,
                content: table
                    .lookup(l.code)
                    .map(|e| e.name.clone())
                    .unwrap_or_default(),
                insured: "Y".into(),
                service_kind: kind.clone(),
                provider_number: l.provider.0.clone(),
                provider_name: l.provider.2.clone(),
                frequency: if l.weekdays.is_empty() {
                    "随時".into()
                } else {
                    format!("週{}回", l.weekdays.len())
                },
                period: "6か月".into(),
            });
            if let Some((s, e)) = l.time {
                for w in l.weekdays {
                    weekly.push(plans::WeeklyEntry {
                        kind: "service".into(),
                        name: kind.clone(),
                        weekday: Some(*w as i32),
                        start_time: s.into(),
                        end_time: e.into(),
                    });
                }
            }
        }
        weekly.push(plans::WeeklyEntry {
            kind: "activity".into(),
            name: "起床".into(),
            weekday: None,
            start_time: "0630".into(),
            end_time: "0630".into(),
        });
        weekly.push(plans::WeeklyEntry {
            kind: "activity".into(),
            name: "就寝".into(),
            weekday: None,
            start_time: "2100".into(),
            end_time: "2100".into(),
        });
        plans::replace_lines(conn, pid, Some(cert.valid_from), &plan_lines)?;
        plans::replace_weekly(
            conn,
            pid,
            Some(cert.valid_from),
            &weekly,
            "福祉用具貸与（必要に応じて）",
        )?;
    }
    Ok(())
}
