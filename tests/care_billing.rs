//! Worked examples of the 第7表 calculation, computed by hand (the arithmetic is in each test's
//! comment), plus the public API of the unit-price table, the limits and the code table.
//!
//! Units used here come from rows of the embedded table whose units are corroborated
//! (`verified` = yes or units, see `src/domain/data/service_codes_r6.csv`); where the 6-character
//! code is only inferred (`units`) it serves as a lookup key and nothing here depends on it.
//! Unit prices: 1級地 訪問介護 (70 %) 11.40, 通所介護 (45 %) 10.90; 2級地 11.12 / 10.72.

use tsunagi::domain::billing::{BillingInput, BillingLine, RowKind, Table7, calculate};
use tsunagi::domain::care_limit::{limit_for_month, monthly_limit};
use tsunagi::domain::service_codes::{
    CodeKind, ServiceCodeEntry, ServiceCodeTable, UnitBasis, Verification, parse_table_csv,
};
use tsunagi::domain::unit_price::{AreaGrade, LaborShare, labor_share, unit_price};
use tsunagi::domain::{CareLevel, OfficeNumber, ServiceType};

const HOUMON: &str = "1310100001"; // 訪問介護 office, 1級地 (東京都特別区)
const TSUSHO: &str = "1310100002"; // 通所介護 office, 1級地

/// The rows valid in the service month used by the examples: 2025-04 (令和7年4月, R6 units and
/// the R6 処遇改善加算 rates, before the 2026-06 revision).
fn entry(code: &str) -> ServiceCodeEntry {
    let month = tsunagi::domain::ServiceMonth::new(2025, 4).unwrap();
    let code = tsunagi::domain::ServiceCode::parse(code).unwrap();
    let e = ServiceCodeTable::r6()
        .get_on(&code, month.first_day())
        .unwrap()
        .clone();
    assert_ne!(
        e.verified,
        Verification::Unverified,
        "{code} is not verified"
    );
    e
}

fn office(n: &str) -> OfficeNumber {
    OfficeNumber::parse(n).unwrap()
}

fn st(code: &str) -> ServiceType {
    ServiceType::parse(code).unwrap()
}

fn line(o: &str, grade: AreaGrade, code: &str, count: u32) -> BillingLine {
    let name = if o == HOUMON {
        "つなぎヘルパー"
    } else {
        "つなぎデイ"
    };
    BillingLine::new(office(o), name, grade, entry(code), count)
}

fn input(lines: Vec<BillingLine>, limit: Option<u32>, rate: u32) -> BillingInput {
    BillingInput {
        lines,
        monthly_limit: limit,
        benefit_rate_percent: rate,
        type_limits: vec![],
    }
}

/// Invariants every 第7表 must satisfy: 基準内 + 超える = 給付管理単位数 on each managed row;
/// each subtotal's units are the sum of its details; the total row is the sum of the subtotals.
fn check_sums(t: &Table7) {
    for d in t.details() {
        if let Some(m) = d.benefit_managed_units {
            let over = d.over_limit_units.unwrap() + d.type_over_units.unwrap_or(0);
            assert_eq!(
                d.within_limit_units.unwrap() + over,
                m,
                "{}",
                d.service_code
            );
        } else {
            assert_eq!(d.over_limit_units, None);
            assert_eq!(d.within_limit_units, None);
        }
        assert_eq!(d.total_cost, None);
    }
    for s in t.subtotals() {
        // AAAA totals the rows inside the limit, EEEE those outside it.
        let mine: Vec<_> = t
            .details()
            .filter(|d| d.office_number == s.office_number && d.service_type == s.service_type)
            .filter(|d| {
                d.benefit_managed_units.is_some() == s.service_code.as_str().ends_with("AAAA")
            })
            .collect();
        assert_eq!(
            s.service_units,
            mine.iter().map(|d| d.service_units).sum::<i64>()
        );
        if let Some(w) = s.within_limit_units {
            assert_eq!(
                w,
                mine.iter()
                    .filter_map(|d| d.within_limit_units)
                    .sum::<i64>()
            );
        }
        if let Some(cost) = s.total_cost {
            assert_eq!(s.copay.unwrap() + s.claim_amount.unwrap(), cost);
        }
        assert_eq!(s.units, 0);
    }
    let total = t.total();
    assert_eq!(total.kind, RowKind::Total);
    assert_eq!(total.service_code.as_str(), "999999");
    assert_eq!(total.office_number, "9999999999");
    let sum = |f: fn(&tsunagi::domain::billing::Table7Row) -> Option<i64>| -> Option<i64> {
        t.subtotals().filter_map(f).reduce(|a, b| a + b)
    };
    assert_eq!(
        total.service_units,
        t.subtotals().map(|s| s.service_units).sum::<i64>()
    );
    assert_eq!(total.total_cost, sum(|r| r.total_cost));
    assert_eq!(total.claim_amount, sum(|r| r.claim_amount));
    assert_eq!(total.copay, sum(|r| r.copay));
    assert_eq!(total.full_copay, sum(|r| r.full_copay));
    assert_eq!(total.within_limit_units, sum(|r| r.within_limit_units));
    assert_eq!(total.over_limit_units, sum(|r| r.over_limit_units));
    assert_eq!(
        total.benefit_managed_units,
        sum(|r| r.benefit_managed_units)
    );
}

