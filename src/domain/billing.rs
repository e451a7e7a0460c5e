//! The 第7表 (サービス利用票別表) calculation for one recipient and one month: the rows an UPSIKYU
//! file carries (detail rows per provider office × service code, one subtotal row per provider
//! office × service type, and the 999999 total row) with every numeric column.
//!
//! # Arithmetic (see `../shared/spec/domain.md` "The 第7表 arithmetic")
//! 1. サービス単位／金額 (No.17) = 単位数 (after discount) × 回数. 割引後単位数 =
//!    単位数 × 割引後率 / 100, 1単位未満四捨五入.
//! 2. 率 加算 (rate codes): units = 基礎単位数 × rate, 1単位未満四捨五入 (rounded once, on the
//!    month's sum). Rate codes inside the limit (特定事業所加算) take as base the provider's 基本
//!    rows (所定単位数). Rate codes outside the limit (介護職員等処遇改善加算) take as base the
//!    provider × type's 区分支給限度基準内単位数 plus its other units outside the limit
//!    (処遇改善加算を除く加減算後の総単位数, cut at the limit). That the base is cut at the limit is
//!    **(inferred)**: it is the practice of care software seen in public code; the 告示 only says
//!    "所定単位数に加算率を乗じた単位数".
//! 3. 給付管理単位数 (No.18) = No.17 for codes counting toward the limit, empty otherwise.
//! 4. 種類支給限度 (No.19/20, only when a limit for the type is given): the excess over the type's
//!    limit is taken from the last rows of that type. 区分支給限度 (No.21/22): the excess of
//!    Σ(種類支給限度基準内 or 給付管理単位数) over the recipient's limit is taken from the rows the
//!    care manager chose ([`BillingLine::over_limit_units`]) and the rest from the LAST rows in
//!    第6表 order (input order). On each row 区分内 + 区分超 = 種類内 (= 給付管理単位数 without a
//!    type limit).
//! 5. Money is computed once per provider office × service type, on the subtotal row
//!    (the 介護給付費明細書 also rounds per service type):
//!    費用総額 (No.24) = floor((区分支給限度基準内単位数 + units outside the limit) × 単価);
//!    請求額 (No.26) = floor(費用総額 × 給付率 / 100); 利用者負担 (No.28) = 費用総額 − 請求額;
//!    全額負担分 (No.29) = floor((種類超 + 区分超) × 単価). The total row is the sum of the
//!    subtotal rows, column by column, so totals always equal the sum of what they total.
//!
//! Rounding sources (checked 2026-11-21): 単位数 are rounded half up at each rate multiplication
//! and 1円未満 is cut when units become yen: https://star-gyousei.com/2020/03/10/2020-3-10-keisan/
//! (worked example: 535単位 × 10.45円 = 5,590円, × 0.9 = 5,031円, 利用者 559円),
//! https://k2sc.jp/archives/458 and the 厚生労働省 留意事項 quoted on
//! https://gifu.ficsc.info/ ("基本となる単位数に加減算の計算（何らかの割合を乗ずる計算に限る。）を行う
//! 度に、小数点以下の端数処理（四捨五入）"). 処遇改善加算 base "処遇改善加算を除く加減算後の総報酬
//! 単位数" and rounding "1単位未満の端数は四捨五入": http://www.kaigo-shien-blog.com/entry/2017/04/12/091318
//! and the gifu.ficsc.info quote.
//!
//! Not covered: 30日超 (ZZZZ rows), 定額利用者負担 (No.27 always empty), 公費, per-row money.

use super::service_codes::{CodeKind, ServiceCodeEntry};
use super::unit_price::{AreaGrade, UnitPrice, labor_share};
use super::{DomainError, OfficeNumber, ServiceCode, ServiceType};

/// One line of the month's plan (第6表 order), for one provider office and one service code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BillingLine {
    /// サービス事業所番号; the provider office is (number, service type of the code, satellite).
    pub office_number: OfficeNumber,
    /// サテライト枝番 (2 digits) or `None`.
    pub satellite: Option<String>,
    pub office_name: String,
    /// The provider office's 地域区分.
    pub area_grade: AreaGrade,
    pub entry: ServiceCodeEntry,
    /// 単位数 per time; `None` = the code's units (set it for 福祉用具貸与, whose code has 0).
    /// Ignored for rate codes.
    pub units: Option<u32>,
    /// 割引後率 in percent (e.g. `97` = 3 % 割引); `None` = no 割引.
    pub discount_rate_percent: Option<u32>,
    /// 回数／日数. Ignored for rate codes (always 1).
    pub count: u32,
    /// `None` = the code's flag (区分支給限度基準額の対象).
    pub counts_toward_limit: Option<bool>,
    /// The care manager's choice: units of this row to put over the 区分支給限度基準額.
    pub over_limit_units: Option<u32>,
}

