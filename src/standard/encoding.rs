//! MS932 (Windows-31J / code page 932) reading and writing.
//!
//! `encoding_rs::SHIFT_JIS` decodes exactly as code page 932 (NEC and IBM extension
//! characters included). Writing first maps the JIS-style code points that macOS and web
//! browsers produce to their MS932 twins, then encodes without replacement so that every
//! character still outside MS932 is found, replaced by 〓 and reported.

use encoding_rs::{EncoderResult, SHIFT_JIS};
use std::borrow::Cow;

/// JIS-style code points and their MS932 twins (applied before encoding).
///
/// The first six are the usual JIS X 0208 / CP932 differences. The last two are our addition:
/// the WHATWG encoder would silently write U+00A5 (¥) as 0x5C (which reads back as `\`) and
/// U+203E (‾) as 0x7E (`~`); mapping them to the full-width forms keeps the meaning.
pub static JIS_TO_MS932: &[(char, char)] = &[
    ('\u{301C}', '\u{FF5E}'), // 〜 WAVE DASH → ～
    ('\u{2016}', '\u{2225}'), // ‖ DOUBLE VERTICAL LINE → ∥
    ('\u{2212}', '\u{FF0D}'), // − MINUS SIGN → －
    ('\u{00A2}', '\u{FFE0}'), // ¢ → ￠
    ('\u{00A3}', '\u{FFE1}'), // £ → ￡
    ('\u{00AC}', '\u{FFE2}'), // ¬ → ￢
    ('\u{00A5}', '\u{FFE5}'), // ¥ → ￥
    ('\u{203E}', '\u{FFE3}'), // ‾ → ￣
];

/// The replacement character written for anything outside MS932.
pub const GETA: char = '〓';
const GETA_MS932: [u8; 2] = [0x81, 0xAC];

/// Maps JIS-style code points to their MS932 twins.
pub fn to_ms932_twins(text: &str) -> Cow<'_, str> {
    if text.is_ascii()
        || !text
            .chars()
            .any(|c| JIS_TO_MS932.iter().any(|(j, _)| *j == c))
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                JIS_TO_MS932
                    .iter()
                    .find(|(j, _)| *j == c)
                    .map(|(_, m)| *m)
                    .unwrap_or(c)
            })
            .collect(),
    )
}

/// Characters of `text` that cannot be written in MS932 even after the JIS → MS932 mapping
/// (𠮷, emoji, 外字 in the private use area …), in order of appearance, without repeats.
/// For the web layer, to catch them when they are typed.
pub fn unencodable_chars(text: &str) -> Vec<char> {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    encode_into(text, &mut out, &mut bad);
    let mut seen = Vec::new();
    for c in bad {
        if !seen.contains(&c) {
            seen.push(c);
        }
    }
    seen
}

/// Encodes `text` to MS932, appending to `out`. Characters outside MS932 are written as 〓
/// and pushed to `unencodable` (one entry per occurrence).
pub fn encode_into(text: &str, out: &mut Vec<u8>, unencodable: &mut Vec<char>) {
    if text.is_ascii() {
        out.extend_from_slice(text.as_bytes());
        return;
    }
    let mapped = to_ms932_twins(text);
    let mut src: &str = &mapped;
    let mut encoder = SHIFT_JIS.new_encoder();
    // A small buffer: `encode_from_utf8_to_vec_*` initialises the whole spare capacity of the
    // output on every call, which is quadratic when `out` is a large file buffer.
    let mut buf = [0u8; 512];
    loop {
        let (result, read, written) =
            encoder.encode_from_utf8_without_replacement(src, &mut buf, true);
        out.extend_from_slice(&buf[..written]);
        src = &src[read..];
        match result {
            EncoderResult::InputEmpty => break,
            EncoderResult::OutputFull => continue,
            EncoderResult::Unmappable(c) => {
                unencodable.push(c);
                out.extend_from_slice(&GETA_MS932);
            }
        }
    }
}

/// Encodes a whole string; returns the bytes and the unencodable characters met.
pub fn encode(text: &str) -> (Vec<u8>, Vec<char>) {
    let mut out = Vec::with_capacity(text.len());
    let mut bad = Vec::new();
    encode_into(text, &mut out, &mut bad);
    (out, bad)
}

/// The result of decoding a file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The text. Byte sequences that are not MS932 appear as U+FFFD (which MS932 itself cannot
    /// encode, so every U+FFFD marks a malformed sequence).
    pub text: String,
    /// The bytes were UTF-8 (with a BOM, or valid UTF-8 containing non-ASCII characters);
    /// `text` is then the UTF-8 reading, for display.
    pub utf8: bool,
    /// Whether any malformed MS932 sequence was met.
    pub malformed: bool,
}

