//! 第7表（サービス利用票別表）: `UPSIKYU`. V4: 37 fields; V3: 34 (no TAIS columns No.10–12;
//! 回数／日数 2 digits instead of 3).

use super::layout::prelude::*;

record! {
    /// One 第7表 row: a detail row (provider × service code), a subtotal row (`CDAAAA`,
    /// `CDEEEE`, `CDZZZZ`) or the total row (`999999`).
    Benefit, BENEFIT_FIELDS {
        csv_version: CsvVersion = "CSVバージョン", Version, 6, R, ALL;
        insurer: InsurerNumber = "保険者番号", Insurer, 6, R, ALL;
        insured: InsuredNumber = "被保険者番号", Insured, 10, R, ALL;
        created_on: NaiveDate = "作成年月日", Date, 8, R, ALL;
        month: ServiceMonth = "対象年月", Month, 6, R, ALL;
        provider_name: String = "サービス事業所名", Text, 0, O, ALL;
        /// `9999999999` on the total row.
        provider: OfficeNumber = "サービス事業所コード", Office, 10, R, ALL;
        satellite: Option<String> = "サテライト枝番", Int, 2, O, ALL;
        service_code: ServiceCode = "サービスコード", ServiceCode, 6, R, ALL;
        tais_code: Option<String> = "TAISコード", Alnum, 12, O, V4;
        notification_code: Option<String> = "福祉用具届出コード", Alnum, 12, O, V4;
        equipment_name: String = "用具名称（機種名）", Text, 0, O, V4;
        units: u32 = "単位数", Int, 6, R, ALL;
        discount_rate: Option<u32> = "割引後率", Int, 5, O, ALL;
        discounted_units: Option<u32> = "割引後単位数", Int, 6, O, ALL;
        /// 3 digits in V4, 2 in V3.
        count: u32 = "回数／日数", Int, 3, R, ALL;
        service_units: Option<u32> = "サービス単位／金額", Int, 5, O, ALL;
        benefit_units: Option<u32> = "給付管理単位数", Int, 6, O, ALL;
        type_limit_over: Option<u32> = "種類支給限度基準超単位数", Int, 6, O, ALL;
        type_limit_within: Option<u32> = "種類支給限度基準内単位数", Int, 6, O, ALL;
        limit_over: Option<u32> = "区分支給限度基準超単位数", Int, 6, O, ALL;
        limit_within: Option<u32> = "区分支給限度基準内単位数", Int, 6, O, ALL;
        unit_price: Option<UnitPrice> = "単位数単価", Decimal, 6, O, ALL;
        total_cost: Option<u32> = "費用総額保険／事業対象分", Int, 6, O, ALL;
        benefit_rate: Option<u32> = "給付率", Int, 6, O, ALL;
        claim: Option<u32> = "保険／事業費請求額", Int, 6, O, ALL;
        fixed_copay_unit: Option<u32> = "定額利用者負担単価金額", Int, 6, O, ALL;
        copay: Option<u32> = "利用者負担保険／事業対象分", Int, 6, O, ALL;
        copay_full: Option<u32> = "利用者負担（全額負担分）", Int, 6, O, ALL;
        /// Printed as 2 in V4.1, 5 since V3.2: we read and write up to 5.
        short_stay_days_before: Option<u32> = "前月までの利用日数", Int, 5, O, ALL;
        short_stay_days_planned: Option<u32> = "当月の計画利用日数", Int, 2, O, ALL;
        short_stay_days_cumulative: Option<u32> = "累積利用日数", Int, 5, O, ALL;
        over_30_days: bool = "３０日超区分", Choice(YES_NO), 1, R, ALL;
        /// We write `9999999999` (the fixed value belongs to No.34 or No.35: UNCONFIRMED).
        office_code: Option<String> = "事業所コード", Int, 10, O, ALL;
        /// We write `9999999999` (see 事業所コード).
        operator_code: Option<String> = "入力者コード", Int, 10, O, ALL;
        updater: Option<OfficeNumber> = "更新業者コード", Office, 10, O, ALL;
        identifier: String = "識別子", Unused, 1, O, ALL;
    }
}

/// 回数／日数 is 2 digits in V3.
pub const V3_COUNT_MAX: u16 = 2;

use super::file_name::FileKind;
use super::finding::FindingCode as C;
use super::validate::{Sink, item};
use super::version::Layout;
use crate::domain::CodeRowKind;
use std::collections::BTreeMap;