/// (a) 要介護1 (limit 16,765), 1割 (給付率 90), both offices 1級地, under the limit.
///
/// 訪問介護: 身体介護１ 244 × 8 = 1,952; 身体介護２ 387 × 4 = 1,548 → 3,500 units.
///   費用総額 = floor(3,500 × 11.40) = 39,900; 請求 = floor(39,900 × 0.9) = 35,910;
///   負担 = 39,900 − 35,910 = 3,990.
/// 通所介護: 通所介護Ⅰ５１ (通常規模 7–8h 要介護1) 658 × 8 = 5,264; 入浴介助加算Ⅰ 40 × 8 = 320
///   → 5,584 units. 費用総額 = floor(5,584 × 10.90) = floor(60,865.6) = 60,865;
///   請求 = floor(60,865 × 0.9) = floor(54,778.5) = 54,778; 負担 = 6,087.
/// Total: 9,084 units (under 16,765, nothing over); 費用 100,765; 請求 90,688; 負担 10,077.
#[test]
fn a_care1_under_the_limit() {
    let t = calculate(&input(
        vec![
            line(HOUMON, AreaGrade::G1, "111111", 8),
            line(HOUMON, AreaGrade::G1, "111211", 4),
            line(TSUSHO, AreaGrade::G1, "151151", 8),
            line(TSUSHO, AreaGrade::G1, "155301", 8),
        ],
        monthly_limit(CareLevel::Care1),
        90,
    ))
    .unwrap();
    check_sums(&t);
    // Row order: 訪問介護 details, its subtotal, 通所介護 details, its subtotal, total.
    let codes: Vec<&str> = t.rows.iter().map(|r| r.service_code.as_str()).collect();
    assert_eq!(
        codes,
        [
            "111111", "111211", "11AAAA", "151151", "155301", "15AAAA", "999999"
        ]
    );

    let h = t.subtotal_of(&office(HOUMON), st("11")).unwrap();
    assert_eq!(h.service_units, 3_500);
    assert_eq!(h.within_limit_units, Some(3_500));
    assert_eq!(h.over_limit_units, Some(0));
    assert_eq!(h.unit_price.unwrap().to_string(), "11.40");
    assert_eq!(h.total_cost, Some(39_900));
    assert_eq!(h.benefit_rate_percent, Some(90));
    assert_eq!(h.claim_amount, Some(35_910));
    assert_eq!(h.copay, Some(3_990));
    assert_eq!(h.full_copay, Some(0));

    let d = t.subtotal_of(&office(TSUSHO), st("15")).unwrap();
    assert_eq!(d.service_units, 5_584);
    assert_eq!(d.unit_price.unwrap().to_string(), "10.90");
    assert_eq!(d.total_cost, Some(60_865));
    assert_eq!(d.claim_amount, Some(54_778));
    assert_eq!(d.copay, Some(6_087));

    let total = t.total();
    assert_eq!(total.service_units, 9_084);
    assert_eq!(total.benefit_managed_units, Some(9_084));
    assert_eq!(total.over_limit_units, Some(0));
    assert_eq!(total.total_cost, Some(100_765));
    assert_eq!(total.claim_amount, Some(90_688));
    assert_eq!(total.copay, Some(10_077));
    assert_eq!(total.full_copay, Some(0));
    assert_eq!(t.managed_units, 9_084);
    assert_eq!(t.over_limit_units, 0);

    // The detail rows carry units, not money.
    let row = t.detail_of(&office(HOUMON), "111111").unwrap();
    assert_eq!(row.units, 244);
    assert_eq!(row.count, Some(8));
    assert_eq!(row.service_units, 1_952);
    assert_eq!(row.benefit_managed_units, Some(1_952));
    assert_eq!(row.total_cost, None);
}

