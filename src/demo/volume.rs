//! A corporation at the size of a large customer, for load tests and query plans
//! (`tsunagi admin demo-volume`, docs/performance.md): offices (half 居宅介護支援, the others
//! 訪問介護, 通所介護, 訪問看護 and 福祉用具貸与 in turn), staff who log in with the demo password,
//! recipients with a certification and their providers, and months of 予定実績 (予定 every month,
//! 実績 in the months before the last).
//!
//! The same sizes always give the same rows. They go in with multi-row statements
//! ([`crate::db::dialect::insert_rows`]), one transaction per block of recipients, so 10,000
//! recipients with a year of schedules take minutes, not hours.

use super::{DemoStaff, PASSWORD, add_staff};
use crate::auth::{Menu, password};
use crate::db::schema::{
    certifications, recipient_providers, recipients, schedule_days, schedule_lines,
};
use crate::db::{self, DbConnection, DbResult, dialect::insert_rows};
use crate::domain::service_codes::ServiceCodeTable;
use crate::domain::{CareLevel, ServiceCode, ServiceMonth, calendar, care_limit, kana};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use std::collections::HashMap;

/// The corporation's name; its offices are numbered 13900000NN.
pub const CORPORATION: &str = "株式会社つなぎ広域ケア";
const OFFICE_PREFIX: &str = "139000";

/// What to generate.
#[derive(Debug, Clone)]
pub struct Volume {
    /// Offices (at least 1): the first half 居宅介護支援, the rest providers.
    pub offices: usize,
    pub recipients: usize,
    /// Months of 予定実績, ending with `last_month`.
    pub months: u32,
    pub last_month: ServiceMonth,
    /// Staff per office: login ids `vol01-1`, `vol01-2` … (office 01, staff 1 …).
    pub staff_per_office: usize,
}

impl Volume {
    /// The size of issue 7: 20 offices, 10,000 recipients, a year up to this month.
    pub fn large(last_month: ServiceMonth) -> Volume {
        Volume {
            offices: 20,
            recipients: 10_000,
            months: 12,
            last_month,
            staff_per_office: 3,
        }
    }
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub corporation_id: i64,
    pub offices: usize,
    pub staff: usize,
    pub recipients: usize,
    pub lines: usize,
    pub days: usize,
}

/// The login id of staff member `n` (1-based) of office `office` (1-based).
pub fn login_id(office: usize, n: usize) -> String {
    format!("vol{office:02}-{n}")
}

/// The office number of office `office` (1-based).
pub fn office_number(office: usize) -> String {
    format!("{OFFICE_PREFIX}{office:04}")
}

/// Service types of the provider offices, in turn.
const PROVIDER_TYPES: [&str; 4] = ["11", "15", "13", "17"];

const FAMILY: [(&str, &str); 24] = [
    ("青木", "あおき"),
    ("石井", "いしい"),
    ("上野", "うえの"),
    ("江口", "えぐち"),
    ("大野", "おおの"),
    ("加藤", "かとう"),
    ("木下", "きのした"),
    ("久保", "くぼ"),
    ("小池", "こいけ"),
    ("佐々木", "ささき"),
    ("清水", "しみず"),
    ("鈴木", "すずき"),
    ("高田", "たかだ"),
    ("千葉", "ちば"),
    ("土屋", "つちや"),
    ("中村", "なかむら"),
    ("西田", "にしだ"),
    ("野村", "のむら"),
    ("原田", "はらだ"),
    ("福田", "ふくだ"),
    ("松本", "まつもと"),
    ("村田", "むらた"),
    ("山本", "やまもと"),
    ("渡辺", "わたなべ"),
];

const GIVEN: [(&str, &str, &str); 16] = [
    ("キヨ", "きよ", "2"),
    ("正男", "まさお", "1"),
    ("トミ", "とみ", "2"),
    ("和子", "かずこ", "2"),
    ("茂", "しげる", "1"),
    ("ハル", "はる", "2"),
    ("勇", "いさむ", "1"),
    ("節子", "せつこ", "2"),
    ("文雄", "ふみお", "1"),
    ("千代", "ちよ", "2"),
    ("博", "ひろし", "1"),
    ("静江", "しずえ", "2"),
    ("清", "きよし", "1"),
    ("幸子", "さちこ", "2"),
    ("實", "みのる", "1"),
    ("ミツ", "みつ", "2"),
];

