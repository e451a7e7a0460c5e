//! Whether text can be written in MS932 (Windows-31J), the exchange's encoding.
//! Used to catch unwritable characters when they are typed.
// TODO(codec merge): delegate to standard::encoding once the codec lands.

/// JIS-style code points that macOS and the web produce, mapped to their MS932 twins.
pub fn to_ms932_twin(c: char) -> char {
    match c {
        '\u{301C}' => '\u{FF5E}',
        '\u{2016}' => '\u{2225}',
        '\u{2212}' => '\u{FF0D}',
        '\u{00A2}' => '\u{FFE0}',
        '\u{00A3}' => '\u{FFE1}',
        '\u{00AC}' => '\u{FFE2}',
        _ => c,
    }
}

pub fn encodable(c: char) -> bool {
    if c.is_ascii() {
        return true;
    }
    let c = to_ms932_twin(c);
    let mut buf = [0u8; 4];
    let s = c.encode_utf8(&mut buf);
    let mut encoder = encoding_rs::SHIFT_JIS.new_encoder();
    let mut out = [0u8; 8];
    let (result, _, _) = encoder.encode_from_utf8_without_replacement(s, &mut out, true);
    matches!(result, encoding_rs::EncoderResult::InputEmpty)
}

/// Encodes text as MS932 for spreadsheets (lists staff open in Excel): unwritable characters
/// become 〓, never `?` or `&#…;`.
pub fn encode_lossy(text: &str) -> Vec<u8> {
    let mapped: String = text
        .chars()
        .map(|c| {
            if encodable(c) {
                to_ms932_twin(c)
            } else {
                '〓'
            }
        })
        .collect();
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&mapped);
    bytes.into_owned()
}