impl BillingLine {
    pub fn new(
        office_number: OfficeNumber,
        office_name: impl Into<String>,
        area_grade: AreaGrade,
        entry: ServiceCodeEntry,
        count: u32,
    ) -> Self {
        Self {
            office_number,
            satellite: None,
            office_name: office_name.into(),
            area_grade,
            entry,
            units: None,
            discount_rate_percent: None,
            count,
            counts_toward_limit: None,
            over_limit_units: None,
        }
    }

    pub fn with_units(mut self, units: u32) -> Self {
        self.units = Some(units);
        self
    }

    pub fn with_discount(mut self, rate_percent: u32) -> Self {
        self.discount_rate_percent = Some(rate_percent);
        self
    }

    pub fn with_satellite(mut self, satellite: impl Into<String>) -> Self {
        self.satellite = Some(satellite.into());
        self
    }

    pub fn with_counts_toward_limit(mut self, counts: bool) -> Self {
        self.counts_toward_limit = Some(counts);
        self
    }

    pub fn with_over_limit_units(mut self, units: u32) -> Self {
        self.over_limit_units = Some(units);
        self
    }
}

/// Everything the 第7表 of one recipient × month needs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BillingInput {
    pub lines: Vec<BillingLine>,
    /// 区分支給限度基準額 in units; `None` = no limit applied (e.g. 申請中, decided by the caller).
    pub monthly_limit: Option<u32>,
    /// 給付率 in percent: 90 / 80 / 70 for 負担割合 1 / 2 / 3割, or another rate.
    pub benefit_rate_percent: u32,
    /// 種類支給限度基準額 per service type (rarely set by municipalities).
    pub type_limits: Vec<(ServiceType, u32)>,
}

/// What a 第7表 row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum RowKind {
    /// One provider office × service code.
    Detail,
    /// `CDAAAA` (the type has rows inside the limit) or `CDEEEE` (only rows outside it):
    /// one per provider office × service type. Carries the money columns.
    Subtotal,
    /// `999999`, office `9999999999`.
    Total,
}

/// One 第7表 row. Field comments give the UPSIKYU column (V4.1 numbering). Units are signed
/// because 減算 codes count negatively.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Table7Row {
    pub kind: RowKind,
    /// No.6 サービス事業所名 (empty on the total row).
    pub office_name: String,
    /// No.7 サービス事業所コード; `9999999999` on the total row.
    pub office_number: String,
    /// No.8 サテライト枝番.
    pub satellite: Option<String>,
    /// The provider's service type (`None` on the total row).
    pub service_type: Option<ServiceType>,
    /// No.9 サービスコード (`CDAAAA`, `CDEEEE`, `999999` on subtotal/total rows).
    pub service_code: ServiceCode,
    /// For screens: the code's name, `訪問介護 合計`, or `合計`.
    pub service_name: String,
    /// No.13 単位数 (per time; `0` on subtotal and total rows; the computed units on rate rows).
    pub units: i64,
    /// No.14 割引後率 (%).
    pub discount_rate_percent: Option<u32>,
    /// No.15 割引後単位数.
    pub discounted_units: Option<i64>,
    /// No.16 回数／日数 (empty on subtotal/total rows; 1 on rate rows).
    pub count: Option<u32>,
    /// No.17 サービス単位／金額.
    pub service_units: i64,
    /// No.18 給付管理単位数 (empty for codes outside the limit).
    pub benefit_managed_units: Option<i64>,
    /// No.19 種類支給限度基準を超える単位数 (only with a type limit).
    pub type_over_units: Option<i64>,
    /// No.20 種類支給限度基準内単位数 (only with a type limit).
    pub type_within_units: Option<i64>,
    /// No.21 区分支給限度基準を超える単位数.
    pub over_limit_units: Option<i64>,
    /// No.22 区分支給限度基準内単位数.
    pub within_limit_units: Option<i64>,
    /// No.23 単位数単価 (subtotal rows).
    pub unit_price: Option<UnitPrice>,
    /// No.24 費用総額（保険／事業対象分）.
    pub total_cost: Option<i64>,
    /// No.25 給付率.
    pub benefit_rate_percent: Option<u32>,
    /// No.26 保険／事業費請求額.
    pub claim_amount: Option<i64>,
    /// No.27 定額利用者負担単価金額 (not supported: always empty).
    pub fixed_copay_unit_amount: Option<i64>,
    /// No.28 利用者負担（保険／事業対象分）.
    pub copay: Option<i64>,
    /// No.29 利用者負担（全額負担分）.
    pub full_copay: Option<i64>,
}