const INSURERS: [(&str, &str); 4] = [
    ("131016", "千代田区"),
    ("131024", "中央区"),
    ("131032", "港区"),
    ("131041", "新宿区"),
];

#[derive(Insertable)]
#[diesel(table_name = recipients, treat_none_as_null = true)]
struct NewRecipient {
    corporation_id: i64,
    code: String,
    name: String,
    kana: String,
    kana_row: String,
    gender: String,
    birth_date: Option<NaiveDate>,
    postcode: String,
    address: String,
    phone: String,
    insurer_number: String,
    insurer_name: String,
    insured_number: String,
    burden_ratio: i32,
    care_office_id: Option<i64>,
    care_manager_id: Option<i64>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = certifications, treat_none_as_null = true)]
struct NewCertification {
    recipient_id: i64,
    status: String,
    care_level: String,
    certified_on: Option<NaiveDate>,
    valid_from: NaiveDate,
    valid_to: NaiveDate,
    limit_units: Option<i32>,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = recipient_providers, treat_none_as_null = true)]
struct NewProvider {
    recipient_id: i64,
    office_id: Option<i64>,
    service_type: String,
    created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = schedule_lines)]
struct NewLine {
    corporation_id: i64,
    recipient_id: i64,
    month: String,
    position: i32,
    provider_number: String,
    provider_type: String,
    provider_name: String,
    service_code: String,
    service_name: String,
    units: i32,
    start_time: String,
    end_time: String,
    tais_code: String,
    equipment_name: String,
    over_30: String,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = schedule_days)]
struct NewDay {
    line_id: i64,
    day: i32,
    plan_count: i32,
    actual_count: i32,
}

/// One of a recipient's lines, before it has a month.
struct LinePlan<'a> {
    office: &'a GeneratedOffice,
    code: &'static str,
    time: (&'static str, &'static str),
    /// 1 = 月 … 7 = 日; empty = the 1st only (monthly codes).
    weekdays: &'static [u32],
    units: Option<i32>,
    tais: &'static str,
    equipment: &'static str,
}

struct GeneratedOffice {
    id: i64,
    number: String,
    service_type: &'static str,
    name: String,
    staff: Vec<i64>,
}

/// Recipients per transaction (and per read-back of line ids).
const BLOCK: usize = 500;

/// Generates the corporation. Refuses (with an English message) when its offices already exist.
pub fn load(
    conn: &mut DbConnection,
    v: &Volume,
    progress: &mut dyn FnMut(&Summary),
) -> Result<Summary, String> {
    if v.offices == 0 || v.months == 0 || v.staff_per_office == 0 {
        return Err("offices, months and staff per office must be at least 1".into());
    }
    if v.offices > 9999 {
        return Err("at most 9,999 offices".into());
    }
    if db::offices::find_by_number(conn, &office_number(1), "43")
        .map_err(|e| e.to_string())?
        .is_some()
    {
        return Err(format!(
            "the volume data is already loaded (office {} exists); use an empty database",
            office_number(1)
        ));
    }
    let hash = password::hash(PASSWORD);
    let (corp, offices) =
        db::dialect::write_transaction(conn, |conn| offices_and_staff(conn, v, &hash))
            .map_err(|e| e.to_string())?;
    let mut summary = Summary {
        corporation_id: corp,
        offices: offices.len(),
        staff: offices.iter().map(|o| o.staff.len()).sum::<usize>() + 1,
        ..Summary::default()
    };
    progress(&summary);
    let mut first = 0;
    while first < v.recipients {
        let count = BLOCK.min(v.recipients - first);
        let added = db::dialect::write_transaction(conn, |conn| {
            recipient_block(conn, v, corp, &offices, first, count)
        })
        .map_err(|e| e.to_string())?;
        summary.recipients += count;
        summary.lines += added.0;
        summary.days += added.1;
        progress(&summary);
        first += count;
    }
    Ok(summary)
}