/// UTF-8 byte-order mark.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether file bytes are UTF-8 (a BOM, or valid UTF-8 with non-ASCII bytes), and the bytes
/// without the BOM.
pub fn detect_utf8(bytes: &[u8]) -> (bool, &[u8]) {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return (true, rest);
    }
    (looks_like_utf8(bytes), bytes)
}

/// Characters a Japanese care file plausibly contains: kana, kanji, full-width forms, CJK and
/// general punctuation, symbols (①, ㈱, ～ …), Latin-1 and Greek.
fn plausible(c: char) -> bool {
    matches!(c as u32,
        0x00A0..=0x00FF | 0x0370..=0x03FF | 0x0400..=0x04FF | 0x2000..=0x27BF | 0x2E80..=0x2FDF
        | 0x3000..=0x33FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF)
}

/// Valid UTF-8 with non-ASCII text that reads as Japanese. Bytes that are valid UTF-8 only by
/// accident (MS932 `ﾝ①` = DD 87 40 is U+0747, a Syriac letter) and decode cleanly as MS932 are
/// MS932: the standard's encoding wins unless the UTF-8 reading is plausible text.
fn looks_like_utf8(bytes: &[u8]) -> bool {
    if bytes.is_ascii() {
        return false;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.chars().all(|c| c.is_ascii() || plausible(c))
        || SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_none()
}

/// Decodes file bytes as MS932, recognising UTF-8 files.
pub fn decode(bytes: &[u8]) -> Decoded {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        let text = String::from_utf8_lossy(rest).into_owned();
        return Decoded {
            malformed: text.contains('\u{FFFD}'),
            text,
            utf8: true,
        };
    }
    if looks_like_utf8(bytes)
        && let Ok(text) = std::str::from_utf8(bytes)
    {
        return Decoded {
            text: text.to_string(),
            utf8: true,
            malformed: false,
        };
    }
    if let Some(text) = SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes) {
        return Decoded {
            text: text.into_owned(),
            utf8: false,
            malformed: false,
        };
    }
    let (text, _) = SHIFT_JIS.decode_without_bom_handling(bytes);
    Decoded {
        text: text.into_owned(),
        utf8: false,
        malformed: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ms932_that_happens_to_be_valid_utf8_stays_ms932() {
        // ﾝ① in MS932 is DD 87 40, which is also valid UTF-8 (U+0747 '@').
        let (bytes, bad) = encode("ﾝ①");
        assert!(bad.is_empty());
        assert!(std::str::from_utf8(&bytes).is_ok());
        assert!(!detect_utf8(&bytes).0);
        let d = decode(&bytes);
        assert!(!d.utf8 && !d.malformed);
        assert_eq!(d.text, "ﾝ①");
        // A real UTF-8 file is still recognised.
        assert!(detect_utf8("利用者,あいう".as_bytes()).0);
        assert!(decode("利用者".as_bytes()).utf8);
    }

    #[test]
    fn decodes_ms932_with_extensions() {
        let (bytes, bad) = encode("①㈱髙ｱｲｳ～∥－");
        assert!(bad.is_empty());
        let d = decode(&bytes);
        assert_eq!(d.text, "①㈱髙ｱｲｳ～∥－");
        assert!(!d.utf8 && !d.malformed);
        // NEC-selected IBM extension bytes (as Python writes 髙) decode to the same character.
        assert_eq!(decode(b"\xee\xe0").text, "髙");
    }

    #[test]
    fn maps_jis_twins_before_encoding() {
        let (bytes, bad) = encode("〜‖−¢£¬¥");
        assert!(bad.is_empty());
        assert_eq!(decode(&bytes).text, "～∥－￠￡￢￥");
    }

    #[test]
    fn unencodable_become_geta_and_are_reported() {
        let (bytes, bad) = encode("吉𠮷😀\u{E000}");
        assert_eq!(bad, vec!['𠮷', '😀', '\u{E000}']);
        assert_eq!(decode(&bytes).text, "吉〓〓〓");
        assert_eq!(unencodable_chars("a𠮷b𠮷〜"), vec!['𠮷']);
        assert!(unencodable_chars("髙橋　①").is_empty());
    }

    #[test]
    fn recognises_utf8_and_malformed_bytes() {
        assert!(decode("あいう".as_bytes()).utf8);
        assert!(decode(b"\xEF\xBB\xBFabc").utf8);
        assert!(!decode(b"abc").utf8);
        let d = decode(b"a\x82b\x81");
        assert!(d.malformed);
        assert!(d.text.contains('\u{FFFD}'));
    }
}