/// The result: rows in output order (per provider: details then its subtotal; total last).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Table7 {
    pub rows: Vec<Table7Row>,
    pub monthly_limit: Option<u32>,
    /// Σ 給付管理単位数 over all providers.
    pub managed_units: i64,
    /// Σ 区分支給限度基準を超える単位数.
    pub over_limit_units: i64,
}

impl Table7 {
    pub fn details(&self) -> impl Iterator<Item = &Table7Row> {
        self.rows.iter().filter(|r| r.kind == RowKind::Detail)
    }

    pub fn subtotals(&self) -> impl Iterator<Item = &Table7Row> {
        self.rows.iter().filter(|r| r.kind == RowKind::Subtotal)
    }

    pub fn total(&self) -> &Table7Row {
        self.rows
            .last()
            .expect("a 第7表 always ends with its total row")
    }

    /// The subtotal row of a provider office × service type.
    pub fn subtotal_of(
        &self,
        office: &OfficeNumber,
        service_type: ServiceType,
    ) -> Option<&Table7Row> {
        self.subtotals()
            .find(|r| r.office_number == office.as_str() && r.service_type == Some(service_type))
    }

    /// The detail row of a provider office × service code.
    pub fn detail_of(&self, office: &OfficeNumber, code: &str) -> Option<&Table7Row> {
        self.details()
            .find(|r| r.office_number == office.as_str() && r.service_code.as_str() == code)
    }
}

/// Rounds `value × num / den` half away from zero (the 四捨五入 of 介護報酬 units).
fn round_ratio(value: i64, num: i64, den: i64) -> i64 {
    let p = value * num;
    let half = den / 2;
    if p >= 0 {
        (p + half) / den
    } else {
        -((-p + half) / den)
    }
}

struct Provider {
    office_number: OfficeNumber,
    satellite: Option<String>,
    office_name: String,
    area_grade: AreaGrade,
    service_type: ServiceType,
    price: UnitPrice,
}

struct Detail {
    provider: usize,
    entry: ServiceCodeEntry,
    unit: i64,
    discount: Option<u32>,
    count: u32,
    managed: bool,
    explicit_over: Option<u32>,
    service_units: i64,
    type_over: i64,
    kubun_over: i64,
}

impl Detail {
    fn effective_unit(&self) -> i64 {
        match self.discount {
            Some(r) => round_ratio(self.unit, i64::from(r), 100),
            None => self.unit,
        }
    }

    fn managed_units(&self) -> i64 {
        if self.managed { self.service_units } else { 0 }
    }

    fn within_type(&self) -> i64 {
        self.managed_units() - self.type_over
    }

    fn within_limit(&self) -> i64 {
        self.within_type() - self.kubun_over
    }
}

fn err(ja: impl Into<String>, en: impl Into<String>) -> DomainError {
    DomainError::new(ja, en)
}