/// The columns that subtotal and total rows add up (name, getter).
#[allow(clippy::type_complexity)]
pub static SUM_COLUMNS: &[(&str, fn(&Benefit) -> Option<u32>)] = &[
    ("サービス単位／金額", |b| b.service_units),
    ("給付管理単位数", |b| b.benefit_units),
    ("種類支給限度基準超単位数", |b| {
        b.type_limit_over
    }),
    ("種類支給限度基準内単位数", |b| {
        b.type_limit_within
    }),
    ("区分支給限度基準超単位数", |b| b.limit_over),
    ("区分支給限度基準内単位数", |b| b.limit_within),
    ("費用総額保険／事業対象分", |b| b.total_cost),
    ("保険／事業費請求額", |b| b.claim),
    ("利用者負担保険／事業対象分", |b| b.copay),
    ("利用者負担（全額負担分）", |b| b.copay_full),
];

/// Whether a detail row is inside the 区分支給限度 (it has 給付管理単位数).
fn in_limit(b: &Benefit) -> bool {
    b.benefit_units.is_some()
}

/// 第7表 structure and arithmetic, per person (保険者番号 + 被保険者番号):
/// * the total row `999999` is present, with サービス事業所コード `9999999999`;
/// * a `CDAAAA` subtotal exists for a provider × service type with more than one detail row
///   inside the limit;
/// * on subtotal and total rows 単位数 is 0 and 割引後率 / 割引後単位数 are empty;
/// * each subtotal equals the sum of its detail rows (`AAAA`: rows with 給付管理単位数,
///   `EEEE`: rows without) in every column of [`SUM_COLUMNS`] that the detail rows fill;
/// * the total equals, per provider × type × (inside / outside the limit), the subtotal when
///   it carries the column, else the detail rows, in every column it fills.
///
/// `ZZZZ` (30日超過分) rows are checked for form only: which rows they total is not stated.
pub(crate) fn check_rows(sink: &mut Sink, layout: Layout, rows: &[(usize, &Benefit)]) {
    let it = |n: &str| item(FileKind::Upsikyu, layout, n);
    let mut people: BTreeMap<(String, String), Vec<(usize, &Benefit)>> = BTreeMap::new();
    for (line, b) in rows {
        people
            .entry((b.insurer.to_string(), b.insured.to_string()))
            .or_default()
            .push((*line, *b));
    }
    for ((_, insured), rows) in people {
        let first_line = rows.first().map(|r| r.0);
        let details: Vec<&(usize, &Benefit)> = rows
            .iter()
            .filter(|(_, b)| b.service_code.row_kind() == CodeRowKind::Detail)
            .collect();
        let subtotals: Vec<&(usize, &Benefit)> = rows
            .iter()
            .filter(|(_, b)| {
                matches!(
                    b.service_code.row_kind(),
                    CodeRowKind::SubtotalInLimit
                        | CodeRowKind::SubtotalOutsideLimit
                        | CodeRowKind::SubtotalOver30Days
                )
            })
            .collect();
        let totals: Vec<&(usize, &Benefit)> = rows
            .iter()
            .filter(|(_, b)| b.service_code.row_kind() == CodeRowKind::Total)
            .collect();

        for (line, b) in subtotals.iter().chain(totals.iter()) {
            if b.units != 0 {
                sink.add(
                    C::BadFormat,
                    Some(*line),
                    it("単位数"),
                    &[
                        ("value", b.units.to_string()),
                        (
                            "expected",
                            "小計・合計行は 0 / 0 on subtotal and total rows".into(),
                        ),
                    ],
                );
            }
            if let Some(v) = b.discount_rate {
                sink.add(
                    C::BadFormat,
                    Some(*line),
                    it("割引後率"),
                    &[
                        ("value", v.to_string()),
                        (
                            "expected",
                            "小計・合計行は空 / empty on subtotal and total rows".into(),
                        ),
                    ],
                );
            }
            if let Some(v) = b.discounted_units {
                sink.add(
                    C::BadFormat,
                    Some(*line),
                    it("割引後単位数"),
                    &[
                        ("value", v.to_string()),
                        (
                            "expected",
                            "小計・合計行は空 / empty on subtotal and total rows".into(),
                        ),
                    ],
                );
            }
        }

        // group key: provider, satellite, type code
        type Key = (String, String, String);
        let key = |b: &Benefit| {
            (
                b.provider.to_string(),
                b.satellite.clone().unwrap_or_default(),
                b.service_code.type_code().to_string(),
            )
        };
        let mut groups: BTreeMap<Key, Vec<&Benefit>> = BTreeMap::new();
        for (_, b) in &details {
            groups.entry(key(b)).or_default().push(b);
        }
        let find_sub = |k: &Key, kind: CodeRowKind| {
            subtotals
                .iter()
                .find(|(_, s)| s.service_code.row_kind() == kind && key(s) == *k)
        };

        for (k, members) in &groups {
            let inside = members.iter().filter(|b| in_limit(b)).count();
            if inside > 1 && find_sub(k, CodeRowKind::SubtotalInLimit).is_none() {
                let line = rows
                    .iter()
                    .find(|(_, b)| b.service_code.row_kind() == CodeRowKind::Detail && key(b) == *k)
                    .map(|r| r.0);
                sink.add(
                    C::SubtotalMissing,
                    line,
                    it("サービスコード"),
                    &[
                        ("value", format!("{}AAAA", k.2)),
                        ("detail", format!("{} {} ", k.0, k.2)),
                    ],
                );
            }
        }

        // Some writers total every row of a provider × type on CDAAAA and send no CDEEEE
        // (docs/standard.md). Recognised by サービス単位／金額: accepted with a warning, and the
        // rows outside the limit are then counted through the AAAA row.
        let combined = |k: &Key| -> bool {
            let Some((_, a)) = find_sub(k, CodeRowKind::SubtotalInLimit) else {
                return false;
            };
            if find_sub(k, CodeRowKind::SubtotalOutsideLimit).is_some() {
                return false;
            }
            let members = groups.get(k).map(Vec::as_slice).unwrap_or_default();
            let sum = |inside_only: bool| -> u64 {
                members
                    .iter()
                    .filter(|b| !inside_only || in_limit(b))
                    .map(|b| u64::from(b.service_units.unwrap_or(0)))
                    .sum()
            };
            members.iter().any(|b| !in_limit(b))
                && a.service_units.map(u64::from) == Some(sum(false))
                && sum(false) != sum(true)
        };

        // subtotal arithmetic
        for (line, s) in &subtotals {
            let class = match s.service_code.row_kind() {
                CodeRowKind::SubtotalInLimit => true,
                CodeRowKind::SubtotalOutsideLimit => false,
                _ => continue,
            };
            let all_rows = class && combined(&key(s));
            if all_rows {
                sink.add(
                    C::SubtotalIncludesOutsideLimit,
                    Some(*line),
                    it("サービスコード"),
                    &[("detail", format!("{} ", s.service_code))],
                );
            }
            let members: Vec<&Benefit> = groups
                .get(&key(s))
                .map(|m| {
                    m.iter()
                        .copied()
                        .filter(|b| all_rows || in_limit(b) == class)
                        .collect()
                })
                .unwrap_or_default();
            for (col, get) in SUM_COLUMNS {
                let Some(v) = get(s) else { continue };
                if members.iter().all(|b| get(b).is_none()) {
                    continue;
                }
                let expected: u64 = members.iter().map(|b| u64::from(get(b).unwrap_or(0))).sum();
                if u64::from(v) != expected {
                    sink.add(
                        C::TotalMismatch,
                        Some(*line),
                        it(col),
                        &[
                            ("value", v.to_string()),
                            ("expected", expected.to_string()),
                            ("detail", format!("{} ", s.service_code)),
                        ],
                    );
                }
            }
        }

        // total row
        if totals.is_empty() {
            sink.add(
                C::TotalMissing,
                first_line,
                None,
                &[("value", insured.clone())],
            );
        }
        for (line, t) in &totals {
            if t.provider.as_str() != "9999999999" {
                sink.add(
                    C::BadFormat,
                    Some(*line),
                    it("サービス事業所コード"),
                    &[
                        ("value", t.provider.to_string()),
                        (
                            "expected",
                            "合計行は 9999999999 / 9999999999 on the total row".into(),
                        ),
                    ],
                );
            }
            for (col, get) in SUM_COLUMNS {
                let Some(v) = get(t) else { continue };
                let mut expected: u64 = 0;
                let mut any = false;
                for (k, members) in &groups {
                    for (class, kind) in [
                        (true, CodeRowKind::SubtotalInLimit),
                        (false, CodeRowKind::SubtotalOutsideLimit),
                    ] {
                        if let Some(sv) = find_sub(k, kind).and_then(|(_, s)| get(s)) {
                            expected += u64::from(sv);
                            any = true;
                        } else if !class && combined(k) {
                            // Already counted through the AAAA row.
                        } else {
                            for b in members.iter().filter(|b| in_limit(b) == class) {
                                if let Some(x) = get(b) {
                                    expected += u64::from(x);
                                    any = true;
                                }
                            }
                        }
                    }
                }
                if any && u64::from(v) != expected {
                    sink.add(
                        C::TotalMismatch,
                        Some(*line),
                        it(col),
                        &[
                            ("value", v.to_string()),
                            ("expected", expected.to_string()),
                            ("detail", "999999 ".into()),
                        ],
                    );
                }
            }
        }
    }
}
