//! Lists for spreadsheets: CSV in MS932 that Excel opens with a double click, with every cell
//! that Excel would read as a formula made harmless (CSV injection).

/// A cell starting with = + - @ (or a tab / CR) gets a leading apostrophe, so Excel shows it
/// as text instead of evaluating it.
pub fn harmless(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r' | '＝' | '＋' | '－' | '＠') => {
            format!("'{cell}")
        }
        _ => cell.to_string(),
    }
}

/// A header row and data rows → MS932 CSV bytes with CRLF line ends.
pub fn csv_ms932(header: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let write = |w: &mut csv::Writer<Vec<u8>>| -> csv::Result<()> {
        w.write_record(header)?;
        for r in rows {
            w.write_record(r.iter().map(|c| harmless(c)))?;
        }
        w.flush()?;
        Ok(())
    };
    // Writing to memory cannot fail.
    let _ = write(&mut w);
    let utf8 = String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default();
    crate::standard::encoding::encode(&utf8).0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_text_is_ms932() {
        let bytes = csv_ms932(
            &["氏名", "メモ"],
            &[
                vec!["山田".into(), "=1+1".into()],
                vec!["𠮷田".into(), "-5".into()],
            ],
        );
        let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
        assert!(!bad);
        assert_eq!(text, "氏名,メモ\r\n山田,'=1+1\r\n〓田,'-5\r\n");
    }
}
