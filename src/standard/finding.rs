//! Findings: what is wrong (or doubtful) in a file or a set, in Japanese and English.
//!
//! Every message lives in ONE table ([`MESSAGES`]); placeholders `{item}`, `{value}`,
//! `{expected}`, `{max}` and `{detail}` are filled from the finding's arguments.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Warning,
    Error,
}

/// Machine codes of findings (serialised in snake_case, e.g. `field_count`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCode {
    Utf8File,
    BadEncoding,
    BadFileName,
    CsvSyntax,
    FileTooLarge,
    HeaderRow,
    NoRecords,
    FieldCount,
    UnknownVersion,
    OldVersion,
    NonstandardVersion,
    VersionMixed,
    VersionNameMismatch,
    KindNotInVersion,
    Required,
    TooLong,
    NotDigits,
    BadFormat,
    BadDate,
    BadTime,
    BadMonth,
    BadCode,
    MonthMismatch,
    DateOutsideMonth,
    OfficeMismatch,
    UnknownServiceType,
    ExcludedServiceType,
    EquipmentCodeMissing,
    SubtotalMissing,
    TotalMissing,
    TotalMismatch,
    SubtotalIncludesOutsideLimit,
    UnencodableChar,
    DuplicateRecord,
    SlotGap,
    KindMismatch,
    VersionNotWritable,
    SetIncomplete,
    SetUnexpected,
    SetDuplicate,
    SetHeaderMismatch,
    SetKeyMismatch,
}

use FindingCode as C;
use Severity::{Error as E, Warning as W};

