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
    /// Start and end offset of each field in `buf` (u32: a record is far below 4 GiB; callers
    /// bound input).
    spans: Vec<(u32, u32)>,
}

impl RawRecord {
    /// A record from field strings (line 0 = not from a file).
    pub fn from_fields<S: AsRef<str>>(fields: &[S]) -> Self {
        let mut r = RawRecord::default();
        for f in fields {
            r.push_with(|buf| buf.push_str(f.as_ref()));
        }
        r
    }

    /// Empties the record for reuse (keeps its buffers).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.spans.clear();
    }

    /// Appends one field written by `write` into the record's buffer.
    pub fn push_with(&mut self, write: impl FnOnce(&mut String)) {
        let start = to_u32(self.buf.len());
        write(&mut self.buf);
        self.spans.push((start, to_u32(self.buf.len())));
    }

    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Field `i` (0-based); empty for an index past the end.
    pub fn get(&self, i: usize) -> &str {
        self.view().get(i)
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.view().iter()
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.view().to_vec()
    }

    /// The record's fields as a borrowed view.
    pub fn view(&self) -> Fields<'_> {
        Fields {
            text: &self.buf,
            ascii: &[],
            spans: &self.spans,
            // A record built in memory: its fields may hold anything.
            malformed: true,
        }
    }
}

impl serde::Serialize for RawRecord {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
    let (records, issues, _) = raw_parts(text.as_bytes(), Charset::Utf8, 1);
    (records, issues)
}

/// Every record of `b` as an owned [`RawRecord`] (lines in the whole file), the syntax issues,
/// and the number of parts read.
fn raw_parts(
    b: &[u8],
    charset: Charset,
    threads: usize,
) -> (Vec<RawRecord>, Vec<SplitIssue>, usize) {
    let v = visit_bytes(b, charset, threads, |_, records| {
        let mut out = Vec::new();
        while let Some((line, f)) = records.next_fields() {
            let mut r = RawRecord::from_fields(&f.to_vec());
            r.line = line;
            out.push(r);
        }
        out
    });
    let n = v.parts.len();
    let recs = v
        .parts
        .into_iter()
        .flat_map(|p| {
            p.out.into_iter().map(move |mut r| {
                r.line += p.line_offset;
                r
            })
        })
        .collect();
    (recs, v.issues, n)
}

/// How file bytes become text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// MS932 (code page 932); malformed sequences become U+FFFD.
    Ms932,
    /// UTF-8 (lossy).
    Utf8,
}

/// Decodes bytes, appending the text to `text`; returns whether anything was malformed.
fn decode_into(bytes: &[u8], charset: Charset, text: &mut String) -> bool {
    match charset {
        Charset::Ms932 => decode_ms932_into(bytes, text),
        Charset::Utf8 => {
            let decoded = String::from_utf8_lossy(bytes);
            text.push_str(&decoded);
            matches!(decoded, std::borrow::Cow::Owned(_))
        }
    }
}

#[cfg(test)]
fn decode_ms932(bytes: &[u8]) -> (String, bool) {
    let mut text = String::new();
    let malformed = decode_ms932_into(bytes, &mut text);
    (text, malformed)
}

/// MS932 to UTF-8, appended to `text` after reserving what the text needs.
/// (`decode_without_bom_handling` reserves for the worst case, three bytes of UTF-8 per byte,
/// and encoding_rs writes to every page of the reserve: a 30 MB file took 90 MB of memory to
/// decode.) The text is the bytes plus half of each two-byte character, so a quarter more than
/// the bytes holds what the standard's files carry; a text with more is decoded on into a
/// buffer grown for the rest.
fn decode_ms932_into(bytes: &[u8], text: &mut String) -> bool {
    let mut decoder = encoding_rs::SHIFT_JIS.new_decoder_without_bom_handling();
    text.reserve(bytes.len() + bytes.len() / 4 + 16);
    let (mut read, mut malformed) = (0, false);
    loop {
        let (result, n, replaced) = decoder.decode_to_string(&bytes[read..], text, true);
        read += n;
        malformed |= replaced;
        match result {
            encoding_rs::CoderResult::InputEmpty => return malformed,
            encoding_rs::CoderResult::OutputFull => {
                let rest = bytes.len() - read;
                text.reserve(rest + rest / 2 + 16);
            }
        }
    }
}

/// The fields of one record, borrowed from a [`RawRecord`] or from the text being read.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fields<'a> {
    text: &'a str,
    /// File bytes holding fields that are ASCII ([`Cursor::decode_fields`]).
    ascii: &'a [u8],
    /// Start and end offset of each field in `text`, or with [`IN_ASCII`] set on the start, in
    /// `ascii`.
    spans: &'a [(u32, u32)],
    /// Whether a field of the record held a malformed sequence, now U+FFFD.
    malformed: bool,
}

/// Set on the start of a field's span in [`Fields`] when the field is a range of the file's
/// bytes, which are ASCII there.
const IN_ASCII: u32 = 1 << 31;

impl<'a> Fields<'a> {
    pub fn len(&self) -> usize {
        self.spans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.spans.is_empty()
    }

