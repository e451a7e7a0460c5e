//! Unpacking what users hand us: CSV files and zips of them (the national client's downloads,
//! or folders zipped by hand). Bounded: entry count, total uncompressed size; entry names read
//! as UTF-8 when the zip says so, else MS932; entries that climb out of the archive (`../x`,
//! absolute paths) refuse the whole zip. Used by `tsunagi csv` and the import screen.

use std::io::Read;

/// At most this many entries are read from one zip.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// At most this many uncompressed bytes are read from one zip (all entries together).
pub const MAX_ZIP_TOTAL: u64 = 1 << 30;

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

/// Reads the CSV entries of a zip held in memory, with bounds on the entry count and the
/// total uncompressed size.
pub fn read_zip(display: &str, bytes: &[u8]) -> Result<Vec<Input>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| format!("{display}: not a readable zip ({e})"))?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(format!(
            "{display}: {} entries (at most {MAX_ZIP_ENTRIES})",
            archive.len()
        ));
    }
    let mut total: u64 = 0;
    let mut out = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| format!("{display}: entry {i}: {e}"))?;
        if entry.is_dir() {
            continue;
        }
        let name = zip_entry_name(entry.name_raw(), entry.flags().as_u16() & 0x0800 != 0);
        if unsafe_path(&name) {
            return Err(format!(
                "{display}: the entry {name:?} has a path outside the archive (.. or absolute); the zip is refused"
            ));
        }
        let base = crate::standard::file_name::base_name(&name).to_string();
        if !base.to_ascii_lowercase().ends_with(".csv") {
            continue;
        }
        let remaining = MAX_ZIP_TOTAL.saturating_sub(total);
        let mut data = Vec::new();
        (&mut entry)
            .take(remaining + 1)
            .read_to_end(&mut data)
            .map_err(|e| format!("{display}!{name}: {e}"))?;
        total += data.len() as u64;
        if total > MAX_ZIP_TOTAL {
            return Err(format!(
                "{display}: more than {MAX_ZIP_TOTAL} bytes uncompressed"
            ));
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
}