/// Code, default severity, Japanese template, English template.
pub static MESSAGES: &[(FindingCode, Severity, &str, &str)] = &[
    (
        C::Utf8File,
        E,
        "ファイルが UTF-8 で保存されています。標準仕様は MS932（Shift_JIS）です。Excel では「CSV（コンマ区切り）」で保存し直してください。",
        "the file is UTF-8, not MS932 (Shift_JIS) as the standard requires; save it again as \"CSV (Comma delimited)\"",
    ),
    (
        C::BadEncoding,
        E,
        "MS932 として読めないバイト列があります（{detail}）。",
        "bytes that are not valid MS932 ({detail})",
    ),
    (
        C::BadFileName,
        E,
        "ファイル名が標準仕様の形式ではありません（{detail}）。",
        "the file name does not follow the standard ({detail})",
    ),
    (
        C::CsvSyntax,
        E,
        "CSV の形式が正しくありません（{detail}）。",
        "CSV syntax error ({detail})",
    ),
    (
        C::FileTooLarge,
        E,
        "ファイルが大きすぎて読めません（{value} バイト、上限 {expected} バイト）。",
        "the file is too large to read ({value} bytes, at most {expected})",
    ),
    (
        C::HeaderRow,
        W,
        "1行目は見出し行とみなして読み飛ばしました（標準仕様に見出し行はありません）。",
        "skipped the first line as a header row (the standard has no header row)",
    ),
    (
        C::NoRecords,
        W,
        "データ行がありません。",
        "the file has no records",
    ),
    (
        C::FieldCount,
        E,
        "項目数が {value} 個です（このファイルは {expected} 個）。",
        "{value} fields, expected {expected}",
    ),
    (
        C::UnknownVersion,
        E,
        "CSVバージョン「{value}」は標準仕様にありません（202407, 202504, 202208 など）。",
        "unknown CSV version {value:?} (expected 202407, 202504, 202208 ...)",
    ),
    (
        C::OldVersion,
        W,
        "CSVバージョン {value} は旧版です。第3版（202208）のレイアウトとして読みました。",
        "CSV version {value} is an old edition; read with the V3 (202208) layout",
    ),
    (
        C::NonstandardVersion,
        W,
        "CSVバージョン {value} は標準仕様の値ではありません（第4.1版は 202407）。第4版として読みました。",
        "CSV version {value} is not a value of the standard (V4.1 is 202407); read as V4",
    ),
    (
        C::VersionMixed,
        E,
        "1つのファイルに異なるCSVバージョンが混在しています（{value} と {expected}）。",
        "the file mixes CSV versions ({value} and {expected})",
    ),
    (
        C::VersionNameMismatch,
        W,
        "ファイル名の形式（{value}）と CSVバージョン {expected} が合っていません。",
        "the file-name form ({value}) does not match CSV version {expected}",
    ),
    (
        C::KindNotInVersion,
        E,
        "{value} は CSVバージョン {expected} にはないファイルです。",
        "{value} files do not exist in CSV version {expected}",
    ),
    (
        C::Required,
        E,
        "「{item}」は必須です。",
        "{item} is required",
    ),
    (
        C::TooLong,
        E,
        "「{item}」が長すぎます（{value} 文字、最大 {max} 文字）。",
        "{item} is too long ({value} characters, at most {max})",
    ),
    (
        C::NotDigits,
        E,
        "「{item}」は半角数字で入力してください（「{value}」）。",
        "{item} must be half-width digits, got {value:?}",
    ),
    (
        C::BadFormat,
        E,
        "「{item}」の形式が正しくありません（「{value}」。{expected}）。",
        "{item} has the wrong form ({value:?}; {expected})",
    ),
    (
        C::BadDate,
        E,
        "「{item}」が正しい日付ではありません（「{value}」。YYYYMMDD）。",
        "{item} is not a real date ({value:?}; YYYYMMDD)",
    ),
    (
        C::BadTime,
        E,
        "「{item}」が正しい時刻ではありません（「{value}」。HHMM の 0000〜2359、時間表示のないサービスは 9999）。",
        "{item} is not a valid time ({value:?}; HHMM 0000-2359, or 9999)",
    ),
    (
        C::BadMonth,
        E,
        "「{item}」が正しい年月ではありません（「{value}」。YYYYMM）。",
        "{item} is not a valid month ({value:?}; YYYYMM)",
    ),
    (
        C::BadCode,
        E,
        "「{item}」のコード「{value}」は使えません（{expected}）。",
        "{item}: code {value:?} is not allowed ({expected})",
    ),
    (
        C::MonthMismatch,
        E,
        "「{item}」{value} がファイル名の年月 {expected} と違います。",
        "{item} {value} differs from the file-name month {expected}",
    ),
    (
        C::DateOutsideMonth,
        E,
        "「{item}」{value} が対象年月 {expected} の日付ではありません。",
        "{item} {value} is not in the target month {expected}",
    ),
    (
        C::OfficeMismatch,
        E,
        "「{item}」{value} がファイル名の事業所番号 {expected} と違います。",
        "{item} {value} differs from the office number {expected} in the file name",
    ),
    (
        C::UnknownServiceType,
        W,
        "サービス種類コード「{value}」は登録されていません。",
        "unknown service type code {value:?}",
    ),
    (
        C::ExcludedServiceType,
        E,
        "サービス種類 {value} は連携対象外です（この行は出力しません）。",
        "service type {value} is not exchanged by the standard (such rows must not be sent)",
    ),
    (
        C::EquipmentCodeMissing,
        E,
        "福祉用具貸与（{value}）の行には TAISコードか福祉用具届出コードが必要です。",
        "a welfare-equipment rental row ({value}) needs a TAIS code or a notification code",
    ),
    (
        C::SubtotalMissing,
        E,
        "{detail}の種類別小計行（{value}）がありません。",
        "the subtotal row {value} is missing for {detail}",
    ),
    (
        C::TotalMissing,
        E,
        "被保険者 {value} の合計行（999999）がありません。",
        "the total row (999999) is missing for insured person {value}",
    ),
    (
        C::TotalMismatch,
        E,
        "{detail}の「{item}」が {value} ですが、対象の明細行の合計は {expected} です。",
        "{detail}: {item} is {value} but the rows it totals add up to {expected}",
    ),
    (
        C::SubtotalIncludesOutsideLimit,
        W,
        "{detail}の小計に区分支給限度対象外の明細行も含まれています（EEEE 行なし）。合計として読み取りました。",
        "{detail}: the AAAA subtotal also totals the rows outside the limit (no EEEE row); read as such",
    ),
    (
        C::UnencodableChar,
        W,
        "「{item}」の「{value}」は MS932 で表せないため「〓」に置き換えました。",
        "{item}: {value:?} cannot be written in MS932 and was replaced by 〓",
    ),
    (
        C::DuplicateRecord,
        W,
        "同じキーの行が前にもあります（{value}）。",
        "a record with the same key appears earlier ({value})",
    ),
    (
        C::SlotGap,
        W,
        "サービス種類別の支給限度の欄は1番目から詰めて入れてください（{value}）。",
        "service-type limit slots must be filled from slot 1 without gaps ({value})",
    ),
    (
        C::KindMismatch,
        E,
        "{value} のファイルに {expected} の行は書けません。",
        "cannot write {expected} records into a {value} file",
    ),
    (
        C::VersionNotWritable,
        E,
        "CSVバージョン {value} では書き出せません（202407 または 202208）。",
        "cannot write CSV version {value} (write 202407 or 202208)",
    ),
    (
        C::SetIncomplete,
        E,
        "送信単位（{detail}）に {value} がありません。",
        "the set ({detail}) lacks {value}",
    ),
    (
        C::SetUnexpected,
        E,
        "{value} は送信単位（{detail}）に入れられません。",
        "{value} does not belong in the set ({detail})",
    ),
    (
        C::SetDuplicate,
        E,
        "送信単位に {value} が2つ以上あります。",
        "the set has more than one {value} file",
    ),
    (
        C::SetHeaderMismatch,
        E,
        "送信単位のファイルで{item}が違います（{value} と {expected}）。",
        "files of one set differ in {item} ({value} vs {expected})",
    ),
    (
        C::SetKeyMismatch,
        E,
        "{value}（{detail}）に対応する {expected} の行がありません。",
        "{value} ({detail}) has no matching record in {expected}",
    ),
];