/// Computes the 第7表 rows. Errors (Japanese + English) for inconsistent input: an unknown
/// service type, a 給付率 over 100, a provider office listed with two 地域区分, an explicit
/// over-limit choice larger than the row or than the excess, or one that leaves part of the
/// excess with nowhere to go.
pub fn calculate(input: &BillingInput) -> Result<Table7, DomainError> {
    if input.benefit_rate_percent > 100 {
        return Err(err(
            format!(
                "給付率{}%は100%以下で入力してください。",
                input.benefit_rate_percent
            ),
            format!(
                "the benefit rate must be at most 100, got {}",
                input.benefit_rate_percent
            ),
        ));
    }

    // 1. Providers and merged detail rows, in first-appearance order.
    let mut providers: Vec<Provider> = Vec::new();
    let mut details: Vec<Detail> = Vec::new();
    for line in &input.lines {
        let code = line.entry.code;
        let service_type = code.service_type().ok_or_else(|| {
            err(
                format!("サービスコード「{code}」のサービス種類が登録されていません。"),
                format!("service code {code} has an unknown service type"),
            )
        })?;
        if let Some(r) = line.discount_rate_percent
            && r > 100
        {
            return Err(err(
                format!("割引後率{r}%は100%以下で入力してください（{code}）。"),
                format!("the rate after discount must be at most 100, got {r} ({code})"),
            ));
        }
        let p = match providers.iter().position(|p| {
            p.office_number == line.office_number
                && p.satellite == line.satellite
                && p.service_type == service_type
        }) {
            Some(p) => {
                if providers[p].area_grade != line.area_grade {
                    return Err(err(
                        format!(
                            "事業所{}（{}）に異なる地域区分が指定されています。",
                            line.office_number,
                            service_type.name()
                        ),
                        format!(
                            "office {} ({}) is given two different area grades",
                            line.office_number, service_type
                        ),
                    ));
                }
                p
            }
            None => {
                providers.push(Provider {
                    office_number: line.office_number.clone(),
                    satellite: line.satellite.clone(),
                    office_name: line.office_name.clone(),
                    area_grade: line.area_grade,
                    service_type,
                    price: line.area_grade.price(labor_share(service_type)),
                });
                providers.len() - 1
            }
        };
        let sign = if line.entry.kind == CodeKind::Subtraction {
            -1
        } else {
            1
        };
        let unit = sign * i64::from(line.units.unwrap_or(line.entry.units));
        let managed = line
            .counts_toward_limit
            .unwrap_or(line.entry.counts_toward_limit);
        let is_rate = line.entry.is_rate();
        let count = if is_rate { 1 } else { line.count };
        let discount = if is_rate {
            None
        } else {
            line.discount_rate_percent
        };
        let same = details.iter_mut().find(|d| {
            d.provider == p
                && d.entry.code == code
                && d.managed == managed
                && (is_rate || (d.unit == unit && d.discount == discount))
        });
        match same {
            Some(d) => {
                if !is_rate {
                    d.count += count;
                }
                if let Some(x) = line.over_limit_units {
                    d.explicit_over = Some(d.explicit_over.unwrap_or(0) + x);
                }
            }
            None => details.push(Detail {
                provider: p,
                entry: line.entry.clone(),
                unit,
                discount,
                count,
                managed,
                explicit_over: line.over_limit_units,
                service_units: 0,
                type_over: 0,
                kubun_over: 0,
            }),
        }
    }

    // 2. Units of unit codes, then rate codes inside the limit (base: the provider's 基本 rows).
    for d in details.iter_mut().filter(|d| !d.entry.is_rate()) {
        d.service_units = d.effective_unit() * i64::from(d.count);
    }
    for i in 0..details.len() {
        let d = &details[i];
        if let (Some(rate), true) = (d.entry.rate_permille, d.managed) {
            let base: i64 = details
                .iter()
                .filter(|o| {
                    o.provider == d.provider && !o.entry.is_rate() && o.entry.kind == CodeKind::Base
                })
                .map(|o| o.service_units)
                .sum();
            let sign = if d.entry.kind == CodeKind::Subtraction {
                -1
            } else {
                1
            };
            let units = sign * round_ratio(base, i64::from(rate), 1000);
            details[i].unit = units;
            details[i].service_units = units;
        }
    }

    // 3. 種類支給限度: the excess of each limited type comes from its last rows.
    for (service_type, limit) in &input.type_limits {
        let of_type: Vec<usize> = (0..details.len())
            .filter(|&i| {
                details[i].managed && providers[details[i].provider].service_type == *service_type
            })
            .collect();
        let sum: i64 = of_type.iter().map(|&i| details[i].managed_units()).sum();
        let mut excess = (sum - i64::from(*limit)).max(0);
        for &i in of_type.iter().rev() {
            let take = excess.min(details[i].managed_units().max(0));
            details[i].type_over = take;
            excess -= take;
        }
    }

    // 4. 区分支給限度: explicit choices first, the rest from the last rows.
    let managed_total: i64 = details.iter().map(Detail::within_type).sum();
    let excess = input
        .monthly_limit
        .map_or(0, |l| (managed_total - i64::from(l)).max(0));
    let mut explicit_sum = 0i64;
    for d in &details {
        let Some(x) = d.explicit_over else { continue };
        let x = i64::from(x);
        if x == 0 {
            continue;
        }
        if !d.managed {
            return Err(err(
                format!(
                    "「{}」は区分支給限度基準額の対象外なので、超過単位数を割り当てられません。",
                    d.entry.name
                ),
                format!(
                    "{} is outside the limit and cannot carry over-limit units",
                    d.entry.code
                ),
            ));
        }
        if x > d.within_type().max(0) {
            return Err(err(
                format!(
                    "「{}」に割り当てた超過単位数{}が、この行の単位数{}を超えています。",
                    d.entry.name,
                    x,
                    d.within_type()
                ),
                format!(
                    "{}: {} over-limit units chosen but the row has only {}",
                    d.entry.code,
                    x,
                    d.within_type()
                ),
            ));
        }
        explicit_sum += x;
    }
    if explicit_sum > excess {
        return Err(err(
            format!(
                "割り当てた超過単位数の合計{explicit_sum}が、区分支給限度基準額を超える単位数{excess}より多くなっています。"
            ),
            format!(
                "the chosen over-limit units ({explicit_sum}) exceed the units over the limit ({excess})"
            ),
        ));
    }
    for d in details.iter_mut() {
        if d.managed {
            d.kubun_over = i64::from(d.explicit_over.unwrap_or(0));
        }
    }
    let mut rest = excess - explicit_sum;
    for d in details.iter_mut().rev() {
        if rest == 0 {
            break;
        }
        if !d.managed || d.explicit_over.is_some() {
            continue;
        }
        let take = rest.min(d.within_type().max(0));
        d.kubun_over = take;
        rest -= take;
    }
    if rest > 0 {
        return Err(err(
            format!(
                "区分支給限度基準額を超える単位数のうち{rest}単位を割り当てる行がありません（超過単位数を指定した行を見直してください）。"
            ),
            format!(
                "{rest} units over the limit could not be placed on any row; review the chosen rows"
            ),
        ));
    }

    // 5. Rate codes outside the limit: base = the provider's units within the limit plus its
    //    other units outside the limit (in input order, so an earlier rate row is included).
    for i in 0..details.len() {
        let d = &details[i];
        if let (Some(rate), false) = (d.entry.rate_permille, d.managed) {
            let p = d.provider;
            let base: i64 = details[..i]
                .iter()
                .chain(
                    details[i + 1..]
                        .iter()
                        .filter(|o| !o.entry.is_rate() || o.managed),
                )
                .filter(|o| o.provider == p)
                .map(|o| {
                    if o.managed {
                        o.within_limit()
                    } else {
                        o.service_units
                    }
                })
                .sum();
            let sign = if d.entry.kind == CodeKind::Subtraction {
                -1
            } else {
                1
            };
            let units = sign * round_ratio(base, i64::from(rate), 1000);
            details[i].unit = units;
            details[i].service_units = units;
        }
    }

    // 6. Rows.
    let type_limited = |t: ServiceType| input.type_limits.iter().any(|(lt, _)| *lt == t);
    let mut rows = Vec::new();
    for (pi, p) in providers.iter().enumerate() {
        let limited = type_limited(p.service_type);
        let mine: Vec<&Detail> = details.iter().filter(|d| d.provider == pi).collect();
        for d in &mine {
            let managed = d.managed;
            rows.push(Table7Row {
                kind: RowKind::Detail,
                office_name: p.office_name.clone(),
                office_number: p.office_number.as_str().to_string(),
                satellite: p.satellite.clone(),
                service_type: Some(p.service_type),
                service_code: d.entry.code,
                service_name: d.entry.name.clone(),
                units: d.unit,
                discount_rate_percent: d.discount,
                discounted_units: d.discount.map(|_| d.effective_unit()),
                count: Some(d.count),
                service_units: d.service_units,
                benefit_managed_units: managed.then(|| d.managed_units()),
                type_over_units: (managed && limited).then_some(d.type_over),
                type_within_units: (managed && limited).then(|| d.within_type()),
                over_limit_units: managed.then_some(d.kubun_over),
                within_limit_units: managed.then(|| d.within_limit()),
                unit_price: None,
                total_cost: None,
                benefit_rate_percent: None,
                claim_amount: None,
                fixed_copay_unit_amount: None,
                copay: None,
                full_copay: None,
            });
        }
        // Units: one subtotal for the rows inside the limit (`CDAAAA`) and one for the rows
        // outside it (`CDEEEE`), so that each totals exactly its own rows. Money: computed once
        // per office × type on all billable units (as the 給付費明細書 does, one rounding) and
        // carried on the first subtotal (AAAA when there is one). See docs/standard.md.
        let billable: i64 = mine
            .iter()
            .map(|d| {
                if d.managed {
                    d.within_limit()
                } else {
                    d.service_units
                }
            })
            .sum();
        if billable < 0 {
            return Err(err(
                format!(
                    "事業所{}の{}の単位数合計が負になっています。",
                    p.office_number,
                    p.service_type.name()
                ),
                format!(
                    "the units of office {} ({}) sum to a negative number",
                    p.office_number, p.service_type
                ),
            ));
        }
        let total_cost = p.price.yen_floor(billable);
        let claim = total_cost * i64::from(input.benefit_rate_percent) / 100;
        let all_over: i64 = mine.iter().map(|d| d.type_over + d.kubun_over).sum();
        let mut money_placed = false;
        for managed_group in [true, false] {
            let group: Vec<&&Detail> = mine.iter().filter(|d| d.managed == managed_group).collect();
            if group.is_empty() {
                continue;
            }
            let sum = |f: &dyn Fn(&Detail) -> i64| -> i64 { group.iter().map(|d| f(d)).sum() };
            let service_units = sum(&|d| d.service_units);
            let managed_units = sum(&|d| d.managed_units());
            let type_over = sum(&|d| d.type_over);
            let kubun_over = sum(&|d| d.kubun_over);
            let within = sum(&|d| d.within_limit());
            let money = !money_placed;
            money_placed = true;
            let suffix = if managed_group { "AAAA" } else { "EEEE" };
            let code = ServiceCode::parse(&format!("{}{}", p.service_type.code(), suffix))
                .expect("type code + AAAA/EEEE is a well-formed code");
            rows.push(Table7Row {
                kind: RowKind::Subtotal,
                office_name: p.office_name.clone(),
                office_number: p.office_number.as_str().to_string(),
                satellite: p.satellite.clone(),
                service_type: Some(p.service_type),
                service_code: code,
                service_name: if managed_group {
                    format!("{} 合計", p.service_type.name())
                } else {
                    format!("{} 合計（区分支給限度対象外）", p.service_type.name())
                },
                units: 0,
                discount_rate_percent: None,
                discounted_units: None,
                count: None,
                service_units,
                benefit_managed_units: managed_group.then_some(managed_units),
                type_over_units: (managed_group && limited).then_some(type_over),
                type_within_units: (managed_group && limited).then_some(managed_units - type_over),
                over_limit_units: managed_group.then_some(kubun_over),
                within_limit_units: managed_group.then_some(within),
                unit_price: money.then_some(p.price),
                total_cost: money.then_some(total_cost),
                benefit_rate_percent: money.then_some(input.benefit_rate_percent),
                claim_amount: money.then_some(claim),
                fixed_copay_unit_amount: None,
                copay: money.then_some(total_cost - claim),
                full_copay: money.then(|| p.price.yen_floor(all_over)),
            });
        }
    }

    let subtotals: Vec<&Table7Row> = rows
        .iter()
        .filter(|r| r.kind == RowKind::Subtotal)
        .collect();
    let opt_sum = |f: &dyn Fn(&Table7Row) -> Option<i64>| -> Option<i64> {
        subtotals
            .iter()
            .filter_map(|r| f(r))
            .fold(None, |acc, v| Some(acc.unwrap_or(0) + v))
    };
    let total = Table7Row {
        kind: RowKind::Total,
        office_name: String::new(),
        office_number: "9999999999".to_string(),
        satellite: None,
        service_type: None,
        service_code: ServiceCode::parse("999999").expect("well-formed"),
        service_name: "合計".to_string(),
        units: 0,
        discount_rate_percent: None,
        discounted_units: None,
        count: None,
        service_units: subtotals.iter().map(|r| r.service_units).sum(),
        benefit_managed_units: opt_sum(&|r| r.benefit_managed_units),
        type_over_units: opt_sum(&|r| r.type_over_units),
        type_within_units: opt_sum(&|r| r.type_within_units),
        over_limit_units: opt_sum(&|r| r.over_limit_units),
        within_limit_units: opt_sum(&|r| r.within_limit_units),
        unit_price: None,
        total_cost: opt_sum(&|r| r.total_cost),
        benefit_rate_percent: Some(input.benefit_rate_percent),
        claim_amount: opt_sum(&|r| r.claim_amount),
        fixed_copay_unit_amount: None,
        copay: opt_sum(&|r| r.copay),
        full_copay: opt_sum(&|r| r.full_copay),
    };
    let over_limit_units = total.over_limit_units.unwrap_or(0);
    rows.push(total);
    Ok(Table7 {
        rows,
        monthly_limit: input.monthly_limit,
        managed_units: managed_total,
        over_limit_units,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::service_codes::ServiceCodeTable;

    /// Rows valid in 2025-04 (R6 units and 処遇改善加算 rates).
    fn entry(code: &str) -> ServiceCodeEntry {
        let date = chrono::NaiveDate::from_ymd_opt(2025, 4, 1).unwrap();
        ServiceCodeTable::r6()
            .get_on(&ServiceCode::parse(code).unwrap(), date)
            .unwrap()
            .clone()
    }

    fn office(n: &str) -> OfficeNumber {
        OfficeNumber::parse(n).unwrap()
    }

    fn line(o: &str, code: &str, count: u32) -> BillingLine {
        BillingLine::new(
            office(o),
            format!("事業所{o}"),
            AreaGrade::G1,
            entry(code),
            count,
        )
    }

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(round_ratio(4375, 245, 1000), 1072); // 1071.875
        assert_eq!(round_ratio(2440, 100, 1000), 244);
        assert_eq!(round_ratio(5, 1, 10), 1); // 0.5 → 1
        assert_eq!(round_ratio(-5, 1, 10), -1);
        assert_eq!(round_ratio(387, 97, 100), 375); // 375.39
    }

    /// 特定事業所加算Ⅴ (3 %, inside the limit) on the 基本 rows only, then 処遇改善加算Ⅰ
    /// (24.5 %, outside) on everything within the limit including the 特定事業所加算 and the
    /// 初回加算:
    ///   身体介護１ 244 × 10 = 2,440 (基本); 初回加算 200 × 1 = 200;
    ///   特定事業所加算Ⅴ = round(2,440 × 3 %) = round(73.2) = 73;
    ///   within the limit = 2,440 + 200 + 73 = 2,713; 処遇改善 = round(2,713 × 24.5 %)
    ///   = round(664.685) = 665;
    ///   費用総額 = floor((2,713 + 665) × 11.40) = floor(38,509.2) = 38,509 (one rounding per
    ///   office × type, carried on 11AAAA); 請求 = floor(38,509 × 0.9) = floor(34,658.1) = 34,658;
    ///   負担 = 3,851. 11AAAA totals the units inside the limit (2,713), 11EEEE the 665 outside.
    #[test]
    fn rate_codes_inside_and_outside_the_limit() {
        let input = BillingInput {
            lines: vec![
                line("1310100001", "111111", 10),
                line("1310100001", "114001", 1),
                line("1310100001", "116410", 1),
                line("1310100001", "116275", 1),
            ],
            monthly_limit: Some(16_765),
            benefit_rate_percent: 90,
            type_limits: vec![],
        };
        let t = calculate(&input).unwrap();
        let o = office("1310100001");
        let tokutei = t.detail_of(&o, "116410").unwrap();
        assert_eq!(tokutei.service_units, 73);
        assert_eq!(tokutei.benefit_managed_units, Some(73));
        let shogu = t.detail_of(&o, "116275").unwrap();
        assert_eq!(shogu.service_units, 665);
        assert_eq!(shogu.units, 665);
        assert_eq!(shogu.count, Some(1));
        assert_eq!(shogu.benefit_managed_units, None);
        assert_eq!(shogu.over_limit_units, None);
        let s = t
            .subtotal_of(&o, ServiceType::parse("11").unwrap())
            .unwrap();
        assert_eq!(s.service_code.as_str(), "11AAAA");
        assert_eq!(s.service_units, 2440 + 200 + 73);
        assert_eq!(s.benefit_managed_units, Some(2713));
        assert_eq!(s.within_limit_units, Some(2713));
        assert_eq!(s.total_cost, Some(38_509));
        assert_eq!(s.claim_amount, Some(34_658));
        assert_eq!(s.copay, Some(3_851));
        assert_eq!(s.full_copay, Some(0));
        let e = t
            .subtotals()
            .find(|r| r.service_code.as_str() == "11EEEE")
            .unwrap();
        assert_eq!(e.service_units, 665);
        assert_eq!(e.benefit_managed_units, None);
        assert_eq!(e.total_cost, None);
        assert_eq!(t.total().total_cost, Some(38_509));
        assert_eq!(t.total().service_units, 2440 + 200 + 73 + 665);
    }

    /// 割引: 身体介護２ 387 at 割引後率 97 % = 375.39 → 375 units × 4 = 1,500.
    #[test]
    fn discount() {
        let input = BillingInput {
            lines: vec![line("1310100001", "111211", 4).with_discount(97)],
            monthly_limit: Some(16_765),
            benefit_rate_percent: 90,
            type_limits: vec![],
        };
        let t = calculate(&input).unwrap();
        let d = t.details().next().unwrap();
        assert_eq!(d.units, 387);
        assert_eq!(d.discount_rate_percent, Some(97));
        assert_eq!(d.discounted_units, Some(375));
        assert_eq!(d.service_units, 1500);
    }

    /// Lines of the same office × code are one row with the 回数 added up.
    #[test]
    fn same_code_lines_merge() {
        let input = BillingInput {
            lines: vec![
                line("1310100001", "111111", 3),
                line("1310100001", "111211", 1),
                line("1310100001", "111111", 2),
            ],
            monthly_limit: None,
            benefit_rate_percent: 90,
            type_limits: vec![],
        };
        let t = calculate(&input).unwrap();
        assert_eq!(t.details().count(), 2);
        assert_eq!(t.details().next().unwrap().count, Some(5));
        assert_eq!(t.total().over_limit_units, Some(0));
    }

    /// 種類支給限度 3,000 on 訪問介護: 身体介護２ 387 × 10 = 3,870 → 870 over the type limit,
    /// taken from the last 訪問介護 row; the 区分 check then sees 3,000.
    #[test]
    fn type_limit() {
        let input = BillingInput {
            lines: vec![line("1310100001", "111211", 10)],
            monthly_limit: Some(16_765),
            benefit_rate_percent: 90,
            type_limits: vec![(ServiceType::parse("11").unwrap(), 3_000)],
        };
        let t = calculate(&input).unwrap();
        let d = t.details().next().unwrap();
        assert_eq!(d.benefit_managed_units, Some(3870));
        assert_eq!(d.type_over_units, Some(870));
        assert_eq!(d.type_within_units, Some(3000));
        assert_eq!(d.over_limit_units, Some(0));
        assert_eq!(d.within_limit_units, Some(3000));
        let s = t.subtotals().next().unwrap();
        // 3,000 × 11.40 = 34,200; 870 × 11.40 = 9,918.
        assert_eq!(s.total_cost, Some(34_200));
        assert_eq!(s.full_copay, Some(9_918));
    }

    #[test]
    fn errors() {
        let base = |lines| BillingInput {
            lines,
            monthly_limit: Some(1_000),
            benefit_rate_percent: 90,
            type_limits: vec![],
        };
        // 244 × 5 = 1,220 → 220 over.
        assert!(
            calculate(&base(vec![
                line("1310100001", "111111", 5).with_over_limit_units(221)
            ]))
            .is_err()
        );
        assert!(
            calculate(&base(vec![
                line("1310100001", "111111", 5).with_over_limit_units(1_300)
            ]))
            .is_err()
        );
        assert!(
            calculate(&base(vec![
                line("1310100001", "116275", 1).with_over_limit_units(1)
            ]))
            .is_err()
        );
        // Explicit 0 on the only row leaves the excess nowhere.
        assert!(
            calculate(&base(vec![
                line("1310100001", "111111", 5).with_over_limit_units(0)
            ]))
            .is_err()
        );
        let mut bad_rate = base(vec![line("1310100001", "111111", 1)]);
        bad_rate.benefit_rate_percent = 101;
        assert!(calculate(&bad_rate).is_err());
        let mut two_grades = line("1310100001", "111211", 1);
        two_grades.area_grade = AreaGrade::G2;
        let e = calculate(&base(vec![line("1310100001", "111111", 1), two_grades])).unwrap_err();
        assert!(e.message_ja.contains("地域区分"));
    }

    /// A provider with only codes outside the limit gets a CDEEEE subtotal.
    #[test]
    fn outside_only_provider() {
        let mut e = entry("171001");
        e.counts_toward_limit = false;
        let input = BillingInput {
            lines: vec![
                BillingLine::new(office("1310100003"), "用具", AreaGrade::G1, e, 1)
                    .with_units(1_000),
            ],
            monthly_limit: Some(16_765),
            benefit_rate_percent: 90,
            type_limits: vec![],
        };
        let t = calculate(&input).unwrap();
        let s = t.subtotals().next().unwrap();
        assert_eq!(s.service_code.as_str(), "17EEEE");
        assert_eq!(s.benefit_managed_units, None);
        assert_eq!(s.unit_price, Some(UnitPrice::TEN_YEN));
        assert_eq!(s.total_cost, Some(10_000));
        assert_eq!(t.total().benefit_managed_units, None);
    }
}