/// (b) 要介護1 (16,765) over the limit. 第6表 order:
///   row 1 訪問介護 身体介護２ 387 × 16 = 6,192
///   row 2 通所介護 通所介護Ⅰ５１ 658 × 17 = 11,186
///   row 3 訪問介護 身体介護１ 244 × 1 = 244
/// Σ 給付管理単位数 = 17,622 → 857 units over the limit.
///
/// Default (the last rows first): row 3 takes 244, row 2 takes the remaining 613.
///   訪問介護: 基準内 6,192, 超 244. 費用 = floor(6,192 × 11.40) = floor(70,588.8) = 70,588;
///     請求 = floor(70,588 × 0.9) = floor(63,529.2) = 63,529; 負担 = 7,059;
///     全額負担 = floor(244 × 11.40) = floor(2,781.6) = 2,781.
///   通所介護: 基準内 10,573, 超 613. 費用 = floor(10,573 × 10.90) = floor(115,245.7) = 115,245;
///     請求 = floor(115,245 × 0.9) = floor(103,720.5) = 103,720; 負担 = 11,525;
///     全額負担 = floor(613 × 10.90) = floor(6,681.7) = 6,681.
///   Total: 基準内 16,765 (= the limit), 超 857; 費用 185,833; 請求 167,249; 負担 18,584;
///     全額負担 9,462.
#[test]
fn b_over_the_limit_default_split_across_two_providers() {
    let t = calculate(&input(
        vec![
            line(HOUMON, AreaGrade::G1, "111211", 16),
            line(TSUSHO, AreaGrade::G1, "151151", 17),
            line(HOUMON, AreaGrade::G1, "111111", 1),
        ],
        monthly_limit(CareLevel::Care1),
        90,
    ))
    .unwrap();
    check_sums(&t);
    assert_eq!(t.managed_units, 17_622);
    assert_eq!(t.over_limit_units, 857);

    let r3 = t.detail_of(&office(HOUMON), "111111").unwrap();
    assert_eq!(
        (r3.within_limit_units, r3.over_limit_units),
        (Some(0), Some(244))
    );
    let r2 = t.detail_of(&office(TSUSHO), "151151").unwrap();
    assert_eq!(
        (r2.within_limit_units, r2.over_limit_units),
        (Some(10_573), Some(613))
    );
    let r1 = t.detail_of(&office(HOUMON), "111211").unwrap();
    assert_eq!(
        (r1.within_limit_units, r1.over_limit_units),
        (Some(6_192), Some(0))
    );

    let h = t.subtotal_of(&office(HOUMON), st("11")).unwrap();
    assert_eq!(h.within_limit_units, Some(6_192));
    assert_eq!(h.over_limit_units, Some(244));
    assert_eq!(h.total_cost, Some(70_588));
    assert_eq!(h.claim_amount, Some(63_529));
    assert_eq!(h.copay, Some(7_059));
    assert_eq!(h.full_copay, Some(2_781));

    let d = t.subtotal_of(&office(TSUSHO), st("15")).unwrap();
    assert_eq!(d.within_limit_units, Some(10_573));
    assert_eq!(d.over_limit_units, Some(613));
    assert_eq!(d.total_cost, Some(115_245));
    assert_eq!(d.claim_amount, Some(103_720));
    assert_eq!(d.copay, Some(11_525));
    assert_eq!(d.full_copay, Some(6_681));

    let total = t.total();
    assert_eq!(total.within_limit_units, Some(16_765));
    assert_eq!(total.over_limit_units, Some(857));
    assert_eq!(total.total_cost, Some(185_833));
    assert_eq!(total.claim_amount, Some(167_249));
    assert_eq!(total.copay, Some(18_584));
    assert_eq!(total.full_copay, Some(9_462));
}