fn offices_and_staff(
    conn: &mut DbConnection,
    v: &Volume,
    hash: &str,
) -> DbResult<(i64, Vec<GeneratedOffice>)> {
    let corp =
        db::offices::create_corporation(conn, CORPORATION, "かぶしきがいしゃつなぎこういきけあ")?;
    let care_offices = v.offices.div_ceil(2);
    let mut offices = Vec::with_capacity(v.offices);
    for k in 1..=v.offices {
        let service_type = if k <= care_offices {
            "43"
        } else {
            PROVIDER_TYPES[(k - care_offices - 1) % PROVIDER_TYPES.len()]
        };
        let kind = match service_type {
            "43" => ("居宅介護支援事業所", "きょたくかいごしえんじぎょうしょ"),
            "11" => ("訪問介護ステーション", "ほうもんかいごすてーしょん"),
            "15" => ("デイサービスセンター", "でいさーびすせんたー"),
            "13" => ("訪問看護ステーション", "ほうもんかんごすてーしょん"),
            _ => ("福祉用具センター", "ふくしようぐせんたー"),
        };
        let number = office_number(k);
        let name = format!("つなぎ広域{}{k:02}", kind.0);
        let id = db::offices::create(
            conn,
            corp,
            &super::office(
                &number,
                service_type,
                &name,
                &format!("つなぎこういき{}", kind.1),
                &format!("東京都千代田区神田{k}-1-1"),
                &format!("03-3900-{k:04}"),
                "1",
            ),
        )?;
        offices.push(GeneratedOffice {
            id,
            number,
            service_type,
            name,
            staff: Vec::new(),
        });
    }
    let work = vec![
        Menu::Recipients,
        Menu::Schedules,
        Menu::CarePlanExchange,
        Menu::Jobs,
    ];
    for (k, office) in offices.iter_mut().enumerate() {
        for n in 1..=v.staff_per_office {
            let (family, family_kana) = FAMILY[(k * 7 + n) % FAMILY.len()];
            let (given, given_kana, gender) = GIVEN[(k * 5 + n * 3) % GIVEN.len()];
            let login = login_id(k + 1, n);
            let id = add_staff(
                conn,
                corp,
                hash,
                DemoStaff {
                    code: &format!("V{:02}{n:02}", k + 1),
                    name: &format!("{family} {given}"),
                    kana: &format!("{family_kana} {given_kana}"),
                    gender,
                    login_id: &login,
                    manager: false,
                    offices: vec![(office.id, true, work.clone())],
                },
            )?;
            office.staff.push(id);
        }
    }
    add_staff(
        conn,
        corp,
        hash,
        DemoStaff {
            code: "V0000",
            name: "広域 管理者",
            kana: "こういき かんりしゃ",
            gender: "",
            login_id: "vol-admin",
            manager: true,
            offices: offices
                .iter()
                .enumerate()
                .map(|(k, o)| (o.id, k == 0, Menu::ALL.to_vec()))
                .collect(),
        },
    )?;
    Ok((corp, offices))
}

/// The providers recipient `i` uses: 訪問介護 for 8 in 10, 通所介護 for every other one,
/// 訪問看護 for 1 in 5, 福祉用具貸与 for 1 in 3 (where the corporation has such an office).
fn providers_of(i: usize, offices: &[GeneratedOffice]) -> Vec<&GeneratedOffice> {
    let mut out = Vec::new();
    for (t, used) in [
        ("11", i % 10 < 8),
        ("15", i.is_multiple_of(2)),
        ("13", i % 5 == 1),
        ("17", i.is_multiple_of(3)),
    ] {
        if !used {
            continue;
        }
        let of_type: Vec<&GeneratedOffice> =
            offices.iter().filter(|o| o.service_type == t).collect();
        if !of_type.is_empty() {
            out.push(of_type[(i / 7) % of_type.len()]);
        }
    }
    out
}

/// The 要介護 level of recipient `i` (1–5).
fn care_index(i: usize) -> usize {
    [1, 2, 3, 1, 2, 4, 5, 3, 2, 1][i % 10]
}

fn line_plans<'a>(i: usize, providers: &[&'a GeneratedOffice]) -> Vec<LinePlan<'a>> {
    let mut out = Vec::new();
    for office in providers {
        let plain = |code, time, weekdays| LinePlan {
            office,
            code,
            time,
            weekdays,
            units: None,
            tais: "",
            equipment: "",
        };
        match office.service_type {
            "11" => out.push(match i % 3 {
                0 => plain("111111", ("0900", "0930"), &[1, 4]),
                1 => plain("111211", ("1000", "1045"), &[1, 3, 5]),
                _ => plain("112311", ("1400", "1445"), &[2, 5]),
            }),
            "15" => {
                let days: &'static [u32] = if i.is_multiple_of(4) { &[3] } else { &[2, 5] };
                let code = ["151151", "151152", "151153", "151154", "151155"][care_index(i) - 1];
                out.push(plain(code, ("0900", "1630"), days));
                out.push(plain("155301", ("0900", "1630"), days));
            }
            "13" => out.push(plain("131121", ("1400", "1430"), &[2])),
            "17" => out.push(LinePlan {
                office,
                code: "171003",
                time: ("9999", "9999"),
                weekdays: &[],
                units: Some(900),
                tais: "00170-000123",
                equipment: "特殊寝台 つなぎケアベッド3モーター",
            }),
            _ => {}
        }
    }
    out
}