impl FindingCode {
    fn entry(self) -> &'static (FindingCode, Severity, &'static str, &'static str) {
        MESSAGES
            .iter()
            .find(|e| e.0 == self)
            .expect("every finding code has messages")
    }

    pub fn default_severity(self) -> Severity {
        self.entry().1
    }

    /// The snake_case machine code, e.g. `"field_count"`.
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Every code, in table order.
    pub fn all() -> impl Iterator<Item = FindingCode> {
        MESSAGES.iter().map(|e| e.0)
    }
}

impl fmt::Display for FindingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str())
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub code: FindingCode,
    /// File name the finding is about (empty when none is known).
    pub file: String,
    /// 1-based physical line where the record starts.
    pub line: Option<usize>,
    /// 1-based field No. in the file's own layout.
    pub field_no: Option<usize>,
    /// The Japanese item name of that field.
    pub item: Option<String>,
    pub message_ja: String,
    pub message_en: String,
}

/// Fills `{key}` and `{key:?}` placeholders in one pass (values are never re-scanned, so a
/// value that itself contains `{…}` stays as it is). Unknown placeholders are kept.
fn render(template: &str, args: &[(&str, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let key = &after[..close];
        let (name, debug) = match key.strip_suffix(":?") {
            Some(k) => (k, true),
            None => (key, false),
        };
        match args.iter().find(|(k, _)| *k == name) {
            Some((_, v)) if debug => out.push_str(&format!("{v:?}")),
            Some((_, v)) => out.push_str(v),
            None => {
                out.push('{');
                out.push_str(key);
                out.push('}');
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

impl Finding {
    /// Builds a finding from the message table. `args` fill the placeholders; `item` (if the
    /// finding is about a field) also fills `{item}`.
    pub fn new(
        code: FindingCode,
        file: &str,
        line: Option<usize>,
        field: Option<(usize, &str)>,
        args: &[(&str, String)],
    ) -> Self {
        let (_, severity, ja, en) = *code.entry();
        let mut all: Vec<(&str, String)> = args.to_vec();
        if let Some((_, name)) = field {
            all.push(("item", name.to_string()));
        }
        Finding {
            severity,
            code,
            file: file.to_string(),
            line,
            field_no: field.map(|f| f.0),
            item: field.map(|f| f.1.to_string()),
            message_ja: render(ja, &all),
            message_en: render(en, &all),
        }
    }

    /// A finding whose `{detail}` differs by language (file-name and CSV-syntax problems).
    pub fn with_detail(
        code: FindingCode,
        file: &str,
        line: Option<usize>,
        detail_ja: &str,
        detail_en: &str,
    ) -> Self {
        let mut f = Finding::new(code, file, line, None, &[]);
        f.message_ja = f.message_ja.replace("{detail}", detail_ja);
        f.message_en = f.message_en.replace("{detail}", detail_en);
        f
    }

    /// The same finding with another severity.
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `"UPPLAN_…CSV line 3 field 12 (サービス開始時刻): error bad_time: …"` (English).
    pub fn to_line_en(&self) -> String {
        let mut s = String::new();
        if let Some(l) = self.line {
            s.push_str(&format!("line {l} "));
        }
        if let Some(n) = self.field_no {
            s.push_str(&format!("field {n} "));
            if let Some(i) = &self.item {
                s.push_str(&format!("({i}) "));
            }
        }
        let sev = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!("{s}{sev} {}: {}", self.code, self.message_en)
    }
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_entry_and_placeholders_fill() {
        let codes: Vec<_> = FindingCode::all().collect();
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), codes.len());
        let f = Finding::new(
            C::TooLong,
            "X.CSV",
            Some(3),
            Some((4, "作成年月日")),
            &[("value", "9".into()), ("max", "8".into())],
        );
        assert_eq!(
            f.message_ja,
            "「作成年月日」が長すぎます（9 文字、最大 8 文字）。"
        );
        assert_eq!(
            f.message_en,
            "作成年月日 is too long (9 characters, at most 8)"
        );
        assert_eq!(f.code.as_str(), "too_long");
        // values are not re-scanned for placeholders
        let g = Finding::new(
            C::TooLong,
            "",
            None,
            Some((1, "x")),
            &[("value", "{max}".into()), ("max", "8".into())],
        );
        assert_eq!(g.message_en, "x is too long ({max} characters, at most 8)");
        assert!(f.is_error());
    }
}