/// (b') Same plan; the care manager puts all 857 excess units on row 1 (訪問介護 身体介護２).
///   訪問介護: 身体介護２ 基準内 6,192 − 857 = 5,335, 身体介護１ 244 → 基準内 5,579, 超 857.
///     費用 = floor(5,579 × 11.40) = floor(63,600.6) = 63,600; 請求 = 57,240; 負担 = 6,360;
///     全額負担 = floor(857 × 11.40) = floor(9,769.8) = 9,769.
///   通所介護: 基準内 11,186. 費用 = floor(11,186 × 10.90) = floor(121,927.4) = 121,927;
///     請求 = floor(109,734.3) = 109,734; 負担 = 12,193; 全額負担 0.
///   Total: 費用 185,527; 請求 166,974; 負担 18,553; 全額負担 9,769.
/// And a partial choice: 300 on row 2 → the other 557 from the last rows: row 3 244, row 1 313.
#[test]
fn b_over_the_limit_explicit_choice() {
    let t = calculate(&input(
        vec![
            line(HOUMON, AreaGrade::G1, "111211", 16).with_over_limit_units(857),
            line(TSUSHO, AreaGrade::G1, "151151", 17),
            line(HOUMON, AreaGrade::G1, "111111", 1),
        ],
        monthly_limit(CareLevel::Care1),
        90,
    ))
    .unwrap();
    check_sums(&t);
    let h = t.subtotal_of(&office(HOUMON), st("11")).unwrap();
    assert_eq!(h.within_limit_units, Some(5_579));
    assert_eq!(h.over_limit_units, Some(857));
    assert_eq!(h.total_cost, Some(63_600));
    assert_eq!(h.claim_amount, Some(57_240));
    assert_eq!(h.copay, Some(6_360));
    assert_eq!(h.full_copay, Some(9_769));
    let d = t.subtotal_of(&office(TSUSHO), st("15")).unwrap();
    assert_eq!(d.over_limit_units, Some(0));
    assert_eq!(d.total_cost, Some(121_927));
    assert_eq!(d.claim_amount, Some(109_734));
    assert_eq!(d.copay, Some(12_193));
    let total = t.total();
    assert_eq!(total.total_cost, Some(185_527));
    assert_eq!(total.claim_amount, Some(166_974));
    assert_eq!(total.copay, Some(18_553));
    assert_eq!(total.full_copay, Some(9_769));

    let t = calculate(&input(
        vec![
            line(HOUMON, AreaGrade::G1, "111211", 16),
            line(TSUSHO, AreaGrade::G1, "151151", 17).with_over_limit_units(300),
            line(HOUMON, AreaGrade::G1, "111111", 1),
        ],
        monthly_limit(CareLevel::Care1),
        90,
    ))
    .unwrap();
    check_sums(&t);
    let over = |o: &str, c: &str| t.detail_of(&office(o), c).unwrap().over_limit_units;
    assert_eq!(over(TSUSHO, "151151"), Some(300));
    assert_eq!(over(HOUMON, "111111"), Some(244));
    assert_eq!(over(HOUMON, "111211"), Some(313));
    assert_eq!(t.total().over_limit_units, Some(857));
}

/// (c) 2割 (給付率 80), 要介護2 (19,705), both offices 2級地 (訪問介護 11.12, 通所介護 10.72).
///   訪問介護: 身体１生活１ 309 × 12 = 3,708. 費用 = floor(3,708 × 11.12) = floor(41,232.96)
///     = 41,232; 請求 = floor(41,232 × 0.8) = floor(32,985.6) = 32,985; 負担 = 8,247.
///   通所介護: 通所介護Ⅰ１２ (3–4h 要介護2) 423 × 8 = 3,384. 費用 = floor(3,384 × 10.72)
///     = floor(36,276.48) = 36,276; 請求 = floor(29,020.8) = 29,020; 負担 = 7,256.
///   Total: 費用 77,508; 請求 62,005; 負担 15,503.
#[test]
fn c_twenty_percent_copay() {
    let t = calculate(&input(
        vec![
            line(HOUMON, AreaGrade::G2, "114111", 12),
            line(TSUSHO, AreaGrade::G2, "151112", 8),
        ],
        monthly_limit(CareLevel::Care2),
        80,
    ))
    .unwrap();
    check_sums(&t);
    let h = t.subtotal_of(&office(HOUMON), st("11")).unwrap();
    assert_eq!(h.unit_price.unwrap().to_string(), "11.12");
    assert_eq!(h.total_cost, Some(41_232));
    assert_eq!(h.benefit_rate_percent, Some(80));
    assert_eq!(h.claim_amount, Some(32_985));
    assert_eq!(h.copay, Some(8_247));
    let d = t.subtotal_of(&office(TSUSHO), st("15")).unwrap();
    assert_eq!(d.unit_price.unwrap().to_string(), "10.72");
    assert_eq!(d.total_cost, Some(36_276));
    assert_eq!(d.claim_amount, Some(29_020));
    assert_eq!(d.copay, Some(7_256));
    let total = t.total();
    assert_eq!(total.total_cost, Some(77_508));
    assert_eq!(total.claim_amount, Some(62_005));
    assert_eq!(total.copay, Some(15_503));
}

