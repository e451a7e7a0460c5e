//! Form helpers: field errors shown next to their fields, and small validators.

use std::collections::BTreeMap;

#[derive(Debug, Default)]
pub struct FieldErrors(BTreeMap<&'static str, String>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        self.0.entry(field).or_insert_with(|| message.into());
    }
    pub fn get(&self, field: &str) -> Option<&String> {
        self.0.get(field)
    }
    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn count(&self) -> usize {
        self.0.len()
    }
}

/// A checkbox is present (any value) when checked.
pub fn checked(value: &Option<String>) -> bool {
    value.as_deref().is_some_and(|v| !v.is_empty())
}

/// Trims and checks a required text of at most `max` characters.
pub fn required_text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim().to_string();
    if v.is_empty() {
        errors.add(field, format!("{label}を入力してください。"));
    } else if v.chars().count() > max {
        errors.add(field, format!("{label}は{max}文字以内で入力してください。"));
    }
    v
}

/// Trims and checks an optional text of at most `max` characters.
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &'static str,
    label: &str,
    value: &str,
    max: usize,
) -> String {
    let v = value.trim().to_string();
    if v.chars().count() > max {
        errors.add(field, format!("{label}は{max}文字以内で入力してください。"));
    }
    v
}

/// Full-width digits and hyphens to half-width (phone numbers, postcodes).
pub fn half_width_digits(value: &str) -> String {
    value
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            'ー' | '－' | '―' | '‐' | '−' => '-',
            _ => c,
        })
        .collect()
}

/// 郵便番号: 7 digits, shown as 123-4567. Empty is allowed.
pub fn postcode(errors: &mut FieldErrors, field: &'static str, value: &str) -> String {
    let v = half_width_digits(value);
    if v.is_empty() {
        return v;
    }
    let digits: String = v.chars().filter(|c| *c != '-').collect();
    if digits.len() != 7 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        errors.add(
            field,
            "郵便番号は7桁の数字で入力してください（例：123-4567）。",
        );
        return v;
    }
    format!("{}-{}", &digits[..3], &digits[3..])
}

/// 電話・FAX: digits and hyphens, 10 or 11 digits. Empty is allowed.
pub fn phone(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) -> String {
    let v = half_width_digits(value);
    if v.is_empty() {
        return v;
    }
    let digits = v.chars().filter(|c| c.is_ascii_digit()).count();
    if !v.chars().all(|c| c.is_ascii_digit() || c == '-') || !(10..=11).contains(&digits) {
        errors.add(
            field,
            format!("{label}は数字とハイフンで入力してください（例：03-1234-5678）。"),
        );
    }
    v
}

/// ふりがな: kana only (hiragana after normalisation), blanks and ー allowed.
pub fn kana(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    required: bool,
    max: usize,
) -> String {
    let v = crate::domain::kana::normalize(value);
    if v.is_empty() {
        if required {
            errors.add(field, "ふりがなを入力してください。");
        }
        return v;
    }
    if !v
        .chars()
        .all(|c| ('ぁ'..='ゖ').contains(&c) || matches!(c, 'ー' | '　' | 'ゝ' | 'ゞ'))
    {
        errors.add(
            field,
            "ふりがなは、ひらがな（またはカタカナ）で入力してください。",
        );
    } else if v.chars().count() > max {
        errors.add(
            field,
            format!("ふりがなは{max}文字以内で入力してください。"),
        );
    }
    v
}

/// Text that must be writable in MS932 (the exchange's encoding): reports the first character
/// that is not, so staff can fix it while typing rather than at export time.
pub fn ms932_writable(errors: &mut FieldErrors, field: &'static str, label: &str, value: &str) {
    if let Some(c) = crate::standard::unencodable_chars(value).first() {
        errors.add(
            field,
            format!("{label}に、ケアプランデータ連携のファイルで使えない文字「{c}」が含まれています。別の字（常用漢字など）に置き換えてください。"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postcode_and_phone() {
        let mut e = FieldErrors::default();
        assert_eq!(postcode(&mut e, "p", "１２３４５６７"), "123-4567");
        assert!(e.is_empty());
        postcode(&mut e, "p", "12-34");
        assert!(e.has("p"));
        let mut e = FieldErrors::default();
        assert_eq!(
            phone(&mut e, "t", "電話", "０３－１２３４－５６７８"),
            "03-1234-5678"
        );
        assert!(e.is_empty());
        phone(&mut e, "t", "電話", "123");
        assert!(e.has("t"));
    }

    #[test]
    fn kana_and_ms932() {
        let mut e = FieldErrors::default();
        assert_eq!(
            kana(&mut e, "k", "ヤマダ タロウ", true, 50),
            "やまだ　たろう"
        );
        assert!(e.is_empty());
        kana(&mut e, "k", "山田", true, 50);
        assert!(e.has("k"));
        let mut e = FieldErrors::default();
        ms932_writable(&mut e, "n", "氏名", "髙橋");
        assert!(e.is_empty(), "IBM extension characters are in MS932");
        ms932_writable(&mut e, "n", "氏名", "𠮷田");
        assert!(e.has("n"));
    }
}