/// Recipients `first .. first + count` with their certification, providers and months of
/// schedules. Gives (lines, days) inserted.
fn recipient_block(
    conn: &mut DbConnection,
    v: &Volume,
    corp: i64,
    offices: &[GeneratedOffice],
    first: usize,
    count: usize,
) -> DbResult<(usize, usize)> {
    let t = db::now();
    let care: Vec<&GeneratedOffice> = offices.iter().filter(|o| o.service_type == "43").collect();
    let months: Vec<ServiceMonth> = {
        let mut m = v.last_month;
        let mut out = vec![m];
        for _ in 1..v.months {
            m = m.prev();
            out.push(m);
        }
        out.reverse();
        out
    };
    let cert_from = months[0].first_day();
    let cert_to = super::months_after(v.last_month.first_day(), 7)
        .pred_opt()
        .unwrap_or(cert_from);
    let rows: Vec<NewRecipient> = (first..first + count)
        .map(|i| {
            let office = care[i % care.len()];
            let manager = office.staff[(i / care.len()) % office.staff.len()];
            let (family, family_kana) = FAMILY[i % FAMILY.len()];
            let (given, given_kana, gender) = GIVEN[(i / FAMILY.len()) % GIVEN.len()];
            let k = kana::normalize(&format!("{family_kana} {given_kana}"));
            let (insurer, insurer_name) = INSURERS[i % INSURERS.len()];
            NewRecipient {
                corporation_id: corp,
                code: code_of(i),
                name: format!("{family} {given}"),
                kana_row: kana::row_of(&k).into(),
                kana: k,
                gender: gender.into(),
                birth_date: NaiveDate::from_ymd_opt(
                    1925 + (i % 25) as i32,
                    (i % 12) as u32 + 1,
                    (i % 28) as u32 + 1,
                ),
                postcode: "101-0041".into(),
                address: format!("東京都千代田区神田須田町{}-{}", i % 3 + 1, i % 50 + 1),
                phone: format!("03-{:04}-{:04}", 3000 + i / 10_000, i % 10_000),
                insurer_number: insurer.into(),
                insurer_name: insurer_name.into(),
                insured_number: format!("{:010}", 3_000_000_000u64 + i as u64),
                burden_ratio: match i % 7 {
                    3 => 2,
                    5 => 3,
                    _ => 1,
                },
                care_office_id: Some(office.id),
                care_manager_id: Some(manager),
                created_at: t,
                updated_at: t,
            }
        })
        .collect();
    insert_rows!(conn, recipients::table, &rows, 1000)?;
    let codes: Vec<String> = (first..first + count).map(code_of).collect();
    let ids: HashMap<String, i64> = recipients::table
        .filter(recipients::corporation_id.eq(corp))
        .filter(recipients::code.eq_any(&codes))
        .select((recipients::code, recipients::id))
        .load::<(String, i64)>(conn)?
        .into_iter()
        .collect();
    let id_of = |i: usize| ids.get(&code_of(i)).copied().unwrap_or_default();

    let certs: Vec<NewCertification> = (first..first + count)
        .map(|i| {
            let level = format!("2{}", care_index(i));
            NewCertification {
                recipient_id: id_of(i),
                status: "certified".into(),
                limit_units: CareLevel::parse(&level)
                    .ok()
                    .and_then(care_limit::monthly_limit)
                    .map(|u| u as i32),
                care_level: level,
                certified_on: Some(cert_from - chrono::Duration::days(10)),
                valid_from: cert_from,
                valid_to: cert_to,
                created_at: t,
                updated_at: t,
            }
        })
        .collect();
    insert_rows!(conn, certifications::table, &certs, 1000)?;

    let mut providers = Vec::new();
    let mut lines = Vec::new();
    let mut plans: Vec<(usize, Vec<LinePlan<'_>>)> = Vec::with_capacity(count);
    for i in first..first + count {
        let used = providers_of(i, offices);
        for o in &used {
            providers.push(NewProvider {
                recipient_id: id_of(i),
                office_id: Some(o.id),
                service_type: o.service_type.into(),
                created_at: t,
            });
        }
        plans.push((i, line_plans(i, &used)));
    }
    insert_rows!(conn, recipient_providers::table, &providers, 2000)?;

    let table = ServiceCodeTable::r6();
    // (recipient id, month, position) → the line's plan, to give its days once it has an id.
    let mut planned: HashMap<(i64, String, i32), (&LinePlan<'_>, ServiceMonth, usize)> =
        HashMap::new();
    for (i, line_plans) in &plans {
        let rid = id_of(*i);
        for &m in &months {
            let month = m.yyyymm();
            let mut position = 0;
            for l in line_plans {
                let Some(entry) = ServiceCode::parse(l.code)
                    .ok()
                    .and_then(|c| table.get_on(&c, m.first_day()))
                else {
                    continue;
                };
                position += 1;
                lines.push(NewLine {
                    corporation_id: corp,
                    recipient_id: rid,
                    month: month.clone(),
                    position,
                    provider_number: l.office.number.clone(),
                    provider_type: l.office.service_type.into(),
                    provider_name: l.office.name.clone(),
                    service_code: l.code.into(),
                    service_name: entry.name.clone(),
                    units: l.units.unwrap_or(entry.units as i32),
                    start_time: l.time.0.into(),
                    end_time: l.time.1.into(),
                    tais_code: l.tais.into(),
                    equipment_name: l.equipment.into(),
                    over_30: "0".into(),
                    created_at: t,
                    updated_at: t,
                });
                planned.insert((rid, month.clone(), position), (l, m, *i));
            }
        }
    }
    let line_count = insert_rows!(conn, schedule_lines::table, &lines, 1000)?;
    let rids: Vec<i64> = (first..first + count).map(id_of).collect();
    let stored: Vec<(i64, i64, String, i32)> = schedule_lines::table
        .filter(schedule_lines::recipient_id.eq_any(&rids))
        .select((
            schedule_lines::id,
            schedule_lines::recipient_id,
            schedule_lines::month,
            schedule_lines::position,
        ))
        .load(conn)?;
    let mut days = Vec::new();
    for (line_id, rid, month, position) in stored {
        let Some((l, m, i)) = planned.get(&(rid, month, position)) else {
            continue;
        };
        let plan = if l.weekdays.is_empty() {
            let mut p = [0; 31];
            p[0] = 1;
            p
        } else {
            calendar::weekday_pattern(m.year() as i32, m.month() as u32, l.weekdays)
        };
        let with_actuals = *m < v.last_month;
        // Now and then a cancelled visit: the month's first planned day not delivered.
        let cancelled = with_actuals && position == 1 && (i + m.month() as usize).is_multiple_of(7);
        let first_day = plan.iter().position(|c| *c > 0);
        for (d, count) in plan.iter().enumerate() {
            if *count == 0 {
                continue;
            }
            let actual = if !with_actuals || (cancelled && Some(d) == first_day) {
                0
            } else {
                *count
            };
            days.push(NewDay {
                line_id,
                day: d as i32 + 1,
                plan_count: *count,
                actual_count: actual,
            });
        }
    }
    let day_count = insert_rows!(conn, schedule_days::table, &days, 5000)?;
    Ok((line_count, day_count))
}

/// 利用者コード of recipient `i`.
fn code_of(i: usize) -> String {
    format!("V{i:05}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offices_alternate_provider_types_after_the_care_offices() {
        assert_eq!(office_number(1), "1390000001");
        assert_eq!(login_id(3, 2), "vol03-2");
        let offices: Vec<GeneratedOffice> = ["43", "43", "11", "15", "13", "17"]
            .iter()
            .enumerate()
            .map(|(k, t)| GeneratedOffice {
                id: k as i64,
                number: office_number(k + 1),
                service_type: t,
                name: String::new(),
                staff: vec![],
            })
            .collect();
        let types = |i| {
            providers_of(i, &offices)
                .iter()
                .map(|o| o.service_type)
                .collect::<Vec<_>>()
        };
        assert_eq!(types(0), vec!["11", "15", "17"]);
        assert_eq!(types(1), vec!["11", "13"]);
        assert_eq!(types(9), vec!["17"]);
    }
}