/// (d) 介護職員等処遇改善加算Ⅰ (訪問介護 24.5 %, outside the limit) on top, 1級地, 1割.
///   身体介護１ 244 × 10 = 2,440; 身体介護２ 387 × 5 = 1,935 → 4,375 within the limit.
///   処遇改善 = round(4,375 × 0.245) = round(1,071.875) = 1,072 units (給付管理 empty).
///   費用 = floor((4,375 + 1,072) × 11.40) = floor(62,095.8) = 62,095;
///   請求 = floor(62,095 × 0.9) = floor(55,885.5) = 55,885; 負担 = 6,210.
#[test]
fn d_treatment_improvement_rate_code() {
    let t = calculate(&input(
        vec![
            line(HOUMON, AreaGrade::G1, "111111", 10),
            line(HOUMON, AreaGrade::G1, "111211", 5),
            line(HOUMON, AreaGrade::G1, "116275", 1),
        ],
        monthly_limit(CareLevel::Care1),
        90,
    ))
    .unwrap();
    check_sums(&t);
    let r = t.detail_of(&office(HOUMON), "116275").unwrap();
    assert_eq!(r.service_units, 1_072);
    assert_eq!(r.benefit_managed_units, None);
    assert_eq!(r.within_limit_units, None);
    let s = t.subtotal_of(&office(HOUMON), st("11")).unwrap();
    assert_eq!(s.service_code.as_str(), "11AAAA");
    assert_eq!(
        s.service_units, 4_375,
        "AAAA totals the rows inside the limit"
    );
    assert_eq!(t.total().service_units, 5_447);
    assert_eq!(s.benefit_managed_units, Some(4_375));
    assert_eq!(s.within_limit_units, Some(4_375));
    assert_eq!(s.total_cost, Some(62_095));
    assert_eq!(s.claim_amount, Some(55_885));
    assert_eq!(s.copay, Some(6_210));
    assert_eq!(t.total().benefit_managed_units, Some(4_375));
}

/// (d') The same 加算 when the plan is over a limit of 5,032 units (the 要支援1 amount, used
/// here only as a number): 身体介護１ 244 × 10 = 2,440; 身体介護２ 387 × 8 = 3,096 → 5,536,
/// 504 over, taken from the last limit row (身体介護２: 基準内 2,592).
///   処遇改善 is computed on the units within the limit: round(5,032 × 0.245) = round(1,232.84)
///   = 1,233. 費用 = floor((5,032 + 1,233) × 11.40) = floor(71,421.0) = 71,421;
///   請求 = floor(64,278.9) = 64,278; 負担 = 7,143; 全額負担 = floor(504 × 11.40)
///   = floor(5,745.6) = 5,745.
#[test]
fn d_rate_code_over_the_limit() {
    let t = calculate(&input(
        vec![
            line(HOUMON, AreaGrade::G1, "111111", 10),
            line(HOUMON, AreaGrade::G1, "111211", 8),
            line(HOUMON, AreaGrade::G1, "116275", 1),
        ],
        Some(5_032),
        90,
    ))
    .unwrap();
    check_sums(&t);
    assert_eq!(
        t.detail_of(&office(HOUMON), "111211")
            .unwrap()
            .over_limit_units,
        Some(504)
    );
    assert_eq!(
        t.detail_of(&office(HOUMON), "116275")
            .unwrap()
            .service_units,
        1_233
    );
    let s = t.subtotal_of(&office(HOUMON), st("11")).unwrap();
    assert_eq!(s.within_limit_units, Some(5_032));
    assert_eq!(s.over_limit_units, Some(504));
    assert_eq!(s.total_cost, Some(71_421));
    assert_eq!(s.claim_amount, Some(64_278));
    assert_eq!(s.copay, Some(7_143));
    assert_eq!(s.full_copay, Some(5_745));
}

