//! The CSV form of the standard: splitting text into records and writing records.
//!
//! Reader (lenient): CRLF, LF or CR line ends; a missing final line end; quoted or unquoted
//! values in any field; `""` inside quotes; line breaks and commas inside quotes; blank lines
//! skipped. Writer (strict): free text always quoted with `""` for a quote and line breaks kept;
//! codes, numbers and dates never quoted; every record ends with CRLF.

use super::encoding;

/// One record as split from the text: the decoded field strings in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RawRecord {
    /// 1-based physical line on which the record starts.
    pub line: usize,
    buf: String,
    /// End offset of each field in `buf` (u32: a record is far below 4 GiB; callers bound input).
    ends: Vec<u32>,
}

impl RawRecord {
    /// A record from field strings (line 0 = not from a file).
    pub fn from_fields<S: AsRef<str>>(fields: &[S]) -> Self {
        let mut r = RawRecord::default();
        for f in fields {
            r.push(f.as_ref());
        }
        r
    }

    fn push(&mut self, field: &str) {
        self.buf.push_str(field);
        self.ends.push(end_of(&self.buf));
    }

    /// Empties the record for reuse (keeps its buffers).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }

    /// Appends one field written by `write` into the record's buffer.
    pub fn push_with(&mut self, write: impl FnOnce(&mut String)) {
        write(&mut self.buf);
        self.ends.push(end_of(&self.buf));
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Field `i` (0-based); empty for an index past the end.
    pub fn get(&self, i: usize) -> &str {
        if i >= self.ends.len() {
            return "";
        }
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.buf.get(start..self.ends[i] as usize).unwrap_or("")
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl serde::Serialize for RawRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

fn end_of(buf: &str) -> u32 {
    u32::try_from(buf.len()).unwrap_or(u32::MAX)
}

/// A problem met while splitting: the line and an English/Japanese detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitIssue {
    pub line: usize,
    pub detail_ja: &'static str,
    pub detail_en: &'static str,
}

/// Splits decoded text into records.
pub fn split(text: &str) -> (Vec<RawRecord>, Vec<SplitIssue>) {
    let (records, issues, _) = split_bytes(text.as_bytes(), Charset::Utf8);
    (records, issues)
}

/// How field bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// MS932 (code page 932); malformed sequences become U+FFFD.
    Ms932,
    /// UTF-8 (lossy).
    Utf8,
}

/// Decodes one field's bytes onto the end of `out` (`scratch` is a reusable buffer); returns
/// whether anything was malformed.
fn decode_into(out: &mut String, bytes: &[u8], charset: Charset, scratch: &mut String) -> bool {
    if bytes.is_ascii() {
        out.push_str(std::str::from_utf8(bytes).unwrap_or_default());
        return false;
    }
    match charset {
        Charset::Utf8 => {
            let s = String::from_utf8_lossy(bytes);
            out.push_str(&s);
            matches!(s, std::borrow::Cow::Owned(_))
        }
        Charset::Ms932 => {
            let mut decoder = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
            let mut src = bytes;
            let mut malformed = false;
            scratch.clear();
            loop {
                let need = decoder
                    .max_utf8_buffer_length(src.len())
                    .unwrap_or(src.len() * 3 + 16);
                if scratch.capacity() - scratch.len() < need {
                    scratch.reserve(need);
                }
                let (result, read, replaced) = decoder.decode_to_string(src, scratch, true);
                malformed |= replaced;
                src = &src[read..];
                if result == encoding_rs::CoderResult::InputEmpty {
                    break;
                }
            }
            out.push_str(scratch);
            malformed
        }
    }
}

/// Splits file bytes into records, decoding each field on its own (no copy of the whole file
/// as text). The delimiters `,` `"` CR LF are below 0x40 and can never be the second byte of an
/// MS932 character, so splitting the bytes is safe. Returns the records, the syntax issues and
/// whether any field held malformed bytes (shown as U+FFFD).
pub fn split_bytes(b: &[u8], charset: Charset) -> (Vec<RawRecord>, Vec<SplitIssue>, bool) {
    let n = b.len();
    let mut records = Vec::with_capacity(n / 128 + 1);
    let mut issues = Vec::new();
    let mut malformed = false;
    let mut i = 0;
    let mut line = 1;
    let mut field: Vec<u8> = Vec::new();
    let mut scratch = String::with_capacity(256);
    let (mut cap_buf, mut cap_fields) = (64, 8);
    while i < n {
        // skip blank lines
        if b[i] == b'\r' || b[i] == b'\n' {
            if b[i] == b'\r' && i + 1 < n && b[i + 1] == b'\n' {
                i += 1;
            }
            i += 1;
            line += 1;
            continue;
        }
        let mut rec = RawRecord {
            line,
            buf: String::with_capacity(cap_buf),
            ends: Vec::with_capacity(cap_fields),
        };
        loop {
            // one field
            if i < n && b[i] == b'"' {
                field.clear();
                i += 1;
                let mut closed = false;
                while i < n {
                    let start = i;
                    while i < n && b[i] != b'"' && b[i] != b'\r' && b[i] != b'\n' {
                        i += 1;
                    }
                    field.extend_from_slice(&b[start..i]);
                    if i >= n {
                        break;
                    }
                    match b[i] {
                        b'"' if i + 1 < n && b[i + 1] == b'"' => {
                            field.push(b'"');
                            i += 2;
                        }
                        b'"' => {
                            i += 1;
                            closed = true;
                            break;
                        }
                        _ => {
                            // a line break inside quotes: keep it as is
                            if b[i] == b'\r' && i + 1 < n && b[i + 1] == b'\n' {
                                field.extend_from_slice(b"\r\n");
                                i += 2;
                            } else {
                                field.push(b[i]);
                                i += 1;
                            }
                            line += 1;
                        }
                    }
                }
                if !closed {
                    issues.push(SplitIssue {
                        line: rec.line,
                        detail_ja: "引用符が閉じていません",
                        detail_en: "a quoted value is not closed",
                    });
                } else if i < n && b[i] != b',' && b[i] != b'\r' && b[i] != b'\n' {
                    issues.push(SplitIssue {
                        line,
                        detail_ja: "閉じ引用符の後に文字があります",
                        detail_en: "characters after a closing quote",
                    });
                    let start = i;
                    while i < n && b[i] != b',' && b[i] != b'\r' && b[i] != b'\n' {
                        i += 1;
                    }
                    field.extend_from_slice(&b[start..i]);
                }
                malformed |= decode_into(&mut rec.buf, &field, charset, &mut scratch);
                rec.ends.push(end_of(&rec.buf));
            } else {
                let start = i;
                while i < n && b[i] != b',' && b[i] != b'\r' && b[i] != b'\n' {
                    i += 1;
                }
                malformed |= decode_into(&mut rec.buf, &b[start..i], charset, &mut scratch);
                rec.ends.push(end_of(&rec.buf));
            }
            if i < n && b[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        if i < n {
            // line end
            if b[i] == b'\r' && i + 1 < n && b[i + 1] == b'\n' {
                i += 1;
            }
            i += 1;
            line += 1;
        }
        cap_buf = rec.buf.len().max(16);
        cap_fields = rec.ends.len().max(1);
        records.push(rec);
    }
    (records, issues, malformed)
}

/// Appends one record to `out` in MS932: `text[i]` says whether field `i` is free text (always
/// quoted). Returns the unencodable characters met as (field index, char).
pub fn write_record<S: AsRef<str>>(
    out: &mut Vec<u8>,
    fields: &[S],
    text: &[bool],
) -> Vec<(usize, char)> {
    write_fields(out, fields.iter().map(AsRef::as_ref), text)
}

/// As [`write_record`], from an iterator of fields.
pub fn write_fields<'a>(
    out: &mut Vec<u8>,
    fields: impl Iterator<Item = &'a str>,
    text: &[bool],
) -> Vec<(usize, char)> {
    let mut bad_all = Vec::new();
    let mut bad = Vec::new();
    for (i, f) in fields.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        if text.get(i).copied().unwrap_or(false) {
            out.push(b'"');
            if f.contains('"') {
                encoding::encode_into(&f.replace('"', "\"\""), out, &mut bad);
            } else {
                encoding::encode_into(f, out, &mut bad);
            }
            out.push(b'"');
        } else {
            encoding::encode_into(f, out, &mut bad);
        }
        bad_all.extend(bad.drain(..).map(|c| (i, c)));
    }
    out.extend_from_slice(b"\r\n");
    bad_all
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(r: &RawRecord) -> Vec<&str> {
        r.iter().collect()
    }

    #[test]
    fn splits_quotes_line_breaks_and_line_ends() {
        let (recs, issues) = split("a,\"b,\"\"c\"\"\r\nd\",e\r\n1,2\n\n3,\"\"\r4");
        assert!(issues.is_empty());
        assert_eq!(recs.len(), 4);
        assert_eq!(fields(&recs[0]), vec!["a", "b,\"c\"\r\nd", "e"]);
        assert_eq!(recs[0].line, 1);
        assert_eq!(fields(&recs[1]), vec!["1", "2"]);
        assert_eq!(recs[1].line, 3);
        assert_eq!(fields(&recs[2]), vec!["3", ""]);
        assert_eq!(recs[2].line, 5);
        assert_eq!(fields(&recs[3]), vec!["4"]);
        assert_eq!(recs[3].line, 6);
    }

    #[test]
    fn trailing_empty_fields_and_missing_final_newline() {
        let (recs, _) = split("a,,\r\nb,");
        assert_eq!(fields(&recs[0]), vec!["a", "", ""]);
        assert_eq!(fields(&recs[1]), vec!["b", ""]);
    }

    #[test]
    fn reports_unclosed_quote_and_junk_after_quote() {
        let (_, issues) = split("a,\"b");
        assert_eq!(issues.len(), 1);
        let (recs, issues) = split("\"a\"x,b\r\n");
        assert_eq!(issues.len(), 1);
        assert_eq!(fields(&recs[0]), vec!["ax", "b"]);
    }

    #[test]
    fn writes_quoted_text_and_crlf() {
        let mut out = Vec::new();
        let bad = write_record(
            &mut out,
            &["202407", "a\"b,\r\nc", ""],
            &[false, true, true],
        );
        assert!(bad.is_empty());
        assert_eq!(out, b"202407,\"a\"\"b,\r\nc\",\"\"\r\n");
        let bad = write_record(&mut out, &["𠮷"], &[true]);
        assert_eq!(bad, vec![(0, '𠮷')]);
    }
}
