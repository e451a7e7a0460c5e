//! Unpacking what users hand us: CSV files and zips of them (the national client's downloads,
//! or folders zipped by hand). Bounded: entry count, total uncompressed size; entry names read
//! as UTF-8 when the zip says so, else MS932; entries that climb out of the archive (`../x`,
//! absolute paths) refuse the whole zip. Used by `tsunagi csv` and the import screen.

use std::io::Read;

/// At most this many entries are read from one zip.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// At most this many uncompressed bytes are read from one zip (all entries together).
pub const MAX_ZIP_TOTAL: u64 = 1 << 30;
/// An entry may expand to at most this many times its compressed size… Real exchange CSVs
/// compress about 30:1 (docs/performance.md); a bomb of repeated bytes reaches about 1000:1.
pub const MAX_ZIP_RATIO: u64 = 200;
/// …once it is larger than this: small entries may compress however well they like.
pub const ZIP_RATIO_FLOOR: u64 = 1 << 20;

/// Why a zip is refused, in English (the command line) or Japanese (the screen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ZipRefusal {
    NotZip(String),
    TooManyEntries(usize),
    UnsafePath(String),
    TooLarge(u64),
    Bomb(String),
    Unreadable(String, String),
}

impl ZipRefusal {
    pub fn message_ja(&self) -> String {
        match self {
            ZipRefusal::NotZip(_) => "zip ファイルとして読み取れません".into(),
            ZipRefusal::TooManyEntries(n) => {
                format!("中のファイルが {n} 件あり、上限（{MAX_ZIP_ENTRIES} 件）を超えています")
            }
            ZipRefusal::UnsafePath(name) => {
                format!("中のファイル「{name}」の場所が zip の外（.. や絶対パス）を指しています")
            }
            ZipRefusal::TooLarge(limit) => {
                format!("展開すると {} MB を超えます", limit / 1024 / 1024)
            }
            ZipRefusal::Bomb(name) => format!(
                "中のファイル「{name}」が、圧縮された大きさの {MAX_ZIP_RATIO} 倍を超えて展開されます（不正な zip の疑い）"
            ),
            ZipRefusal::Unreadable(name, _) => {
                format!("中のファイル「{name}」を読み取れません（壊れている可能性があります）")
            }
        }
    }
}

impl std::fmt::Display for ZipRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ZipRefusal::NotZip(e) => write!(f, "not a readable zip ({e})"),
            ZipRefusal::TooManyEntries(n) => {
                write!(f, "{n} entries (at most {MAX_ZIP_ENTRIES})")
            }
            ZipRefusal::UnsafePath(name) => write!(
                f,
                "the entry {name:?} has a path outside the archive (.. or absolute); the zip is refused"
            ),
            ZipRefusal::TooLarge(limit) => write!(f, "more than {limit} bytes uncompressed"),
            ZipRefusal::Bomb(name) => write!(
                f,
                "the entry {name:?} expands more than {MAX_ZIP_RATIO} times its compressed size (a zip bomb?); the zip is refused"
            ),
            ZipRefusal::Unreadable(name, e) => write!(f, "{name}: {e}"),
        }
    }
}

/// One input: where it came from (for people) and its bytes.
#[derive(Debug, Clone)]
pub struct Input {
    /// `path/to/file.CSV` or `archive.zip!entry.CSV`.
    pub display: String,
    /// The file name given to the codec (directories removed).
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Whether a zip entry name points outside the archive.
fn unsafe_path(name: &str) -> bool {
    let n = name.replace('\\', "/");
    n.starts_with('/') || n.split('/').any(|part| part == "..") || n.get(1..2) == Some(":")
}

/// What a file that should hold CSV text plainly is instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotText {
    /// UTF-16 text (a byte-order mark, or ASCII whose every other byte is NUL).
    Utf16,
    /// Binary data: a picture, PDF or spreadsheet renamed .CSV.
    Binary,
}

/// Whether `bytes` plainly are not CSV text. MS932 and UTF-8 text never hold a NUL byte;
/// UTF-16 text and binary files do (or start with a UTF-16 byte-order mark, which is no valid
/// MS932 either).
pub fn not_text(bytes: &[u8]) -> Option<NotText> {
    let head = &bytes[..bytes.len().min(4096)];
    let bom = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
    if !bom && !head.contains(&0) {
        return None;
    }
    let nul_at = |parity: usize| {
        head.iter()
            .enumerate()
            .filter(|(i, b)| i % 2 == parity && **b == 0)
            .count()
    };
    let (even, odd, half) = (nul_at(0), nul_at(1), head.len() / 2);
    let one_sided = |a: usize, b: usize| a * 2 > half && b * 8 < half;
    if bom || one_sided(even, odd) || one_sided(odd, even) {
        Some(NotText::Utf16)
    } else {
        Some(NotText::Binary)
    }
}

/// Decodes a zip entry name: UTF-8 when general-purpose flag bit 11 is set, else MS932.
pub fn zip_entry_name(raw: &[u8], utf8_flag: bool) -> String {
    if utf8_flag {
        String::from_utf8_lossy(raw).into_owned()
    } else {
        encoding_rs::SHIFT_JIS
            .decode_without_bom_handling(raw)
            .0
            .into_owned()
    }
}