/// No limit (e.g. 申請中, decided by the caller): nothing is over, whatever the units.
#[test]
fn no_limit() {
    let t = calculate(&input(
        vec![line(HOUMON, AreaGrade::G1, "111211", 60)],
        None,
        90,
    ))
    .unwrap();
    check_sums(&t);
    assert_eq!(t.total().over_limit_units, Some(0));
    assert_eq!(t.total().within_limit_units, Some(23_220));
}

/// Serialises (for the JSON the screens use).
#[test]
fn serialises() {
    let t = calculate(&input(
        vec![line(HOUMON, AreaGrade::G1, "111111", 1)],
        monthly_limit(CareLevel::Care1),
        90,
    ))
    .unwrap();
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["rows"][1]["unit_price"], "11.40");
    assert_eq!(json["rows"][1]["service_code"], "11AAAA");
    assert_eq!(json["rows"][2]["office_number"], "9999999999");
}

// ---- unit prices -------------------------------------------------------------------------

#[test]
fn unit_price_table() {
    let cases = [
        ("1", "11", "11.40"),
        ("2", "11", "11.12"),
        ("3", "11", "11.05"),
        ("4", "11", "10.84"),
        ("5", "11", "10.70"),
        ("6", "11", "10.42"),
        ("7", "11", "10.21"),
        ("other", "11", "10.00"),
        ("1", "16", "11.10"),
        ("1", "15", "10.90"),
        ("1", "17", "10.00"),
        ("1", "31", "10.00"),
        ("7", "21", "10.17"),
    ];
    for (grade, code, price) in cases {
        assert_eq!(
            unit_price(grade, st(code)).unwrap().to_string(),
            price,
            "{grade} {code}"
        );
    }
    assert_eq!(labor_share(st("15")), LaborShare::P45);
    assert!(unit_price("9", st("11")).is_err());
}

// ---- limits ----------------------------------------------------------------------------------

#[test]
fn limits() {
    assert_eq!(monthly_limit(CareLevel::Care1), Some(16_765));
    assert_eq!(monthly_limit(CareLevel::Care5), Some(36_217));
    assert_eq!(monthly_limit(CareLevel::ProgramEligible), Some(5_032));
    assert_eq!(
        limit_for_month(&[CareLevel::Care3, CareLevel::Care2]),
        Some(27_048)
    );
}

// ---- code table ------------------------------------------------------------------------------

#[test]
fn code_table_lookup_and_search() {
    let t = ServiceCodeTable::r6();
    let e = t.lookup("１１１１１１").unwrap();
    assert_eq!(e.name, "身体介護１");
    assert_eq!(e.units, 244);
    assert_eq!(e.unit_basis, UnitBasis::PerVisit);
    assert_eq!(e.kind, CodeKind::Base);
    assert!(t.lookup("119999").is_none());
    assert!(t.lookup("abc").is_none());

    // By code prefix and by name fragment (half-width digits find full-width names).
    let by_code: Vec<&str> = t.search("11111").iter().map(|e| e.code.as_str()).collect();
    assert_eq!(by_code, ["111111", "111112", "111113"]);
    let by_name: Vec<&str> = t
        .search("身体介護1")
        .iter()
        .map(|e| e.code.as_str())
        .collect();
    assert_eq!(by_name, ["111111", "111112", "111113", "111121"]);
    assert!(
        t.search("車いす")
            .iter()
            .any(|e| e.code.as_str() == "171001")
    );
    assert!(t.search("").is_empty());

    let rental = t.lookup("171003").unwrap();
    assert_eq!(rental.units, 0);
    assert_eq!(rental.verified, Verification::Verified);

    // 116275: R6 24.5 % until 2026-05-31, then 27.0 % (2026-06 臨時改定); lookup = newest.
    assert_eq!(t.lookup("116275").unwrap().rate_permille, Some(270));
    let code = tsunagi::domain::ServiceCode::parse("116275").unwrap();
    let shogu = t
        .get_on(&code, chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap())
        .unwrap();
    assert_eq!(shogu.rate_permille, Some(245));
    assert_eq!(
        t.get_on(&code, chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap())
            .unwrap()
            .name,
        "訪問介護処遇改善加算Ⅰ１"
    );
    assert!(!shogu.counts_toward_limit);
    assert_eq!(
        shogu.valid_from,
        chrono::NaiveDate::from_ymd_opt(2024, 6, 1)
    );
    assert!(shogu.is_valid_on(chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap()));
    assert!(!shogu.is_valid_on(chrono::NaiveDate::from_ymd_opt(2024, 5, 31).unwrap()));
    assert!(t.of_type(st("17")).len() >= 8);
}

