//! ふりがな: normalisation for storage and search, and the 五十音 row (あ か さ …) used by the
//! kana-row filters of the list screens.

/// Hiragana for storage and search: katakana (full- and half-width) become hiragana, half-width
/// voiced marks are joined, blanks are folded to one ideographic space.
pub fn normalize(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut chars = input.trim().chars().peekable();
    while let Some(c) = chars.next() {
        let c = match half_width_katakana(c) {
            Some(full) => {
                // ﾞ (U+FF9E) and ﾟ (U+FF9F) modify the previous letter.
                match chars.peek() {
                    Some('\u{FF9E}') if voiced(full).is_some() => {
                        chars.next();
                        voiced(full).unwrap_or(full)
                    }
                    Some('\u{FF9F}') if semi_voiced(full).is_some() => {
                        chars.next();
                        semi_voiced(full).unwrap_or(full)
                    }
                    _ => full,
                }
            }
            None => c,
        };
        let c = match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            ' ' | '\t' => '　',
            _ => c,
        };
        if c == '　' && out.ends_with('　') {
            continue;
        }
        out.push(c);
    }
    out
}

/// The 五十音 rows offered as filters, with the first letter of each.
pub const ROWS: [&str; 10] = ["あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ"];

/// The row of the first letter of a (normalised) kana string; "" when it starts with no kana.
pub fn row_of(kana: &str) -> &'static str {
    let Some(first) = normalize(kana).chars().next() else {
        return "";
    };
    // Hiragana are ordered by row in Unicode; voiced letters sit next to their plain twins.
    let bounds = [
        ('ぁ', "あ"),
        ('か', "か"),
        ('さ', "さ"),
        ('た', "た"),
        ('な', "な"),
        ('は', "は"),
        ('ま', "ま"),
        ('ゃ', "や"),
        ('ら', "ら"),
        ('ゎ', "わ"),
    ];
    if !('ぁ'..='ゖ').contains(&first) {
        return "";
    }
    bounds
        .iter()
        .rev()
        .find(|(start, _)| first >= *start)
        .map(|(_, row)| *row)
        .unwrap_or("")
}

fn half_width_katakana(c: char) -> Option<char> {
    const TABLE: &str = "ヲァィゥェォャュョッーアイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン";
    let code = c as u32;
    if (0xFF66..=0xFF9D).contains(&code) {
        TABLE.chars().nth((code - 0xFF66) as usize)
    } else {
        None
    }
}

fn voiced(c: char) -> Option<char> {
    match c {
        'カ' | 'キ' | 'ク' | 'ケ' | 'コ' | 'サ' | 'シ' | 'ス' | 'セ' | 'ソ' | 'タ' | 'チ'
        | 'ツ' | 'テ' | 'ト' | 'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => {
            char::from_u32(c as u32 + 1)
        }
        'ウ' => Some('ヴ'),
        _ => None,
    }
}

fn semi_voiced(c: char) -> Option<char> {
    match c {
        'ハ' | 'ヒ' | 'フ' | 'ヘ' | 'ホ' => char::from_u32(c as u32 + 2),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_katakana_and_half_width() {
        assert_eq!(normalize("ヤマダ タロウ"), "やまだ　たろう");
        assert_eq!(normalize("ﾔﾏﾀﾞ ﾊﾟﾝ"), "やまだ　ぱん");
        assert_eq!(normalize(" さとう  はなこ "), "さとう　はなこ");
    }

    #[test]
    fn rows() {
        assert_eq!(row_of("あべ"), "あ");
        assert_eq!(row_of("ガッコウ"), "か");
        assert_eq!(row_of("ぞうさん"), "さ");
        assert_eq!(row_of("どい"), "た");
        assert_eq!(row_of("ぽち"), "は");
        assert_eq!(row_of("もり"), "ま");
        assert_eq!(row_of("よしだ"), "や");
        assert_eq!(row_of("ろくろう"), "ら");
        assert_eq!(row_of("わたなべ"), "わ");
        assert_eq!(row_of("をの"), "わ");
        assert_eq!(row_of("abc"), "");
        assert_eq!(row_of(""), "");
    }
}
