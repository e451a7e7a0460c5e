//! Property tests: random records survive write → read unchanged; random bytes and names never
//! panic the reader.

use proptest::prelude::*;
use std::path::Path;
use tsunagi::standard::{self, CsvVersion, FileName, ParsedFile, Record};

fn fixture(prefix: &str) -> (String, Vec<u8>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/standard/v4");
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    let p = v
        .into_iter()
        .find(|p| {
            let n = p.file_name().unwrap().to_str().unwrap();
            n.starts_with(prefix) && n.ends_with(".CSV")
        })
        .unwrap();
    (
        p.file_name().unwrap().to_str().unwrap().to_string(),
        std::fs::read(&p).unwrap(),
    )
}

fn typed(prefix: &str) -> (FileName, Vec<Record>) {
    let (name, bytes) = fixture(prefix);
    let f = standard::read_file(&name, &bytes);
    (
        f.name.clone().unwrap(),
        f.data().map(|(_, r)| r.clone()).collect(),
    )
}

/// Free text: Japanese, commas, quotes, CR/LF, half-width kana, NEC/IBM extensions, empty.
fn text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "Z", "0", " ", ",", "\"", "\"\"", "\r\n", "\n", "\r", "ｱ", "ﾝ", "ｶﾞ", "あ", "漢", "髙",
        "﨑", "①", "⑳", "Ⅹ", "ⅰ", "㈱", "№", "纊", "～", "∥", "－", "￥", "ー", "　", "'", "\t",
        "；",
    ]);
    prop::collection::vec(pieces, 0..12).prop_map(|v| v.concat())
}

fn opt_num(max: u32) -> impl Strategy<Value = Option<u32>> {
    prop::option::of(0..=max)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn schedule_records_round_trip(
        texts in prop::collection::vec((text(), text(), text()), 1..6),
        units in prop::collection::vec(opt_num(999_999), 1..6),
        count in 0u32..=99,
        v3 in any::<bool>(),
    ) {
        let (name, base) = typed("UPPLAN");
        let mut recs = Vec::new();
        for (i, (a, b, c)) in texts.iter().enumerate() {
            let mut r = base[i % base.len()].clone();
            if let Record::Schedule(s) = &mut r {
                s.care_manager_name = a.clone();
                s.provider_name = b.clone();
                s.equipment_name = if v3 { String::new() } else { c.clone() };
                s.units = units[i % units.len()];
                s.count = count;
                if v3 {
                    s.tais_code = None;
                    s.notification_code = None;
                }
            }
            recs.push(r);
        }
        let version = if v3 { CsvVersion::V202208 } else { CsvVersion::V202407 };
        let w = standard::write_file(&name, &recs, version);
        prop_assert!(w.findings.is_empty(), "{:#?}", w.findings);
        let back = standard::read_file(&w.name, &w.bytes);
        prop_assert!(back.findings.is_empty());
        let got: Vec<Record> = back.data().map(|(_, r)| r.clone()).collect();
        let mut want = recs.clone();
        for r in &mut want {
            if let Record::Schedule(s) = r {
                s.csv_version = version;
            }
        }
        prop_assert_eq!(got, want);
    }

    #[test]
    fn plan1_texts_round_trip(t in prop::collection::vec(text(), 8)) {
        let (name, base) = typed("UP1KYO");
        let mut r = base[0].clone();
        if let Record::Plan1(p) = &mut r {
            p.address1 = t[0].clone();
            p.address2 = t[1].clone();
            p.author_name = format!("x{}", t[2]);
            p.office_name = format!("y{}", t[3]);
            p.needs_analysis = t[4].clone();
            p.board_opinion = t[5].clone();
            p.policy = t[6].clone();
            p.other_reason = t[7].clone();
        }
        let w = standard::write_file(&name, std::slice::from_ref(&r), CsvVersion::V202407);
        prop_assert!(w.findings.is_empty(), "{:#?}", w.findings);
        let back = standard::read_file(&w.name, &w.bytes);
        prop_assert_eq!(back.records.len(), 1);
        prop_assert_eq!(back.records[0].data.as_ref(), Some(&r));
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..3000), name in "[A-Z0-9_]{0,40}(\\.CSV)?") {
        let f = standard::read_file(&name, &bytes);
        let g = standard::read_file("UPSIKYU_202504_1310100019_43_1310100027_11_20250325100000.CSV", &bytes);
        let _ = standard::check_sets(&[f, g]);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in 0usize..6,
        edits in prop::collection::vec((any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 0..8), 0usize..8), 1..8),
    ) {
        let prefix = ["UPPLAN", "UPSIKYU", "UPHOSOKU_202504", "UP1KYO", "UP2KYO", "DLTJSK"][which];
        let (name, mut bytes) = fixture(prefix);
        for (at, insert, remove) in edits {
            let i = at.index(bytes.len() + 1);
            let end = (i + remove).min(bytes.len());
            bytes.splice(i..end, insert);
        }
        let f = standard::read_file(&name, &bytes);
        // The writer's self-check (records not kept) finds exactly what the reader finds.
        prop_assert_eq!(&standard::check_file(&name, &bytes), &f.findings);
        let files: Vec<ParsedFile> = vec![f];
        let _ = standard::check_sets(&files);
    }

    #[test]
    fn random_names_never_panic(name in "\\PC{0,80}") {
        let _ = FileName::parse(&name);
        let _ = standard::read_file(&name, b"202407,131016,0000012345,202504\r\n");
    }

    #[test]
    fn unencodable_chars_are_exactly_what_is_replaced(s in "\\PC{0,40}") {
        let bad = standard::unencodable_chars(&s);
        let (bytes, replaced) = standard::encoding::encode(&s);
        for c in &replaced {
            prop_assert!(bad.contains(c));
        }
        let back = standard::encoding::decode(&bytes).text;
        prop_assert_eq!(back.chars().count(), s.chars().count());
    }
}