// ---- CSV import --------------------------------------------------------------------------------

const HEADER: &str = "code,name,units,unit_basis,limit_target,kind,rate,valid_from,valid_to";

fn errors_of(body: &str) -> Vec<tsunagi::domain::service_codes::ParseError> {
    parse_table_csv(&format!("{HEADER}\n{body}")).unwrap_err()
}

#[test]
fn csv_good_file() {
    let text = "\u{feff}# comment line\n\
        code,name,units,unit_basis,limit_target,kind,rate,valid_from,valid_to,verified,source\n\
        111111,身体介護１,244,1回,1,基本,,20240401,,yes,official\n\
        \n\
        111111,身体介護１,249,1回,1,基本,,2021-04-01,2024-03-31,yes,official R3\n\
        116278,訪問介護処遇改善加算Ⅰ,0,1月,0,加算,24.5,20240601,,units,\n\
        \"171001\",\"車いす貸与\",0,月,対象,base,,,,no,\n";
    let rows = parse_table_csv(text).unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[1].units, 249);
    assert_eq!(rows[2].verified, Verification::UnitsOnly);
    assert_eq!(rows[3].unit_basis, UnitBasis::PerMonth);
    assert!(rows[3].counts_toward_limit);
    let table = ServiceCodeTable::new(rows);
    // The newest row by default; the dated lookup finds the old one.
    assert_eq!(table.lookup("111111").unwrap().units, 244);
    let old = table
        .get_on(
            &tsunagi::domain::ServiceCode::parse("111111").unwrap(),
            chrono::NaiveDate::from_ymd_opt(2023, 1, 1).unwrap(),
        )
        .unwrap();
    assert_eq!(old.units, 249);
    // Columns may come in any order.
    let reordered = "name,code,kind,units,unit_basis,limit_target,rate,valid_to,valid_from\n\
        身体介護１,111111,基本,244,1回,1,,,20240401\n";
    assert_eq!(parse_table_csv(reordered).unwrap()[0].units, 244);
}

#[test]
fn csv_header_errors() {
    let e = parse_table_csv("code,name,units\n111111,x,1\n").unwrap_err();
    assert!(e.iter().any(|e| e.column.as_deref() == Some("unit_basis")));
    assert!(e.iter().all(|e| e.line == 1));
    let e = parse_table_csv(&format!("{HEADER},colour\n")).unwrap_err();
    assert_eq!(e[0].column.as_deref(), Some("colour"));
    assert!(e[0].message_ja.contains("使えません"));
    let e = parse_table_csv(&format!("{HEADER},code\n")).unwrap_err();
    assert!(e[0].message_en.contains("twice"));
    let e = parse_table_csv("# only a comment\n").unwrap_err();
    assert!(e[0].message_en.contains("empty"));
}

#[test]
fn csv_field_errors_each_with_its_line() {
    let cases: [(&str, &str); 16] = [
        ("11111,身体,244,1回,1,基本,,,", "code"),
        ("99AAAA,小計,0,1回,1,基本,,,", "code"),
        ("ZZ1111,謎,1,1回,1,基本,,,", "code"),
        ("111111,,244,1回,1,基本,,,", "name"),
        ("111111,身体,abc,1回,1,基本,,,", "units"),
        ("111111,身体,1000000,1回,1,基本,,,", "units"),
        ("111111,身体,-5,1回,1,基本,,,", "units"),
        ("111111,身体,244,1週,1,基本,,,", "unit_basis"),
        ("111111,身体,244,1回,2,基本,,,", "limit_target"),
        ("111111,身体,244,1回,1,特別,,,", "kind"),
        ("116278,処遇,0,1月,0,加算,24.55,,", "rate"),
        ("116278,処遇,10,1月,0,加算,24.5,,", "units"),
        ("116278,処遇,0,1月,0,基本,24.5,,", "kind"),
        ("111111,身体,244,1回,1,基本,,2024-13-01,", "valid_from"),
        ("111111,身体,244,1回,1,基本,,20240401,20240301", "valid_to"),
        ("111111,身体,244,1回,1,基本,,,,", ""),
    ];
    for (row, column) in cases {
        let e = errors_of(&format!("111211,身体介護２,387,1回,1,基本,,,\n{row}\n"));
        assert_eq!(e.len(), 1, "{row}: {e:?}");
        assert_eq!(e[0].line, 3, "{row}");
        let want = (!column.is_empty()).then_some(column);
        assert_eq!(e[0].column.as_deref(), want, "{row}");
        assert!(!e[0].message_ja.is_empty() && !e[0].message_en.is_empty());
        assert!(e[0].to_string().starts_with("line 3"));
    }
}