/// Reads the CSV entries of a zip held in memory, with bounds on the entry count, the total
/// uncompressed size and each entry's expansion. Errors name the zip (`display`).
pub fn read_zip(display: &str, bytes: &[u8]) -> Result<Vec<Input>, String> {
    read_zip_within(display, bytes, MAX_ZIP_TOTAL).map_err(|e| format!("{display}: {e}"))
}

/// [`read_zip`] with a smaller total: at most `max_total` uncompressed bytes are ever read.
pub fn read_zip_within(
    display: &str,
    bytes: &[u8],
    max_total: u64,
) -> Result<Vec<Input>, ZipRefusal> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| ZipRefusal::NotZip(e.to_string()))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(ZipRefusal::TooManyEntries(archive.len()));
    }
    let mut total: u64 = 0;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| ZipRefusal::Unreadable(format!("#{i}"), e.to_string()))?;
        if entry.is_dir() {
            continue;
        }
        let name = zip_entry_name(entry.name_raw(), entry.flags().as_u16() & 0x0800 != 0);
        if unsafe_path(&name) {
            return Err(ZipRefusal::UnsafePath(name));
        }
        let base = crate::standard::file_name::base_name(&name).to_string();
        if !base.to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        // Never read more than the bounds allow, whatever the entry claims about itself.
        let expand_limit = entry
            .compressed_size()
            .saturating_mul(MAX_ZIP_RATIO)
            .max(ZIP_RATIO_FLOOR);
        let remaining = max_total.saturating_sub(total);
        let mut data = Vec::new();
        (&mut entry)
            .take(remaining.min(expand_limit) + 1)
            .read_to_end(&mut data)
            .map_err(|e| ZipRefusal::Unreadable(name.clone(), e.to_string()))?;
        if data.len() as u64 > expand_limit {
            return Err(ZipRefusal::Bomb(name));
        }
        total += data.len() as u64;
        if total > max_total {
            return Err(ZipRefusal::TooLarge(max_total));
        }
        out.push(Input {
            display: format!("{display}!{name}"),
            name: base,
            bytes: data,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::Write;
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, data) in entries {
            z.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(data).unwrap();
        }
        z.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_csv_entries_and_refuses_climbing_paths() {
        let ok = zip_of(&[("dir/A.CSV", b"x"), ("readme.txt", b"y")]);
        let got = read_zip("a.zip", &ok).unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name, "A.CSV");
        for bad in [
            "../A.CSV",
            "/etc/A.CSV",
            "a/../../A.CSV",
            "C:/A.CSV",
            "..\\A.CSV",
        ] {
            let z = zip_of(&[(bad, b"x")]);
            let e = read_zip("b.zip", &z).unwrap_err();
            assert!(e.contains("outside the archive"), "{bad}: {e}");
        }
    }

    #[test]
    fn refuses_bombs_and_keeps_to_the_total() {
        // 8 MB of one byte compresses about 1000:1.
        let bomb = zip_of(&[("A.CSV", &vec![b'0'; 8 << 20])]);
        assert!(bomb.len() < 64 << 10);
        let e = read_zip_within("bomb.zip", &bomb, MAX_ZIP_TOTAL).unwrap_err();
        assert_eq!(e, ZipRefusal::Bomb("A.CSV".into()));
        assert!(e.message_ja().contains("200 倍"));
        // Small entries may compress as well as they like.
        let small = zip_of(&[("B.CSV", &vec![b'0'; 512 << 10])]);
        assert_eq!(read_zip("s.zip", &small).unwrap()[0].bytes.len(), 512 << 10);
        // The total is a hard limit across entries.
        let two = zip_of(&[("C.CSV", &[b'1'; 600]), ("D.CSV", &[b'2'; 600])]);
        assert_eq!(
            read_zip_within("t.zip", &two, 1000).unwrap_err(),
            ZipRefusal::TooLarge(1000)
        );
        assert_eq!(read_zip_within("t.zip", &two, 1200).unwrap().len(), 2);
    }

    #[test]
    fn text_utf16_and_binary() {
        assert_eq!(not_text(b"1,\"202612\"\r\n"), None);
        let (ms932, _, _) = encoding_rs::SHIFT_JIS.encode("1,\"山田\"\r\n");
        assert_eq!(not_text(&ms932), None);
        assert_eq!(not_text("1,\"山田\"\r\n".as_bytes()), None);
        let le: Vec<u8> = "1,2\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_le_bytes())
            .collect();
        let be: Vec<u8> = "1,2\r\n"
            .encode_utf16()
            .flat_map(|u| u.to_be_bytes())
            .collect();
        for t in [&le, &be, &vec![0xFF, 0xFE, b'1', 0]] {
            assert_eq!(not_text(t), Some(NotText::Utf16), "{t:?}");
        }
        assert_eq!(
            not_text(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"),
            Some(NotText::Binary)
        );
        assert_eq!(not_text(b"%PDF-1.7\n\0\x01"), Some(NotText::Binary));
        // A mostly empty bitmap is binary, not UTF-16, though half its bytes are NUL.
        assert_eq!(not_text(&[0u8; 64]), Some(NotText::Binary));
    }
}
