//! 地域区分: the pay-area grade of an office, which sets its 単位数単価.
//! The unit prices per grade and service group come with the care-records work (issue 4).

/// (stored key, label) in the order of the official table.
pub const GRADES: [(&str, &str); 8] = [
    ("1", "1級地"),
    ("2", "2級地"),
    ("3", "3級地"),
    ("4", "4級地"),
    ("5", "5級地"),
    ("6", "6級地"),
    ("7", "7級地"),
    ("other", "その他"),
];

pub fn label(key: &str) -> &'static str {
    GRADES
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, l)| *l)
        .unwrap_or("その他")
}

pub fn is_valid(key: &str) -> bool {
    GRADES.iter().any(|(k, _)| *k == key)
}