#[test]
fn csv_reports_every_error_and_overlaps() {
    let e = errors_of(
        "111111,身体介護１,244,1回,1,基本,,20240401,\n\
         111111,身体介護１,250,1回,1,基本,,20240601,\n\
         xx,,?,?,?,?,?,?,?\n",
    );
    // Line 3 overlaps line 2; line 4 has nine bad fields.
    assert!(
        e.iter()
            .any(|e| e.line == 3 && e.message_en.contains("overlaps"))
    );
    assert_eq!(e.iter().filter(|e| e.line == 4).count(), 9);
    // Lines are counted in the text as an editor shows them, comments included.
    let e = parse_table_csv(&format!(
        "# a\n# b\n{HEADER}\n111111,x,1,1回,1,基本,,,\nbad\n"
    ))
    .unwrap_err();
    assert_eq!(e[0].line, 5);
    // A broken quote is reported, not a panic.
    assert!(parse_table_csv(&format!("{HEADER}\n\"111111,x,1,1回,1,基本,,,\n")).is_err());
}

// ---- properties --------------------------------------------------------------------------------

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Codes with corroborated units: 訪問介護 (1級地 office) and 通所介護 (2級地 office), plus the
    /// 処遇改善加算 and 特定事業所加算 rate codes.
    const HOUMON_CODES: [&str; 7] = [
        "111111", "111211", "114111", "118111", "114001", "116410", "116275",
    ];
    const TSUSHO_CODES: [&str; 4] = ["151151", "151112", "155301", "155053"];

    fn plan() -> impl Strategy<Value = (Vec<(bool, usize, u32)>, usize, u32)> {
        (
            prop::collection::vec((any::<bool>(), 0usize..7, 0u32..25), 1..10),
            0usize..8,
            prop::sample::select(vec![90u32, 80, 70]),
        )
    }

    proptest! {
        /// Whatever the plan: the sums hold, the units within the limit are min(managed, limit)
        /// and the rest is over it.
        #[test]
        fn sums_and_limit_hold((lines, level, rate) in plan()) {
            let level = CareLevel::all().nth(level).unwrap();
            let limit = monthly_limit(level).unwrap();
            let lines: Vec<BillingLine> = lines
                .into_iter()
                .map(|(houmon, i, count)| {
                    if houmon {
                        line(HOUMON, AreaGrade::G1, HOUMON_CODES[i], count)
                    } else {
                        line(TSUSHO, AreaGrade::G2, TSUSHO_CODES[i % 4], count)
                    }
                })
                .collect();
            let t = calculate(&input(lines, Some(limit), rate)).unwrap();
            check_sums(&t);
            let total = t.total();
            let managed = total.benefit_managed_units.unwrap_or(0);
            prop_assert_eq!(managed, t.managed_units);
            prop_assert_eq!(
                total.within_limit_units.unwrap_or(0),
                managed.min(i64::from(limit))
            );
            prop_assert_eq!(
                total.over_limit_units.unwrap_or(0),
                (managed - i64::from(limit)).max(0)
            );
            // Money sits on the first subtotal of an office × type (EEEE rows after an AAAA carry none).
            for s in t.subtotals().filter(|s| s.total_cost.is_some()) {
                let price = i64::from(s.unit_price.unwrap().hundredths());
                let cost = s.total_cost.unwrap();
                let claim = s.claim_amount.unwrap();
                prop_assert_eq!(claim, cost * i64::from(rate) / 100);
                prop_assert_eq!(s.full_copay.unwrap(), s.over_limit_units.unwrap_or(0) * price / 100);
            }
        }
    }
}