    /// Whether a field may hold U+FFFD for a malformed byte sequence: false when the record
    /// decoded without one.
    pub fn maybe_malformed(&self) -> bool {
        self.malformed
    }

    /// Field `i` (0-based); empty for an index past the end.
    pub fn get(&self, i: usize) -> &'a str {
        match self.spans.get(i) {
            Some(&(start, end)) if start & IN_ASCII != 0 => {
                let bytes = self
                    .ascii
                    .get((start & !IN_ASCII) as usize..end as usize)
                    .unwrap_or_default();
                // SAFETY: only `Cursor::decode_fields` sets IN_ASCII, on a span of `ascii` it
                // has checked is ASCII; ASCII is UTF-8.
                unsafe { std::str::from_utf8_unchecked(bytes) }
            }
            Some(&(start, end)) => self.text.get(start as usize..end as usize).unwrap_or(""),
            None => "",
        }
    }

    pub fn iter(self) -> impl Iterator<Item = &'a str> + 'a {
        (0..self.len()).map(move |i| self.get(i))
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl serde::Serialize for Fields<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

/// What a visitor made of one part of a file (see [`visit_bytes`]).
#[derive(Debug)]
pub struct Visited<T> {
    pub out: T,
    /// This part's first line in the file, minus 1: add it to the lines the visitor saw.
    pub line_offset: usize,
}

/// The result of [`visit_bytes`].
#[derive(Debug)]
pub struct Visit<T> {
    /// One entry per part of the file read on its own (in order).
    pub parts: Vec<Visited<T>>,
    /// Syntax issues, with lines in the whole file.
    pub issues: Vec<SplitIssue>,
    /// Whether any byte was malformed (shown as U+FFFD).
    pub malformed: bool,
}

/// Files below this size are read on one thread (threads cost more than they save).
const PARALLEL_FROM: usize = 1 << 20;

/// Reads file bytes as records and hands them, part by part, to `visit` (called with the
/// part's index and its records; it should read them all). Each part is split from the file's
/// bytes one record at a time and each record's non-ASCII fields decoded ([`Records`]), so
/// that only the current record is held: whatever the visitor keeps is its own. (The
/// delimiters `,` `"` CR LF are ASCII and never the second byte of an MS932 character; a
/// malformed lead byte before one becomes U+FFFD and leaves the delimiter in place, as the
/// WHATWG decoder specifies.)
///
/// Large files are cut in `threads` parts at record boundaries and read on that many threads.
/// A cut is placed after a line feed with an even number of `"` before it (`"` is below 0x40
/// and never the second byte of an MS932 character), and the part before it must then end
/// outside quotes when read on its own; a prefix of the file is split exactly as the whole
/// file would be, so that proves the cut is a record boundary of the whole file. Otherwise (a
/// stray quote inside an unquoted value, an unclosed quote) the file is read again in one
/// piece, and the visitor sees it as part 0.
pub fn visit_bytes<T: Send>(
    b: &[u8],
    charset: Charset,
    threads: usize,
    visit: impl Fn(usize, &mut Records<'_>) -> T + Sync,
) -> Visit<T> {
    visit_parts(b, charset, threads, usize::MAX, visit)
}

/// As [`visit_bytes`], with parts of at most about `part_bytes` (a part ends at the first
/// record boundary after that size): a file of more parts than `threads` is read by `threads`
/// threads, each taking the next part when done with one, so that only `threads` parts'
/// texts are held at a time. With one thread the parts are read in turn on the calling thread.
pub fn visit_parts<T: Send>(
    b: &[u8],
    charset: Charset,
    threads: usize,
    part_bytes: usize,
    visit: impl Fn(usize, &mut Records<'_>) -> T + Sync,
) -> Visit<T> {
    let run = |index: usize, chunk: &[u8]| -> PartRead<T> {
        let mut records = Records::new(chunk, charset);
        let out = visit(index, &mut records);
        while records.next_fields().is_some() {}
        let c = records.cursor;
        PartRead {
            out,
            issues: c.issues,
            malformed: records.malformed,
            open_quote: c.open_quote,
            last_line: c.line,
        }
    };
    let threads = threads.max(1);
    let wanted = if b.len() >= PARALLEL_FROM {
        threads.max(b.len().div_ceil(part_bytes.max(1)))
    } else {
        1
    };
    let cuts = if wanted > 1 {
        cut_points(b, wanted)
    } else {
        Vec::new()
    };
    let whole = || {
        let p = run(0, b);
        Visit {
            parts: vec![Visited {
                out: p.out,
                line_offset: 0,
            }],
            issues: p.issues,
            malformed: p.malformed,
        }
    };
    if cuts.is_empty() {
        return whole();
    }
    let mut bounds = Vec::with_capacity(cuts.len() + 2);
    bounds.push(0);
    bounds.extend(cuts);
    bounds.push(b.len());
    let chunks: Vec<&[u8]> = bounds.windows(2).map(|w| &b[w[0]..w[1]]).collect();
    let parts = crate::parallel::map_in_turns(&chunks, threads, |index, chunk| run(index, chunk));
    if parts[..parts.len() - 1].iter().any(|p| p.open_quote) {
        drop(parts);
        return whole();
    }
    let mut out = Visit {
        parts: Vec::with_capacity(parts.len()),
        issues: Vec::new(),
        malformed: false,
    };
    let mut offset = 0usize;
    for p in parts {
        out.issues.extend(p.issues.into_iter().map(|mut i| {
            i.line += offset;
            i
        }));
        out.malformed |= p.malformed;
        out.parts.push(Visited {
            out: p.out,
            line_offset: offset,
        });
        offset += p.last_line - 1;
    }
    out
}

/// One part of a file, read.
struct PartRead<T> {
    out: T,
    issues: Vec<SplitIssue>,
    malformed: bool,
    /// Whether the part ended inside a quoted value.
    open_quote: bool,
    /// The line after the part's last line end (1 + line ends in the part).
    last_line: usize,
}

/// Up to `parts - 1` positions that may cut `b` into parts of about equal size: each right
/// after a line feed with an even number of `"` before it (checked by [`visit_parts`]).
fn cut_points(b: &[u8], parts: usize) -> Vec<usize> {
    let mut cuts = Vec::new();
    let mut quotes = 0usize;
    let mut from = 0usize;
    for k in 1..parts {
        let target = b.len() * k / parts;
        if target <= from {
            continue;
        }
        quotes += count_byte(&b[from..target], b'"');
        let mut i = target;
        while i < b.len() {
            match b[i] {
                b'"' => quotes += 1,
                b'\n' if quotes.is_multiple_of(2) => break,
                _ => {}
            }
            i += 1;
        }
        if i + 1 >= b.len() {
            break;
        }
        cuts.push(i + 1);
        from = i + 1;
    }
    cuts
}

/// How many bytes of `b` equal `byte`. Counted in runs of 255 into a `u8`, which the compiler
/// turns into vector compares and adds; `filter(..).count()` widens every byte to a `usize` and
/// was 6 % of reading a 58 MB file, all of it before the parts are read in parallel.
fn count_byte(b: &[u8], byte: u8) -> usize {
    b.chunks(255)
        .map(|run| {
            usize::from(
                run.iter()
                    .fold(0u8, |n, &c| n.wrapping_add(u8::from(c == byte))),
            )
        })
        .sum()
}

/// The delimiters in one 64-byte block of the text, one bit per byte (bit k: byte `start + k`).
/// Fields are short (a few bytes): finding the end of one is then a shift and a count of
/// trailing zeros, where a search byte by byte or word by word cost 85 instructions a field.
#[derive(Debug, Clone, Copy)]
struct Block {
    start: usize,
    /// `,` CR LF: what ends an unquoted value.
    ends: u64,
    /// `"` CR LF: what a quoted value stops at for a look.
    quoted: u64,
}

impl Block {
    /// No block (`start` is never a multiple of 64).
    const NONE: Block = Block {
        start: usize::MAX,
        ends: 0,
        quoted: 0,
    };

    /// The block of `t` that starts at `start` (bytes past the end of `t` are no delimiter).
    fn at(t: &[u8], start: usize) -> Block {
        let mut padded = [0u8; 64];
        let chunk: &[u8; 64] = match t.get(start..start + 64).and_then(|c| c.try_into().ok()) {
            Some(c) => c,
            None => {
                let rest = t.get(start..).unwrap_or_default();
                padded[..rest.len()].copy_from_slice(rest);
                &padded
            }
        };
        let [comma, quote, line] = masks(chunk, [b',', b'"', b'\r'], b'\n');
        Block {
            start,
            ends: comma | line,
            quoted: quote | line,
        }
    }
}

/// One bit per byte of `chunk` that equals `bytes[k]` (the third also for `or_third`), with
/// SSE2, which every x86_64 processor has: four 16-byte compares and a move of their high bits.
#[cfg(target_arch = "x86_64")]
#[inline]
fn masks(chunk: &[u8; 64], bytes: [u8; 3], or_third: u8) -> [u64; 3] {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut out = [0u64; 3];
    // SAFETY: SSE2 is part of the x86_64 baseline, so every x86_64 processor has these
    // instructions; each load reads the 16 bytes of one `sixteen`, with no alignment needed.
    unsafe {
        let wanted = bytes.map(|b| _mm_set1_epi8(b as i8));
        let extra = _mm_set1_epi8(or_third as i8);
        for (k, sixteen) in chunk.chunks_exact(16).enumerate() {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>());
            for (j, w) in wanted.iter().enumerate() {
                let mut eq = _mm_cmpeq_epi8(v, *w);
                if j == 2 {
                    eq = _mm_or_si128(eq, _mm_cmpeq_epi8(v, extra));
                }
                out[j] |= u64::from(_mm_movemask_epi8(eq) as u16) << (16 * k);
            }
        }
    }
    out
}

/// As the x86_64 [`masks`], byte by byte.
#[cfg(not(target_arch = "x86_64"))]
fn masks(chunk: &[u8; 64], bytes: [u8; 3], or_third: u8) -> [u64; 3] {
    let mut out = [0u64; 3];
    for (k, &c) in chunk.iter().enumerate() {
        for (j, &b) in bytes.iter().enumerate() {
            if c == b || (j == 2 && c == or_third) {
                out[j] |= 1 << k;
            }
        }
    }
    out
}

/// A value that is not a range of the text ([`Scanner::next_record`]).
#[derive(Debug)]
struct Unquoted {
    /// Its index in the record.
    field: usize,
    /// The value.
    value: Vec<u8>,
    /// Where it stands in the text: from its opening quote to its end.
    whole: (usize, usize),
}

/// Reads the records of a text one at a time: file bytes (MS932 or UTF-8, whose delimiters
/// `,` `"` CR LF are ASCII and never part of another character) or decoded text.
struct Scanner<'t> {
    t: &'t [u8],
    i: usize,
    /// The current physical line (after the last record: 1 + line ends read).
    line: usize,
    issues: Vec<SplitIssue>,
    /// Whether the text ended inside a quoted value.
    open_quote: bool,
    /// The block of the text last looked at.
    block: Block,
}

impl<'t> Scanner<'t> {
    /// A scanner at the start of `t`.
    fn new(t: &'t [u8]) -> Self {
        Scanner {
            t,
            i: 0,
            line: 1,
            issues: Vec::new(),
            open_quote: false,
            block: Block::NONE,
        }
    }

    /// Index of the first delimiter at or after `i` (or the text's length): `,` CR LF, or in a
    /// quoted value `"` CR LF.
    #[inline]
    fn stop(&mut self, mut i: usize, quoted: bool) -> usize {
        let t = self.t;
        while i < t.len() {
            let start = i & !63;
            if self.block.start != start {
                self.block = Block::at(t, start);
            }
            let m = if quoted {
                self.block.quoted
            } else {
                self.block.ends
            };
            let bits = m >> (i - start);
            if bits != 0 {
                return i + bits.trailing_zeros() as usize;
            }
            i = start + 64;
        }
        t.len()
    }

    /// Reads the next record: appends the span of each field (offsets in the text; inside the
    /// quotes for a quoted value) to `spans`, and each value that is not a plain range of the
    /// text (`""` made `"`, characters after a closing quote appended) to `unquoted` with its
    /// index in `spans`. Returns the record's line, `None` at the end.
    fn next_record(
        &mut self,
        spans: &mut Vec<(u32, u32)>,
        unquoted: &mut Vec<Unquoted>,
    ) -> Option<usize> {
        let t = self.t;
        let n = t.len();
        let mut i = self.i;
        // skip blank lines
        while i < n && (t[i] == b'\r' || t[i] == b'\n') {
            if t[i] == b'\r' && i + 1 < n && t[i + 1] == b'\n' {
                i += 1;
            }
            i += 1;
            self.line += 1;
        }
        if i >= n {
            self.i = i;
            return None;
        }
        let rec_line = self.line;
        loop {
            // one field
            if i < n && t[i] == b'"' {
                i += 1;
                let start = i;
                // `Some` once the value differs from the bytes between the quotes.
                let mut copy: Option<Vec<u8>> = None;
                let mut closed = false;
                loop {
                    // up to the next quote or line break, which need a look
                    let stop = self.stop(i, true);
                    if let Some(v) = &mut copy {
                        v.extend_from_slice(&t[i..stop]);
                    }
                    i = stop;
                    if i >= n {
                        break;
                    }
                    match t[i] {
                        b'"' if i + 1 < n && t[i + 1] == b'"' => {
                            copy.get_or_insert_with(|| t[start..i].to_vec()).push(b'"');
                            i += 2;
                        }
                        b'"' => {
                            closed = true;
                            break;
                        }
                        c => {
                            // a line break inside quotes is kept as is
                            if c == b'\n' || (c == b'\r' && t.get(i + 1) != Some(&b'\n')) {
                                self.line += 1;
                            }
                            if let Some(v) = &mut copy {
                                v.push(c);
                            }
                            i += 1;
                        }
                    }
                }
                let end = i;
                if !closed {
                    self.open_quote = true;
                    self.issues.push(SplitIssue {
                        line: rec_line,
                        detail_ja: "引用符が閉じていません",
                        detail_en: "a quoted value is not closed",
                    });
                } else {
                    i += 1; // the closing quote
                    if i < n && t[i] != b',' && t[i] != b'\r' && t[i] != b'\n' {
                        self.issues.push(SplitIssue {
                            line: self.line,
                            detail_ja: "閉じ引用符の後に文字があります",
                            detail_en: "characters after a closing quote",
                        });
                        let junk = self.stop(i, false);
                        copy.get_or_insert_with(|| t[start..end].to_vec())
                            .extend_from_slice(&t[i..junk]);
                        i = junk;
                    }
                }
                // Only ASCII bytes were removed or added, at character boundaries.
                if let Some(value) = copy {
                    unquoted.push(Unquoted {
                        field: spans.len(),
                        value,
                        whole: (start - 1, i),
                    });
                }
                spans.push((to_u32(start), to_u32(end)));
            } else {
                let start = i;
                i = self.stop(i, false);
                spans.push((to_u32(start), to_u32(i)));
            }
            if i < n && t[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        if i < n {
            // line end
            if t[i] == b'\r' && i + 1 < n && t[i + 1] == b'\n' {
                i += 1;
            }
            i += 1;
            self.line += 1;
        }
        self.i = i;
        Some(rec_line)
    }
}

/// Where reading stands in a decoded text, and the current record's fields.
#[derive(Debug)]
struct Cursor {
    pos: usize,
    line: usize,
    spans: Vec<(u32, u32)>,
    unquoted: Vec<Unquoted>,
    /// The decoded fields of the current record ([`Cursor::decode_fields`]).
    decoded: String,
    /// Per column, its last non-ASCII value decoded.
    columns: Vec<Option<Decoded>>,
    /// The block of the text last looked at (a cursor reads one text).
    block: Block,
    issues: Vec<SplitIssue>,
    /// Whether the text ended inside a quoted value.
    open_quote: bool,
}

impl Default for Cursor {
    fn default() -> Self {
        Cursor {
            pos: 0,
            line: 1,
            spans: Vec::with_capacity(32),
            unquoted: Vec::new(),
            decoded: String::new(),
            columns: Vec::new(),
            block: Block::NONE,
            issues: Vec::new(),
            open_quote: false,
        }
    }
}

impl Cursor {
    /// Reads the next record of `t` into the cursor (the spans of its fields in `t`); returns
    /// its line.
    fn scan(&mut self, t: &[u8]) -> Option<usize> {
        let mut sc = Scanner {
            t,
            i: self.pos,
            line: self.line,
            issues: std::mem::take(&mut self.issues),
            open_quote: false,
            block: self.block,
        };
        self.spans.clear();
        self.unquoted.clear();
        let line = sc.next_record(&mut self.spans, &mut self.unquoted);
        self.pos = sc.i;
        self.line = sc.line;
        self.block = sc.block;
        self.issues = sc.issues;
        self.open_quote |= sc.open_quote;
        line
    }

    /// Turns the spans of the record last scanned from the file bytes `raw` into the spans of
    /// its fields: an ASCII field (most of them) stays a range of `raw` (marked
    /// [`IN_ASCII`]); any other is decoded into the cursor's `decoded` text. Returns whether a
    /// field held a malformed sequence.
    ///
    /// Each field is decoded on its own, which gives what decoding the whole file first gives:
    /// a field starts after an ASCII byte (or at the start), where the decoder starts afresh,
    /// and ends before one (or at the end), where a lead byte left without its second byte
    /// becomes U+FFFD either way. A column's last non-ASCII value is kept with its text: the
    /// names that fill most of a file (プラン担当者名, サービス事業所名) repeat on every line,
    /// and comparing their bytes is cheaper than decoding them again.
    fn decode_fields(&mut self, raw: &[u8], charset: Charset) -> bool {
        self.decoded.clear();
        let mut malformed = false;
        let mut pending = self.unquoted.iter().peekable();
        for (k, span) in self.spans.iter_mut().enumerate() {
            let (a, b) = (span.0 as usize, span.1 as usize);
            let start = to_u32(self.decoded.len());
            if let Some(u) = pending.next_if(|u| u.field == k) {
                // `""` or characters after the closing quote: decoded as the value stands in
                // the file, quotes and all, then unquoted as text (the bytes between the
                // quotes joined with those after them could make other characters).
                let mut text = String::new();
                malformed |= decode_into(&raw[u.whole.0..u.whole.1], charset, &mut text);
                self.decoded.push_str(&unquote(&text));
                *span = (start, to_u32(self.decoded.len()));
                continue;
            }
            let bytes = &raw[a..b];
            if bytes.is_ascii() && span.0 < IN_ASCII {
                span.0 |= IN_ASCII;
                continue;
            }
            if self.columns.len() <= k {
                self.columns.resize_with(k + 1, || None);
            }
            let column = &mut self.columns[k];
            if column.as_ref().is_none_or(|c| c.bytes != bytes) {
                let mut text = String::new();
                let bad = decode_into(bytes, charset, &mut text);
                *column = Some(Decoded {
                    bytes: bytes.to_vec(),
                    text,
                    malformed: bad,
                });
            }
            if let Some(c) = column {
                malformed |= c.malformed;
                self.decoded.push_str(&c.text);
            }
            *span = (start, to_u32(self.decoded.len()));
        }
        malformed
    }
}

/// A column's last non-ASCII value ([`Cursor::decode_fields`]).
#[derive(Debug)]
struct Decoded {
    bytes: Vec<u8>,
    text: String,
    malformed: bool,
}

/// The value of one field written as it stands in a file: `"…"` with `""` inside, maybe
/// characters after the closing quote, maybe no closing quote.
fn unquote(text: &str) -> String {
    let mut sc = Scanner::new(text.as_bytes());
    let (mut spans, mut unquoted) = (Vec::new(), Vec::new());
    sc.next_record(&mut spans, &mut unquoted);
    match (unquoted.pop(), spans.first()) {
        (Some(u), _) => String::from_utf8_lossy(&u.value).into_owned(),
        (None, Some(&(a, b))) => text.get(a as usize..b as usize).unwrap_or("").to_string(),
        (None, None) => String::new(),
    }
}

/// The records of file bytes (a whole file, or one part of it in [`visit_bytes`]), read one at
/// a time and not kept: split from the bytes; the ASCII fields are ranges of those bytes and
/// the others are decoded one by one ([`Cursor::decode_fields`]), so that no decoded copy of
/// the file is made.
pub struct Records<'t> {
    raw: &'t [u8],
    charset: Charset,
    /// Whether any record so far held a malformed sequence.
    malformed: bool,
    cursor: Cursor,
}

impl<'t> Records<'t> {
    pub fn new(raw: &'t [u8], charset: Charset) -> Self {
        Records {
            raw,
            charset,
            malformed: false,
            cursor: Cursor::default(),
        }
    }

    /// The next record: its line in the part and its fields.
    pub fn next_fields(&mut self) -> Option<(usize, Fields<'_>)> {
        let line = self.cursor.scan(self.raw)?;
        let malformed = self.cursor.decode_fields(self.raw, self.charset);
        self.malformed |= malformed;
        Some((
            line,
            Fields {
                text: &self.cursor.decoded,
                ascii: self.raw,
                spans: &self.cursor.spans,
                malformed,
            },
        ))
    }

    /// The length of the part in bytes (to size what is built from it).
    pub fn byte_len(&self) -> usize {
        self.raw.len()
    }

    /// The syntax issues met so far.
    pub fn issues(&self) -> &[SplitIssue] {
        &self.cursor.issues
    }
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
    FieldWriter::default().write(out, fields, text)
}

/// Writes records one after another, remembering each column's last non-ASCII value and its
/// MS932 bytes: the names that fill most of a file (プラン担当者名, サービス事業所名) repeat
/// on every line, and copying their bytes is much cheaper than encoding them again.
#[derive(Default)]
pub struct FieldWriter {
    /// Per column: the last non-ASCII value written.
    last: Vec<Option<Encoded>>,
}

/// A value and what writing it gave.
struct Encoded {
    value: String,
    /// The bytes as written (inside the quotes).
    bytes: Vec<u8>,
    /// The characters that could not be encoded.
    bad: Vec<char>,
}

impl FieldWriter {
    /// As [`write_fields`].
    pub fn write<'a>(
        &mut self,
        out: &mut Vec<u8>,
        fields: impl Iterator<Item = &'a str>,
        text: &[bool],
    ) -> Vec<(usize, char)> {
        let mut bad_all = Vec::new();
        for (i, f) in fields.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let quoted = text.get(i).copied().unwrap_or(false);
            if quoted {
                out.push(b'"');
            }
            if f.is_ascii() && !(quoted && f.contains('"')) {
                out.extend_from_slice(f.as_bytes());
            } else {
                if self.last.len() <= i {
                    self.last.resize_with(i + 1, || None);
                }
                match &self.last[i] {
                    Some(e) if e.value == f => {
                        out.extend_from_slice(&e.bytes);
                        bad_all.extend(e.bad.iter().map(|c| (i, *c)));
                    }
                    _ => {
                        let start = out.len();
                        let mut bad = Vec::new();
                        if quoted && f.contains('"') {
                            encoding::encode_into(&f.replace('"', "\"\""), out, &mut bad);
                        } else {
                            encoding::encode_into(f, out, &mut bad);
                        }
                        bad_all.extend(bad.iter().map(|c| (i, *c)));
                        self.last[i] = Some(Encoded {
                            value: f.to_string(),
                            bytes: out[start..].to_vec(),
                            bad,
                        });
                    }
                }
            }
            if quoted {
                out.push(b'"');
            }
        }
        out.extend_from_slice(b"\r\n");
        bad_all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_ms932_as_encoding_rs_does_whatever_the_text_needs() {
        let kanji = "介護支援専門員".repeat(500);
        let katakana = "ｶｲｺﾞ".repeat(500);
        let cases: Vec<Vec<u8>> = vec![
            Vec::new(),
            b"202407,131016\r\n".to_vec(),
            encoding_rs::SHIFT_JIS.encode(&kanji).0.into_owned(),
            // Half-width katakana: one byte becomes three, more than the first buffer holds.
            encoding_rs::SHIFT_JIS.encode(&katakana).0.into_owned(),
            [b"ok,".as_slice(), &[0x81, 0x20, 0xff, 0x82], b",end"].concat(),
        ];
        for bytes in cases {
            let (want, want_bad) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&bytes);
            assert_eq!(decode_ms932(&bytes), (want.into_owned(), want_bad));
        }
    }

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
    fn count_byte_counts_what_a_byte_loop_counts() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in [0, 1, 254, 255, 256, 511, 1000, 70_000] {
            let b: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    [b'"', b'a', b'\n', 0x82][(seed % 4) as usize]
                })
                .collect();
            let expected = b.iter().filter(|&&c| c == b'"').count();
            assert_eq!(count_byte(&b, b'"'), expected, "length {len}");
        }
        assert_eq!(count_byte(&[b'"'; 600], b'"'), 600);
    }

    #[test]
    fn the_block_search_finds_what_a_byte_loop_finds() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for len in (0..140usize).chain([255, 256, 257, 1000]) {
            for round in 0..30 {
                // from delimiters everywhere to none at all
                let sparse = 1 + round % 40;
                let t: Vec<u8> = (0..len)
                    .map(|_| {
                        let r = next();
                        match r % (8 * sparse) {
                            0 => b',',
                            1 => b'"',
                            2 => b'\r',
                            3 => b'\n',
                            // bytes with the high bit set (signed compares would mislead)
                            4 => 0x80 | (r >> 8) as u8,
                            5 => 0xff,
                            6 => 0,
                            _ => b'a' + (r >> 8) as u8 % 26,
                        }
                    })
                    .collect();
                let mut sc = Scanner::new(&t);
                // forwards, backwards and jumping: the cached block must not mislead
                let order: Vec<usize> = (0..=len)
                    .chain((0..=len).rev())
                    .chain((0..=len).map(|k| k * 37 % (len + 1)))
                    .collect();
                for i in order {
                    let first = |stops: &[u8]| {
                        t[i..]
                            .iter()
                            .position(|c| stops.contains(c))
                            .map_or(len, |k| i + k)
                    };
                    assert_eq!(sc.stop(i, false), first(b",\r\n"), "{t:?} from {i}");
                    assert_eq!(sc.stop(i, true), first(b"\"\r\n"), "{t:?} from {i}");
                }
            }
        }
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

    fn records(b: &[u8], threads: usize) -> (Vec<RawRecord>, Vec<SplitIssue>, usize) {
        raw_parts(b, Charset::Utf8, threads)
    }

    /// A file over the parallel threshold whose records hold quoted commas and line breaks of
    /// every kind, blank lines, and `extra` inserted at record `at`.
    fn big(extra: &str, at: usize) -> Vec<u8> {
        let mut t = String::new();
        let mut i = 0;
        while t.len() < 3 * PARALLEL_FROM {
            if i == at {
                t.push_str(extra);
            }
            match i % 5 {
                0 => t.push_str(&format!("202407,{i},\"a,\r\nb\",\"x\"\"y\"\r\n")),
                1 => t.push_str(&format!("202407,{i},\"\n\n\",plain\n")),
                2 => t.push_str("\r\n"),
                3 => t.push_str(&format!("202407,{i},\"c\rd\",\r\n")),
                _ => t.push_str(&format!("202407,{i},,\"\"\r\n")),
            }
            i += 1;
        }
        t.into_bytes()
    }

    #[test]
    fn parallel_split_equals_one_thread() {
        for (extra, at) in [
            ("", 0),
            // a stray quote inside an unquoted value flips the quote count: the cut must be
            // refused (or land where the one-thread reader also ends a record)
            ("1,ab\"c,2\r\n", 7),
            // an unclosed quote near the end swallows the rest
            ("1,\"never closed\r\n", 60_000),
            // junk after a closing quote
            ("1,\"a\"b,2\r\n", 30_000),
        ] {
            let b = big(extra, at);
            let one = records(&b, 1);
            assert_eq!(one.2, 1);
            for threads in [2, 3, 7] {
                let many = records(&b, threads);
                assert_eq!(
                    many.0, one.0,
                    "records with {threads} threads, extra {extra:?}"
                );
                assert_eq!(
                    many.1, one.1,
                    "issues with {threads} threads, extra {extra:?}"
                );
            }
        }
        // The clean file is really split in parts.
        assert_eq!(records(&big("", 0), 2).2, 2);
    }

    /// (line, fields) of each record.
    type Lines = Vec<(usize, Vec<String>)>;

    /// Every record of `b` read from its bytes (as files are read), the issues, and whether
    /// anything was malformed.
    fn from_bytes(b: &[u8], charset: Charset) -> (Lines, Vec<SplitIssue>, bool) {
        let v = visit_bytes(b, charset, 1, |_, records| {
            let mut out = Vec::new();
            while let Some((line, f)) = records.next_fields() {
                let fields = f.to_vec();
                // The flag is exact: set when a field holds U+FFFD (MS932 cannot encode it).
                assert_eq!(
                    f.maybe_malformed(),
                    fields.iter().any(|x| x.contains('\u{FFFD}')),
                    "line {line}: {fields:?}"
                );
                out.push((line, fields));
            }
            out
        });
        let malformed = v.malformed;
        let mut parts = v.parts;
        assert_eq!(parts.len(), 1);
        (parts.remove(0).out, v.issues, malformed)
    }

    /// The same, decoding the whole text first and splitting it (fields are ranges of the
    /// text, or the scanner's unquoted copies).
    fn from_text(b: &[u8], charset: Charset) -> (Lines, Vec<SplitIssue>, bool) {
        let mut text = String::new();
        let malformed = decode_into(b, charset, &mut text);
        let mut sc = Scanner::new(text.as_bytes());
        let mut out = Vec::new();
        let (mut spans, mut unquoted) = (Vec::new(), Vec::new());
        while let Some(line) = sc.next_record(&mut spans, &mut unquoted) {
            let mut pending = unquoted.drain(..).peekable();
            let fields = spans
                .drain(..)
                .enumerate()
                .map(|(k, (a, b))| match pending.next_if(|u| u.field == k) {
                    Some(u) => String::from_utf8_lossy(&u.value).into_owned(),
                    None => text[a as usize..b as usize].to_string(),
                })
                .collect();
            out.push((line, fields));
        }
        (out, sc.issues, malformed)
    }

    #[test]
    fn decoding_each_field_reads_what_decoding_the_whole_text_reads() {
        let kanji = encoding_rs::SHIFT_JIS.encode("介護,\"ｶﾅ\"").0.into_owned();
        let other = encoding_rs::SHIFT_JIS.encode("①髙").0.into_owned();
        let mut ms932 = Vec::new();
        for i in 0..40 {
            ms932.extend_from_slice(format!("202407,{i},\"").as_bytes());
            // the same value on most lines (the column keeps it), another now and then
            ms932.extend_from_slice(if i % 7 == 3 { &other } else { &kanji });
            // a line feed inside quotes every third record, a blank line every fifth
            if i % 3 == 0 {
                ms932.extend_from_slice(b"\r\n");
                ms932.extend_from_slice(&kanji);
            }
            ms932.extend_from_slice(b"\",x,");
            ms932.extend_from_slice(&kanji[..2]);
            ms932.extend_from_slice(b"\r\n");
            if i % 5 == 0 {
                ms932.extend_from_slice(b"\n");
            }
            if i == 17 {
                // malformed: a lead byte before a line feed, and a lone 0xFF
                ms932.extend_from_slice(&[b'1', b',', 0x81, b'\n', 0xff, b',', b'2', b'\n']);
            }
            if i == 23 {
                // a lead byte before a closing quote followed by characters that could be its
                // second byte; before `""`; at the end of an unquoted value; half-width kana
                ms932.extend_from_slice(b"\"ab\x81\"xy,\"c\x81\"\"\x40\",d\x81,\xb6\xc5\r\n");
            }
        }
        let cases: Vec<(Vec<u8>, Charset)> = vec![
            (ms932.clone(), Charset::Ms932),
            // the same ending in an unclosed quote, and without a final line end
            (
                [ms932.as_slice(), b"9,\"open\r\nand \x81"].concat(),
                Charset::Ms932,
            ),
            ([ms932.as_slice(), b"9,last\x82"].concat(), Charset::Ms932),
            (
                "a,\"b,\"\"c\"\"\r\nd\",e\r\n1,2\n\n3,\"\"\r4,\"x\"y,5\r\n6,\"o\npen"
                    .as_bytes()
                    .to_vec(),
                Charset::Utf8,
            ),
            (
                [
                    b"\"\xe4\xbb\x8b\"\xe8,\xe8\xad\xb7,\xff\r\n".as_slice(),
                    "介護".as_bytes(),
                ]
                .concat(),
                Charset::Utf8,
            ),
            (Vec::new(), Charset::Ms932),
            (b"\r\n\n\n".to_vec(), Charset::Ms932),
        ];
        for (b, charset) in cases {
            let bytes = from_bytes(&b, charset);
            assert_eq!(bytes, from_text(&b, charset), "{b:?}");
        }
    }

    #[test]
    fn records_read_one_at_a_time_read_what_split_reads() {
        let text = "a,\"b,\"\"c\"\"\r\nd\",e\r\n1,2\n\n3,\"\"\r4,\"x\"y,5\r\n6,\"open";
        let (recs, issues) = split(text);
        let mut st = Records::new(text.as_bytes(), Charset::Utf8);
        let mut got = Vec::new();
        while let Some((line, f)) = st.next_fields() {
            let mut r = RawRecord::from_fields(&f.to_vec());
            r.line = line;
            got.push(r);
        }
        assert_eq!(got, recs);
        assert_eq!(st.issues(), &issues[..]);
        assert_eq!(issues.len(), 2);
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

    #[test]
    fn a_field_writer_writes_what_fresh_writes_write() {
        let records: [[&str; 3]; 6] = [
            ["居宅 花子", "髙橋𠮷", "ｶﾅ\"引用\""],
            ["居宅 花子", "髙橋𠮷", "ｶﾅ\"引用\""],
            ["居宅 花子", "①②", "plain"],
            ["居宅 太郎", "①②", "ｶﾅ\"引用\""],
            ["a\"b", "①②", ""],
            ["居宅 花子", "髙橋𠮷", "ｶﾅ\"引用\""],
        ];
        for text in [[true, true, true], [false, true, false]] {
            let mut writer = FieldWriter::default();
            let (mut cached, mut fresh) = (Vec::new(), Vec::new());
            for r in &records {
                let a = writer.write(&mut cached, r.iter().copied(), &text);
                let b = write_fields(&mut fresh, r.iter().copied(), &text);
                assert_eq!(a, b, "{r:?}");
                assert_eq!(cached, fresh, "{r:?}");
            }
            assert!(!cached.is_empty());
        }
    }
}
