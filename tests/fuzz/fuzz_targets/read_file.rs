//! Arbitrary bytes into the reader (and the set checker) under a few file names. Also a
//! differential check: the streaming checker (`check_file`, the writer's self-check) must find
//! exactly what `read_file` finds, and `raw_records` must give one field list per record.
#![no_main]

use libfuzzer_sys::fuzz_target;

const NAMES: &[&str] = &[
    "UPPLAN_202504_1310100019_43_1310100027_11_20250325100000.CSV",
    "UPJSK_202504_1310100027_11_1310100019_43_20250503090000.CSV",
    "UPSIKYU_202504_1310100019_43_1310100027_11_20250325100000.CSV",
    "UPHOSOKU_202504_1310100019_43_1310100027_11_20250325100000.CSV",
    "UPHOSOKU_000000_1310100019_1310100027_20250320100000.CSV",
    "UP1KYO_1310100019_43_1310100027_11_20250320100000.CSV",
    "UP2KYO_1310100019_1310100027_20250320100000.CSV",
    "UP3KYO_1310100019_43_1310100027_11_20250320100000.CSV",
    "DLT1KYO_1310100019_43_1310100027_11_20250326100000.CSV",
    "DLTPLAN_202504_1310100019_43_1310100027_11_20250327100000.CSV",
    "DLTJSK_202504_1310100027_11_1310100019_43_20250504090000.CSV",
    "not-a-standard-name.csv",
];

fuzz_target!(|data: &[u8]| {
    let (sel, rest) = data
        .split_first()
        .map(|(s, r)| (*s as usize, r))
        .unwrap_or((0, data));
    let name = NAMES[sel % NAMES.len()];
    let f = tsunagi::standard::read_file(name, rest);
    assert_eq!(tsunagi::standard::check_file(name, rest), f.findings);
    assert_eq!(tsunagi::standard::raw_records(rest).len(), f.records.len());
    let g = tsunagi::standard::read_file(NAMES[(sel + 1) % NAMES.len()], rest);
    let _ = tsunagi::standard::check_sets(&[f, g]);
});
